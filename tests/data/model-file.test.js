// Model files and checkpoints: bit-exact round trips and every inconsistency refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel, decodeModel } from '../../dist/io/model-file.js';
import { encodeCheckpoint, decodeCheckpoint } from '../../dist/io/checkpoint.js';
import { encodeSafetensors, decodeSafetensors } from '../../dist/io/safetensors.js';
import { ModelFileError, ConfigError, InputError } from '../../dist/errors.js';

const bytesOf = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const seq = (n, f) => Float32Array.from({ length: n }, (_, i) => f(i));

function model(layers = [4, 3, 2], withNorm = true) {
  const weights = [];
  const biases = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    weights.push(seq(layers[l + 1] * layers[l], (i) => Math.sin(i + l) / 3));
    biases.push(seq(layers[l + 1], (i) => i - 0.5));
  }
  // Awkward bit patterns: NaN with payload, -0, denormal.
  weights[0][0] = new Float32Array(new Uint32Array([0x7fc01234]).buffer)[0];
  weights[0][1] = -0;
  weights[0][2] = 1e-45;
  const m = { architecture: { layers, hidden: 'tanh', output: 'softmax' }, parameters: { weights, biases }, metadata: { trained_on: 'iris' } };
  if (withNorm) m.normalizer = { kind: 'zscore', offset: seq(layers[0], (i) => i), scale: seq(layers[0], (i) => 1 / (i + 1)) };
  return m;
}

function rejects(bytes, props, ...patterns) {
  assert.throws(() => decodeModel(bytes, 'net.safetensors'), (e) => {
    assert.ok(e instanceof ModelFileError, `expected ModelFileError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.file, 'net.safetensors');
    assert.match(e.message, /net\.safetensors/);
    assert.equal(typeof e.offset, 'number');
    for (const [k, v] of Object.entries(props)) assert.equal(e[k], v, `${k} in ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

/** Re-encodes a model file after `edit(tensors, metadata)` changed its decoded parts. */
function tamper(m, edit) {
  const d = decodeSafetensors(encodeModel(m));
  const tensors = [...d.tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.data }));
  const meta = { ...d.metadata };
  const out = edit(tensors, meta) ?? tensors;
  return encodeSafetensors(out, meta);
}

function assertSameModel(got, want) {
  assert.deepEqual(got.architecture, want.architecture);
  assert.equal(got.parameters.weights.length, want.parameters.weights.length);
  for (let l = 0; l < want.parameters.weights.length; l++) {
    assert.deepEqual(bytesOf(got.parameters.weights[l]), bytesOf(want.parameters.weights[l]), `weights[${l}]`);
    assert.deepEqual(bytesOf(got.parameters.biases[l]), bytesOf(want.parameters.biases[l]), `biases[${l}]`);
  }
}

test('a model round-trips bit-exactly, normalizer and caller metadata included', () => {
  const m = model();
  const d = decodeModel(encodeModel(m), 'net.safetensors');
  assertSameModel(d, m);
  assert.equal(d.normalizer.kind, 'zscore');
  assert.deepEqual(bytesOf(d.normalizer.offset), bytesOf(m.normalizer.offset));
  assert.deepEqual(bytesOf(d.normalizer.scale), bytesOf(m.normalizer.scale));
  assert.deepEqual(d.metadata, { trained_on: 'iris' });
});

test('a model without a normalizer decodes with normalizer undefined', () => {
  const d = decodeModel(encodeModel(model([3, 5, 4, 2], false)));
  assert.equal(d.normalizer, undefined);
  assert.deepEqual(d.architecture.layers, [3, 5, 4, 2]);
});

test('the file uses the documented tensor names, shapes and metadata', () => {
  const d = decodeSafetensors(encodeModel(model()));
  assert.deepEqual([...d.tensors.keys()].sort(), ['layers.0.bias', 'layers.0.weight', 'layers.1.bias', 'layers.1.weight', 'normalizer.offset', 'normalizer.scale']);
  assert.deepEqual(d.tensors.get('layers.0.weight').shape, [3, 4]);
  assert.deepEqual(d.tensors.get('layers.1.bias').shape, [2]);
  assert.equal(d.metadata.format, 'wasm-mlp');
  assert.equal(d.metadata.format_version, '1');
  assert.deepEqual(JSON.parse(d.metadata.architecture), { layers: [4, 3, 2], hidden: 'tanh', output: 'softmax' });
  assert.equal(d.metadata.normalizer_kind, 'zscore');
});

test('encodeModel refuses an invalid architecture with ConfigError', () => {
  const m = model();
  m.architecture = { ...m.architecture, hidden: 'gelu' };
  assert.throws(() => encodeModel(m), (e) => e instanceof ConfigError && /unknown hidden activation 'gelu': expected one of relu/.test(e.message));
});

test('encodeModel refuses weights of the wrong length with InputError naming the tensor', () => {
  const m = model();
  m.parameters.weights[1] = new Float32Array(5);
  assert.throws(() => encodeModel(m), (e) => e instanceof InputError && /layers\.1\.weight must be a Float32Array of 2 × 3 = 6/.test(e.message));
});

test('encodeModel refuses caller metadata that overrides a format key', () => {
  const m = { ...model(), metadata: { format_version: '9' } };
  assert.throws(() => encodeModel(m), (e) => e instanceof InputError && /"format_version" is reserved/.test(e.message));
});

test('decodeModel rejects a file that is not a wasm-mlp model', () => {
  rejects(tamper(model(), (t, m) => { m.format = 'other'; }), { offset: 8 }, /not a wasm-mlp model: __metadata__.format is "other"/);
});

test('decodeModel rejects a file without metadata', () => {
  rejects(encodeSafetensors([{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) }]), {}, /format is missing/);
});

test('decodeModel rejects an unknown format_version, naming it', () => {
  rejects(tamper(model(), (t, m) => { m.format_version = '2'; }), {}, /unsupported format_version "2": this build reads version 1/);
});

test('decodeModel rejects an architecture that is not JSON', () => {
  rejects(tamper(model(), (t, m) => { m.architecture = '{layers'; }), {}, /architecture is not valid JSON/);
});

test('decodeModel rejects an unknown hidden activation', () => {
  rejects(tamper(model(), (t, m) => { m.architecture = JSON.stringify({ layers: [4, 3, 2], hidden: 'swish', output: 'softmax' }); }), {}, /unknown hidden activation 'swish': expected one of relu, leaky_relu, sigmoid, tanh/);
});

test('decodeModel rejects an unknown output', () => {
  rejects(tamper(model(), (t, m) => { m.architecture = JSON.stringify({ layers: [4, 3, 2], hidden: 'relu', output: 'softplus' }); }), {}, /unknown output \(activation and loss\) 'softplus': expected one of softmax, sigmoid, linear/);
});

test('decodeModel rejects fewer than 2 layers and non-positive sizes', () => {
  rejects(tamper(model(), (t, m) => { m.architecture = JSON.stringify({ layers: [4], hidden: 'relu', output: 'linear' }); }), {}, /at least two sizes/);
  rejects(tamper(model(), (t, m) => { m.architecture = JSON.stringify({ layers: [4, 0, 2], hidden: 'relu', output: 'linear' }); }), {}, /layers\[1\] must be a positive integer \(at most \d+\); got 0/);
});

test('decodeModel rejects a missing tensor, naming it and its expected shape', () => {
  rejects(tamper(model(), (t) => t.filter((x) => x.name !== 'layers.1.bias')), {}, /missing tensor "layers\.1\.bias" \(expected F32 of shape \[2\]\)/);
});

test('decodeModel rejects a tensor of the wrong shape, naming expected and found', () => {
  const bytes = tamper(model(), (t) => t.map((x) => (x.name === 'layers.0.weight' ? { ...x, shape: [4, 3] } : x)));
  rejects(bytes, {}, /tensor "layers\.0\.weight" has shape \[4, 3\], expected \[3, 4\]/);
});

test('decodeModel rejects a tensor of the wrong dtype', () => {
  const bytes = tamper(model(), (t) => t.map((x) => (x.name === 'layers.0.bias' ? { ...x, dtype: 'I32', data: new Int32Array(3) } : x)));
  rejects(bytes, {}, /tensor "layers\.0\.bias" has dtype I32, expected F32/);
});

test('decodeModel rejects an unexpected extra tensor', () => {
  const bytes = tamper(model(), (t) => [...t, { name: 'layers.2.weight', dtype: 'F32', shape: [1], data: new Float32Array(1) }]);
  rejects(bytes, {}, /unexpected tensor "layers\.2\.weight"/);
});

test('decodeModel rejects normalizer tensors without normalizer_kind', () => {
  rejects(tamper(model(), (t, m) => { delete m.normalizer_kind; }), {}, /normalizer\.(offset|scale)" is present but __metadata__\.normalizer_kind is not/);
});

test('decodeModel rejects an unknown normalizer_kind', () => {
  rejects(tamper(model(), (t, m) => { m.normalizer_kind = 'robust'; }), {}, /normalizer_kind is "robust"/);
});

test('decodeModel rejects a normalizer of the wrong size', () => {
  const bytes = tamper(model(), (t) => t.map((x) => (x.name === 'normalizer.scale' ? { ...x, shape: [3], data: new Float32Array(3) } : x)));
  rejects(bytes, {}, /tensor "normalizer\.scale" has shape \[3\], expected \[4\]/);
});

test('decodeModel passes safetensors errors through as ModelFileError with the file name', () => {
  const b = encodeModel(model());
  rejects(b.subarray(0, 20), {}, /net\.safetensors/);
});

const state = () => ({
  epoch: 3,
  optimizer: { name: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  optimizerStep: 1234,
  optimizerTensors: { m: seq(21, (i) => i * 0.1), v: seq(21, (i) => i * 1e-7) },
  rngState: Uint32Array.from([0xdeadbeef, 1, 2, 0xffffffff]),
  order: Int32Array.from([4, 2, 0, 1, 3]),
  history: [{ epoch: 1, loss: 0.5 }, { epoch: 2, loss: 0.25 }],
});

test('a checkpoint round-trips model and training state bit-exactly', () => {
  const m = model();
  const s = state();
  const d = decodeCheckpoint(encodeCheckpoint(m, s), 'ck.safetensors');
  assertSameModel(d.model, m);
  assert.deepEqual(d.model.metadata, { trained_on: 'iris' });
  assert.equal(d.state.epoch, 3);
  assert.equal(d.state.optimizerStep, 1234);
  assert.deepEqual(d.state.optimizer, s.optimizer);
  assert.deepEqual(Object.keys(d.state.optimizerTensors).sort(), ['m', 'v']);
  assert.deepEqual(bytesOf(d.state.optimizerTensors.v), bytesOf(s.optimizerTensors.v));
  assert.deepEqual([...d.state.rngState], [...s.rngState]);
  assert.deepEqual([...d.state.order], [...s.order]);
  assert.deepEqual(d.state.history, s.history);
});

test('a checkpoint without order and history decodes without them', () => {
  const s = state();
  delete s.order;
  delete s.history;
  const d = decodeCheckpoint(encodeCheckpoint(model(), s));
  assert.equal(d.state.order, undefined);
  assert.equal(d.state.history, undefined);
});

test('a checkpoint opens with decodeModel, so it can be used to predict', () => {
  const m = model();
  const d = decodeModel(encodeCheckpoint(m, state()));
  assertSameModel(d, m);
  assert.deepEqual(d.metadata, { trained_on: 'iris' });
});

test('decodeCheckpoint rejects a plain model file (cannot resume)', () => {
  assert.throws(() => decodeCheckpoint(encodeModel(model()), 'net.safetensors'),
    (e) => e instanceof ModelFileError && /net\.safetensors/.test(e.message) && /not a checkpoint/.test(e.message));
});

/** Re-encodes a checkpoint after editing its decoded tensors and metadata. */
function tamperCk(edit) {
  const d = decodeSafetensors(encodeCheckpoint(model(), state()));
  const tensors = [...d.tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.data }));
  const meta = { ...d.metadata };
  return encodeSafetensors(edit(tensors, meta) ?? tensors, meta);
}

const ckRejects = (bytes, ...patterns) => assert.throws(() => decodeCheckpoint(bytes, 'ck.safetensors'), (e) => {
  assert.ok(e instanceof ModelFileError, `${e?.constructor?.name}: ${e?.message}`);
  assert.equal(e.file, 'ck.safetensors');
  for (const p of patterns) assert.match(e.message, p);
  return true;
});

test('decodeCheckpoint rejects a missing rng.state', () => {
  ckRejects(tamperCk((t) => t.filter((x) => x.name !== 'rng.state')), /missing tensor "rng\.state"/);
});

test('decodeCheckpoint rejects an optimizer tensor that is not F32', () => {
  ckRejects(tamperCk((t) => t.map((x) => (x.name === 'optimizer.m' ? { ...x, dtype: 'I32', data: new Int32Array(x.data.length) } : x))), /tensor "optimizer\.m" has dtype I32, expected F32/);
});

test('decodeCheckpoint rejects a non-integer epoch', () => {
  ckRejects(tamperCk((t, m) => { m.epoch = '1.5'; }), /__metadata__\.epoch must be a non-negative integer, found "1\.5"/);
});

test('decodeCheckpoint rejects an invalid optimizer config', () => {
  ckRejects(tamperCk((t, m) => { m.optimizer = JSON.stringify({ name: 'rmsprop', learningRate: 0.1 }); }), /invalid optimizer.*unknown optimizer 'rmsprop': expected one of sgd, momentum, adam/);
  ckRejects(tamperCk((t, m) => { m.optimizer = 'not json'; }), /__metadata__\.optimizer is not valid JSON/);
});

test('decodeCheckpoint rejects a history that is not an array', () => {
  ckRejects(tamperCk((t, m) => { m.history = '{}'; }), /history must be a JSON array/);
});

test('encodeCheckpoint refuses a negative epoch and an empty rng state', () => {
  assert.throws(() => encodeCheckpoint(model(), { ...state(), epoch: -1 }), InputError);
  assert.throws(() => encodeCheckpoint(model(), { ...state(), rngState: new Uint32Array(0) }), InputError);
});
