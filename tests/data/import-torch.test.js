// importSafetensors: a PyTorch state_dict (safetensors) becomes a wasm-mlp model. The fixture was
// written by PyTorch (tests/fixtures/pytorch/make-fixture.py); the refusals are built here; the
// last tests run docs/pytorch.md's Python against real PyTorch (skipped, and said so, without it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSafetensors, encodeSafetensors, decodeSafetensors, encodeModel, decodeModel, f16ToF32, bf16ToF32, fitNormalizer, applyNormalizer } from '../../dist/io/index.js';
import { createNetwork } from '../../dist/network/network.js';
import { ConfigError, ModelFileError } from '../../dist/errors.js';
import { Rng } from '../../dist/rng.js';
import { DOC_READER, DOC_TO_TORCH, NO_TORCH, assertClose, docPython, hasTorch, runPython } from './pytorch.js';

const FIXTURE = new URL('../fixtures/pytorch/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8'));
const fixture = (dtype) => new Uint8Array(readFileSync(new URL(`mlp-${dtype}.safetensors`, FIXTURE)));
const FILE = 'torch.safetensors';

/** Softmax outputs of the imported model on `x` with one backend. */
async function probabilities(model, x, backend) {
  const net = await createNetwork({ ...model.architecture, backend });
  net.setParameters(model.parameters);
  return net.predict(x);
}

// ---- half floats

const f32Bits = (f) => new Uint32Array(f.buffer, f.byteOffset, f.length);
const allWords = () => Uint16Array.from({ length: 65536 }, (_, i) => i);

test('f16ToF32 matches the binary16 definition for all 65,536 words (±0, subnormals, ±inf, NaN payloads)', () => {
  const got = f16ToF32(allWords());
  const bits = f32Bits(got);
  for (let h = 0; h < 65536; h++) {
    const s = h >> 15 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
    if (e === 31 && m !== 0) {
      // NaN: sign and payload carried into the top of the f32 mantissa
      assert.equal(bits[h], (((h & 0x8000) << 16) | 0x7f800000 | (m << 13)) >>> 0, `NaN 0x${h.toString(16)}`);
      continue;
    }
    const want = e === 31 ? s * Infinity : e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
    if (!Object.is(got[h], want)) assert.fail(`0x${h.toString(16)} → ${got[h]}, expected ${want}`);
  }
  const named = f16ToF32(Uint16Array.from([0x0001, 0x03ff, 0x0400, 0x7bff, 0x3c00, 0xc000, 0x8000, 0x7c00, 0xfc00]));
  assert.deepEqual([...named], [2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, 1, -2, -0, Infinity, -Infinity]);
  assert.ok(Object.is(named[6], -0));
});

test('bf16ToF32 is the word shifted into the top half of an f32, for all 65,536 words', () => {
  const got = bf16ToF32(allWords());
  const bits = f32Bits(got);
  for (let h = 0; h < 65536; h++) {
    if (bits[h] !== ((h << 16) >>> 0)) assert.fail(`0x${h.toString(16)} → bits 0x${bits[h].toString(16)}`);
    const s = h >> 15 ? -1 : 1, e = (h >> 7) & 255, m = h & 127;
    if (e === 255) continue;
    const want = e === 0 ? s * m * 2 ** -133 : s * (1 + m / 128) * 2 ** (e - 127);
    if (!Object.is(got[h], want)) assert.fail(`0x${h.toString(16)} → ${got[h]}, expected ${want}`);
  }
});

// ---- the fixture PyTorch wrote

for (const dtype of ['f32', 'f16', 'bf16']) {
  test(`the ${dtype.toUpperCase()} fixture imports as 12-8-6-3 relu/softmax with PyTorch's exact weights and its probabilities within 1e-5 (js, scalar, simd)`, async () => {
    const model = importSafetensors(fixture(dtype), { file: `mlp-${dtype}.safetensors` });
    assert.deepEqual(model.architecture, { layers: [12, 8, 6, 3], hidden: 'relu', output: 'softmax' });
    // row 0 holds an F16 subnormal and a value BF16 rounds: compared bit for bit with PyTorch's float32
    assert.deepEqual([...model.parameters.weights[0].subarray(0, 12)], expected.row0[dtype]);
    const x = Float32Array.from(expected.inputs.flat());
    for (const backend of ['js', 'scalar', 'simd']) {
      assertClose(await probabilities(model, x, backend), expected[dtype].flat(), 1e-5, `${dtype} ${backend}`);
    }
  });
}

test('the half-precision fixtures hold the F32 weights rounded (so the F16 and BF16 paths are exercised, not skipped)', () => {
  const f32 = importSafetensors(fixture('f32')).parameters.weights[0];
  for (const dtype of ['f16', 'bf16']) {
    const w = importSafetensors(fixture(dtype)).parameters.weights[0];
    assert.notDeepEqual([...w], [...f32], dtype);
    assertClose(w, f32, dtype === 'f16' ? 1e-3 : 1e-2, dtype);
  }
});

test('an imported model is a valid model file: encodeModel then decodeModel give the same parameters', () => {
  const model = importSafetensors(fixture('f32'), { hidden: 'tanh', output: 'sigmoid' });
  assert.deepEqual(model.metadata, { imported_from: 'PyTorch state_dict (safetensors)' });
  const back = decodeModel(encodeModel(model));
  assert.deepEqual(back.architecture, { layers: [12, 8, 6, 3], hidden: 'tanh', output: 'sigmoid' });
  assert.deepEqual(back.parameters, model.parameters);
});

// ---- key layouts

/** Weight (out, in) and bias of one nn.Linear under `module`, with values that tell layers apart. */
function linear(module, out, inp, tag = out * 100 + inp) {
  const dot = module === '' ? '' : `${module}.`;
  return [
    { name: `${dot}weight`, dtype: 'F32', shape: [out, inp], data: Float32Array.from({ length: out * inp }, (_, i) => tag + i / 1000) },
    { name: `${dot}bias`, dtype: 'F32', shape: [out], data: Float32Array.from({ length: out }, (_, i) => -tag - i / 1000) },
  ];
}

/** A state_dict of Linear layers for `sizes`, under modules `names`. */
const stateDict = (sizes, names) => names.flatMap((m, l) => linear(m, sizes[l + 1], sizes[l]));

const firstWeight = (model) => model.parameters.weights.map((w) => w[0]);

test('numbered modules are taken by index, not by name: 0, 2, 10 (the gaps are activations)', () => {
  const model = importSafetensors(encodeSafetensors(stateDict([3, 4, 5, 2], ['net.0', 'net.2', 'net.10'])));
  assert.deepEqual(model.architecture.layers, [3, 4, 5, 2]);
  assert.deepEqual(firstWeight(model), [403, 504, 205]);
  assert.deepEqual([...model.parameters.biases[2]], [Math.fround(-205), Math.fround(-205.001)]);
});

test('any one prefix is accepted: none, "model.", "model.body."', () => {
  for (const prefix of ['', 'model.', 'model.body.']) {
    const model = importSafetensors(encodeSafetensors(stateDict([3, 4, 2], [`${prefix}0`, `${prefix}2`])));
    assert.deepEqual(model.architecture.layers, [3, 4, 2], prefix);
  }
});

test('named modules are taken in file order (alphabetical as save_file writes): fc1, fc2, out', () => {
  const model = importSafetensors(encodeSafetensors(stateDict([3, 4, 5, 2], ['fc1', 'fc2', 'out'])));
  assert.deepEqual(model.architecture.layers, [3, 4, 5, 2]);
  assert.deepEqual(firstWeight(model), [403, 504, 205]);
});

test('a bare nn.Linear (keys weight, bias) is a one-layer model; hidden and output are the caller\'s', () => {
  const model = importSafetensors(encodeSafetensors(linear('', 3, 6)), { hidden: 'leaky_relu', output: 'linear' });
  assert.deepEqual(model.architecture, { layers: [6, 3], hidden: 'leaky_relu', output: 'linear' });
});

// ---- refusals: one line, typed, naming the key and the file

/** Asserts importSafetensors refuses `bytes` with a one-line error of `type` matching every pattern. */
function refuses(bytes, patterns, { type = ModelFileError, options = {}, offset } = {}) {
  assert.throws(() => importSafetensors(bytes, { file: FILE, ...options }), (e) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e?.constructor?.name}: ${e?.message}`);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    assert.ok(e.message.includes(FILE), `names the file: ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    if (type === ModelFileError) {
      assert.equal(e.file, FILE);
      assert.equal(typeof e.offset, 'number');
    }
    if (offset !== undefined) assert.equal(e.offset, offset);
    return true;
  });
}

const good = () => stateDict([4, 5, 3], ['net.0', 'net.2']);
const edit = (name, change) => encodeSafetensors(good().map((t) => (t.name === name ? { ...t, ...change } : t)));

test('refuses dtypes other than F32, F16, BF16 (I32, F64), naming the tensor', () => {
  refuses(edit('net.0.weight', { dtype: 'I32', data: new Int32Array(20) }), [/tensor "net\.0\.weight" has dtype I32, expected F32, F16 or BF16/]);
  refuses(edit('net.2.bias', { dtype: 'F64', data: new Float64Array(3) }), [/tensor "net\.2\.bias" has dtype F64/]);
});

test('refuses shapes that do not chain, naming both weights', () => {
  const bytes = encodeSafetensors([...linear('net.0', 5, 4), ...linear('net.2', 3, 6)]);
  refuses(bytes, [/tensor "net\.2\.weight" has shape \[3, 6\]: its 6 inputs do not match the 5 outputs of "net\.0\.weight" \[5, 4\]/]);
});

test('refuses a missing bias (nn.Linear(bias=False)) and a missing weight', () => {
  refuses(encodeSafetensors(good().filter((t) => t.name !== 'net.2.bias')), [/missing tensor "net\.2\.bias" for "net\.2\.weight" \[3, 5\]/, /bias=False/]);
  refuses(encodeSafetensors(good().filter((t) => t.name !== 'net.0.weight')), [/tensor "net\.0\.bias" has no weight: missing tensor "net\.0\.weight"/]);
});

test('refuses a bias whose length is not the weight\'s outputs', () => {
  refuses(edit('net.0.bias', { shape: [6], data: new Float32Array(6) }), [/tensor "net\.0\.bias" has shape \[6\], expected \[5\]/]);
});

test('refuses a tensor that is no Linear weight or bias (BatchNorm running_mean), naming it', () => {
  const bytes = encodeSafetensors([...good(), { name: 'net.1.running_mean', dtype: 'F32', shape: [5], data: new Float32Array(5) }]);
  refuses(bytes, [/unexpected tensor "net\.1\.running_mean"/]);
});

test('refuses a weight that is not 2-D: 3-D (a convolution) and 1-D (a LayerNorm)', () => {
  refuses(edit('net.0.weight', { shape: [5, 2, 2], data: new Float32Array(20) }), [/tensor "net\.0\.weight" has shape \[5, 2, 2\], expected 2-D \(out, in\)/]);
  const norm = [{ name: 'net.1.weight', dtype: 'F32', shape: [5], data: new Float32Array(5) }, { name: 'net.1.bias', dtype: 'F32', shape: [5], data: new Float32Array(5) }];
  refuses(encodeSafetensors([...good(), ...norm]), [/tensor "net\.1\.weight" has shape \[5\], expected 2-D/]);
});

test('refuses an empty layer (a weight of shape [0, 4])', () => {
  refuses(encodeSafetensors([...linear('0', 0, 4)]), [/tensor "0\.weight" has shape \[0, 4\]: a layer needs at least one input and one output/]);
});

test('refuses mixed prefixes and numbered keys mixed with named ones', () => {
  refuses(encodeSafetensors([...linear('model.0', 5, 4), ...linear('net.2', 3, 5)]), [/mixed prefixes/, /"model\.0\.(weight|bias)"/, /"net\.2\.(weight|bias)"/]);
  refuses(encodeSafetensors([...linear('net.0', 5, 4), ...linear('net.head', 3, 5)]), [/"net\.head\.(weight|bias)" is named but "net\.0\.(weight|bias)" is numbered/]);
});

test('refuses two modules with the same index (net.1 and net.01)', () => {
  refuses(encodeSafetensors([...linear('net.1', 5, 4), ...linear('net.01', 3, 5)]), [/modules "net\.(01|1)" and "net\.(1|01)" have the same index/]);
});

test('refuses NaN and infinite values, naming the key, the index and the byte offset', () => {
  const w = Float32Array.from(good()[2].data);
  w[1 * 5 + 2] = NaN;
  const bytes = edit('net.2.weight', { data: w });
  const at = decodeSafetensors(bytes).tensors.get('net.2.weight').offset + 4 * 7;
  refuses(bytes, [/tensor "net\.2\.weight" \[1, 2\] is NaN/], { offset: at });
  // an F16 bias holding +inf (0x7c00) at index 3
  const half = Uint16Array.from([0x3c00, 0, 0, 0x7c00, 0]);
  const hbytes = edit('net.0.bias', { dtype: 'F16', data: half });
  refuses(hbytes, [/tensor "net\.0\.bias" \[3\] is Infinity/], { offset: decodeSafetensors(hbytes).tensors.get('net.0.bias').offset + 2 * 3 });
});

test('refuses a truncated file and garbage with the safetensors reader\'s errors', () => {
  const bytes = encodeSafetensors(good());
  refuses(bytes.subarray(0, bytes.length - 3), [/safetensors file torch\.safetensors/, /run past the data area/]);
  refuses(bytes.subarray(0, 5), [/truncated at byte 5/]);
  refuses(new TextEncoder().encode('not a model at all, just some text'), [/header length .* exceeds|runs past the end/]);
});

test('refuses a file that is already a wasm-mlp model, saying to use it directly', () => {
  const model = encodeModel({ architecture: { layers: [4, 5, 3], hidden: 'relu', output: 'softmax' }, parameters: { weights: [new Float32Array(20), new Float32Array(15)], biases: [new Float32Array(5), new Float32Array(3)] } });
  refuses(model, [/already a wasm-mlp model file/, /use it directly/]);
});

test('refuses a file without tensors', () => {
  refuses(encodeSafetensors([]), [/holds no tensors/]);
});

test('a softmax output on one unit is a ConfigError naming the last layer; sigmoid takes it', () => {
  const bytes = encodeSafetensors([...linear('0', 5, 4), ...linear('2', 1, 5)]);
  refuses(bytes, [/last "2\.weight"/, /softmax output needs at least 2 classes/], { type: ConfigError });
  assert.deepEqual(importSafetensors(bytes, { output: 'sigmoid' }).architecture.layers, [4, 5, 1]);
});

test('an unknown activation is a ConfigError naming the choices', () => {
  assert.throws(() => importSafetensors(encodeSafetensors(good()), { hidden: 'gelu' }), (e) => e instanceof ConfigError && /unknown hidden activation 'gelu': expected one of relu, leaky_relu, sigmoid, tanh/.test(e.message));
  assert.throws(() => importSafetensors(encodeSafetensors(good()), { output: 'softmax2' }), ConfigError);
});

// ---- with real PyTorch

/** Points around three centres in 6-D, labels 0..2; scaled and shifted so a normaliser matters. */
function blobs(n, seed) {
  const r = new Rng(seed);
  const x = new Float32Array(n * 6), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 6; j++) x[i * 6 + j] = 10 * j + 3 * ((y[i] + j) % 3) + r.normal();
  }
  return { x, y };
}

test('PyTorch loads trained wasm-mlp models with docs/pytorch.md\'s code (reader, Normalize, to_torch): probabilities within 1e-5', async (t) => {
  if (!hasTorch()) { t.skip(`${NO_TORCH}; the fixture tests above still run`); return; }
  const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-torch-'));
  try {
    const train = blobs(240, 1), probe = blobs(9, 2);
    const configs = [
      { layers: [6, 10, 8, 3], hidden: 'relu', output: 'softmax', normalize: 'zscore', y: train.y },
      { layers: [6, 7, 1], hidden: 'tanh', output: 'sigmoid', normalize: 'minmax', y: Float32Array.from(train.y, (c) => (c === 0 ? 1 : 0)) },
      { layers: [6, 9, 2], hidden: 'leaky_relu', output: 'linear', normalize: null, y: Float32Array.from({ length: 480 }, (_, i) => train.y[i >> 1] * (i & 1 ? -1 : 0.5)) },
      { layers: [6, 5, 3], hidden: 'sigmoid', output: 'softmax', normalize: null, y: train.y },
    ];
    const cases = [];
    for (const [i, c] of configs.entries()) {
      const normalizer = c.normalize ? fitNormalizer(train.x, 240, 6, c.normalize) : undefined;
      const x = Float32Array.from(train.x);
      const px = Float32Array.from(probe.x);
      if (normalizer) { applyNormalizer(x, 240, 6, normalizer); applyNormalizer(px, 9, 6, normalizer); }
      const net = await createNetwork({ layers: c.layers, hidden: c.hidden, output: c.output, optimizer: { name: 'adam', learningRate: 0.01 }, seed: 3 + i, backend: 'js' });
      await net.fit(x, c.y, { epochs: 3, batchSize: 16 });
      const path = join(dir, `m${i}.safetensors`);
      writeFileSync(path, encodeModel({ architecture: net.architecture, parameters: net.getParameters(), normalizer }));
      cases.push({ path, ours: net.predict(px), what: `${c.hidden}/${c.output}${normalizer ? ` + ${normalizer.kind}` : ''}` });
    }
    const script = `${docPython(DOC_READER, DOC_TO_TORCH)}
import sys
job = json.load(sys.stdin)
x = torch.tensor(job["x"], dtype=torch.float32).reshape(-1, 6)
with torch.no_grad():
    print(json.dumps([to_torch(*read_safetensors(p))(x).flatten().tolist() for p in job["paths"]]))
`;
    const theirs = runPython(script, { x: [...probe.x], paths: cases.map((c) => c.path) });
    cases.forEach((c, i) => assertClose(c.ours, theirs[i], 1e-5, c.what));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PyTorch converts all 65,536 F16 and BF16 words to the same f32 bits as f16ToF32 / bf16ToF32', (t) => {
  if (!hasTorch()) { t.skip(`${NO_TORCH}; the definition-based tests above still run`); return; }
  const torch = runPython(`
import json, torch
w = torch.arange(65536, dtype=torch.int32).to(torch.int16)
bits = lambda d: (w.view(d).float().view(torch.int32).to(torch.int64) & 0xffffffff).tolist()
print(json.dumps({"f16": bits(torch.float16), "bf16": bits(torch.bfloat16)}))
`);
  for (const [name, convert] of [['f16', f16ToF32], ['bf16', bf16ToF32]]) {
    const got = convert(allWords());
    const ours = f32Bits(got);
    for (let h = 0; h < 65536; h++) {
      // a NaN may come back quietened by the hardware conversion; both must still be NaN
      if (Number.isNaN(got[h])) { assert.ok(Number.isNaN(new Float32Array(Uint32Array.of(torch[name][h]).buffer)[0]), `${name} 0x${h.toString(16)}`); continue; }
      if (ours[h] !== torch[name][h]) assert.fail(`${name} 0x${h.toString(16)}: ours 0x${ours[h].toString(16)}, PyTorch 0x${torch[name][h].toString(16)}`);
    }
  }
});
