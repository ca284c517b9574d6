// Bad input: every mistake a user can make is refused before a kernel trains or predicts on it
// (float features are checked to be finite by the wasm as they are copied in), with a typed error
// (ConfigError for configuration, InputError for arrays, DivergenceError for a run that blew up)
// whose message names the argument, the index or shape, and the offending value.
// Class boundaries follow src/errors.ts: ConfigError covers "layer sizes, activation, loss,
// optimizer, backend, batch size"; InputError covers arrays of the wrong length, shape or values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNetwork, ConfigError, InputError, DivergenceError, WasmMlpError } from '../../dist/index.js';

/** Asserts that fn throws (or rejects with) an instance of `cls` whose message matches every pattern. */
function expectError(cls, ...patterns) {
  return (e) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e?.constructor?.name}: ${e?.message}`);
    assert.ok(e instanceof WasmMlpError && e instanceof Error);
    assert.equal(e.name, cls.name);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}
const throwsConfig = (fn, ...p) => assert.throws(fn, expectError(ConfigError, ...p));
const throwsInput = (fn, ...p) => assert.throws(fn, expectError(InputError, ...p));
const rejectsWith = (promise, cls, ...p) => assert.rejects(promise, expectError(cls, ...p));

const net3x2 = (extra = {}) => createNetwork({ layers: [3, 4, 2], seed: 1, backend: 'js', ...extra });

test('layer sizes that are not positive integers are a ConfigError naming the index and value', async () => {
  for (const [layers, pattern] of [
    [[784, 0, 10], /layers\[1\] must be a positive integer.*got 0/],
    [[784, -3, 10], /layers\[1\] must be a positive integer.*got -3/],
    [[784, 12.5, 10], /layers\[1\] must be a positive integer.*got 12\.5/],
    [[784, 128, '10'], /layers\[2\] must be a positive integer.*got "10"/],
    [[NaN, 10], /layers\[0\] must be a positive integer.*got null/], // JSON.stringify(NaN) is null
    [[Infinity, 10], /layers\[0\] must be a positive integer/],
  ]) {
    await rejectsWith(createNetwork({ layers, backend: 'js' }), ConfigError, pattern);
  }
});

test('fewer than two layers is a ConfigError that shows an example', async () => {
  for (const layers of [[], [10], undefined, 'mlp']) {
    await rejectsWith(createNetwork({ layers, backend: 'js' }), ConfigError, /layers must list at least two sizes/, /\[784, 128, 10\]/);
  }
  await rejectsWith(createNetwork(null), ConfigError, /needs an options object/);
});

test('a softmax output with one unit is a ConfigError suggesting a sigmoid output', async () => {
  await rejectsWith(createNetwork({ layers: [3, 1], backend: 'js' }), ConfigError, /softmax output needs at least 2 classes/, /sigmoid/);
});

test('unknown hidden, output, optimizer and backend names are ConfigErrors listing the valid ones', async () => {
  await rejectsWith(createNetwork({ layers: [3, 2], hidden: 'gelu' }), ConfigError, /unknown hidden activation 'gelu'/, /relu, leaky_relu, sigmoid, tanh/);
  await rejectsWith(createNetwork({ layers: [3, 2], output: 'softmax2' }), ConfigError, /unknown output .*'softmax2'/, /softmax, sigmoid, linear/);
  await rejectsWith(createNetwork({ layers: [3, 2], optimizer: 'rmsprop' }), ConfigError, /unknown optimizer 'rmsprop'/, /sgd, momentum, adam/);
  await rejectsWith(createNetwork({ layers: [3, 2], optimizer: { name: 'adagrad', learningRate: 0.1 } }), ConfigError, /unknown optimizer 'adagrad'/);
  await rejectsWith(createNetwork({ layers: [3, 2], backend: 'cuda' }), ConfigError, /unknown backend 'cuda'/, /auto, relaxed, simd, scalar, js/);
});

test('invalid optimizer hyper-parameters and seeds are ConfigErrors naming the field', async () => {
  await rejectsWith(createNetwork({ layers: [3, 2], optimizer: { name: 'sgd', learningRate: -1 } }), ConfigError, /optimizer\.learningRate must be a finite number > 0; got -1/);
  await rejectsWith(createNetwork({ layers: [3, 2], optimizer: { name: 'sgd', learningRate: Infinity } }), ConfigError, /optimizer\.learningRate/);
  await rejectsWith(createNetwork({ layers: [3, 2], optimizer: { name: 'momentum', learningRate: 0.1, momentum: 1 } }), ConfigError, /optimizer\.momentum must be in \[0, 1\); got 1/);
  await rejectsWith(createNetwork({ layers: [3, 2], optimizer: { name: 'adam', learningRate: 0.1, beta2: 1.5 } }), ConfigError, /optimizer\.beta2/);
  await rejectsWith(createNetwork({ layers: [3, 2], optimizer: { name: 'adam', learningRate: 0.1, epsilon: 0 } }), ConfigError, /optimizer\.epsilon/);
  await rejectsWith(createNetwork({ layers: [3, 2], optimizer: { name: 'sgd', learningRate: 0.1, weightDecay: -0.1 } }), ConfigError, /optimizer\.weightDecay must be a finite number ≥ 0/);
  await rejectsWith(createNetwork({ layers: [3, 2], seed: NaN }), ConfigError, /seed must be a finite number; got NaN/);
});

test('x whose length is not a multiple of the input size is an InputError with the numbers', async () => {
  const net = await net3x2();
  const bad = new Float32Array(10); // 3 full rows + 1 value
  throwsInput(() => net.predict(bad), /x has 10 values, which is not a multiple of the input size 3/, /1 values left over/);
  throwsInput(() => net.evaluate(bad, [0, 1, 0]), /not a multiple of the input size 3/);
  await rejectsWith(net.fit(bad, [0, 1, 0]), InputError, /not a multiple of the input size 3/);
  throwsInput(() => net.predict('1,2,3'), /x must be a Float32Array of n × 3 values/);
});

test('an empty dataset is an InputError', async () => {
  const net = await net3x2();
  await rejectsWith(net.fit(new Float32Array(0), new Int32Array(0)), InputError, /x is empty/, /at least one sample/);
  throwsInput(() => net.predict(new Float32Array(0)), /x is empty/);
});

test('y whose length does not match x is an InputError, with a hint for one-hot labels', async () => {
  const net = await net3x2();
  const x = new Float32Array(12); // 4 samples
  throwsInput(() => net.evaluate(x, [0, 1, 0]), /y has 3 labels but x has 4 samples/);
  await rejectsWith(net.fit(x, new Int32Array(5)), InputError, /y has 5 labels but x has 4 samples/);
  throwsInput(() => net.evaluate(x, new Int32Array(8)), /pass class indices, not one-hot rows/);
  throwsInput(() => net.evaluate(x, null), /y must be an array of 4 class labels/);
  const lin = await net3x2({ output: 'linear' });
  throwsInput(() => lin.evaluate(x, new Float32Array(7)), /y has 7 values but 4 samples × 2 outputs = 8 were expected/);
  // the validation set is checked too, and named as such
  await rejectsWith(net.fit(x, [0, 1, 0, 1], { validation: { x, y: [0, 1] } }), InputError, /validation\.y has 2 labels but x has 4 samples/);
});

test('a label outside [0, classes) is an InputError naming the index and the value', async () => {
  const net = await net3x2();
  const x = new Float32Array(12);
  for (const [y, pattern] of [
    [[0, 1, 2, 0], /y\[2\] = 2 is not a class label in \[0, 2\)/],
    [[0, -1, 1, 0], /y\[1\] = -1 is not a class label in \[0, 2\)/],
    [[0, 1, 0, 0.5], /y\[3\] = 0.5 is not a class label/],
    [[NaN, 1, 0, 0], /y\[0\] = NaN is not a class label/],
  ]) {
    throwsInput(() => net.evaluate(x, y), pattern);
    await rejectsWith(net.fit(x, y), InputError, pattern);
  }
  throwsInput(() => net.lossAndGradients(x, [0, 1, 9, 0]), /y\[2\] = 9/, /the output layer has 2 units/);
});

test('NaN and Infinity in x are InputErrors naming the sample and the feature', async () => {
  const net = await net3x2();
  const y = [0, 1];
  for (const [v, name] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']]) {
    const x = new Float32Array(6);
    x[4] = v; // sample 1, feature 1
    throwsInput(() => net.predict(x), new RegExp(`x\\[4\\] \\(sample 1, feature 1\\) is ${name}: inputs must be finite`));
    throwsInput(() => net.evaluate(x, y), /x\[4\]/);
    throwsInput(() => net.lossAndGradients(x, y), /x\[4\]/);
    await rejectsWith(net.fit(x, y), InputError, /x\[4\] \(sample 1, feature 1\)/);
  }
  // a Float64Array value beyond f32 range becomes Infinity: refused the same way
  throwsInput(() => net.predict(Float64Array.from([1, 2, 1e39])), /x\[2\] \(sample 0, feature 2\) is Infinity/);
});

test('a non-finite value anywhere in float features is the same InputError from fit, wherever it holds the set, and from predict and evaluate; a refused call changes nothing', async () => {
  // fit checks a resident set in the arena (first_nonfinite: the wasm scans 64 values a round, so
  // the values sit before, at and after round boundaries and in the tail), a streamed one before
  // streaming it, predict and evaluate each chunk of rows as it is copied in (the last value is in
  // the last chunk); every backend and thread count names the same element
  const inputs = 5, n = 2000, bs = 16;
  const x = Float32Array.from({ length: n * inputs }, (_, i) => Math.sin(i));
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  for (const [backend, threads] of [['js', 1], ['scalar', 1], ['simd', 1], ['simd', 2], ['auto', 3]]) {
    const make = () => createNetwork({ layers: [inputs, 6, 2], seed: 1, backend, threads });
    const net = await make();
    await net.fit(x, y, { epochs: 1, batchSize: bs });
    const before = net.getParameters();
    // the least maxMemory that streams the set in chunks of 16 rows (fits of 0 epochs plan only)
    let lo = 1, hi = 2 ** 32;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      try { await net.fit(x, y, { epochs: 0, batchSize: bs, maxMemory: mid, chunkRows: bs }); hi = mid; } catch (e) {
        if (!(e instanceof InputError)) throw e;
        lo = mid + 1;
      }
    }
    for (const [at, v, name] of [[0, NaN, 'NaN'], [63, Infinity, 'Infinity'], [64, NaN, 'NaN'], [4997, -Infinity, '-Infinity'], [n * inputs - 1, NaN, 'NaN']]) {
      const bad = x.slice();
      bad[at] = v;
      if (at + 70 < bad.length) bad[at + 70] = Infinity; // a later one is not the one named
      const pattern = new RegExp(`^x\\[${at}\\] \\(sample ${Math.floor(at / inputs)}, feature ${at % inputs}\\) is ${name}: inputs must be finite$`);
      const where = `${backend}, ${threads} thread(s), x[${at}]`;
      await assert.rejects(net.fit(bad, y, { epochs: 1, batchSize: bs }), expectError(InputError, pattern), `${where}, resident`);
      await assert.rejects(net.fit(bad, y, { epochs: 1, batchSize: bs, maxMemory: lo, chunkRows: bs }), expectError(InputError, pattern), `${where}, streamed`);
      assert.throws(() => net.predict(bad), expectError(InputError, pattern), `${where}, predict`);
      assert.throws(() => net.evaluate(bad, y), expectError(InputError, pattern), `${where}, evaluate`);
    }
    assert.deepEqual(net.getParameters(), before, `${backend}: a refused fit leaves the parameters`);
    // and the next fit trains on as if the refused ones had not been: as a twin trained twice
    await net.fit(x, y, { epochs: 1, batchSize: bs });
    const twin = await make();
    await twin.fit(x, y, { epochs: 1, batchSize: bs });
    await twin.fit(x, y, { epochs: 1, batchSize: bs });
    assert.deepEqual(net.getParameters(), twin.getParameters(), `${backend}: training after the refused fits`);
    await net.dispose();
    await twin.dispose();
  }
});

test('NaN and Infinity in float targets are InputErrors naming the sample and the output', async () => {
  const x = new Float32Array(6);
  for (const output of ['sigmoid', 'linear']) {
    const net = await net3x2({ output });
    for (const [v, name] of [[NaN, 'NaN'], [Infinity, 'Infinity']]) {
      const y = new Float32Array(4);
      y[3] = v; // sample 1, output 1
      const pattern = new RegExp(`y\\[3\\] \\(sample 1, output 1\\) is ${name}: targets must be finite`);
      throwsInput(() => net.evaluate(x, y), pattern);
      await rejectsWith(net.fit(x, y), InputError, pattern);
    }
  }
  const sig = await net3x2({ output: 'sigmoid' });
  throwsInput(() => sig.evaluate(x, [0, 1, 1.5, 0]), /y\[2\] = 1.5 is outside \[0, 1\]/);
});

test('a batch size below 1 is a ConfigError (as src/errors.ts documents), and so are bad epochs', async () => {
  const net = await net3x2();
  const x = new Float32Array(6), y = [0, 1];
  for (const batchSize of [0, -4, 2.5, NaN]) {
    await rejectsWith(net.fit(x, y, { batchSize }), ConfigError, new RegExp(`batchSize must be an integer ≥ 1; got ${batchSize}`));
  }
  await rejectsWith(net.fit(x, y, { epochs: -1 }), ConfigError, /epochs must be an integer ≥ 0; got -1/);
  await rejectsWith(net.fit(x, y, { epochs: 1.5 }), ConfigError, /epochs must be an integer/);
});

test('setParameters with the wrong count, shape, type or values is an InputError naming the tensor', async () => {
  const net = await net3x2(); // W0 (4,3), b0 (4), W1 (2,4), b1 (2)
  const good = net.getParameters();
  const before = net.getParameters();
  const variant = (f) => { const p = { weights: good.weights.map((w) => w.slice()), biases: good.biases.map((b) => b.slice()) }; f(p); return p; };
  throwsInput(() => net.setParameters(variant((p) => p.weights.pop())), /the network has 2 layers of weights, got 1 weight and 2 bias arrays/);
  throwsInput(() => net.setParameters(variant((p) => p.biases.push(new Float32Array(2)))), /got 2 weight and 3 bias arrays/);
  throwsInput(() => net.setParameters(variant((p) => { p.weights[0] = new Float32Array(12 + 1); })), /weights\[0\] has 13 values, expected shape \(4, 3\) = 12/);
  throwsInput(() => net.setParameters(variant((p) => { p.weights[1] = new Float32Array(3 * 4); })), /weights\[1\] has 12 values, expected shape \(2, 4\) = 8/);
  throwsInput(() => net.setParameters(variant((p) => { p.biases[1] = new Float32Array(4); })), /biases\[1\] has 4 values, expected shape \(2\) = 2/);
  throwsInput(() => net.setParameters(variant((p) => { p.weights[0] = Array.from(p.weights[0]); })), /weights\[0\] must be a Float32Array of shape \(4, 3\)/);
  throwsInput(() => net.setParameters(variant((p) => { p.biases[0][2] = NaN; })), /biases\[0\]\[2\] is NaN: parameters must be finite/);
  throwsInput(() => net.setParameters(variant((p) => { p.weights[1][7] = -Infinity; })), /weights\[1\]\[7\] is -Infinity/);
  throwsInput(() => net.setParameters({ weights: good.weights }), /setParameters needs \{ weights: Float32Array\[\], biases: Float32Array\[\] \}/);
  throwsInput(() => net.setParameters(null), /setParameters needs/);
  // a refused call changes nothing, even when an earlier tensor was fine
  assert.deepEqual(net.getParameters(), before);
});

test('setOptimizerState with a missing or misshapen tensor or a bad step is an InputError', async () => {
  const net = await net3x2({ optimizer: { name: 'adam', learningRate: 0.01 } });
  const s = net.getOptimizerState();
  const missing = { step: 3, tensors: { ...s.tensors } };
  delete missing.tensors['v.layers.1.bias'];
  throwsInput(() => net.setOptimizerState(missing), /optimizer state lacks 'v\.layers\.1\.bias' \(optimizer adam\)/);
  const wrong = { step: 3, tensors: { ...s.tensors, 'm.layers.0.weight': new Float32Array(5) } };
  throwsInput(() => net.setOptimizerState(wrong), /optimizer state 'm': weights\[0\] has 5 values, expected shape \(4, 3\) = 12/);
  throwsInput(() => net.setOptimizerState({ step: -1, tensors: s.tensors }), /optimizer step must be an integer ≥ 0; got -1/);
});

test('a refused setOptimizerState changes nothing (no half-written Adam state)', async () => {
  const net = await net3x2({ optimizer: { name: 'adam', learningRate: 0.01 } });
  await net.fit(new Float32Array([1, 2, 3, 4, 5, 6]), [0, 1], { epochs: 2, batchSize: 1 });
  const before = net.getOptimizerState();
  assert.equal(before.step, 4);
  const filled = (v) => Object.fromEntries(Object.entries(before.tensors).map(([k, t]) => [k, new Float32Array(t.length).fill(v)]));
  // every 'm' tensor valid, one 'v' tensor missing: the call must fail before writing 'm'
  const missing = filled(7);
  delete missing['v.layers.1.bias'];
  throwsInput(() => net.setOptimizerState({ step: 5, tensors: missing }), /lacks 'v\.layers\.1\.bias'/);
  assert.deepEqual(net.getOptimizerState(), before, 'the refused call (missing v tensor) overwrote part of the optimizer state');
  // valid tensors, invalid step: the call must fail before writing any tensor
  throwsInput(() => net.setOptimizerState({ step: -1, tensors: filled(9) }), /optimizer step must be an integer ≥ 0/);
  assert.deepEqual(net.getOptimizerState(), before, 'the refused call (step -1) overwrote the optimizer state');
});

/** Two separable blobs, 3 features. */
function blobs(n, scale = 1) {
  const x = new Float32Array(n * 3), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let k = 0; k < 3; k++) x[i * 3 + k] = scale * ((y[i] ? 1 : -1) + 0.3 * Math.sin(7 * i + k));
  }
  return { x, y };
}
const allFinite = (p) => [...p.weights, ...p.biases].every((t) => t.every(Number.isFinite));

for (const backend of ['js', 'simd', 'scalar']) {
  // the first two blow up the loss of the next batch; the third makes the first update itself
  // overflow (the loss of 1e30-scaled inputs is still finite in f32), which the optimizer refuses
  for (const [what, lr, scale, reason] of [
    ['a learning rate of 1e30', 1e30, 1, /the loss is (NaN|-?Infinity)\. The parameters keep their last finite values/],
    ['inputs scaled by 1e20', 0.1, 1e20, /the loss is (NaN|-?Infinity)/],
    ['inputs scaled by 1e30 and a learning rate of 1e10', 1e10, 1e30, /the update of \d+ parameters was not finite and was not applied/],
  ]) {
    test(`${backend}: training with ${what} rejects with a DivergenceError naming the epoch and batch; parameters stay finite`, async () => {
      const net = await createNetwork({ layers: [3, 8, 2], seed: 4, backend, optimizer: { name: 'sgd', learningRate: lr } });
      const { x, y } = blobs(64, scale);
      const seen = [];
      let err;
      try {
        await net.fit(x, y, { epochs: 5, batchSize: 8, onBatchEnd: (l) => seen.push(l.batch) });
      } catch (e) { err = e; }
      assert.ok(err, 'training did not diverge');
      expectError(DivergenceError, /training diverged at epoch (\d+), batch (\d+)\/8/, reason, /[lL]ower the learning rate \(now /)(err);
      const [, epoch, batch] = err.message.match(/epoch (\d+), batch (\d+)/).map(Number);
      assert.equal(err.epoch, epoch, 'the epoch field agrees with the message');
      assert.equal(err.batch, batch, 'the batch field agrees with the message');
      assert.equal(err.code, 'E_DIVERGED');
      assert.ok(epoch === 1 && batch >= 1 && batch <= 8, `diverged late: epoch ${epoch}, batch ${batch}`);
      assert.equal(seen.length, batch - 1, 'the failing batch was not reported as a completed one');
      assert.ok(allFinite(net.getParameters()), 'a parameter is not finite after the divergence');
      // the network is still usable: predictions on sane inputs are numbers
      const p = net.predict(blobs(4).x);
      assert.equal(p.length, 8);
    });
  }
}

test('a DivergenceError is also raised by adam and momentum, not only sgd', async () => {
  for (const name of ['momentum', 'adam']) {
    const net = await createNetwork({ layers: [3, 8, 2], seed: 4, backend: 'simd', optimizer: { name, learningRate: 0.1 } });
    const { x, y } = blobs(32, 1e20);
    await rejectsWith(net.fit(x, y, { epochs: 2, batchSize: 8 }), DivergenceError, /training diverged at epoch 1, batch \d+\/4/);
    assert.ok(allFinite(net.getParameters()));
    assert.ok(Object.values(net.getOptimizerState().tensors).every((t) => t.every(Number.isFinite)), `${name}: optimizer state not finite`);
  }
});
