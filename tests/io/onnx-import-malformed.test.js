// importOnnx on malformed bytes: a truncation at every byte offset, seeded bit flips, lengths past
// the end, over-long varints, deep nesting and fast-check mutations all give a ModelFileError (or,
// where the damage leaves a valid model, a consistent ModelContents), never another exception or
// a hang (each test has a timeout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { importOnnx, exportOnnx } from '../../dist/io/index.js';
import { bytesField, concat, intField, messageField, stringField } from '../../dist/io/protobuf.js';
import { ModelFileError } from '../../dist/errors.js';
import { Rng } from '../../dist/index.js';
import * as builder from './onnx-builder.js';

const TIMEOUT = { timeout: 120000 };

function smallModel() {
  const layers = [4, 3, 2];
  const ramp = (n, s) => Float32Array.from({ length: n }, (_, i) => (i + s) / 10);
  return exportOnnx(
    { layers, hidden: 'tanh', output: 'softmax' },
    { weights: [ramp(12, 1), ramp(6, 2)], biases: [ramp(3, 3), ramp(2, 4)] },
    { normalizer: { kind: 'zscore', offset: ramp(4, 5), scale: ramp(4, 6) } },
  );
}

/** 'ok' for a consistent model, 'error' for a ModelFileError within the input; anything else fails. */
function outcome(bytes) {
  let m;
  try {
    m = importOnnx(bytes, { file: 'fuzz.onnx' });
  } catch (e) {
    if (!(e instanceof ModelFileError)) throw new Error(`threw ${e?.constructor?.name ?? typeof e} instead of a ModelFileError: ${e?.message ?? e}`);
    assert.ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= bytes.length, `offset ${e.offset} outside 0…${bytes.length}: ${e.message}`);
    assert.equal(e.file, 'fuzz.onnx');
    return 'error';
  }
  const { layers } = m.architecture;
  for (let l = 0; l + 1 < layers.length; l++) {
    assert.equal(m.parameters.weights[l].length, layers[l] * layers[l + 1]);
    assert.equal(m.parameters.biases[l].length, layers[l + 1]);
    assert.ok(m.parameters.weights[l].every(Number.isFinite) && m.parameters.biases[l].every(Number.isFinite));
  }
  if (m.normalizer !== undefined) assert.ok(m.normalizer.offset.length === layers[0] && m.normalizer.scale.length === layers[0]);
  return 'ok';
}

test('a wasm-mlp export truncated at every byte offset is refused, except right after the graph', TIMEOUT, () => {
  const bytes = smallModel();
  // exportOnnx ends with the graph, then opset_import (field 8: domain "", version 13)
  const opset = messageField(8, [stringField(1, ''), intField(2, 13)]);
  assert.deepEqual([...bytes.subarray(bytes.length - opset.length)], [...opset]);
  const graphEnd = bytes.length - opset.length;
  for (let cut = 0; cut < bytes.length; cut++) {
    assert.equal(outcome(bytes.subarray(0, cut)), cut === graphEnd ? 'ok' : 'error', `cut at ${cut} of ${bytes.length}`);
  }
});

test('the PyTorch fixtures truncated at every byte offset are refused or import consistently', TIMEOUT, () => {
  for (const name of ['relu-linear', 'matmul-normalized']) {
    const bytes = readFileSync(new URL(`../fixtures/onnx/${name}.onnx`, import.meta.url));
    let errors = 0;
    for (let cut = 0; cut < bytes.length; cut++) if (outcome(bytes.subarray(0, cut)) === 'error') errors++;
    assert.ok(errors > bytes.length * 0.9, `${name}: only ${errors} of ${bytes.length} truncations refused`);
  }
});

test('seeded random bit flips give a ModelFileError or a consistent model', TIMEOUT, () => {
  const bytes = smallModel();
  const rng = new Rng(2026);
  const counts = { ok: 0, error: 0 };
  for (let trial = 0; trial < 3000; trial++) {
    const b = Uint8Array.from(bytes);
    const flips = 1 + Math.floor(rng.next() * 3);
    for (let k = 0; k < flips; k++) b[Math.floor(rng.next() * b.length)] ^= 1 << Math.floor(rng.next() * 8);
    counts[outcome(b)]++;
  }
  // both outcomes occur: flips in float data keep a valid model, flips in the structure do not
  assert.ok(counts.ok > 100 && counts.error > 100, JSON.stringify(counts));
});

test('a length past the end, an 11-byte varint, a value beyond 2^53 and a group are refused naming the byte', () => {
  const refuses = (bytes, pattern) => assert.throws(() => importOnnx(bytes), (e) => e instanceof ModelFileError && pattern.test(e.message) && Number.isInteger(e.offset));
  const model = smallModel();
  // the graph's length set to 2^31: field 7's key is at byte `at`
  const at = model.indexOf(0x3a);
  const header = model.subarray(0, at);
  refuses(concat([header, Uint8Array.of(0x3a, 0x80, 0x80, 0x80, 0x80, 0x08)]), /field 7 at byte \d+ has length 2147483648, past the end/);
  refuses(Uint8Array.of(0x08, ...Array(10).fill(0xff), 0x01), /longer than 10 bytes/);
  const hugeDims = builder.model({
    nodes: [builder.node('MatMul', ['input', 'w'], ['output'])],
    initializers: [builder.tensor({ name: 'w', dims: [2 ** 53, 1], data: [1] })],
    inputs: [builder.valueInfo('input', ['batch', 1])],
    outputs: [builder.valueInfo('output', ['batch', 1])],
  });
  refuses(hugeDims, /ONNX data: tensor "w"'s dims: the varint at byte \d+ holds an integer beyond ±\(2\^53 - 1\)/);
  refuses(concat([intField(1, 8), Uint8Array.of((7 << 3) | 3)]), /wire type 3 \(a proto2 group\)/);
});

test('deep nesting is never recursed into: skipped in an unknown field, and as a graph it is refused', TIMEOUT, () => {
  // 20,000 nested messages inside an unknown ModelProto field: skipped, the model still imports
  let nested = new Uint8Array(0);
  for (let i = 0; i < 20000; i++) nested = bytesField(1, nested);
  assert.equal(outcome(concat([smallModel(), bytesField(99, nested)])), 'ok');
  // the same bytes as the graph: read one level down (a node named by nested bytes), then refused
  assert.equal(outcome(concat([intField(1, 8), bytesField(7, nested)])), 'error');
});

test('fast-check: arbitrary bytes and mutated exports never throw anything but a ModelFileError', TIMEOUT, () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => outcome(bytes) !== undefined), { numRuns: 2000 });
  const valid = smallModel();
  const edit = fc.record({ at: fc.nat({ max: valid.length - 1 }), value: fc.integer({ min: 0, max: 255 }), cut: fc.nat({ max: valid.length }), insert: fc.uint8Array({ maxLength: 12 }) });
  fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
    let b = Uint8Array.from(valid);
    for (const { at, value, cut, insert } of edits) {
      b[at % b.length] = value;
      b = concat([b.subarray(0, cut % (b.length + 1)), insert, b.subarray(cut % (b.length + 1))]);
    }
    return outcome(b) !== undefined;
  }), { numRuns: 2000 });
});
