// The protobuf wire-format reader and writer: varints to ±(2^53 - 1) both ways, every wire type,
// and every malformed byte sequence a ModelFileError that names the byte offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtoReader, PROTO_MAX_DEPTH, bytesField, concat, floatField, intField, messageField, stringField, varint } from '../../dist/io/protobuf.js';
import { ModelFileError } from '../../dist/errors.js';

/** LEB128 of the value's 64-bit two's complement, computed with BigInt: an independent reference. */
function referenceVarint(value) {
  let x = BigInt.asUintN(64, BigInt(value));
  const out = [];
  do {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x > 0n ? b | 0x80 : b);
  } while (x > 0n);
  return out;
}

const reader = (bytes) => new ProtoReader(Uint8Array.from(bytes), 'test data', 'x.pb');

function refuses(fn, pattern, offset) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ModelFileError, `expected ModelFileError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.match(e.message, pattern);
    assert.match(e.message, /^test data: /);
    assert.equal(e.file, 'x.pb');
    if (offset !== undefined) assert.equal(e.offset, offset);
    return true;
  });
}

const EDGES = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 49 - 1, 2 ** 49, 2 ** 53 - 1];

test('varint writes LEB128 and negative integers as 10-byte two\'s complement, as protobuf does', () => {
  for (const v of [...EDGES, ...EDGES.map((x) => -x).filter((x) => x < 0), -(2 ** 49) - 1, -(2 ** 52) - 12345]) {
    assert.deepEqual(varint(v), referenceVarint(v), `value ${v}`);
  }
});

test('int reads back every written int64 in ±(2^53 - 1), and refuses larger ones naming the offset', () => {
  for (const v of [...EDGES, ...EDGES.slice(1).map((x) => -x)]) {
    const r = reader(intField(3, v));
    const [f] = r.fields();
    assert.equal(f.field, 3);
    assert.equal(r.int(f, 'v'), v);
  }
  for (const big of [2n ** 53n, 2n ** 63n - 1n, -(2n ** 53n), -(2n ** 63n)]) {
    const r = reader([0x18, ...referenceVarint(big)]);
    assert.equal(r.fields().length, 1, 'a field not read is skipped whatever its value');
    refuses(() => r.int(r.fields()[0], 'the value'), /the value: the varint at byte 1 holds an integer beyond ±\(2\^53 - 1\)/, 1);
  }
});

test('a varint of 11 bytes, or whose 10th byte carries more than bit 63, is refused', () => {
  refuses(() => reader([0x08, ...Array(10).fill(0xff), 0x01]).fields(), /varint at byte 1 is longer than 10 bytes/, 1);
  refuses(() => reader([0x08, ...Array(9).fill(0xff), 0x02]).fields(), /varint at byte 1 overflows 64 bits/, 1);
  refuses(() => reader([0x08, 0x80, 0x80]).fields(), /the varint at byte 1 runs past the end of the enclosing message at byte 3/, 1);
  refuses(() => reader([0x80]).fields(), /a field key: the varint at byte 0 runs past the end/, 0);
});

test('fields reads keys and payloads of wire types 0, 1, 2 and 5, and skips what it is not asked about', () => {
  const f64 = new Uint8Array(8);
  new DataView(f64.buffer).setFloat64(0, Math.PI, true);
  const bytes = concat([intField(1, 150), Uint8Array.of((2 << 3) | 1, ...f64), stringField(3, 'héllo'), floatField(4, 0.5), messageField(5, [intField(1, 7)])]);
  const r = reader(bytes);
  const fs = r.fields();
  assert.deepEqual(fs.map((f) => [f.field, f.wireType]), [[1, 0], [2, 1], [3, 2], [4, 5], [5, 2]]);
  assert.equal(r.int(fs[0], 'a'), 150);
  assert.equal(new DataView(r.fixed64s([fs[1]], 'b').buffer).getFloat64(0, true), Math.PI);
  assert.equal(r.string(fs[2], 'c'), 'héllo');
  assert.equal(r.float(fs[3], 'd'), 0.5);
  assert.equal(r.int(r.message(fs[4], 0, 'e')[0], 'e.1'), 7);
  assert.deepEqual(fs.map((f) => f.at), [0, 3, 12, 20, 25]);
});

test('repeated fields read packed and unpacked occurrences alike', () => {
  const packed = bytesField(1, Uint8Array.from([...varint(3), ...varint(-1), ...varint(300)]));
  const r = reader(concat([packed, intField(1, 9)]));
  assert.deepEqual(r.ints(r.fields(), 'dims'), [3, -1, 300, 9]);
  const floats = concat([bytesField(4, new Uint8Array(new Float32Array([1.5, -2]).buffer)), floatField(4, 3)]);
  const r2 = reader(floats);
  assert.deepEqual([...new Float32Array(r2.fixed32s(r2.fields(), 'f').buffer)], [1.5, -2, 3]);
  const odd = reader(bytesField(4, Uint8Array.of(1, 2, 3, 4, 5, 6)));
  refuses(() => odd.fixed32s(odd.fields(), 'float_data'), /float_data at byte 0 is a packed field of 6 bytes, not a multiple of 4/, 2);
});

test('lengths and fixed payloads past the end of the enclosing message are refused, nested ones included', () => {
  refuses(() => reader([0x3a, ...varint(2 ** 31)]).fields(), /field 7 at byte 0 has length 2147483648, past the end of the enclosing message at byte 6 \(0 bytes left\)/, 1);
  refuses(() => reader([0x3a, ...varint(-1)]).fields(), /field 7 at byte 0 has length -1/, 1);
  refuses(() => reader([0x25, 1, 2]).fields(), /field 4 at byte 0 needs 4 bytes after its key, the enclosing message ends at byte 3 \(2 left\)/, 1);
  refuses(() => reader([0x11, 1, 2, 3, 4, 5, 6, 7]).fields(), /field 2 at byte 0 needs 8 bytes/, 1);
  // an inner length that fits the buffer but not the message around it
  const r = reader([0x0a, 0x02, 0x12, 0x05, 0x1a, 0x03, 0, 0, 0]);
  const [outer, ...rest] = r.fields();
  assert.equal(rest.length, 1);
  refuses(() => r.message(outer, 0, 'outer'), /field 2 at byte 2 has length 5, past the end of the enclosing message at byte 4 \(0 bytes left\)/, 3);
});

test('groups, wire types 6 and 7, field number 0 and keys beyond 32 bits are refused', () => {
  refuses(() => reader([(7 << 3) | 3]).fields(), /field 7 at byte 0 has wire type 3 \(a proto2 group\), which this reader refuses/, 0);
  refuses(() => reader([0x08, 0x01, (7 << 3) | 4]).fields(), /field 7 at byte 2 has wire type 4 \(a proto2 group\)/, 2);
  refuses(() => reader([(1 << 3) | 6]).fields(), /field 1 at byte 0 has wire type 6, which does not exist/, 0);
  refuses(() => reader([(1 << 3) | 7]).fields(), /wire type 7, which does not exist/, 0);
  refuses(() => reader([0x00, 0x00]).fields(), /field number 0 at byte 0/, 0);
  refuses(() => reader(referenceVarint(2 ** 40)).fields(), /field key 1099511627776 at byte 0 is out of range/, 0);
});

test('a field of the wrong wire type and text that is not UTF-8 are refused', () => {
  const r = reader(intField(7, 1));
  refuses(() => r.message(r.fields()[0], 0, 'the graph'), /the graph \(field 7\) at byte 0 has wire type 0 \(varint\), expected 2 \(length-delimited\)/, 0);
  const s = reader(bytesField(2, Uint8Array.of(0xc3, 0x28)));
  refuses(() => s.string(s.fields()[0], 'the name'), /the name at byte 0 is not valid UTF-8/, 2);
});

test(`messages are followed at most ${PROTO_MAX_DEPTH} deep; deeper nesting is refused, not recursed into`, () => {
  let bytes = new Uint8Array(0);
  for (let i = 0; i < PROTO_MAX_DEPTH + 5; i++) bytes = messageField(1, [bytes]);
  const r = new ProtoReader(bytes, 'test data', 'x.pb');
  let deepest = 0;
  const walk = (fields, depth) => {
    deepest = Math.max(deepest, depth);
    for (const f of fields) walk(r.message(f, depth, 'a message'), depth + 1);
  };
  refuses(() => walk(r.fields(), 0), new RegExp(`a message at byte \\d+ is nested ${PROTO_MAX_DEPTH + 1} messages deep, more than the ${PROTO_MAX_DEPTH}`));
  assert.equal(deepest, PROTO_MAX_DEPTH);
});
