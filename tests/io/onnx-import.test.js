// ONNX import: wasm-mlp's own exports come back bit for bit; networks PyTorch exported predict what
// PyTorch computed; the graph forms other exporters write (MatMul+Add, Constant nodes, FLOAT16,
// transB 0) import with the right numbers; everything else is refused naming the node and what
// wasm-mlp reads instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importOnnx, exportOnnx } from '../../dist/io/index.js';
import { applyNormalizer } from '../../dist/data/normalize.js';
import { ModelFileError, InputError } from '../../dist/errors.js';
import { Rng, createNetwork } from '../../dist/index.js';
import { intField } from '../../dist/io/protobuf.js';
import { TYPE, model, node, ramp, smallGemmNet, tensor, valueInfo } from './onnx-builder.js';

const HIDDEN = ['relu', 'leaky_relu', 'sigmoid', 'tanh'];
const OUTPUTS = ['softmax', 'sigmoid', 'linear'];
const fixture = (name) => new URL(`../fixtures/onnx/${name}`, import.meta.url);

/** The bit patterns of a Float32Array, so -0, 0 and every last bit count. */
const bits = (a) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

function randomParameters(layers, rng) {
  const weights = [];
  const biases = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    weights.push(Float32Array.from({ length: layers[l] * layers[l + 1] }, () => (rng.next() - 0.5) * 2));
    biases.push(Float32Array.from({ length: layers[l + 1] }, () => rng.next() - 0.5));
  }
  // values whose bits a careless reader would change: -0, a subnormal, the largest float32
  weights[0].set([-0, 1e-45, 3.4028234663852886e38], 0);
  return { weights, biases };
}

function assertSameParameters(actual, expected) {
  assert.equal(actual.weights.length, expected.weights.length);
  for (let l = 0; l < expected.weights.length; l++) {
    assert.deepEqual(bits(actual.weights[l]), bits(expected.weights[l]), `layers.${l}.weight`);
    assert.deepEqual(bits(actual.biases[l]), bits(expected.biases[l]), `layers.${l}.bias`);
  }
}

/** Imports `bytes` and expects a ModelFileError whose message matches `pattern`. */
function refuses(bytes, pattern) {
  assert.throws(() => importOnnx(bytes, { file: 'bad.onnx' }), (e) => {
    assert.ok(e instanceof ModelFileError, `expected ModelFileError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.match(e.message, pattern);
    assert.match(e.message, /^ONNX file bad\.onnx: /);
    assert.equal(e.file, 'bad.onnx');
    assert.ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= bytes.length, `offset ${e.offset}`);
    return true;
  });
}

// ---- round trip ---------------------------------------------------------------------------

test('exportOnnx then importOnnx gives back the architecture, the parameters and the normaliser bit for bit', () => {
  const rng = new Rng(16);
  let cases = 0;
  for (const layers of [[5, 3], [6, 5, 4, 3]]) {
    for (const hidden of HIDDEN) {
      for (const output of OUTPUTS) {
        for (const withNormalizer of [false, true]) {
          const architecture = { layers, hidden, output };
          const parameters = randomParameters(layers, rng);
          const normalizer = withNormalizer
            ? { kind: 'zscore', offset: Float32Array.from({ length: layers[0] }, () => rng.next() * 10 - 5), scale: Float32Array.from({ length: layers[0] }, () => rng.next() + 0.1) }
            : undefined;
          const back = importOnnx(exportOnnx(architecture, parameters, { normalizer }));
          const what = `${JSON.stringify(architecture)} normaliser ${withNormalizer}`;
          assert.deepEqual(back.architecture, architecture, what);
          assertSameParameters(back.parameters, parameters);
          if (normalizer === undefined) assert.equal(back.normalizer, undefined, what);
          else {
            assert.equal(back.normalizer.kind, 'zscore');
            assert.deepEqual(bits(back.normalizer.offset), bits(normalizer.offset), `${what}: offset`);
            assert.deepEqual(bits(back.normalizer.scale), bits(normalizer.scale), `${what}: scale`);
          }
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 48);
});

test('imported arrays are fresh copies: changing them leaves a second import unchanged', () => {
  const bytes = exportOnnx({ layers: [2, 2], hidden: 'relu', output: 'linear' }, { weights: [Float32Array.of(1, 2, 3, 4)], biases: [Float32Array.of(5, 6)] });
  const first = importOnnx(bytes);
  first.parameters.weights[0].fill(0);
  assert.deepEqual([...importOnnx(bytes).parameters.weights[0]], [1, 2, 3, 4]);
});

// ---- PyTorch fixtures ---------------------------------------------------------------------

for (const [name, expected] of [
  ['relu-linear', { layers: [12, 10, 8, 3], hidden: 'relu', output: 'linear' }],
  ['tanh-softmax', { layers: [12, 10, 8, 3], hidden: 'tanh', output: 'softmax' }],
  ['matmul-normalized', { layers: [12, 10, 8, 3], hidden: 'leaky_relu', output: 'sigmoid' }],
]) {
  test(`${name}.onnx written by PyTorch imports and predicts PyTorch's outputs within 1e-5 (js and simd)`, async () => {
    const contents = importOnnx(readFileSync(fixture(`${name}.onnx`)), { file: `${name}.onnx` });
    assert.deepEqual(contents.architecture, expected);
    assert.equal(contents.normalizer !== undefined, name === 'matmul-normalized');
    const { input, output } = JSON.parse(readFileSync(fixture(`${name}.json`), 'utf8'));
    const x = Float32Array.from(input.flat());
    if (contents.normalizer !== undefined) applyNormalizer(x, input.length, 12, contents.normalizer);
    for (const backend of ['js', 'simd']) {
      const net = await createNetwork({ ...contents.architecture, backend });
      net.setParameters(contents.parameters);
      const y = net.predict(x);
      const want = output.flat();
      assert.equal(y.length, want.length);
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(y[i] - want[i]) <= 1e-5, `${backend}: output ${i}: ${y[i]} vs PyTorch ${want[i]}`);
      }
      await net.dispose();
    }
  });
}

// ---- accepted forms -----------------------------------------------------------------------

test('Gemm with transB 0 and MatMul store (n_in, n_out): the weights are transposed to (n_out, n_in)', () => {
  const w = ramp(6); // (n_in 3, n_out 2): row i holds the weights from input i
  const transposed = [0.01, 0.03, 0.05, 0.02, 0.04, 0.06].map(Math.fround);
  for (const layer of [
    node('Gemm', ['input', 'w', 'b'], ['output'], { transB: 0 }),
    node('Gemm', ['input', 'w', 'b'], ['output']),
  ]) {
    const bytes = model({
      nodes: [layer],
      initializers: [tensor({ name: 'w', dims: [3, 2], data: w }), tensor({ name: 'b', dims: [2], data: [7, 8] })],
      inputs: [valueInfo('input', ['batch', 3])],
      outputs: [valueInfo('output', ['batch', 2])],
    });
    const m = importOnnx(bytes);
    assert.deepEqual(m.architecture.layers, [3, 2]);
    assert.deepEqual([...m.parameters.weights[0]], transposed);
    assert.deepEqual([...m.parameters.biases[0]], [7, 8]);
  }
  const matmul = model({
    nodes: [node('MatMul', ['input', 'w'], ['z']), node('Add', ['b', 'z'], ['output'])],
    initializers: [tensor({ name: 'w', dims: [3, 2], data: w }), tensor({ name: 'b', dims: [1, 2], data: [7, 8] })],
    inputs: [valueInfo('input', ['batch', 3])],
    outputs: [valueInfo('output', ['batch', 2])],
  });
  const m = importOnnx(matmul);
  assert.deepEqual([...m.parameters.weights[0]], transposed);
  assert.deepEqual([...m.parameters.biases[0]], [7, 8]);
});

test('a layer without a bias (Gemm without C, MatMul without Add) gets a zero bias, as ONNX defines it', () => {
  for (const layer of [node('Gemm', ['input', 'w'], ['output'], { transB: 1 }), node('MatMul', ['input', 'w'], ['output'])]) {
    const m = importOnnx(model({
      nodes: [layer],
      initializers: [tensor({ name: 'w', dims: [2, 2], data: [1, 2, 3, 4] })],
      inputs: [valueInfo('input', ['batch', 2])],
      outputs: [valueInfo('output', ['batch', 2])],
    }));
    assert.deepEqual([...m.parameters.biases[0]], [0, 0]);
    assert.equal(m.architecture.output, 'linear');
  }
});

test('FLOAT16 and BFLOAT16 weights widen exactly; DOUBLE rounds to float32; float_data reads like raw_data', () => {
  // half: 1, -2, 2^-24 (smallest subnormal), 65504 (largest); bfloat16: 1, -2, 2^-133, 3.3895e38
  const cases = [
    { type: TYPE.FLOAT16, storage: 'raw', data: [0x3c00, 0xc000, 0x0001, 0x7bff], want: [1, -2, 2 ** -24, 65504] },
    { type: TYPE.FLOAT16, storage: 'typed', data: [0x3c00, 0xc000, 0x0001, 0x7bff], want: [1, -2, 2 ** -24, 65504] },
    { type: TYPE.BFLOAT16, storage: 'raw', data: [0x3f80, 0xc000, 0x0001, 0x7f7f], want: [1, -2, 2 ** -133, 3.3895313892515355e38] },
    { type: TYPE.BFLOAT16, storage: 'typed', data: [0x3f80, 0xc000, 0x0001, 0x7f7f], want: [1, -2, 2 ** -133, 3.3895313892515355e38] },
    { type: TYPE.DOUBLE, storage: 'raw', data: [0.1, -2, 1e-300, 1 / 3], want: [0.1, -2, 0, 1 / 3].map(Math.fround) },
    { type: TYPE.DOUBLE, storage: 'typed', data: [0.1, -2, 1e-300, 1 / 3], want: [0.1, -2, 0, 1 / 3].map(Math.fround) },
    { type: TYPE.FLOAT, storage: 'typed', data: [0.1, -2, -0, 1 / 3], want: [0.1, -2, -0, 1 / 3].map(Math.fround) },
  ];
  for (const { type, storage, data, want } of cases) {
    const m = importOnnx(model({
      nodes: [node('Gemm', ['input', 'w'], ['output'], { transB: 1 })],
      initializers: [tensor({ name: 'w', dims: [2, 2], data, type, storage })],
      inputs: [valueInfo('input', ['batch', 2])],
      outputs: [valueInfo('output', ['batch', 2])],
    }));
    assert.deepEqual(bits(m.parameters.weights[0]), bits(Float32Array.from(want)), `type ${type} ${storage}`);
  }
});

test('every finite FLOAT16 value widens to the float32 of the same value', () => {
  const patterns = [];
  const want = [];
  for (let h = 0; h < 0x10000; h++) {
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) continue; // infinities and NaNs are refused, as any non-finite weight
    const magnitude = exp === 0 ? mant * 2 ** -24 : (1 + mant / 1024) * 2 ** (exp - 15);
    patterns.push(h);
    want.push(h & 0x8000 ? -magnitude : magnitude);
  }
  const m = importOnnx(model({
    nodes: [node('Gemm', ['input', 'w'], ['output'], { transB: 1 })],
    initializers: [tensor({ name: 'w', dims: [patterns.length, 1], data: patterns, type: TYPE.FLOAT16 })],
    inputs: [valueInfo('input', ['batch', 1])],
    outputs: [valueInfo('output', ['batch', patterns.length])],
  }));
  assert.equal(patterns.length, 63488);
  assert.deepEqual(bits(m.parameters.weights[0]), bits(Float32Array.from(want)));
});

test('Constant nodes, Identity, Flatten, Reshape to (batch, n), old-style initializers listed as inputs, Softmax axis -1', () => {
  const w = tensor({ name: '', dims: [3, 4], data: ramp(12) });
  const m = importOnnx(model({
    nodes: [
      node('Constant', [], ['w0'], { value: w }),
      node('Constant', [], ['shape'], { value: tensor({ name: '', dims: [2], data: [-1, 4], type: TYPE.INT64 }) }),
      node('Flatten', ['input'], ['flat'], { axis: 1 }),
      node('Reshape', ['flat', 'shape'], ['r']),
      node('Identity', ['r'], ['i']),
      node('Gemm', ['i', 'w0', 'b0'], ['z'], { transB: 1, alpha: { f: 1 }, beta: { f: 1 } }),
      node('Softmax', ['z'], ['output'], { axis: -1 }),
    ],
    initializers: [tensor({ name: 'b0', dims: [3], data: [1, 2, 3] })],
    inputs: [valueInfo('input', ['N', 2, 2]), valueInfo('b0', [3])],
    outputs: [valueInfo('output', ['N', 3])],
  }));
  assert.deepEqual(m.architecture, { layers: [4, 3], hidden: 'relu', output: 'softmax' });
  assert.deepEqual(bits(m.parameters.weights[0]), bits(ramp(12)));
});

test('normaliser forms: Sub then Mul exact, Add c as offset -c, Div d as scale fround(1/d), a scalar broadcast, a pure rescale labelled minmax', () => {
  const net = (pre, initializers) => model({
    nodes: [...pre, node('Gemm', ['x', 'w'], ['output'], { transB: 1 })],
    initializers: [tensor({ name: 'w', dims: [1, 3], data: [1, 1, 1] }), ...initializers],
    inputs: [valueInfo('input', ['batch', 3])],
    outputs: [valueInfo('output', ['batch', 1])],
  });
  const c = tensor({ name: 'c', dims: [3], data: [0.1, -0.2, 0.3] });
  const d = tensor({ name: 'd', dims: [1, 3], data: [3, 7, 0.5] });
  const s = tensor({ name: 's', dims: [], data: [255] });

  let m = importOnnx(net([node('Sub', ['input', 'c'], ['t']), node('Mul', ['d', 't'], ['x'])], [c, d]));
  assert.deepEqual(bits(m.normalizer.offset), bits(Float32Array.of(0.1, -0.2, 0.3)));
  assert.deepEqual(bits(m.normalizer.scale), bits(Float32Array.of(3, 7, 0.5)));
  assert.equal(m.normalizer.kind, 'zscore');

  m = importOnnx(net([node('Add', ['input', 'c'], ['t']), node('Div', ['t', 'd'], ['x'])], [c, d]));
  assert.deepEqual(bits(m.normalizer.offset), bits(Float32Array.of(-0.1, 0.2, -0.3)));
  assert.deepEqual([...m.normalizer.scale], [1 / 3, 1 / 7, 2].map(Math.fround));

  m = importOnnx(net([node('Div', ['input', 's'], ['x'])], [s]));
  assert.deepEqual([...m.normalizer.offset], [0, 0, 0]);
  assert.deepEqual([...m.normalizer.scale], Array(3).fill(Math.fround(1 / 255)));
  assert.equal(m.normalizer.kind, 'minmax');

  m = importOnnx(net([node('Sub', ['input', 'c'], ['x'])], [c]));
  assert.deepEqual([...m.normalizer.scale], [1, 1, 1]);
});

test('a one-layer wasm-mlp export keeps its hidden activation (read from the exporter\'s doc_string); other one-layer graphs get relu', () => {
  const p = { weights: [Float32Array.of(1, 2, 3, 4)], biases: [Float32Array.of(0, 0)] };
  assert.equal(importOnnx(exportOnnx({ layers: [2, 2], hidden: 'tanh', output: 'softmax' }, p)).architecture.hidden, 'tanh');
  const other = model({
    nodes: [node('MatMul', ['input', 'w'], ['output'])],
    initializers: [tensor({ name: 'w', dims: [2, 2], data: [1, 2, 3, 4] })],
    inputs: [valueInfo('input', ['batch', 2])],
    outputs: [valueInfo('output', ['batch', 2])],
  });
  assert.equal(importOnnx(other).architecture.hidden, 'relu');
});

test('the small builder network imports (the refusal tests below vary one part of it)', () => {
  const m = importOnnx(smallGemmNet({ outputOp: 'Softmax' }));
  assert.deepEqual(m.architecture, { layers: [4, 3, 2], hidden: 'relu', output: 'softmax' });
  assert.deepEqual(bits(m.parameters.biases[1]), bits(ramp(2, 60)));
  assert.equal(importOnnx(smallGemmNet({ activation: 'LeakyRelu', activationAttrs: { alpha: { f: 0.01 } } })).architecture.hidden, 'leaky_relu');
});

// ---- refusals -----------------------------------------------------------------------------

const gemm = (i, o, name = `gemm.${o}`) => node('Gemm', [i, `w.${o}`, `b.${o}`], [o], { transB: 1 }, name);
const layer = (o, nOut, nIn) => [tensor({ name: `w.${o}`, dims: [nOut, nIn], data: ramp(nOut * nIn) }), tensor({ name: `b.${o}`, dims: [nOut], data: ramp(nOut) })];
const io = { inputs: [valueInfo('input', ['batch', 4])], outputs: [valueInfo('output', ['batch', 2])] };

test('an unknown operator is refused naming the operator, the node and what wasm-mlp imports', () => {
  const bytes = model({ nodes: [node('Conv', ['input', 'w.output'], ['output'], {}, '/net/Conv')], initializers: layer('output', 2, 4), ...io });
  refuses(bytes, /node "\/net\/Conv" \(Conv\) at byte \d+ uses Conv: wasm-mlp imports dense networks \(Gemm or MatMul\+Add, Relu\/LeakyRelu\/Sigmoid\/Tanh, Softmax\/Sigmoid, Sub\/Mul\/Div normaliser\)/);
  refuses(model({ nodes: [node('Gemm', ['input', 'w.output'], ['output'], {}, 'g', 'com.microsoft')], initializers: layer('output', 2, 4), ...io }), /operator domain "com\.microsoft"/);
});

test('LeakyRelu with another slope than 0.01 is refused naming the alpha', () => {
  refuses(smallGemmNet({ activation: 'LeakyRelu', activationAttrs: { alpha: { f: 0.2 } } }), /node "act0" \(LeakyRelu\) .*has alpha 0\.2\d*; wasm-mlp's leaky_relu has slope 0\.01/);
});

test('hidden layers mixing activations are refused naming both nodes', () => {
  const bytes = model({
    nodes: [gemm('input', 'z0'), node('Relu', ['z0'], ['a0'], {}, 'first'), gemm('a0', 'z1'), node('Tanh', ['z1'], ['a1'], {}, 'second'), gemm('a1', 'output')],
    initializers: [...layer('z0', 3, 4), ...layer('z1', 3, 3), ...layer('output', 2, 3)],
    ...io,
  });
  refuses(bytes, /hidden layers mix activations: node "first" \(Relu\) and node "second" \(Tanh\)/);
});

test('a branch (a tensor read by two nodes, or the output read again) is refused', () => {
  const twice = model({
    nodes: [gemm('input', 'z0'), node('Relu', ['z0'], ['a'], {}, 'r1'), node('Sigmoid', ['z0'], ['b'], {}, 's1'), gemm('a', 'output')],
    initializers: [...layer('z0', 3, 4), ...layer('output', 2, 3)],
    ...io,
  });
  refuses(twice, /tensor "z0" is read 2 times \(by node "r1" \(Relu\), node "s1" \(Sigmoid\)\): .*without branches/);
  const residual = model({
    nodes: [gemm('input', 'output'), node('Relu', ['output'], ['extra'], {}, 'r2')],
    initializers: layer('output', 2, 4),
    ...io,
  });
  refuses(residual, /graph output "output" is also read by node "r2"/);
});

test('layers whose shapes do not chain are refused naming the node and both shapes', () => {
  const bytes = model({
    nodes: [gemm('input', 'z0'), node('Relu', ['z0'], ['a0']), gemm('a0', 'output', 'second')],
    initializers: [...layer('z0', 3, 4), ...layer('output', 2, 5)],
    ...io,
  });
  refuses(bytes, /node "second" \(Gemm\) at byte \d+ expects 5 inputs \(weight "w\.output" of shape \(2, 5\), transB 1\), but the tensor flowing in has shape \(batch, 3\)/);
  const input = model({ nodes: [gemm('input', 'output')], initializers: layer('output', 2, 6), ...io });
  refuses(input, /expects 6 inputs .* has shape \(batch, 4\)/);
  const bias = model({ nodes: [gemm('input', 'output')], initializers: [layer('output', 2, 4)[0], tensor({ name: 'b.output', dims: [3], data: [1, 2, 3] })], ...io });
  refuses(bias, /has a bias "b\.output" of shape \(3\), expected \(2\) or \(1, 2\)/);
  const output = model({ nodes: [gemm('input', 'output')], initializers: layer('output', 2, 4), inputs: io.inputs, outputs: [valueInfo('output', ['batch', 7])] });
  refuses(output, /graph output "output" .* has shape \(batch, 7\), but the last layer gives \(batch, 2\)/);
});

test('a tensor read by 20,000 nodes is refused with a message that stays short', () => {
  const readers = Array.from({ length: 20000 }, (_, i) => node('Relu', ['input'], [`r${i}`], {}, `r${i}`));
  const bytes = model({ nodes: [...readers, gemm('r0', 'output')], initializers: layer('output', 2, 4), ...io });
  refuses(bytes, /tensor "input" is read 20000 times \(by node "r0" \(Relu\), node "r1" \(Relu\), node "r2" \(Relu\), node "r3" \(Relu\) and 19996 more\)/);
  assert.throws(() => importOnnx(bytes), (e) => e.message.length < 400);
});

test('a weight that is neither an initializer nor a Constant is refused naming it', () => {
  const bytes = model({ nodes: [gemm('input', 'output')], initializers: [layer('output', 2, 4)[1]], ...io });
  refuses(bytes, /node "gemm\.output" \(Gemm\) .*reads "w\.output" as its weight, which is not an initializer or a Constant/);
});

test('external data is refused with how to re-save the model', () => {
  const external = tensor({ name: 'w.output', dims: [2, 4], data: ramp(8), extra: [intField(14, 1)] }); // data_location EXTERNAL
  const bytes = model({ nodes: [gemm('input', 'output')], initializers: [external, layer('output', 2, 4)[1]], ...io });
  refuses(bytes, /tensor "w\.output" at byte \d+ keeps its data in an external file \(data_location EXTERNAL\).*save_as_external_data=False/);
});

test('wrong element types are refused: INT32 weights, a DOUBLE graph input, INT64 where a float is needed, NaN weights', () => {
  const int32 = model({ nodes: [gemm('input', 'output')], initializers: [tensor({ name: 'w.output', dims: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8], type: TYPE.INT32 }), layer('output', 2, 4)[1]], ...io });
  refuses(int32, /tensor "w\.output" at byte \d+ has data_type INT32 \(6\); wasm-mlp reads FLOAT, FLOAT16, BFLOAT16 and DOUBLE weights/);
  const doubleInput = model({ nodes: [gemm('input', 'output')], initializers: layer('output', 2, 4), inputs: [valueInfo('input', ['batch', 4], TYPE.DOUBLE)], outputs: io.outputs });
  refuses(doubleInput, /graph input "input" at byte \d+ has element type DOUBLE, expected FLOAT/);
  const int64 = model({ nodes: [gemm('input', 'output')], initializers: [tensor({ name: 'w.output', dims: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8], type: TYPE.INT64 }), layer('output', 2, 4)[1]], ...io });
  refuses(int64, /reads tensor "w\.output" of integers where it needs floats/);
  const nan = model({ nodes: [gemm('input', 'output')], initializers: [tensor({ name: 'w.output', dims: [2, 4], data: [1, 2, NaN, 4, 5, 6, 7, 8] }), layer('output', 2, 4)[1]], ...io });
  refuses(nan, /tensor "w\.output" at byte \d+: value NaN at index 2 is not finite/);
  const dims = model({ nodes: [gemm('input', 'output')], initializers: [tensor({ name: 'w.output', dims: [2 ** 40, 2 ** 12], data: ramp(8) }), layer('output', 2, 4)[1]], ...io });
  refuses(dims, /dims \[1099511627776, 4096\] need \d+ values, the tensor holds 8/);
});

test('graphs wasm-mlp cannot represent are refused with the reason', () => {
  refuses(smallGemmNet({ outputOp: 'Relu' }), /the output layer ends in node "out" \(Relu\); wasm-mlp outputs are Softmax, Sigmoid or linear/);
  const noActivation = model({ nodes: [gemm('input', 'z0'), gemm('z0', 'output', 'next')], initializers: [...layer('z0', 3, 4), ...layer('output', 2, 3)], ...io });
  refuses(noActivation, /node "next" \(Gemm\) .*follows node "gemm\.z0" \(Gemm\) with no activation between them/);
  const afterSoftmax = model({
    nodes: [gemm('input', 'z0'), node('Softmax', ['z0'], ['a0'], { axis: 1 }), gemm('a0', 'output', 'late')],
    initializers: [...layer('z0', 3, 4), ...layer('output', 2, 3)],
    ...io,
  });
  refuses(afterSoftmax, /node "late" \(Gemm\) .*comes after the output activation/);
  const alpha = model({ nodes: [node('Gemm', ['input', 'w.output', 'b.output'], ['output'], { transB: 1, alpha: { f: 2 } }, 'g')], initializers: layer('output', 2, 4), ...io });
  refuses(alpha, /node "g" \(Gemm\) .*has alpha 2; wasm-mlp reads Gemm with alpha = beta = 1/);
  const transA = model({ nodes: [node('Gemm', ['input', 'w.output'], ['output'], { transA: 1 }, 'g')], initializers: layer('output', 2, 4), ...io });
  refuses(transA, /has transA = 1/);
  const axis0 = model({ nodes: [gemm('input', 'z'), node('Softmax', ['z'], ['output'], { axis: 0 }, 'sm')], initializers: layer('z', 2, 4), ...io });
  refuses(axis0, /node "sm" \(Softmax\) .*has axis 0/);
  const order = model({
    nodes: [node('Mul', ['input', 'c'], ['t'], {}, 'm'), node('Sub', ['t', 'c'], ['x'], {}, 's'), gemm('x', 'output')],
    initializers: [tensor({ name: 'c', dims: [4], data: [1, 2, 3, 4] }), ...layer('output', 2, 4)],
    ...io,
  });
  refuses(order, /node "s" \(Sub\) .*follows node "m" \(Mul\): wasm-mlp's normaliser is \(x - offset\) \* scale/);
  const dataSecond = model({ nodes: [node('Sub', ['c', 'input'], ['x'], {}, 's'), gemm('x', 'output')], initializers: [tensor({ name: 'c', dims: [4], data: [1, 2, 3, 4] }), ...layer('output', 2, 4)], ...io });
  refuses(dataSecond, /reads the chain's tensor "input" as its input 2/);
  const twoInputs = model({ nodes: [gemm('input', 'output')], initializers: layer('output', 2, 4), inputs: [...io.inputs, valueInfo('mask', ['batch', 4])], outputs: io.outputs });
  refuses(twoInputs, /the graph has 2 inputs besides its initializers \("input", "mask"\)/);
  const stray = model({ nodes: [gemm('input', 'output'), node('Relu', ['nothing'], ['other'], {}, 'stray')], initializers: layer('output', 2, 4), ...io });
  refuses(stray, /node "stray" \(Relu\) at byte \d+ is not on the chain/);
  const noLayer = model({ nodes: [node('Identity', ['input'], ['output'])], initializers: [], ...io });
  refuses(noLayer, /the graph has no dense layer/);
  const reshape = model({ nodes: [node('Reshape', ['input', 'shape'], ['x'], {}, 'rs'), gemm('x', 'output')], initializers: [tensor({ name: 'shape', dims: [2], data: [-1, 2], type: TYPE.INT64 }), ...layer('output', 2, 4)], ...io });
  refuses(reshape, /node "rs" \(Reshape\) .*reshapes \(batch, 4\) to \[-1, 2\]/);
  const oneClass = model({ nodes: [gemm('input', 'z'), node('Softmax', ['z'], ['output'])], initializers: layer('z', 1, 4), inputs: io.inputs, outputs: [valueInfo('output', ['batch', 1])] });
  refuses(oneClass, /not a network wasm-mlp can run: a softmax output needs at least 2 classes/);
  const cycle = model({ nodes: [node('Identity', ['input'], ['a'], {}, 'i1'), node('Identity', ['a'], ['input'], {}, 'i2')], ...io });
  refuses(cycle, /is reached twice: the graph has a cycle/);
});

test('bad arguments are InputErrors; bytes that are not a model are ModelFileErrors', () => {
  assert.throws(() => importOnnx('model.onnx'), InputError);
  assert.throws(() => importOnnx(new Uint8Array(4), { file: 7 }), InputError);
  refuses(new Uint8Array(0), /not an ONNX model: expected one graph \(ModelProto field 7\), found 0/);
  refuses(new TextEncoder().encode('{"format": "json"}'), /ONNX file bad\.onnx: /);
});
