// Backend parity: the pure-JS reference and the three wasm binaries (scalar, simd, relaxed simd)
// compute the same network. Initial parameters come from the host PRNG, so they must match bit for
// bit; everything computed in f32 kernels may differ by summation order only: the JS backend sums a
// dot product with one accumulator per output, the SIMD tiles keep one partial sum per lane and add
// the lanes at the end, and relaxed SIMD may fuse multiply-add (one rounding instead of two). Each
// reordering moves a sum of K terms by a few ulps of the largest partial sums, so we compare with a
// bound relative to the largest magnitude in the tensor (REL, ~300 ulps at f32; observed ≤ 2e-6),
// plus a tiny absolute floor (ABS) for sums that cancel to almost nothing, e.g. a bias gradient of
// 3e-5 summed from terms of 0.1. After training the differences compound over the steps (and Adam
// divides by √v, amplifying them where gradients are small), so the fit checks allow 10× more.

import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // before the first wasm compile
const { test } = await import('node:test');
const assert = (await import('node:assert/strict')).default;
const { createNetwork, hasRelaxedSimd, Rng } = await import('../../dist/index.js');

const BACKENDS = ['js', 'scalar', 'simd', 'relaxed'];
const HIDDEN = ['relu', 'leaky_relu', 'sigmoid', 'tanh'];
const OUTPUTS = ['softmax', 'sigmoid', 'linear'];
/** Odd shapes: tile edges (4 rows, 8 outputs, 4 or 2 inputs), a width-1 bottleneck, MNIST-like K = 785. */
const SHAPES = [[5, 3], [13, 7, 9, 3], [31, 17, 1, 5, 4], [785, 9, 10], [1, 1, 1]];
const REL = 2e-5;
const ABS = 1e-7;

/** Random inputs N(0,1) and targets fitting the output: labels, targets in [0,1], or real values. */
function dataset(n, layers, output, seed) {
  const r = new Rng(seed);
  const K = layers[0], N = layers[layers.length - 1];
  const x = new Float32Array(n * K).map(() => r.normal());
  const y = output === 'softmax' ? Int32Array.from({ length: n }, () => r.int(N))
    : new Float32Array(n * N).map(() => (output === 'sigmoid' ? r.next() : r.normal()));
  return { x, y };
}

/** softmax needs ≥ 2 classes: a width-1 output becomes 2 there. */
const shapeFor = (layers, output) => (output === 'softmax' && layers[layers.length - 1] < 2 ? [...layers.slice(0, -1), 2] : layers);

function assertClose(actual, expected, what, rel = REL, abs = ABS) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0, worst = 0, at = -1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Number.isFinite(actual[i]), `${what}[${i}] is ${actual[i]}`);
    const d = Math.abs(actual[i] - expected[i]);
    if (d > worst) { worst = d; at = i; }
  }
  const bound = rel * scale + abs;
  assert.ok(worst <= bound, `${what}[${at}]: ${actual[at]} vs ${expected[at]} differ by ${worst}, more than ${rel} × ${scale} + ${abs}`);
}

function assertParamsClose(actual, expected, what, rel = REL, abs = ABS) {
  for (const kind of ['weights', 'biases']) {
    assert.equal(actual[kind].length, expected[kind].length);
    expected[kind].forEach((e, l) => assertClose(actual[kind][l], e, `${what} ${kind}[${l}]`, rel, abs));
  }
}

test('the relaxed backend is available under --experimental-wasm-relaxed-simd', () => {
  assert.equal(hasRelaxedSimd(), true);
});

test('the same seed gives bit-identical initial parameters on every backend', async () => {
  for (const layers of [...SHAPES, [784, 128, 10]]) {
    for (const hidden of ['relu', 'tanh']) { // He vs Glorot initialisation
      const nets = await Promise.all(BACKENDS.map((backend) => createNetwork({ layers, hidden, output: 'linear', seed: 42, backend })));
      const ref = nets[0].getParameters();
      for (const net of nets.slice(1)) {
        assert.equal(net.backend, BACKENDS[nets.indexOf(net)]);
        const p = net.getParameters();
        for (const kind of ['weights', 'biases']) {
          ref[kind].forEach((t, l) => assert.deepEqual(p[kind][l], t, `${net.backend} ${layers} ${hidden} ${kind}[${l}]`));
        }
      }
      // and the seed matters: another seed, other weights
      const other = (await createNetwork({ layers, hidden, output: 'linear', seed: 43, backend: 'simd' })).getParameters();
      assert.notDeepEqual(other.weights[0], ref.weights[0]);
    }
  }
});

for (const layers0 of SHAPES) {
  test(`predict, loss and every gradient agree across backends for layers ${JSON.stringify(layers0)}, every hidden × output`, async () => {
    for (const hidden of HIDDEN) {
      for (const output of OUTPUTS) {
        const layers = shapeFor(layers0, output);
        // 11 rows: two full 4-row tiles and a tail of 3
        const { x, y } = dataset(11, layers, output, layers.length * 100 + layers[0]);
        const results = [];
        for (const backend of BACKENDS) {
          const net = await createNetwork({ layers, hidden, output, seed: 7, backend });
          results.push({ backend, pred: net.predict(x), lg: net.lossAndGradients(x, y), ev: net.evaluate(x, y) });
        }
        const ref = results[0];
        const tag = `${JSON.stringify(layers)} ${hidden}/${output}`;
        assert.ok(Number.isFinite(ref.lg.loss) && ref.lg.loss > 0, `${tag}: js loss ${ref.lg.loss}`);
        assert.ok(Math.abs(ref.ev.loss - ref.lg.loss) <= 1e-6 * ref.lg.loss, `${tag}: evaluate and lossAndGradients disagree on js`);
        for (const r of results.slice(1)) {
          assertClose(r.pred, ref.pred, `${tag} ${r.backend} predict`);
          assertClose([r.lg.loss], [ref.lg.loss], `${tag} ${r.backend} loss`);
          assertClose([r.ev.loss], [ref.ev.loss], `${tag} ${r.backend} evaluate loss`);
          assert.equal(r.ev.accuracy, ref.ev.accuracy, `${tag} ${r.backend} accuracy`);
          assertParamsClose(r.lg.gradients, ref.lg.gradients, `${tag} ${r.backend} gradient`);
        }
      }
    }
  });
}

test('predict agrees across backends over more rows than one evaluation chunk (300 > 256)', async () => {
  const layers = [20, 33, 5];
  const { x } = dataset(300, layers, 'softmax', 11);
  const outs = [];
  for (const backend of BACKENDS) outs.push((await createNetwork({ layers, hidden: 'leaky_relu', seed: 2, backend })).predict(x));
  for (let b = 1; b < outs.length; b++) assertClose(outs[b], outs[0], `${BACKENDS[b]} predict`);
  // rows past the first chunk are real outputs: each softmax row sums to 1
  for (let r = 256; r < 300; r++) {
    const s = outs[0].subarray(r * 5, r * 5 + 5).reduce((a, v) => a + v, 0);
    assert.ok(Math.abs(s - 1) < 1e-5, `row ${r} sums to ${s}`);
  }
});

test('gradients agree across backends on 120 random shapes (widths 1..40, 1..20 rows, 2..4 layers)', async () => {
  // seeded, so a failure names a reproducible case; covers every tile edge of the SIMD kernels
  const r = new Rng(77);
  for (let t = 0; t < 120; t++) {
    const L = 2 + r.int(3);
    const layers = Array.from({ length: L + 1 }, () => 1 + r.int(r.next() < 0.3 ? 40 : 12));
    if (layers[L] < 2) layers[L] = 2;
    const B = 1 + r.int(20);
    const hidden = HIDDEN[r.int(HIDDEN.length)];
    const { x, y } = dataset(B, layers, 'softmax', 1000 + t);
    const results = [];
    for (const backend of BACKENDS) {
      results.push((await createNetwork({ layers, hidden, seed: t, backend })).lossAndGradients(x, y));
    }
    for (let b = 1; b < BACKENDS.length; b++) {
      const tag = `case ${t}: ${JSON.stringify(layers)} B=${B} ${hidden} ${BACKENDS[b]}`;
      assertClose([results[b].loss], [results[0].loss], `${tag} loss`);
      assertParamsClose(results[b].gradients, results[0].gradients, `${tag} gradient`);
    }
  }
});

test('lossAndGradients over more rows than the planned capacity (300 > 256) agrees across backends', async () => {
  const layers = [12, 20, 9, 4];
  const { x, y } = dataset(300, layers, 'softmax', 12);
  const results = [];
  for (const backend of BACKENDS) {
    const net = await createNetwork({ layers, hidden: 'tanh', seed: 8, backend });
    const before = net.getParameters();
    results.push(net.lossAndGradients(x, y));
    // growing the arena kept the parameters where they were
    assert.deepEqual(net.getParameters(), before, `${backend}: parameters changed when the arena grew`);
  }
  for (let b = 1; b < BACKENDS.length; b++) {
    assertClose([results[b].loss], [results[0].loss], `${BACKENDS[b]} loss`);
    assertParamsClose(results[b].gradients, results[0].gradients, `${BACKENDS[b]} gradient`);
  }
});

const OPTIMIZERS = [
  { name: 'sgd', learningRate: 0.1, weightDecay: 0.01 },
  { name: 'momentum', learningRate: 0.05, momentum: 0.9, weightDecay: 0.01 },
  { name: 'adam', learningRate: 0.01, weightDecay: 0.01 },
];

/** One step of the documented rule (src/types.ts, assembly/optimizer.ts), in f64, weights decayed, biases not. */
function expectedStep(optimizer, p, g, isWeight) {
  const { learningRate: lr, weightDecay: wd = 0 } = optimizer;
  const d = isWeight ? wd : 0;
  if (optimizer.name === 'sgd') return p - lr * (g + d * p);
  if (optimizer.name === 'momentum') return p - lr * (g + d * p); // v = mu·0 + g on the first step
  const b1 = optimizer.beta1 ?? 0.9, b2 = optimizer.beta2 ?? 0.999, eps = optimizer.epsilon ?? 1e-8;
  const m = (1 - b1) * g, v = (1 - b2) * g * g;
  return p - lr * ((m / (1 - b1)) / (Math.sqrt(v / (1 - b2)) + eps) + d * p);
}

for (const backend of ['js', 'simd', 'relaxed']) {
  test(`${backend}: one training step applies the documented update to the lossAndGradients gradient (sgd, momentum, adam; decay on weights only)`, async () => {
    for (const optimizer of OPTIMIZERS) {
      const opt = { ...optimizer, weightDecay: 0.1 }; // large, so decaying the biases too would show
      const layers = [7, 9, 3];
      const { x, y } = dataset(12, layers, 'softmax', 21);
      const net = await createNetwork({ layers, hidden: 'tanh', optimizer: opt, seed: 4, backend });
      // non-zero biases, so that decaying them would move them
      const p0 = net.getParameters();
      p0.biases.forEach((b) => b.forEach((_, i) => { b[i] = 0.5 - 0.1 * i; }));
      net.setParameters(p0);
      const { gradients } = net.lossAndGradients(x, y);
      await net.fit(x, y, { epochs: 1, batchSize: 12, shuffle: false }); // one batch: one step
      const p1 = net.getParameters();
      for (const kind of ['weights', 'biases']) {
        p0[kind].forEach((t, l) => {
          const want = Array.from(t, (v, i) => expectedStep(opt, v, gradients[kind][l][i], kind === 'weights'));
          assertClose(p1[kind][l], want, `${backend} ${opt.name} ${kind}[${l}] after one step`, 1e-5, 1e-6);
        });
      }
    }
  });
}

for (const optimizer of OPTIMIZERS) {
  test(`after 3 epochs of ${optimizer.name} (weight decay ${optimizer.weightDecay}) the parameters agree across backends`, async () => {
    for (const [layers, hidden, output] of [[[13, 7, 9, 3], 'relu', 'softmax'], [[6, 11, 2], 'tanh', 'sigmoid'], [[9, 5, 3], 'sigmoid', 'linear']]) {
      // 90 samples in batches of 16: five full batches and a tail of 10
      const { x, y } = dataset(90, layers, output, 5);
      const runs = [];
      for (const backend of BACKENDS) {
        const net = await createNetwork({ layers, hidden, output, optimizer, seed: 9, backend });
        const before = net.getParameters();
        const history = await net.fit(x, y, { epochs: 3, batchSize: 16 });
        runs.push({ backend, params: net.getParameters(), before, history, state: net.getOptimizerState() });
      }
      const ref = runs[0];
      const tag = `${optimizer.name} ${JSON.stringify(layers)} ${hidden}/${output}`;
      // training moved the parameters, so agreeing afterwards means something
      assert.notDeepEqual(ref.params.weights[0], ref.before.weights[0], `${tag}: training did not change the weights`);
      for (const r of runs.slice(1)) {
        assertParamsClose(r.params, ref.params, `${tag} ${r.backend} parameters`, 10 * REL, 10 * ABS);
        assert.equal(r.state.step, ref.state.step, `${tag} ${r.backend} optimizer step`);
        assert.deepEqual(Object.keys(r.state.tensors).sort(), Object.keys(ref.state.tensors).sort());
        for (const [key, t] of Object.entries(ref.state.tensors)) assertClose(r.state.tensors[key], t, `${tag} ${r.backend} ${key}`, 10 * REL, 10 * ABS);
        r.history.forEach((e, i) => assertClose([e.loss], [ref.history[i].loss], `${tag} ${r.backend} epoch ${i + 1} loss`, 10 * REL, 0));
      }
    }
  });
}
