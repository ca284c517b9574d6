// Dropout and gradient clipping in training (src/network/recipe.ts, passes.ts, assembly/engine.ts):
// the same bits on 1, 2 and 3 threads (every product split into the smallest units, the
// 784-wide first layer that threads own by panels, and hidden layers by panels too); the same masks on every backend (a js run and
// a wasm run agree to rounding, not by chance); a finite-difference gradient check through a fixed
// mask; no dropout in predict, evaluate or a plain lossAndGradients; a run stopped mid-epoch and
// resumed from a checkpoint file ends byte-identical; the clip formulas against a hand-computed
// step; the engine refuses bad recipe words; option errors name the problem.
// "Bit-identical" compares raw f32 bit patterns.

import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // before the first wasm compile
const { test } = await import('node:test');
const assert = (await import('node:assert/strict')).default;
const lib = await import('../../dist/index.js');
const io = await import('../../dist/io/index.js');
const { createNetwork, createKernels, Network, Rng, InputError, WasmBinaryError, toCheckpoint, restoreNetwork } = lib;
const words = await import('../../dist/backend/engine/words.js');

const bits = (p) => [...p.weights, ...p.biases].flatMap((t) => Array.from(new Uint32Array(t.buffer, t.byteOffset, t.length)));
function assertSameBits(a, b, what) {
  const A = bits(a), B = bits(b);
  assert.equal(A.length, B.length, `${what}: parameter count`);
  const i = A.findIndex((v, j) => v !== B[j]);
  assert.equal(i, -1, `${what}: parameter #${i} differs`);
}
const maxDiff = (a, b) => {
  const A = [...a.weights, ...a.biases].flatMap((t) => Array.from(t)), B = [...b.weights, ...b.biases].flatMap((t) => Array.from(t));
  return A.reduce((m, v, i) => Math.max(m, Math.abs(v - B[i])), 0);
};

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

/** On several threads with the smallest units (8 inputs a weight unit, 4 rows a row unit), and
 * `panels` leading layers by panels (null: the engine's choice, the first layer alone here). */
async function splitEverywhere(backend, threads, layers, optimizer, hidden = 'relu', seed = 3, panels = null) {
  const kernels = await createKernels(backend, {}, { threads });
  const opt = { momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, ...optimizer };
  const net = new Network({ layers, hidden, output: 'softmax' }, opt, seed, kernels);
  if (threads > 1) net['c'].engine.tune({ kc: 8, rows: 4, panels });
  return net;
}

const OPTIMIZERS = [
  { name: 'sgd', learningRate: 0.05, weightDecay: 1e-3 },
  { name: 'momentum', learningRate: 0.02 },
  { name: 'adam', learningRate: 0.005, weightDecay: 1e-2 },
];
const LAYERS = [37, 17, 9, 5];
const VALIDATION = blobs(20, LAYERS[0], LAYERS.at(-1), 13);
const RECIPES = [
  { dropout: [0.3, 0.15] },
  { dropout: 0.25, clipNorm: 0.3 },
  { clipValue: 0.01 },
  { dropout: [0, 0.4], clipValue: 0.02 },
  // all four features at once (early stopping with patience 0 stops at the first epoch that does not improve)
  { dropout: 0.2, clipNorm: 0.5, lrSchedule: { name: 'cosine', warmupSteps: 3 }, earlyStopping: { patience: 0 }, validation: VALIDATION },
];
const show = (r) => JSON.stringify({ ...r, validation: r.validation ? '…' : undefined });

// both hidden layers by panels on several threads (engine.ts panelPass: the
// masks over each thread's own columns); the second layer's input 64 wide, regrouped by its panels
const PANELLED = [37, 64, 24, 5];

for (const [backend, layers, panels] of [['relaxed', LAYERS, null], ['simd', LAYERS, null], ['relaxed', PANELLED, 2]]) {
  for (const hidden of ['relu', 'tanh']) {
    test(`${backend}, ${hidden}${panels ? `, ${layers.join('-')} with ${panels} layers by panels` : ''}: dropout and clipping (and with them a schedule and early stopping) train bit-identical on 1, 2 and 3 threads, for sgd, momentum and adam`, async () => {
      const { x, y } = blobs(61, layers[0], layers.at(-1), 11);
      for (const optimizer of OPTIMIZERS) {
        for (const recipe of RECIPES) {
          let ref = null;
          for (const threads of [1, 2, 3]) {
            const net = await splitEverywhere(backend, threads, layers, optimizer, hidden, 3, panels);
            await net.fit(x, y, { epochs: 3, batchSize: 13, stepsPerExecution: 3, ...recipe });
            const p = net.getParameters();
            if (ref) assertSameBits(p, ref, `${optimizer.name} ${show(recipe)} on ${threads} threads`);
            else ref = p;
            await net.dispose();
          }
          // the recipe did something: the same run without it ends elsewhere
          const plain = await splitEverywhere(backend, 1, layers, optimizer, hidden);
          await plain.fit(x, y, { epochs: 3, batchSize: 13, stepsPerExecution: 3 });
          assert.ok(maxDiff(plain.getParameters(), ref) > 1e-6, `${optimizer.name} ${show(recipe)} changed nothing`);
        }
      }
    });
  }
}

test('784-128-10 on 2 threads (the first layer by owned panels, its input regrouped) with dropout and the norm clip: the 1-thread bits', async () => {
  const { x, y } = blobs(200, 784, 10, 5);
  for (const optimizer of [OPTIMIZERS[0], OPTIMIZERS[1]]) {
    const run = async (threads) => {
      const net = await createNetwork({ layers: [784, 128, 10], backend: 'relaxed', threads, seed: 9, optimizer });
      await net.fit(x, y, { epochs: 2, batchSize: 64, dropout: 0.2, clipNorm: 0.5 });
      const p = net.getParameters();
      await net.dispose();
      return p;
    };
    assertSameBits(await run(2), await run(1), `${optimizer.name}: 2 threads vs 1`);
  }
});

test('every backend drops the same elements: js, scalar, simd and relaxed train to the same parameters within rounding', async () => {
  const { x, y } = blobs(48, 20, 3, 2);
  for (const hidden of ['relu', 'sigmoid']) {
    const params = {};
    for (const backend of ['js', 'scalar', 'simd', 'relaxed']) {
      const net = await createNetwork({ layers: [20, 24, 13, 3], hidden, backend, seed: 4, optimizer: { name: 'momentum', learningRate: 0.05 } });
      await net.fit(x, y, { epochs: 3, batchSize: 16, dropout: [0.5, 0.3], clipNorm: 1 });
      params[backend] = net.getParameters();
    }
    for (const backend of ['scalar', 'simd', 'relaxed']) {
      const d = maxDiff(params[backend], params.js);
      assert.ok(d < 2e-4, `${hidden}: ${backend} vs js differ by ${d}`);
    }
    // a different mask (another seed) moves the parameters far more than rounding does
    const other = await createNetwork({ layers: [20, 24, 13, 3], hidden, backend: 'js', seed: 4, optimizer: { name: 'momentum', learningRate: 0.05 } });
    other['c'].seed = 5; // same initialisation and order, other masks
    await other.fit(x, y, { epochs: 3, batchSize: 16, dropout: [0.5, 0.3], clipNorm: 1 });
    assert.ok(maxDiff(other.getParameters(), params.js) > 1e-3, `${hidden}: the seed does not reach the masks`);
  }
});

test('dropout keeps about 1 − p of a hidden layer and scales the kept by 1/(1 − p); a new mask each step', async () => {
  for (const backend of ['js', 'simd']) {
    const net = await createNetwork({ layers: [30, 400, 2], backend, seed: 1 });
    const c = net['c'];
    const B = 128, N = 400, p = 0.3;
    const { x, y } = blobs(B, 30, 2, 3);
    const A = (step) => {
      net.lossAndGradients(x, y, { dropout: p, step });
      return Float32Array.from(c.f32(c.plan.acts[1], B * N));
    };
    net.lossAndGradients(x, y);
    const plain = Float32Array.from(c.f32(c.plan.acts[1], B * N));
    const a7 = A(7), a8 = A(8);
    let positive = 0, kept = 0, same = 0;
    for (let i = 0; i < B * N; i++) {
      if (!(plain[i] > 0)) { assert.equal(a7[i], 0); continue; }
      positive++;
      if (a7[i] !== 0) {
        kept++;
        assert.equal(a7[i], Math.fround(plain[i] * Math.fround(1 / (1 - p))), `${backend}: element ${i} kept but not scaled`);
      }
      if ((a7[i] !== 0) === (a8[i] !== 0)) same++;
    }
    const f = kept / positive, sd = Math.sqrt(p * (1 - p) / positive);
    assert.ok(Math.abs(f - (1 - p)) < 4.5 * sd, `${backend}: kept ${f} of ${positive}, expected ${1 - p} ± ${4.5 * sd}`);
    const agree = same / positive, want = p * p + (1 - p) * (1 - p);
    assert.ok(Math.abs(agree - want) < 0.02, `${backend}: steps 7 and 8 agree on ${agree} of the mask (independent masks: ${want})`);
    // the same step draws the same mask
    assert.deepEqual(A(7), a7);
  }
});

test('gradient check through a fixed mask: lossAndGradients with dropout matches central differences (relu, tanh, sigmoid; js and simd)', async () => {
  const EPS = 1e-2, RTOL = 2e-2, ATOL = 2e-4;
  for (const backend of ['js', 'simd']) {
    for (const hidden of ['relu', 'tanh', 'sigmoid']) {
      // one hidden layer for relu: its pre-activations do not depend on the mask, and the inputs
      // are redrawn until none is within 0.1 of the kink
      const layers = hidden === 'relu' ? [6, 9, 3] : [6, 9, 7, 3];
      const net = await createNetwork({ layers, hidden, backend, seed: 2 });
      const r = new Rng(17);
      const n = 5, x = new Float32Array(n * 6), y = Int32Array.from({ length: n }, (_, i) => i % 3);
      const P = net.getParameters();
      const draw = () => { for (let i = 0; i < x.length; i++) x[i] = r.normal(); };
      const minZ = () => {
        let m = Infinity;
        for (let s = 0; s < n; s++) for (let o = 0; o < 9; o++) {
          let z = P.biases[0][o];
          for (let k = 0; k < 6; k++) z += P.weights[0][o * 6 + k] * x[s * 6 + k];
          m = Math.min(m, Math.abs(z));
        }
        return m;
      };
      do draw(); while (hidden === 'relu' && minZ() < 0.1);
      const opts = { dropout: hidden === 'relu' ? 0.4 : [0.4, 0.3], step: 12 };
      const { gradients, loss } = net.lossAndGradients(x, y, opts);
      assert.notEqual(loss, net.lossAndGradients(x, y).loss, 'the mask changes the loss');
      let checked = 0;
      for (let l = 0; l < layers.length - 1; l++) {
        for (const j of [0, 3, 7, 11, 17, 20].filter((j) => j < P.weights[l].length)) {
          const at = (d) => {
            const q = net.getParameters();
            q.weights[l][j] = P.weights[l][j] + d;
            net.setParameters(q);
            return net.lossAndGradients(x, y, opts).loss;
          };
          const num = (at(EPS) - at(-EPS)) / (2 * EPS);
          net.setParameters(P);
          const ana = gradients.weights[l][j];
          assert.ok(Math.abs(ana - num) <= RTOL * Math.max(Math.abs(ana), Math.abs(num)) + ATOL, `${backend} ${hidden} W${l}[${j}]: analytic ${ana}, numeric ${num}`);
          checked++;
        }
      }
      assert.ok(checked >= 12);
    }
  }
});

test('no dropout outside training: predict, evaluate and a plain lossAndGradients are those of the same parameters in a network that never dropped', async () => {
  const { x, y } = blobs(40, 12, 3, 8);
  for (const backend of ['js', 'simd']) {
    const net = await createNetwork({ layers: [12, 16, 3], hidden: 'sigmoid', backend, seed: 6 });
    await net.fit(x, y, { epochs: 2, batchSize: 8, dropout: 0.5 });
    const twin = await createNetwork({ layers: [12, 16, 3], hidden: 'sigmoid', backend, seed: 6 });
    twin.setParameters(net.getParameters());
    assert.deepEqual(net.predict(x), twin.predict(x));
    assert.deepEqual(net.evaluate(x, y), twin.evaluate(x, y));
    assert.deepEqual(net.lossAndGradients(x, y), twin.lossAndGradients(x, y));
  }
});

test('a run with dropout and clipping stopped mid-epoch and resumed from a checkpoint file ends byte-identical (js, simd; 2 threads resumed on 1)', async () => {
  const { x, y } = blobs(90, 16, 3, 12);
  const layers = [16, 20, 11, 3];
  const recipe = { dropout: [0.3, 0.2], clipNorm: 0.4, batchSize: 8, shuffle: true };
  for (const [backend, threads, resumeThreads] of [['js', 1, 1], ['simd', 1, 1], ['relaxed', 2, 1]]) {
    const make = (t) => createNetwork({ layers, backend, threads: t, seed: 21, optimizer: { name: 'adam', learningRate: 0.01 } });
    const whole = await make(threads);
    await whole.fit(x, y, { epochs: 3, ...recipe });
    const ac = new AbortController();
    const first = await make(threads);
    let batches = 0;
    await first.fit(x, y, { epochs: 3, ...recipe, onBatchEnd: () => { if (++batches === 17) ac.abort(); }, signal: ac.signal });
    assert.equal(first.getTrainingState().epoch, 1, 'stopped in the second epoch');
    const bytes = io.encodeCheckpoint(...Object.values(toCheckpoint(first)));
    const back = io.decodeCheckpoint(bytes);
    assert.equal(back.state.seed, 21);
    const resumed = await restoreNetwork(back, { backend, threads: resumeThreads });
    const st = resumed.getTrainingState();
    await resumed.fit(x, y, { epochs: 3 - st.epoch, ...recipe });
    assertSameBits(resumed.getParameters(), whole.getParameters(), `${backend} ${threads}→${resumeThreads} threads`);
    await Promise.all([whole.dispose(), first.dispose(), resumed.dispose()]);
  }
});

test('clipNorm scales the step by max/(‖g‖ + 1e-6) when the norm exceeds max, and leaves it alone below; clipValue clamps each element', async () => {
  const { x, y } = blobs(24, 10, 4, 1);
  for (const backend of ['js', 'simd']) {
    const make = () => createNetwork({ layers: [10, 12, 4], backend, seed: 3, optimizer: { name: 'sgd', learningRate: 0.5 } });
    const net = await make();
    const P = net.getParameters();
    const { gradients: g } = net.lossAndGradients(x, y);
    const flat = [...g.weights, ...g.biases].flatMap((t) => Array.from(t));
    const norm = Math.sqrt(flat.reduce((s, v) => s + v * v, 0));
    const step = async (opts) => {
      const n = await make();
      await n.fit(x, y, { epochs: 1, batchSize: 24, shuffle: false, ...opts });
      return n.getParameters();
    };
    const expect = (f) => ({ weights: P.weights.map((w, l) => w.map((v, i) => v - 0.5 * f(g.weights[l][i]))), biases: P.biases.map((b, l) => b.map((v, i) => v - 0.5 * f(g.biases[l][i]))) });
    const tol = backend === 'js' ? 1e-7 : 1e-6;
    const max = norm / 4;
    const s = max / (norm + 1e-6);
    assert.ok(maxDiff(await step({ clipNorm: max }), expect((v) => v * s)) < tol, `${backend}: clipNorm below the norm`);
    assertSameBits(await step({ clipNorm: norm * 2 }), await step({}), `${backend}: clipNorm above the norm is the plain step`);
    const c = Math.max(...flat.map(Math.abs)) / 3;
    assert.ok(maxDiff(await step({ clipValue: c }), expect((v) => Math.max(-c, Math.min(c, v)))) < tol, `${backend}: clipValue`);
    assert.ok(maxDiff(await step({ clipValue: c }), await step({})) > 1e-4, `${backend}: clipValue changed nothing`);
  }
});

test('the engine refuses a bad recipe word of a training job, named', async () => {
  const { x, y } = blobs(32, 8, 2, 4);
  for (const [word, value, name] of [[words.D_CLIP_NORM, -1, 'D_CLIP_NORM'], [words.D_CLIP_VALUE, NaN, 'D_CLIP_VALUE'], [words.D_NORM_SUMS, 12, 'D_NORM_SUMS']]) {
    const net = await createNetwork({ layers: [8, 8, 2], backend: 'simd', seed: 1 });
    const k = net['c'].k;
    const corrupt = () => {
      const w = new Int32Array(k.buffer(), k.engine.descriptor, words.DESC_WORDS), f = new Float32Array(w.buffer, w.byteOffset, w.length);
      if (name === 'D_NORM_SUMS') w[word] = value; else f[word] = value;
    };
    await assert.rejects(net.fit(x, y, { epochs: 1, batchSize: 8, clipNorm: 1, onBatchEnd: corrupt }),
      (e) => e instanceof WasmBinaryError && e.message.includes(name), name);
  }
});

test('recipe options that make no sense are InputErrors that name them', async () => {
  const net = await createNetwork({ layers: [4, 5, 6, 2], backend: 'js' });
  const x = new Float32Array(8), y = new Int32Array(2);
  for (const [opts, re] of [
    [{ dropout: 1 }, /dropout rate of hidden layer 1 must be in \[0, 1\); got 1/],
    [{ dropout: -0.1 }, /dropout rate of hidden layer 1 must be in \[0, 1\)/],
    [{ dropout: [0.1, NaN] }, /dropout rate of hidden layer 2 must be in \[0, 1\); got NaN/],
    [{ dropout: [0.1] }, /dropout has 1 rates but the network has 2 hidden layers/],
    [{ dropout: '0.2' }, /dropout must be a rate/],
    [{ clipNorm: 0 }, /clipNorm must be a positive finite number; got 0/],
    [{ clipNorm: Infinity }, /clipNorm must be a positive finite number/],
    [{ clipValue: -1 }, /clipValue must be a positive finite number; got -1/],
    [{ clipNorm: 1, clipValue: 1 }, /clipNorm and clipValue are exclusive/],
  ]) {
    await assert.rejects(net.fit(x, y, opts), (e) => e instanceof InputError && re.test(e.message), JSON.stringify(opts));
  }
  assert.throws(() => net.lossAndGradients(x, y, { dropout: 0.2, step: -1 }), /step must be an integer/);
});
