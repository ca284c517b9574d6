// Multi-core training (src/backend/threaded.ts, src/backend/threads/): one shared memory, a pool of
// persistent workers, each product split over output blocks. Checked here: results bit-identical
// for every thread count and to the single-thread binary; worker failures (a throw, an exit) make
// fit reject with WorkerError naming the worker and the kernel, with finite parameters and no
// worker left; cancellation and dispose leave no worker running or spinning; a checkpoint taken
// with 2 threads resumes bit-identically with 1; the threaded binaries carry no data segment;
// the `threads` option's rules; a script that never disposes still exits.
// "Bit-identical" compares raw f32 bit patterns.

import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // before the first wasm compile
const { test } = await import('node:test');
const assert = (await import('node:assert/strict')).default;
const { readFileSync } = await import('node:fs');
const { spawnSync } = await import('node:child_process');
const { fileURLToPath } = await import('node:url');
const lib = await import('../../dist/index.js');
const { createNetwork, createKernels, Network, Rng, WorkerError, ConfigError, DivergenceError } = lib;

const bits = (p) => [...p.weights, ...p.biases].flatMap((t) => Array.from(new Uint32Array(t.buffer, t.byteOffset, t.length)));
function assertSameBits(a, b, what) {
  const A = bits(a), B = bits(b);
  assert.equal(A.length, B.length, `${what}: parameter count`);
  const i = A.findIndex((v, j) => v !== B[j]);
  assert.equal(i, -1, `${what}: parameter #${i} differs`);
}

function blobs(n, inputs, classes, seed) {
  const r = new Rng(seed);
  const x = new Float32Array(n * inputs);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r.int(classes);
    for (let k = 0; k < inputs; k++) x[i * inputs + k] = r.normal() * 0.5 + (k % classes === y[i] ? 1 : 0);
  }
  return { x, y };
}

/** A network over the given kernels, with every product split however small (minWork 1), so
 * small shapes exercise every split the big ones use. */
async function splitEverywhere(backend, threads, layers, optimizer, seed = 3) {
  const kernels = await createKernels(backend, {}, { threads });
  if (threads > 1) for (const op of Object.keys(kernels.minWork)) kernels.minWork[op] = 1;
  const opt = { momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, ...optimizer };
  return new Network({ layers, hidden: 'relu', output: 'softmax' }, opt, seed, kernels);
}

const OPTIMIZERS = [
  { name: 'sgd', learningRate: 0.05, weightDecay: 1e-3 },
  { name: 'momentum', learningRate: 0.02 },
  { name: 'adam', learningRate: 0.005, weightDecay: 1e-2 },
];
// tile edges everywhere: 4-row tiles (batch 13, tail 1), 8-output panels (17, 9), 8-input panels
const LAYERS = [37, 17, 9, 5];

for (const backend of ['relaxed', 'simd']) {
  test(`${backend}: training on 1, 2 and 3 threads (every product split) ends bit-identical, for sgd, momentum and adam`, async () => {
    const data = blobs(203, LAYERS[0], 5, 9);
    for (const optimizer of OPTIMIZERS) {
      const results = [];
      for (const threads of [1, 2, 3]) {
        const net = await splitEverywhere(backend, threads, LAYERS, optimizer);
        assert.equal(net.threads, threads);
        const history = await net.fit(data.x, data.y, { epochs: 2, batchSize: 13 });
        results.push({ params: net.getParameters(), loss: history.map((h) => h.loss), state: net.getOptimizerState() });
        await net.dispose();
      }
      for (let t = 1; t < results.length; t++) {
        assertSameBits(results[t].params, results[0].params, `${backend} ${optimizer.name}: ${t + 1} threads vs 1`);
        assert.deepEqual(results[t].loss, results[0].loss, `${backend} ${optimizer.name}: losses`);
        for (const k of Object.keys(results[0].state.tensors)) {
          assert.deepEqual(Array.from(new Uint32Array(results[t].state.tensors[k].buffer)), Array.from(new Uint32Array(results[0].state.tensors[k].buffer)), `${optimizer.name} state ${k}`);
        }
      }
    }
  });
}

test('784-128-10 on 2 threads (default split thresholds) matches the single-thread relaxed binary bit for bit', async () => {
  const data = blobs(512, 784, 10, 4);
  const one = await createNetwork({ layers: [784, 128, 10], backend: 'relaxed', seed: 5 });
  const two = await createNetwork({ layers: [784, 128, 10], backend: 'relaxed', seed: 5, threads: 2 });
  assert.equal(one.threads, 1);
  assert.equal(two.threads, 2);
  const h1 = await one.fit(data.x, data.y, { epochs: 2, batchSize: 64 });
  const h2 = await two.fit(data.x, data.y, { epochs: 2, batchSize: 64 });
  assert.deepEqual(h2.map((h) => h.loss), h1.map((h) => h.loss));
  assertSameBits(two.getParameters(), one.getParameters(), '2 threads vs the single-thread binary');
  assert.deepEqual(Array.from(two.predict(data.x.subarray(0, 784 * 7))), Array.from(one.predict(data.x.subarray(0, 784 * 7))));
  await two.dispose();
});

test('lossAndGradients and evaluate on 2 threads equal the single-thread binary (unfused weight gradient, input gradient)', async () => {
  const data = blobs(300, 64, 6, 8);
  const layers = [64, 48, 40, 6];
  const one = await splitEverywhere('simd', 1, layers, { name: 'adam', learningRate: 0.01 });
  const two = await splitEverywhere('simd', 2, layers, { name: 'adam', learningRate: 0.01 });
  const g1 = one.lossAndGradients(data.x, data.y), g2 = two.lossAndGradients(data.x, data.y);
  assert.equal(g2.loss, g1.loss);
  assertSameBits(g2.gradients, g1.gradients, 'gradients');
  assert.deepEqual(two.evaluate(data.x, data.y), one.evaluate(data.x, data.y));
  await two.dispose();
});

test('jobs that leave a worker out (fewer units than threads) alternating with jobs for all: every result exact, many times', async () => {
  // 3 threads; a 12-row forward pass has 2 units (one worker sits out), a 40-row one 5. A worker
  // that sits out must not read the next job's header under the old generation (pool-worker.ts).
  const k = await createKernels('simd', {}, { threads: 3 });
  for (const op of Object.keys(k.minWork)) k.minWork[op] = 1;
  const one = await createKernels('simd', {}, {});
  const K = 24, N = 16;
  const setup = (kk) => {
    const base = kk.arenaBase, X = base, W = X + 4 * 40 * K, bias = W + 4 * K * N, A = bias + 4 * N, S = A + 4 * 40 * N;
    kk.ensureBytes(S + 4 * 40 * K * 4 + 65536);
    const f = new Float32Array(kk.buffer());
    const r = new Rng(1);
    for (let i = X / 4; i < (bias + 4 * N) / 4; i++) f[i] = r.normal();
    return { X, W, bias, A, S };
  };
  const p3 = setup(k), p1 = setup(one);
  const rows = (kk, p, B) => Array.from(new Uint32Array(kk.buffer(), p.A, B * N));
  let bad = 0;
  for (let i = 0; i < 3000 && bad === 0; i++) {
    const B = i % 2 === 0 ? 12 : 40;
    k.dense_forward(p3.A, p3.X, p3.W, p3.bias, p3.S, B, K, N, 1);
    one.dense_forward(p1.A, p1.X, p1.W, p1.bias, p1.S, B, K, N, 1);
    const a = rows(k, p3, B), b = rows(one, p1, B);
    if (a.some((v, j) => v !== b[j])) bad = i + 1;
  }
  assert.equal(bad, 0, `iteration ${bad - 1} differs from one thread`);
  await k.dispose();
});

for (const kind of ['throw', 'exit']) {
  test(`a worker that ${kind === 'throw' ? 'throws' : 'exits'} makes fit reject with WorkerError naming it and its kernel; parameters stay finite; no worker is left`, async () => {
    const data = blobs(260, LAYERS[0], 5, 2);
    const net = await splitEverywhere('simd', 3, LAYERS, { name: 'sgd', learningRate: 0.05 });
    const k = net['c'].k; // the kernels, for the test hook
    await net.fit(data.x, data.y, { epochs: 1, batchSize: 13 });
    assert.equal(k.liveWorkers(), 2);
    k.injectFault(2, 'dense_backward_weights_sgd', kind);
    await assert.rejects(net.fit(data.x, data.y, { epochs: 1, batchSize: 13 }), (e) => {
      assert.ok(e instanceof WorkerError, `${e}`);
      assert.equal(e.worker, 2);
      assert.equal(e.kernel, 'dense_backward_weights_sgd');
      assert.match(e.message, /worker 2 of 3 threads failed in dense_backward_weights_sgd/);
      return true;
    });
    assert.equal(k.liveWorkers(), 0, 'workers alive after the rejection');
    for (const t of bits(net.getParameters())) assert.ok(Number.isFinite(new Float32Array(Uint32Array.of(t).buffer)[0]));
    // the next fit starts a new pool and trains
    const h = await net.fit(data.x, data.y, { epochs: 1, batchSize: 13 });
    assert.ok(Number.isFinite(h[0].loss));
    assert.equal(k.liveWorkers(), 2);
    await net.dispose();
    assert.equal(k.liveWorkers(), 0);
  });
}

test('cancelling a threaded fit through its signal stops at a batch, keeps the pool parked (not spinning), and dispose ends it', async () => {
  const data = blobs(600, 784, 10, 6);
  const net = await createNetwork({ layers: [784, 128, 10], backend: 'relaxed', seed: 2, threads: 2 });
  const k = net['c'].k;
  const ac = new AbortController();
  let batches = 0;
  const h = await net.fit(data.x, data.y, { epochs: 3, batchSize: 32, signal: ac.signal, onBatchEnd: () => { if (++batches === 5) ac.abort(); } });
  assert.equal(h.stopped, true);
  assert.equal(net.getTrainingState().batch, 5);
  assert.equal(k.liveWorkers(), 1, 'the pool persists across fits');
  // parked: the worker sleeps in Atomics.wait (SLEEPERS counts it) within a few ms
  const ctl = new Int32Array(k.buffer(), k.arenaBase - 1024, 16);
  const t0 = Date.now();
  while (Atomics.load(ctl, 6) !== 1 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 5));
  assert.equal(Atomics.load(ctl, 6), 1, 'the idle worker parked');
  await net.dispose();
  assert.equal(k.liveWorkers(), 0);
  // still usable on one thread after dispose
  assert.equal(net.predict(data.x.subarray(0, 784)).length, 10);
});

test('a checkpoint taken mid-epoch with 2 threads resumes bit-identically with 1 thread', async () => {
  const data = blobs(400, 100, 4, 12);
  const layers = [100, 64, 4];
  const opt = { name: 'adam', learningRate: 0.003 };
  const whole = await createNetwork({ layers, backend: 'simd', seed: 8, optimizer: opt });
  await whole.fit(data.x, data.y, { epochs: 3, batchSize: 16 });

  const two = await splitEverywhere('simd', 2, layers, opt, 8);
  const ac = new AbortController();
  let b = 0;
  await two.fit(data.x, data.y, { epochs: 3, batchSize: 16, signal: ac.signal, onBatchEnd: () => { if (++b === 37) ac.abort(); } });
  const ck = lib.toCheckpoint(two);
  await two.dispose();
  const one = await lib.restoreNetwork(ck, { backend: 'simd' });
  assert.equal(one.threads, 1);
  await one.fit(data.x, data.y, { epochs: 3 - ck.state.epoch, batchSize: 16 });
  assertSameBits(one.getParameters(), whole.getParameters(), 'resumed on 1 thread vs uninterrupted');
});

test('divergence on 2 threads is a DivergenceError with finite parameters, as on one', async () => {
  const data = blobs(128, 784, 10, 1);
  for (let i = 0; i < 784; i++) data.x[i] = 1e30;
  const net = await createNetwork({ layers: [784, 128, 10], backend: 'relaxed', threads: 2, optimizer: { name: 'sgd', learningRate: 10 } });
  await assert.rejects(net.fit(data.x, data.y, { epochs: 2, batchSize: 64, shuffle: false }), DivergenceError);
  for (const t of bits(net.getParameters())) assert.ok(Number.isFinite(new Float32Array(Uint32Array.of(t).buffer)[0]));
  await net.dispose();
});

test('the threaded binaries have no data segment, import only a shared env.memory, and export the ABI of the others', () => {
  const bytesOf = (n) => readFileSync(new URL(`../../build/${n}.wasm`, import.meta.url));
  const names = (m) => WebAssembly.Module.exports(m).filter((e) => e.kind === 'function').map((e) => e.name).sort();
  const reference = names(new WebAssembly.Module(bytesOf('relaxed')));
  for (const name of ['relaxed-threads', 'simd-threads']) {
    const bytes = bytesOf(name);
    // walk the sections: id 11 is Data, id 12 DataCount; either must be absent or count 0
    let at = 8, dataSegments = 0;
    const leb = () => { let v = 0, s = 0, b; do { b = bytes[at++]; v |= (b & 0x7f) << s; s += 7; } while (b & 0x80); return v >>> 0; };
    while (at < bytes.length) {
      const id = bytes[at++];
      const size = leb();
      const end = at + size;
      if (id === 11 || id === 12) dataSegments += leb();
      at = end;
    }
    assert.equal(dataSegments, 0, `${name}.wasm has data segments`);
    const m = new WebAssembly.Module(bytes);
    assert.deepEqual(WebAssembly.Module.imports(m), [{ module: 'env', name: 'memory', kind: 'memory' }]);
    assert.deepEqual(names(m), reference, `${name}.wasm exports`);
  }
});

test('threads: explicit counts need a SIMD wasm backend; auto with js or scalar is one thread; bad values are ConfigErrors', async () => {
  await assert.rejects(createNetwork({ layers: [4, 2], backend: 'js', threads: 2 }), (e) => e instanceof ConfigError && /threads: 2 needs a SIMD wasm backend .* the 'js' backend runs on one thread/.test(e.message));
  await assert.rejects(createNetwork({ layers: [4, 2], backend: 'scalar', threads: 4 }), (e) => e instanceof ConfigError && /'scalar' backend runs on one thread/.test(e.message));
  assert.equal((await createNetwork({ layers: [4, 2], backend: 'js', threads: 'auto' })).threads, 1);
  for (const bad of [0, -1, 1.5, 65, 'two', null]) {
    await assert.rejects(createNetwork({ layers: [4, 2], backend: 'simd', threads: bad }), (e) => e instanceof ConfigError && /threads must be 'auto' or an integer from 1 to 64/.test(e.message), String(bad));
  }
  const auto = await createNetwork({ layers: [4, 2], backend: 'simd', threads: 'auto' });
  assert.ok(auto.threads >= 1 && auto.threads <= lib.AUTO_THREADS_CAP);
  await auto.dispose();
});

test('without shared memory (a page that is not cross-origin isolated) threads falls back to 1 with one notice', async () => {
  globalThis.crossOriginIsolated = false;
  try {
    const notices = [];
    const net = await createNetwork({ layers: [4, 2], backend: 'simd', threads: 2, onNotice: (m) => notices.push(m) });
    assert.equal(net.threads, 1);
    assert.equal(notices.length, 1);
    assert.match(notices[0], /threads: 2 falls back to 1 thread: the page is not cross-origin isolated \(serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp\)/);
  } finally {
    delete globalThis.crossOriginIsolated;
  }
});

test('a script that trains on 2 threads and never calls dispose exits by itself', () => {
  const dist = new URL('../../dist/index.js', import.meta.url).href;
  const script = `import v8 from 'node:v8'; v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    const { createNetwork } = await import(${JSON.stringify(dist)});
    const net = await createNetwork({ layers: [784, 64, 10], threads: 2, seed: 1 });
    const x = new Float32Array(256 * 784).fill(0.5), y = new Int32Array(256);
    const h = await net.fit(x, y, { epochs: 1, batchSize: 64 });
    console.log(net.threads, Number.isFinite(h[0].loss));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000, encoding: 'utf8' });
  assert.equal(r.error, undefined, `the script did not exit: ${r.error}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '2 true');
});
