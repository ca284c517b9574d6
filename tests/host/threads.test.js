// Multi-core training (src/backend/threaded.ts, src/backend/threads/, assembly/engine.ts): one
// shared memory, a pool of persistent workers, every job run by all threads at once in units of
// rows and of (layer, 8 outputs, KC inputs). Checked here: results bit-identical for every thread
// count, every unit size and to the single-thread binary (training with every optimizer, deep
// and wide nets, hidden layers by panels, batches that do not divide evenly, gradients, inference;
// a thread whose own panel units all fall to the others, as from a core that fell behind); worker failures (a
// trap, an exit) in either phase make fit reject with WorkerError naming the worker and the phase,
// with finite parameters, no worker left, and the next fit working; cancellation and dispose leave
// no worker running or spinning; a checkpoint taken with 2 threads resumes bit-identically with 1;
// the threaded binaries carry no data segment; the `threads` option's rules; a script that never
// disposes still exits. "Bit-identical" compares raw f32 bit patterns.

import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // before the first wasm compile
const { test } = await import('node:test');
const assert = (await import('node:assert/strict')).default;
const { readFileSync } = await import('node:fs');
const { spawnSync } = await import('node:child_process');
const { fileURLToPath } = await import('node:url');
const lib = await import('../../dist/index.js');
const { panelLayers } = await import('../../dist/backend/engine/schedule.js');
const words = await import('../../dist/backend/engine/words.js');
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

/** A network over the given kernels; on several threads with the smallest units (8 inputs a weight
 * unit, 4 rows a row unit), so small shapes split into as many units as big ones do, and `panels`
 * leading layers by panels (null: the engine's choice, which for these small shapes is the first
 * layer alone). `copies` false: the threads share the first layer's input (A_0) instead of each
 * gathering the batch into a copy of its own (the engine's choice on 2 to 4 threads). */
async function splitEverywhere(backend, threads, layers, optimizer, seed = 3, { hidden = 'relu', output = 'softmax', panels = null, copies = true } = {}) {
  const kernels = await createKernels(backend, {}, { threads });
  const opt = { momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, ...optimizer };
  const net = new Network({ layers, hidden, output }, opt, seed, kernels);
  if (threads > 1) net['c'].engine.tune({ kc: 8, rows: 4, panels, copies });
  return net;
}

const OPTIMIZERS = [
  { name: 'sgd', learningRate: 0.05, weightDecay: 1e-3 },
  { name: 'momentum', learningRate: 0.02 },
  { name: 'adam', learningRate: 0.005, weightDecay: 1e-2 },
];
// tile edges everywhere: 4-row tiles (batch 13, tail 1), 8-output panels (17, 9), 8-input panels
const LAYERS = [37, 17, 9, 5];
// every hidden layer by panels on several threads (engine.ts panelPass): widths a
// multiple of 64 (regrouped by the panels that computed them) and not, a layer of fewer panels
// than three threads (9 outputs)
const DEEP = [37, 64, 128, 9, 64, 5];

/** Trains `layers` on `data` for each [threads, panels, copies] in `runs`, with every optimizer: the
 * parameters, losses and optimizer state of every run are those of the first, bit for bit. */
async function sameTrainingEverywhere(backend, layers, data, batchSize, runs) {
  for (const optimizer of OPTIMIZERS) {
    const results = [];
    for (const [threads, panels, copies = true] of runs) {
      const net = await splitEverywhere(backend, threads, layers, optimizer, 3, { panels, copies });
      assert.equal(net.threads, threads);
      const history = await net.fit(data.x, data.y, { epochs: 2, batchSize });
      results.push({ params: net.getParameters(), loss: history.map((h) => h.loss), state: net.getOptimizerState() });
      await net.dispose();
    }
    for (let t = 1; t < results.length; t++) {
      const what = `${backend} ${layers.join('-')} ${optimizer.name}: ${runs[t][0]} threads${runs[t][1] ? `, ${runs[t][1]} layers by panels,` : ''}${runs[t][2] === false ? ' sharing A_0,' : ''} vs 1`;
      assertSameBits(results[t].params, results[0].params, what);
      assert.deepEqual(results[t].loss, results[0].loss, `${what}: losses`);
      for (const k of Object.keys(results[0].state.tensors)) {
        assert.deepEqual(Array.from(new Uint32Array(results[t].state.tensors[k].buffer)), Array.from(new Uint32Array(results[0].state.tensors[k].buffer)), `${what}: state ${k}`);
      }
    }
  }
}

for (const backend of ['relaxed', 'simd']) {
  test(`${backend}: training on 1, 2 and 3 threads (every product split; each thread with its own copy of the batch's input, or all sharing one) ends bit-identical, for sgd, momentum and adam`, async () => {
    await sameTrainingEverywhere(backend, LAYERS, blobs(203, LAYERS[0], 5, 9), 13, [[1, null], [2, null], [3, null], [2, null, false], [3, null, false]]);
  });

  test(`${backend}: the hidden layers by panels (2, 3 and all 4 below the head, asked for as 4 or as 5, which the engine takes as 4) on 2 and 3 threads end bit-identical to 1 thread, for sgd, momentum and adam`, async () => {
    await sameTrainingEverywhere(backend, DEEP, blobs(157, DEEP[0], 5, 12), 13, [[1, null], [2, 2], [2, 3], [2, 4], [2, 5], [3, 3], [3, 4], [2, 2, false], [3, 4, false]]);
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

test('each of 2 to 4 threads gathers the batch into its own copy of the first layer\'s input (inputs regrouped or not), up to 1024 rows; beyond, the threads share A_0: the same bits either way', async () => {
  const { inputCopyRows, COPY_ROWS_MAX, COPY_THREADS_MAX } = await import('../../dist/backend/engine/schedule.js');
  const { planArena } = await import('../../dist/arena.js');
  assert.equal(COPY_ROWS_MAX, 1024);
  assert.deepEqual([1, 2, 3, 4, 5, 16].map((T) => inputCopyRows(256, T)), [0, 256, 256, 256, 0, 0]);
  assert.equal(inputCopyRows(5000, 2), 1024);
  assert.equal(COPY_THREADS_MAX, 4);
  const req = (layers, threads, layout = 'packed8') => ({ layers, layout, base: 1024, capacity: 300, stateBlocks: 0, targetWidth: 1, threads });
  for (const [K, per] of [[20, 4 * 300 * 20], [64, 2 * 4 * 300 * 64]]) {
    const p = planArena(req([K, 16, 3], 3));
    // two copies (threads 1 and 2), 64-aligned, each the rows and, for 64 inputs, their regrouping
    assert.deepEqual([p.inputCopies.rows, p.inputCopies.stride >= per, p.inputCopies.at % 64, p.inputCopies.stride % 64], [300, true, 0, 0]);
    assert.ok(p.inputCopies.at > p.scratch && p.inputCopies.at + 2 * p.inputCopies.stride <= (p.data?.x ?? p.bytes));
    assert.equal(planArena(req([K, 16, 3], 5)).inputCopies.at, 0);
    assert.equal(planArena(req([K, 16, 3], 2, 'rows')).inputCopies.at, 0);
  }
  // batches of 1100 rows (shared A_0), then 1024 and 13 (copies), on 2 threads against one
  for (const K of [20, 64]) {
    const layers = [K, 16, 3];
    const data = blobs(2300, K, 3, 8);
    const one = await createNetwork({ layers, backend: 'relaxed', seed: 5, optimizer: { name: 'adam', learningRate: 0.01 } });
    const two = await createNetwork({ layers, backend: 'relaxed', seed: 5, threads: 2, optimizer: { name: 'adam', learningRate: 0.01 } });
    for (const batchSize of [1100, 1024, 13]) {
      await one.fit(data.x, data.y, { epochs: 1, batchSize });
      await two.fit(data.x, data.y, { epochs: 1, batchSize });
      assertSameBits(two.getParameters(), one.getParameters(), `${layers.join('-')}, batch ${batchSize}: 2 threads vs 1`);
    }
    const w = new Int32Array(two['c'].k.buffer(), two['c'].k.engine.descriptor, 64);
    const plan = two['c'].plan;
    assert.deepEqual([w[words.D_INPUT_COPIES], w[words.D_COPY_STRIDE], w[words.D_COPY_ROWS]], [plan.inputCopies.at, plan.inputCopies.stride, 1024]);
    assert.ok(plan.inputCopies.at > 0 && plan.capacity >= 1100);
    await one.dispose();
    await two.dispose();
  }
});

test('the schedule puts the hidden layers of at least 256 × 256 multiply-adds a row by panels, never the head; 200-256-256-10 on 2 threads (its second layer so by default) matches the single-thread binary', async () => {
  assert.equal(panelLayers([784, 128, 10]), 1);
  assert.equal(panelLayers([784, 256, 128, 10]), 1);
  assert.equal(panelLayers([784, 1024, 1024, 1024, 10]), 3);
  assert.equal(panelLayers([784, 1024, 1024, 10, 1024, 10]), 2, 'a narrow layer ends the run');
  assert.equal(panelLayers([784, 4096, 4096]), 1, 'the head never');
  assert.equal(panelLayers([784, 10]), 1);
  assert.equal(panelLayers([64, 40, 30, 5], 40 * 30), 2, 'a threshold of its own');
  assert.equal(panelLayers([64, 40, 30, 20, 5], 40 * 30), 2, 'a threshold of its own, a narrower layer ends the run');
  const layers = [200, 256, 256, 10];
  assert.equal(panelLayers(layers), 2);
  const data = blobs(300, 200, 10, 6);
  const one = await createNetwork({ layers, backend: 'relaxed', seed: 2, optimizer: { name: 'momentum', learningRate: 0.02 } });
  const two = await createNetwork({ layers, backend: 'relaxed', seed: 2, optimizer: { name: 'momentum', learningRate: 0.02 }, threads: 2 });
  const h1 = await one.fit(data.x, data.y, { epochs: 2, batchSize: 64 });
  const h2 = await two.fit(data.x, data.y, { epochs: 2, batchSize: 64 });
  assert.deepEqual(h2.map((h) => h.loss), h1.map((h) => h.loss));
  assertSameBits(two.getParameters(), one.getParameters(), '2 threads (2 layers by panels) vs the single-thread binary');
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

test('jobs whose units are fewer than the threads alternating with jobs for all: every result exact, many times', async () => {
  // 3 threads; a 4-row evaluation is one row unit (two threads find no work), a 40-row one ten
  const data = blobs(40, 24, 4, 5);
  const layers = [24, 16, 4];
  const three = await splitEverywhere('simd', 3, layers, { name: 'sgd', learningRate: 0.1 });
  const one = await splitEverywhere('simd', 1, layers, { name: 'sgd', learningRate: 0.1 });
  let bad = -1;
  for (let i = 0; i < 1500 && bad < 0; i++) {
    const n = i % 2 === 0 ? 4 : 40;
    const x = data.x.subarray(0, n * 24), y = data.y.subarray(0, n);
    const a = three.evaluate(x, y), b = one.evaluate(x, y);
    if (a.loss !== b.loss || a.accuracy !== b.accuracy) bad = i;
  }
  assert.equal(bad, -1, `evaluation ${bad} differs from one thread`);
  await three.dispose();
});

test('deep and wide nets, sigmoid and linear heads, a batch that does not divide the data, hidden layers by panels: 1, 2 and 3 threads bit-identical', async () => {
  const cases = [
    { layers: [50, 40, 33, 20, 12, 7], hidden: 'tanh', output: 'softmax', opt: { name: 'adam', learningRate: 0.003 }, n: 97, bs: 10 },
    { layers: [300, 260, 3], hidden: 'leaky_relu', output: 'sigmoid', opt: { name: 'momentum', learningRate: 0.05 }, n: 71, bs: 17 },
    { layers: [19, 70, 5], hidden: 'sigmoid', output: 'linear', opt: { name: 'sgd', learningRate: 0.01, weightDecay: 1e-3 }, n: 45, bs: 45 },
    // inputs a multiple of 64 wide: the first layer's input is regrouped by the threads that
    // gathered it (engine.ts firstLayerPhase); 9 outputs are 2 panels, so on 3 threads one owns none
    { layers: [128, 9, 4], hidden: 'relu', output: 'softmax', opt: { name: 'adam', learningRate: 0.01, weightDecay: 1e-2 }, n: 83, bs: 23 },
    { layers: [64, 200, 30, 3], hidden: 'relu', output: 'softmax', opt: { name: 'sgd', learningRate: 0.05 }, n: 66, bs: 64 },
    { layers: [256, 1], hidden: 'relu', output: 'sigmoid', opt: { name: 'momentum', learningRate: 0.05 }, n: 41, bs: 7 },

    // the layers below the head by panels on 2 and 3 threads (engine.ts panelPass)
    { layers: [50, 40, 33, 20, 12, 7], hidden: 'tanh', output: 'softmax', opt: { name: 'adam', learningRate: 0.003 }, n: 97, bs: 10, panels: 4 },
    { layers: [64, 200, 128, 3], hidden: 'leaky_relu', output: 'linear', opt: { name: 'momentum', learningRate: 0.01 }, n: 71, bs: 67, panels: 2 },
  ];
  for (const c of cases) {
    const r = new Rng(c.n);
    const K = c.layers[0], N = c.layers[c.layers.length - 1];
    const x = new Float32Array(c.n * K).map(() => r.normal());
    const y = c.output === 'softmax' ? Int32Array.from({ length: c.n }, () => r.int(N)) : new Float32Array(c.n * N).map(() => (c.output === 'sigmoid' ? r.next() : r.normal()));
    const runs = [];
    const counts = [[1, true], [2, true], [3, true], [2, false], [3, false]];
    for (const [threads, copies] of counts) {
      const net = await splitEverywhere('relaxed', threads, c.layers, c.opt, 4, { ...c, copies });
      const h = await net.fit(x, y, { epochs: 2, batchSize: c.bs });
      runs.push({ params: net.getParameters(), loss: h.map((e) => e.loss), pred: Array.from(new Uint32Array(net.predict(x).buffer)), grads: net.lossAndGradients(x, y) });
      await net.dispose();
    }
    for (let t = 1; t < runs.length; t++) {
      const what = `${c.layers.join('-')} ${c.output}${c.panels ? `, ${c.panels} layers by panels` : ''}, ${counts[t][0]} threads${counts[t][1] ? '' : ' sharing A_0'} vs 1`;
      assertSameBits(runs[t].params, runs[0].params, what);
      assert.deepEqual(runs[t].loss, runs[0].loss, `${what}: losses`);
      assert.deepEqual(runs[t].pred, runs[0].pred, `${what}: predictions`);
      assert.equal(runs[t].grads.loss, runs[0].grads.loss, `${what}: lossAndGradients loss`);
      assertSameBits(runs[t].grads.gradients, runs[0].grads.gradients, `${what}: gradients`);
    }
  }
});

/** Trains `layers` on `data` at `batchSize` on 1, 2 and 3 threads with each optimizer and its
 * recipe (recipes[i] for OPTIMIZERS[i]), then takes lossAndGradients over `grads`: the parameters,
 * the loss and the gradients of 2 and 3 threads are those of 1, bit for bit. */
async function sameBitsOnThreads(layers, data, batchSize, recipes, grads = data) {
  for (const [i, opt] of OPTIMIZERS.entries()) {
    const runs = [];
    for (const T of [1, 2, 3]) {
      const net = await splitEverywhere('relaxed', T, layers, opt);
      await net.fit(data.x, data.y, { epochs: 2, batchSize, ...recipes[i] });
      runs.push({ params: net.getParameters(), grads: net.lossAndGradients(grads.x, grads.y) });
      await net.dispose();
    }
    for (let t = 1; t < runs.length; t++) {
      const what = `${layers.join('-')} ${opt.name} ${JSON.stringify(recipes[i])}, ${t + 1} threads vs 1`;
      assertSameBits(runs[t].params, runs[0].params, what);
      assert.equal(runs[t].grads.loss, runs[0].grads.loss, `${what}: lossAndGradients loss`);
      assertSameBits(runs[t].grads.gradients, runs[0].grads.gradients, `${what}: gradients`);
    }
  }
}

test('a first layer of more than 2 MB of weights (784-700-10) takes its weight units panel by panel on one thread: the bits of 2 and 3 threads (every optimizer, the norm clip, the gradients)', async () => {
  const layers = [784, 700, 10];
  assert.ok(Math.ceil(700 / 8) * 784 * 32 > 2 ** 21, 'the first layer is past the engine\'s PANEL_MAJOR_BYTES');
  await sameBitsOnThreads(layers, blobs(21, 784, 10, 9), 8, [{}, {}, { clipNorm: 0.5 }]);
});

test('a batch summed in chunks (over 128 rows of inputs not a multiple of 64) takes a block of inputs over all its panels in one call on one thread: the bits of 2 and 3 threads (every optimizer, the value and norm clips, the gradients)', async () => {
  // 450 rows in batches of 200 (chunked) and a last one of 50 (one pass); no width a multiple of 64
  const data = blobs(450, 100, 5, 17);
  await sameBitsOnThreads([100, 40, 24, 5], data, 200, [{}, { clipValue: 0.01 }, { clipNorm: 0.5 }], { x: data.x.subarray(0, 200 * 100), y: data.y.subarray(0, 200) });
});

test('a thread that takes none of its own panel units: the others take every one of them (counted), and the bits are those of one thread (2 and 3 threads, each thread in turn, with copies of the input and sharing it, every optimizer, dropout and the norm clip)', async () => {
  const cases = [
    { layers: LAYERS, n: 60, bs: 13 },
    // input regrouped (a multiple of 64 wide); 9 outputs are 2 panels, so on 3 threads one thread owns none
    { layers: [128, 9, 4], n: 50, bs: 23 },
    // the hidden layers by panels: forward, input gradient and weight units of each
    { layers: DEEP, n: 45, bs: 13, panels: 4 },
  ];
  const owned = (P, t, T) => Math.floor((P * (t + 1)) / T) - Math.floor((P * t) / T);
  /** The units of thread t's own panels a step (one block of rows per panel: batches ≤ 64): each
   * panel layer's forward over its panels, the input gradient over the panels of the layer below
   * (layers 1 …), and its weight units (KC = 8 inputs over all of its panels). The panel layers are
   * those the engine takes (engine.ts panelLayers): at least the first, never the head. Another
   * thread must take every one of them; the shirker may take some of the others' too, so the count
   * is a lower bound. */
  const ownUnits = (layers, panels, t, T) => {
    const F = Math.max(1, Math.min(panels, layers.length - 2));
    let n = 0;
    for (let l = 0; l < F; l++) {
      const mine = owned(Math.ceil(layers[l + 1] / 8), t, T);
      n += mine + (mine > 0 ? Math.ceil(layers[l] / 8) : 0);
      if (l > 0) n += owned(Math.ceil(layers[l] / 8), t, T);
    }
    return n;
  };
  for (const c of cases) {
    const data = blobs(c.n, c.layers[0], c.layers[c.layers.length - 1], 5);
    const steps = 2 * Math.ceil(c.n / c.bs);
    for (const [i, opt] of OPTIMIZERS.entries()) {
      // dropout and the norm clip with the last optimizer (the clip runs the weight units twice)
      const recipe = i === 2 ? { dropout: 0.2, clipNorm: 0.5 } : {};
      const one = await splitEverywhere('relaxed', 1, c.layers, opt);
      await one.fit(data.x, data.y, { epochs: 2, batchSize: c.bs, ...recipe });
      for (const [T, copies] of [[2, true], [3, true], [2, false], [3, false]]) {
        for (let lazy = 0; lazy < T; lazy++) {
          const what = `${c.layers.join('-')} ${opt.name}, ${T} threads${copies ? '' : ' sharing A_0'}, thread ${lazy} takes none of its own`;
          const net = await splitEverywhere('relaxed', T, c.layers, opt, 3, { ...c, copies });
          const k = net['c'].k;
          k.injectFault(lazy, 'rows', 'shirk');
          const before = k.takenUnits();
          await net.fit(data.x, data.y, { epochs: 2, batchSize: c.bs, ...recipe });
          // its units fall to the others every step
          const mine = ownUnits(c.layers, c.panels ?? 1, lazy, T);
          assert.ok(k.takenUnits() - before >= steps * mine, `${what}: ${k.takenUnits() - before} units taken, expected at least ${steps * mine}`);
          assertSameBits(net.getParameters(), one.getParameters(), what);
          await net.dispose();
        }
      }
      await one.dispose();
    }
  }
});

test('a re-plan that moves the packed transposes (a batch above the capacity) packs them again: the same bits as a network that never ran before', async () => {
  // 256 rows is the first plan's capacity; batch 300 re-plans, and the packed W_lᵀ move with it
  const data = blobs(600, 40, 5, 12);
  const layers = [40, 32, 24, 5];
  for (const threads of [1, 2]) {
    const used = await splitEverywhere('relaxed', threads, layers, { name: 'momentum', learningRate: 0.02 });
    const fresh = await splitEverywhere('relaxed', threads, layers, { name: 'momentum', learningRate: 0.02 });
    used.evaluate(data.x.subarray(0, 10 * 40), data.y.subarray(0, 10)); // a job at the old plan
    await used.fit(data.x, data.y, { epochs: 2, batchSize: 300 });
    await fresh.fit(data.x, data.y, { epochs: 2, batchSize: 300 });
    assertSameBits(used.getParameters(), fresh.getParameters(), `${threads} thread(s)`);
    await used.dispose();
    await fresh.dispose();
  }
});

for (const [kind, phase] of [['throw', 'weights'], ['exit', 'weights'], ['throw', 'rows'], ['exit', 'rows']]) {
  test(`a worker that ${kind === 'throw' ? 'traps' : 'exits'} in the ${phase} phase makes fit reject with WorkerError naming it and the phase; parameters stay finite; no worker is left; the next fit works`, async () => {
    const data = blobs(260, LAYERS[0], 5, 2);
    const net = await splitEverywhere('simd', 3, LAYERS, { name: 'sgd', learningRate: 0.05 });
    const k = net['c'].k; // the kernels, for the test hook
    await net.fit(data.x, data.y, { epochs: 1, batchSize: 13 });
    assert.equal(k.liveWorkers(), 2);
    k.injectFault(2, phase, kind);
    await assert.rejects(net.fit(data.x, data.y, { epochs: 1, batchSize: 13 }), (e) => {
      assert.ok(e instanceof WorkerError, `${e}`);
      assert.equal(e.worker, 2);
      assert.equal(e.kernel, phase);
      assert.match(e.message, new RegExp(`^worker 2 of 3 threads failed in the ${phase} phase of a training step: .*${kind === 'throw' ? 'unreachable' : 'exited with code 3'}.*the next fit starts a new one`));
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
  // parked: the worker waits on the generation word (C_SLEEPERS counts it) as soon as it sees C_PARK
  const ctl = new Int32Array(k.buffer(), k.engine.ctl, 16);
  assert.equal(Atomics.load(ctl, 2), 1, 'C_PARK is set when the fit ends');
  const t0 = Date.now();
  while (Atomics.load(ctl, 3) !== 1 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 5));
  assert.equal(Atomics.load(ctl, 3), 1, 'the idle worker waits');
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

test('the library inside a worker thread of the application trains on 2 threads, with the main thread\'s bits', async () => {
  // the pool's worker script is loaded only as a worker's entry: the library imported inside an
  // application's worker thread must not mistake that thread for a pool worker
  const { Worker } = await import('node:worker_threads');
  const dist = new URL('../../dist/index.js', import.meta.url).href;
  const data = blobs(300, 40, 4, 11);
  const code = `import v8 from 'node:v8'; v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    const { parentPort, workerData } = await import('node:worker_threads');
    const { createNetwork } = await import(${JSON.stringify(dist)});
    const net = await createNetwork({ layers: [40, 24, 4], backend: 'simd', threads: 2, seed: 5 });
    await net.fit(new Float32Array(workerData.x), new Int32Array(workerData.y), { epochs: 2, batchSize: 32 });
    const p = net.getParameters();
    await net.dispose();
    parentPort.postMessage({ threads: net.threads, weights: p.weights, biases: p.biases });`;
  const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData: { x: data.x.buffer, y: data.y.buffer } });
  const got = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
  await w.terminate();
  assert.equal(got.threads, 2);
  const net = await createNetwork({ layers: [40, 24, 4], backend: 'simd', seed: 5 });
  await net.fit(data.x, data.y, { epochs: 2, batchSize: 32 });
  assertSameBits(got, net.getParameters(), 'worker thread on 2 threads vs main thread on 1');
});
