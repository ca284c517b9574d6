// Property tests: whatever the bytes or text, the readers return a value or throw a WasmMlpError —
// never another exception type, never a hang (each test has a timeout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseIdx, idxImagesToFloat32, idxLabels } from '../../dist/data/idx.js';
import { parseCsv } from '../../dist/data/csv.js';
import { encodeSafetensors, decodeSafetensors } from '../../dist/io/safetensors.js';
import { encodeModel, decodeModel } from '../../dist/io/model-file.js';
import { encodeCheckpoint, decodeCheckpoint } from '../../dist/io/checkpoint.js';
import { WasmMlpError } from '../../dist/errors.js';

const RUNS = 400;
const TIMEOUT = { timeout: 60000 };

/** Runs fn; a WasmMlpError is an accepted outcome, any other exception fails the property. */
function outcome(fn) {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof WasmMlpError)) {
      throw new Error(`threw ${e?.constructor?.name ?? typeof e} instead of a WasmMlpError: ${e?.message ?? e}`);
    }
    assert.ok(e.message.length > 0);
  }
  return true;
}

/** Mutations of a valid file: flip bytes, truncate, append, overwrite a u32/u64 with a huge value. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constant('append'), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('patch32'), at: fc.nat(), value: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 65536, 47000) }),
  fc.record({ kind: fc.constant('patch64'), value: fc.constantFrom(0n, 7n, 2n ** 31n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 100000001n) }),
);

function mutate(bytes, m, bigEndian) {
  const b = new Uint8Array(bytes);
  switch (m.kind) {
    case 'flip':
      if (b.length === 0) return b;
      for (let k = 0; k < m.count; k++) b[(m.at + k * 7) % b.length] = m.value;
      return b;
    case 'truncate':
      return b.subarray(0, b.length === 0 ? 0 : m.at % b.length);
    case 'append': {
      const out = new Uint8Array(b.length + m.extra.length);
      out.set(b);
      out.set(m.extra, b.length);
      return out;
    }
    case 'patch32':
      if (b.length >= 4) new DataView(b.buffer).setUint32(Math.min(m.at % 64, b.length - 4), m.value, !bigEndian);
      return b;
    case 'patch64':
      if (b.length >= 8) new DataView(b.buffer).setBigUint64(0, m.value, true);
      return b;
  }
}

const CODES = { ubyte: 0x08, sbyte: 0x09, i16: 0x0b, i32: 0x0c, f32: 0x0d, f64: 0x0e };
const SIZES = { ubyte: 1, sbyte: 1, i16: 2, i32: 4, f32: 4, f64: 8 };

const validIdx = fc
  .record({ type: fc.constantFrom(...Object.keys(CODES)), dims: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }) })
  .chain(({ type, dims }) => {
    const count = dims.reduce((a, d) => a * d, 1);
    return fc.uint8Array({ minLength: count * SIZES[type], maxLength: count * SIZES[type] }).map((data) => {
      const out = new Uint8Array(4 + 4 * dims.length + data.length);
      out[2] = CODES[type];
      out[3] = dims.length;
      dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
      out.set(data, 4 + 4 * dims.length);
      return out;
    });
  });

const useIdx = (bytes) => outcome(() => {
  const p = parseIdx(bytes, 'fuzz.idx');
  outcome(() => idxImagesToFloat32(p, 'fuzz.idx'));
  outcome(() => idxLabels(p, 'fuzz.idx'));
});

test('parseIdx: random bytes give a value or a WasmMlpError', TIMEOUT, () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), useIdx), { numRuns: RUNS });
});

test('parseIdx: random bytes behind a valid magic give a value or a WasmMlpError', TIMEOUT, () => {
  const arb = fc.tuple(fc.constantFrom(...Object.values(CODES)), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 }))
    .map(([type, ndims, rest]) => Uint8Array.from([0, 0, type, ndims, ...rest]));
  fc.assert(fc.property(arb, useIdx), { numRuns: RUNS });
});

test('parseIdx: mutated valid files give a value or a WasmMlpError', TIMEOUT, () => {
  fc.assert(fc.property(validIdx, fc.array(mutation, { minLength: 1, maxLength: 3 }), (bytes, ms) => {
    let b = bytes;
    for (const m of ms) b = mutate(b, m, true);
    return useIdx(b);
  }), { numRuns: RUNS });
});

const useCsv = (text, opts = {}) => outcome(() => {
  const d = parseCsv(text, { file: 'fuzz.csv', ...opts });
  assert.equal(d.x.length, d.n * d.features);
  assert.equal(d.y.length, d.n);
});

test('parseCsv: random strings give a value or a WasmMlpError', TIMEOUT, () => {
  fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (s) => useCsv(s)), { numRuns: RUNS });
});

test('parseCsv: strings over the CSV alphabet give a value or a WasmMlpError, with any options', TIMEOUT, () => {
  const alphabet = fc.constantFrom(...'0123456789.,,,"\n\r\t;-+eE aNnIf\uFEFF');
  const opts = fc.record({
    header: fc.constantFrom(true, false, 'auto', undefined),
    labelColumn: fc.oneof(fc.constant(undefined), fc.integer({ min: -2, max: 5 }), fc.constantFrom('a', 'label', '', '0')),
    delimiter: fc.constantFrom(',', ';', '\t', undefined),
  }, { requiredKeys: [] });
  fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 120 }), opts, useCsv), { numRuns: RUNS });
});

test('parseCsv: mutated valid CSV gives a value or a WasmMlpError', TIMEOUT, () => {
  const validCsv = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.boolean()).chain(([f, n, header]) =>
    fc.array(fc.tuple(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: f, maxLength: f }), fc.nat(9)), { minLength: n, maxLength: n })
      .map((rows) => (header ? [[...Array(f).keys()].map((i) => `f${i}`).concat('label').join(',')] : [])
        .concat(rows.map(([xs, y]) => [...xs.map(String), String(y)].join(','))).join('\n')));
  const edit = fc.record({ at: fc.nat(), del: fc.nat(3), ins: fc.constantFrom('', ',', '"', '\n', '\r\n', 'x', 'NaN', '1e999', '""', ' ', '-') });
  fc.assert(fc.property(validCsv, fc.array(edit, { maxLength: 4 }), (text, edits) => {
    let s = text;
    for (const e of edits) {
      const at = s.length === 0 ? 0 : e.at % s.length;
      s = s.slice(0, at) + e.ins + s.slice(at + e.del);
    }
    return useCsv(s);
  }), { numRuns: RUNS });
});

const validSafetensors = fc.array(
  fc.record({
    dtype: fc.constantFrom('F32', 'F64', 'I32', 'U32', 'U8', 'I64'),
    shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  }),
  { maxLength: 4 },
).map((specs) => encodeSafetensors(specs.map((s, i) => {
  const n = s.shape.reduce((a, d) => a * d, 1);
  const ctor = { F32: Float32Array, F64: Float64Array, I32: Int32Array, U32: Uint32Array, U8: Uint8Array, I64: BigInt64Array }[s.dtype];
  return { name: `t${i}`, dtype: s.dtype, shape: s.shape, data: new ctor(n) };
}), { k: 'v' }));

test('decodeSafetensors: random bytes give a value or a WasmMlpError', TIMEOUT, () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => outcome(() => decodeSafetensors(b, 'fuzz.st'))), { numRuns: RUNS });
});

test('decodeSafetensors: random JSON headers give a value or a WasmMlpError', TIMEOUT, () => {
  const header = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), fc.record({
      dtype: fc.oneof(fc.constantFrom('F32', 'U8', 'I64', 'BF16'), fc.jsonValue({ maxDepth: 1 })),
      shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 2 ** 31 })), fc.jsonValue({ maxDepth: 1 })),
      data_offsets: fc.oneof(fc.array(fc.oneof(fc.nat(64), fc.constant(2 ** 60), fc.double())), fc.jsonValue({ maxDepth: 1 })),
    }, { requiredKeys: [] }), { maxKeys: 4 }),
  );
  fc.assert(fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, data) => {
    const json = new TextEncoder().encode(JSON.stringify(h) ?? '');
    const b = new Uint8Array(8 + json.length + data.length);
    new DataView(b.buffer).setBigUint64(0, BigInt(json.length), true);
    b.set(json, 8);
    b.set(data, 8 + json.length);
    return outcome(() => decodeSafetensors(b, 'fuzz.st'));
  }), { numRuns: RUNS });
});

test('decodeSafetensors: mutated valid files give a value or a WasmMlpError', TIMEOUT, () => {
  fc.assert(fc.property(validSafetensors, fc.array(mutation, { minLength: 1, maxLength: 3 }), (bytes, ms) => {
    let b = bytes;
    for (const m of ms) b = mutate(b, m, false);
    return outcome(() => decodeSafetensors(b, 'fuzz.st'));
  }), { numRuns: RUNS });
});

const seq = (n) => Float32Array.from({ length: n }, (_, i) => i / 7);
const baseModel = {
  architecture: { layers: [3, 4, 2], hidden: 'relu', output: 'softmax' },
  parameters: { weights: [seq(12), seq(8)], biases: [seq(4), seq(2)] },
  normalizer: { kind: 'minmax', offset: seq(3), scale: seq(3) },
};
const modelBytes = encodeModel(baseModel);
const checkpointBytes = encodeCheckpoint(baseModel, {
  epoch: 2, optimizer: { name: 'momentum', learningRate: 0.1, momentum: 0.9 }, optimizerStep: 10,
  optimizerTensors: { velocity: seq(26) }, rngState: Uint32Array.from([1, 2, 3, 4]), order: Int32Array.from([1, 0]), history: [1, 2],
});

/** Header-level mutations: rewrite one value of the decoded JSON header, keep the length consistent. */
function patchHeader(bytes, path, value) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const keys = Object.keys(header);
  const key = keys[path[0] % keys.length];
  const entry = header[key];
  const fields = Object.keys(entry);
  const field = fields[path[1] % fields.length];
  entry[field] = value;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const data = bytes.subarray(8 + n);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const headerValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('F32', 'I32', '2', 'wasm-mlp', '{"layers":[3,4,2],"hidden":"relu","output":"linear"}', '{"layers":[1e9,1e9],"hidden":"relu","output":"linear"}', '[]', 'zscore', 'checkpoint', 'x'),
  fc.array(fc.integer({ min: -1, max: 64 }), { maxLength: 3 }),
);

for (const [name, bytes, decode] of [['decodeModel', modelBytes, decodeModel], ['decodeCheckpoint', checkpointBytes, decodeCheckpoint], ['decodeModel on a checkpoint', checkpointBytes, decodeModel]]) {
  test(`${name}: mutated valid files give a value or a WasmMlpError`, TIMEOUT, () => {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
      let b = bytes;
      for (const m of ms) b = mutate(b, m, false);
      return outcome(() => decode(b, 'fuzz.safetensors'));
    }), { numRuns: RUNS });
  });

  test(`${name}: rewritten header fields give a value or a WasmMlpError`, TIMEOUT, () => {
    fc.assert(fc.property(fc.tuple(fc.nat(), fc.nat()), headerValue, (path, value) =>
      outcome(() => decode(patchHeader(bytes, path, value), 'fuzz.safetensors'))), { numRuns: RUNS });
  });
}

test('the fuzz fixtures themselves decode (so mutations start from valid files)', () => {
  assert.equal(decodeModel(modelBytes).architecture.layers.length, 3);
  assert.equal(decodeCheckpoint(checkpointBytes).state.epoch, 2);
});
