// safetensors encode/decode: layout per the spec, bit-exact round trips, every rejected input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSafetensors, decodeSafetensors } from '../../dist/io/safetensors.js';
import { ModelFileError, InputError } from '../../dist/errors.js';

const enc = new TextEncoder();

/** A raw safetensors file from a header object (or string) and a data area. */
function raw(header, data = new Uint8Array(0), declaredLen) {
  const json = enc.encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLen ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function rejects(bytes, props, ...patterns) {
  assert.throws(() => decodeSafetensors(bytes, 'm.safetensors'), (e) => {
    assert.ok(e instanceof ModelFileError, `expected ModelFileError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.file, 'm.safetensors');
    assert.match(e.message, /m\.safetensors/);
    assert.equal(typeof e.offset, 'number');
    for (const [k, v] of Object.entries(props)) assert.equal(e[k], v, `${k} in ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

const headerOf = (bytes) => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) };
};

const sample = () => [
  { name: 'w', dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, NaN, Infinity, -0]) },
  { name: 'd', dtype: 'F64', shape: [2], data: Float64Array.from([Math.PI, -1e-300]) },
  { name: 'i', dtype: 'I32', shape: [3], data: Int32Array.from([-1, 0, 2147483647]) },
  { name: 'u', dtype: 'U32', shape: [1], data: Uint32Array.from([4294967295]) },
  { name: 'b', dtype: 'U8', shape: [5], data: Uint8Array.from([0, 1, 2, 254, 255]) },
  { name: 'l', dtype: 'I64', shape: [2], data: BigInt64Array.from([-(2n ** 63n), 2n ** 62n + 1n]) },
  // half floats travel as raw 16-bit words: 1.0, -0, +inf, a NaN, the smallest subnormal
  { name: 'h', dtype: 'F16', shape: [5], data: Uint16Array.from([0x3c00, 0x8000, 0x7c00, 0x7e01, 0x0001]) },
  { name: 'bf', dtype: 'BF16', shape: [3], data: Uint16Array.from([0x3f80, 0xff81, 0x0001]) },
  { name: 'scalar', dtype: 'F32', shape: [], data: Float32Array.from([7]) },
  { name: 'empty', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
];

const bytesOf = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

test('round trip is bit-exact for every dtype, including NaN, -0, scalars and empty tensors', () => {
  const file = encodeSafetensors(sample(), { note: 'hello', 'ü': 'ß' });
  const d = decodeSafetensors(file);
  assert.deepEqual(d.metadata, { note: 'hello', 'ü': 'ß' });
  for (const t of sample()) {
    const got = d.tensors.get(t.name);
    assert.ok(got, t.name);
    assert.equal(got.dtype, t.dtype);
    assert.deepEqual(got.shape, t.shape);
    assert.equal(got.data.constructor, t.data.constructor, t.name);
    assert.deepEqual(bytesOf(got.data), bytesOf(t.data), t.name);
  }
});

test('decoded tensors are aligned copies, not views on the file', () => {
  const file = encodeSafetensors(sample());
  const d = decodeSafetensors(file);
  for (const t of d.tensors.values()) {
    assert.notEqual(t.data.buffer, file.buffer);
    assert.equal(t.data.byteOffset, 0);
  }
});

test('encoded layout follows the spec: u64 LE length, JSON header padded with spaces to 8-byte alignment', () => {
  const file = encodeSafetensors(sample(), { a: 'b' });
  const { n, json } = headerOf(file);
  assert.equal((8 + n) % 8, 0, 'data area starts 8-byte aligned');
  assert.equal(file[8], '{'.charCodeAt(0));
  const text = new TextDecoder().decode(file.subarray(8, 8 + n));
  assert.match(text, /^\{.*\} *$/s);
  assert.deepEqual(json.__metadata__, { a: 'b' });
  // Tensors tile the data area in offset order, each at a multiple of its element size.
  const sizes = { F64: 8, I64: 8, F32: 4, I32: 4, U32: 4, F16: 2, BF16: 2, U8: 1 };
  const entries = Object.entries(json).filter(([k]) => k !== '__metadata__').sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  let pos = 0;
  for (const [, e] of entries) {
    assert.equal(e.data_offsets[0], pos);
    assert.equal(e.data_offsets[0] % sizes[e.dtype], 0);
    pos = e.data_offsets[1];
  }
  assert.equal(8 + n + pos, file.length);
});

test('data is little-endian on disk', () => {
  const file = encodeSafetensors([{ name: 'x', dtype: 'U32', shape: [1], data: Uint32Array.from([0x01020304]) }]);
  assert.deepEqual([...file.subarray(file.length - 4)], [4, 3, 2, 1]);
});

test('an empty file (no tensors, no metadata) round-trips', () => {
  const d = decodeSafetensors(encodeSafetensors([]));
  assert.equal(d.tensors.size, 0);
  assert.deepEqual(d.metadata, {});
});

test('decodes the reference implementation\'s documented example file', () => {
  // From the safetensors crate docs: header length 0x3c, I32 [2,2], 16 zero bytes.
  const header = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
  const file = raw(header, new Uint8Array(16));
  assert.equal(file[0], 0x3c);
  const t = decodeSafetensors(file).tensors.get('test');
  assert.deepEqual(t.shape, [2, 2]);
  assert.deepEqual([...t.data], [0, 0, 0, 0]);
});

test('decoding works on a subarray with an odd byteOffset', () => {
  const file = encodeSafetensors(sample());
  const outer = new Uint8Array(file.length + 3);
  outer.set(file, 3);
  assert.deepEqual([...decodeSafetensors(outer.subarray(3)).tensors.get('i').data], [-1, 0, 2147483647]);
});

test('metadata keys such as __proto__ stay plain data', () => {
  const file = raw('{"__metadata__":{"__proto__":"x","k":"v"}}');
  const m = decodeSafetensors(file).metadata;
  assert.equal(Object.getPrototypeOf(m), Object.prototype);
  assert.equal(m.__proto__, 'x');
});

test('encode refuses data whose byte length does not match shape × dtype', () => {
  assert.throws(() => encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [3], data: new Float32Array(2) }]), InputError);
});

test('encode refuses non-string metadata values (the spec allows strings only)', () => {
  assert.throws(() => encodeSafetensors([], { n: 3 }), (e) => e instanceof InputError && /must be a string/.test(e.message));
});

test('encode refuses duplicate tensor names and the reserved name __metadata__', () => {
  const t = { name: 'a', dtype: 'U8', shape: [1], data: new Uint8Array(1) };
  assert.throws(() => encodeSafetensors([t, t]), /duplicate tensor name "a"/);
  assert.throws(() => encodeSafetensors([{ ...t, name: '__metadata__' }]), InputError);
});

test('rejects a file shorter than 8 bytes', () => {
  rejects(new Uint8Array(5), { offset: 5 }, /truncated at byte 5/, /8-byte header length/);
});

test('rejects a header length larger than the file', () => {
  rejects(raw('{}', new Uint8Array(0), 500), { offset: 0 }, /header length 500/, /past the end of the file \(10 bytes/);
});

test('rejects a header length above 100 MB before reading it', () => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true);
  rejects(b, { offset: 0 }, /exceeds the 100000000-byte limit/);
});

test('rejects a u64 header length with the high word set', () => {
  const b = new Uint8Array(16).fill(0xff);
  rejects(b, { offset: 0 }, /header length 18446744073709551615/);
});

test('rejects invalid JSON in the header at offset 8', () => {
  rejects(raw('{"a": '), { offset: 8 }, /not valid UTF-8 JSON/);
});

test('rejects invalid UTF-8 in the header', () => {
  const b = raw('{"a":1}');
  b[10] = 0xff;
  rejects(b, { offset: 8 }, /not valid UTF-8 JSON/);
});

test('rejects a header that is not a JSON object', () => {
  rejects(raw('[1,2]'), { offset: 8 }, /must be a JSON object, found an array/);
});

test('rejects non-string metadata values', () => {
  rejects(raw({ __metadata__: { epoch: 3 } }), { offset: 8 }, /"__metadata__"\."epoch" must be a string/);
});

test('rejects an unknown dtype, naming the tensor', () => {
  rejects(raw({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)), { offset: 8 }, /tensor "w" has unknown dtype "F8_E4M3"/);
});

test('rejects a shape that is not a list of non-negative integers', () => {
  rejects(raw({ w: { dtype: 'U8', shape: [-1], data_offsets: [0, 0] } }), {}, /tensor "w" has shape \[-1\]/);
  rejects(raw({ w: { dtype: 'U8', shape: [1.5], data_offsets: [0, 0] } }), {}, /tensor "w" has shape/);
});

test('rejects malformed data_offsets (end before begin)', () => {
  rejects(raw({ w: { dtype: 'U8', shape: [0], data_offsets: [4, 2] } }, new Uint8Array(4)), {}, /data_offsets \[4,2\]/);
});

test('rejects shape × dtype size that differs from the offsets span, naming both', () => {
  const h = { w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } };
  rejects(raw(h, new Uint8Array(12)), { offset: 8 + JSON.stringify(h).length }, /tensor "w": shape \[2, 2\] of F32 needs 16 bytes, data_offsets \[0, 12\] span 12/);
});

test('rejects offsets beyond the data area', () => {
  rejects(raw({ w: { dtype: 'U8', shape: [8], data_offsets: [0, 8] } }, new Uint8Array(4)), {}, /run past the data area \(4 bytes/);
});

test('rejects overlapping tensors, naming both', () => {
  const h = { a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, b: { dtype: 'U8', shape: [4], data_offsets: [2, 6] } };
  rejects(raw(h, new Uint8Array(6)), { offset: 8 + JSON.stringify(h).length + 2 }, /tensor "b".*overlaps tensor "a" which ends at 4/);
});

test('rejects a hole between tensors, at its offset', () => {
  const h = { a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'U8', shape: [2], data_offsets: [4, 6] } };
  rejects(raw(h, new Uint8Array(6)), { offset: 8 + JSON.stringify(h).length + 2 }, /hole of 2 unused bytes/, /before tensor "b"/);
});

test('rejects a hole before the first tensor', () => {
  rejects(raw({ a: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }, new Uint8Array(4)), {}, /hole of 2 unused bytes/);
});

test('rejects trailing bytes after the last tensor, at their offset', () => {
  const file = encodeSafetensors(sample());
  const longer = new Uint8Array(file.length + 3);
  longer.set(file);
  rejects(longer, { offset: file.length }, /3 trailing bytes/);
});

test('rejects a truncated file (data area shorter than the offsets)', () => {
  const file = encodeSafetensors(sample());
  rejects(file.subarray(0, file.length - 1), {}, /run past the data area/);
});

test('rejects a shape whose element count overflows', () => {
  rejects(raw({ w: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 0] } }), {}, /tensor "w": shape .* has too many elements/);
});
