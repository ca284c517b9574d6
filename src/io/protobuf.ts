// Protobuf wire format (proto3 encoding rules), both directions, for the ONNX codecs. Pure: no
// dependency and no Node built-ins, so it also runs in a browser.
//
// A message is a sequence of fields; a field is a key varint (field_number << 3 | wire_type) and a
// payload: wire type 0 a varint, 1 eight little-endian bytes, 2 a length varint and that many bytes
// (strings, bytes, nested messages, packed repeated scalars), 5 four little-endian bytes. Wire types
// 3 and 4 (proto2 groups) are refused; 6 and 7 do not exist.
//
// The reader never trusts a length: every varint, fixed payload and length-delimited field is
// checked against the end of the message that encloses it, and a violation is a ModelFileError
// naming the byte offset and what was expected. It allocates only in proportion to the input
// (field lists, copied float payloads), and nested messages are read only on request, at most
// PROTO_MAX_DEPTH deep.

import { ModelFileError } from '../errors.js';

// ---- writer -------------------------------------------------------------------------------

const utf8Encoder = new TextEncoder();

/** Varint of an integer in (-2^53, 2^53): non-negative values in LEB128, negative ones as their
 * 64-bit two's complement (10 bytes), as protobuf encodes int64 and int32. */
export function varint(value: number): number[] {
  const out: number[] = [];
  if (value < 0) {
    // 2^64 + value is not exact in a double: emit the low 49 bits, then bits 49…63 (all exact).
    let low = ((value % 2 ** 49) + 2 ** 49) % 2 ** 49;
    for (let i = 0; i < 7; i++) {
      out.push((low % 0x80) | 0x80);
      low = Math.floor(low / 0x80);
    }
    const high = 2 ** 15 + Math.floor(value / 2 ** 49); // ≥ 2^14: bit 63, the sign, is set
    out.push((high & 0x7f) | 0x80, ((high >> 7) & 0x7f) | 0x80, high >> 14);
    return out;
  }
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function key(field: number, wireType: number): number[] {
  return varint(field * 8 + wireType);
}

export function intField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...key(field, 0), ...varint(value)]);
}

export function floatField(field: number, value: number): Uint8Array {
  const out = new Uint8Array(key(field, 5).length + 4);
  out.set(key(field, 5));
  new DataView(out.buffer).setFloat32(out.length - 4, value, true);
  return out;
}

export function bytesField(field: number, payload: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...key(field, 2), ...varint(payload.length)]), payload]);
}

export function stringField(field: number, value: string): Uint8Array {
  return bytesField(field, utf8Encoder.encode(value));
}

/** A nested message is a length-delimited field holding the concatenated fields of the message. */
export function messageField(field: number, fields: Uint8Array[]): Uint8Array {
  return bytesField(field, concat(fields));
}

export function packedIntsField(field: number, values: number[]): Uint8Array {
  return bytesField(field, Uint8Array.from(values.flatMap(varint)));
}

// ---- reader -------------------------------------------------------------------------------

export type WireType = 0 | 1 | 2 | 5;

/** One field of a message, located in the reader's bytes. */
export interface ProtoField {
  /** field number, 1 … 2^29 − 1 */
  field: number;
  wireType: WireType;
  /** byte offset of the field's key: where error messages point */
  at: number;
  /** the payload: a varint's bytes, the 4 or 8 fixed bytes, or a length-delimited field's content */
  start: number;
  end: number;
}

/** Deepest message nesting followed (the outermost message is depth 0); the ONNX importer's
 * deepest path (Model, Graph, ValueInfo, Type, Tensor type, Shape, Dimension) reaches depth 6. */
export const PROTO_MAX_DEPTH = 32;

const MAX_FIELD_NUMBER = 2 ** 29 - 1;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads fields out of one protobuf-encoded buffer. `label` starts every error message, e.g.
 * "ONNX file model.onnx"; `file` goes into the ModelFileError. */
export class ProtoReader {
  readonly bytes: Uint8Array;
  readonly file?: string;
  readonly label: string;

  constructor(bytes: Uint8Array, label: string, file?: string) {
    this.bytes = bytes;
    this.label = label;
    this.file = file;
  }

  fail(message: string, offset: number): never {
    throw new ModelFileError(`${this.label}: ${message}`, { file: this.file, offset });
  }

  /** The fields of the message in bytes [start, end), in file order. */
  fields(start = 0, end = this.bytes.length): ProtoField[] {
    const out: ProtoField[] = [];
    let pos = start;
    while (pos < end) {
      const at = pos;
      const [k, afterKey] = this.varintAt(pos, end, 'a field key');
      const field = Math.floor(k / 8);
      const wireType = k % 8;
      if (k < 0 || field > MAX_FIELD_NUMBER) this.fail(`field key ${k} at byte ${at} is out of range (field numbers go up to 2^29 - 1)`, at);
      if (field === 0) this.fail(`field number 0 at byte ${at}: protobuf field numbers start at 1`, at);
      let payloadStart = afterKey;
      switch (wireType) {
        case 0:
          pos = this.varintAt(afterKey, end, `field ${field}`, false)[1]; // its value is checked when read
          break;
        case 1:
        case 5: {
          const size = wireType === 1 ? 8 : 4;
          if (end - afterKey < size) {
            this.fail(`field ${field} at byte ${at} needs ${size} bytes after its key, the enclosing message ends at byte ${end} (${end - afterKey} left)`, afterKey);
          }
          pos = afterKey + size;
          break;
        }
        case 2: {
          const [length, contentStart] = this.varintAt(afterKey, end, `the length of field ${field}`);
          if (length < 0 || length > end - contentStart) {
            this.fail(`field ${field} at byte ${at} has length ${length}, past the end of the enclosing message at byte ${end} (${end - contentStart} bytes left)`, afterKey);
          }
          payloadStart = contentStart;
          pos = contentStart + length;
          break;
        }
        case 3:
        case 4:
          this.fail(`field ${field} at byte ${at} has wire type ${wireType} (a proto2 group), which this reader refuses (ONNX does not use groups)`, at);
          break;
        default:
          this.fail(`field ${field} at byte ${at} has wire type ${wireType}, which does not exist (expected 0, 1, 2 or 5)`, at);
      }
      out.push({ field, wireType: wireType as WireType, at, start: payloadStart, end: pos });
    }
    return out;
  }

  /** The fields of the message held by `f`, a length-delimited field of a message at `depth`
   * (the outermost message is depth 0). */
  message(f: ProtoField, depth: number, what: string): ProtoField[] {
    this.expectWire(f, 2, what);
    if (depth + 1 > PROTO_MAX_DEPTH) this.fail(`${what} at byte ${f.at} is nested ${depth + 1} messages deep, more than the ${PROTO_MAX_DEPTH} this reader follows`, f.at);
    return this.fields(f.start, f.end);
  }

  /** A varint field as a signed 64-bit integer (int64, int32 and enum fields), exact or refused. */
  int(f: ProtoField, what: string): number {
    this.expectWire(f, 0, what);
    return this.varintAt(f.start, f.end, what)[0];
  }

  /** A fixed32 field as a float. */
  float(f: ProtoField, what: string): number {
    this.expectWire(f, 5, what);
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + f.start, 4).getFloat32(0, true);
  }

  /** A length-delimited field as UTF-8 text. */
  string(f: ProtoField, what: string): string {
    this.expectWire(f, 2, what);
    try {
      return utf8Decoder.decode(this.bytes.subarray(f.start, f.end));
    } catch {
      return this.fail(`${what} at byte ${f.at} is not valid UTF-8`, f.start);
    }
  }

  /** A length-delimited field's bytes (a view into the input, not a copy). */
  payload(f: ProtoField, what: string): Uint8Array {
    this.expectWire(f, 2, what);
    return this.bytes.subarray(f.start, f.end);
  }

  /** The values of a repeated varint field, given all its occurrences, packed (wire type 2) or not. */
  ints(fs: ProtoField[], what: string): number[] {
    const out: number[] = [];
    for (const f of fs) {
      if (f.wireType === 0) {
        out.push(this.int(f, what));
        continue;
      }
      this.expectWire(f, 2, what);
      for (let pos = f.start; pos < f.end;) {
        const [v, next] = this.varintAt(pos, f.end, what);
        out.push(v);
        pos = next;
      }
    }
    return out;
  }

  /** The values of a repeated 4-byte (wire type 5) field, packed or not, as little-endian bytes
   * in one buffer: the caller views them as float32 (or reads uint32) without changing a bit. */
  fixed32s(fs: ProtoField[], what: string): Uint8Array {
    return this.fixed(fs, 5, 4, what);
  }

  /** The same for a repeated 8-byte (wire type 1) field such as `repeated double`. */
  fixed64s(fs: ProtoField[], what: string): Uint8Array {
    return this.fixed(fs, 1, 8, what);
  }

  private fixed(fs: ProtoField[], wireType: 1 | 5, size: number, what: string): Uint8Array {
    let length = 0;
    for (const f of fs) {
      if (f.wireType === 2 && (f.end - f.start) % size !== 0) {
        this.fail(`${what} at byte ${f.at} is a packed field of ${f.end - f.start} bytes, not a multiple of ${size}`, f.start);
      }
      if (f.wireType !== 2) this.expectWire(f, wireType, what);
      length += f.end - f.start;
    }
    const out = new Uint8Array(length);
    let pos = 0;
    for (const f of fs) {
      out.set(this.bytes.subarray(f.start, f.end), pos);
      pos += f.end - f.start;
    }
    return out;
  }

  private expectWire(f: ProtoField, wireType: WireType, what: string): void {
    if (f.wireType !== wireType) {
      const names = { 0: 'varint', 1: 'fixed64', 2: 'length-delimited', 5: 'fixed32' };
      this.fail(`${what} (field ${f.field}) at byte ${f.at} has wire type ${f.wireType} (${names[f.wireType]}), expected ${wireType} (${names[wireType]})`, f.at);
    }
  }

  /** Decodes the varint starting at `pos`, which must end before `end`: its value read as a
   * two's-complement int64, and the offset after it. Values beyond ±(2^53 − 1) are refused: a
   * JavaScript number cannot hold them exactly (unless `exact` is false: skipping a field). */
  private varintAt(pos: number, end: number, what: string, exact = true): [number, number] {
    const start = pos;
    let low = 0; // bits 0…48 (bytes 0…6), exact in a double
    let high = 0; // bits 49…63 (bytes 7…9)
    for (let i = 0; ; i++) {
      if (pos >= end) this.fail(`${what}: the varint at byte ${start} runs past the end of the enclosing message at byte ${end}`, start);
      const b = this.bytes[pos++];
      if (i === 9 && b > 1) {
        this.fail(b & 0x80 ? `${what}: the varint at byte ${start} is longer than 10 bytes` : `${what}: the varint at byte ${start} overflows 64 bits`, start);
      }
      if (i < 7) low += (b & 0x7f) * 2 ** (7 * i);
      else high += (b & 0x7f) * 2 ** (7 * (i - 7));
      if ((b & 0x80) === 0) break;
    }
    let value: number;
    if (high >= 2 ** 14) value = low - (2 ** 15 - high) * 2 ** 49; // bit 63 set: negative
    else value = low + high * 2 ** 49;
    if (exact && !Number.isSafeInteger(value)) {
      this.fail(`${what}: the varint at byte ${start} holds an integer beyond ±(2^53 - 1), more than a JavaScript number holds exactly`, start);
    }
    return [value, pos];
  }
}

/** Copies little-endian 4-byte elements into a Float32Array bit for bit, whatever the host's order. */
export function float32FromLE(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  const dst = new Uint8Array(out.buffer);
  if (LITTLE_ENDIAN) dst.set(bytes);
  else for (let i = 0; i < bytes.length; i++) dst[i] = bytes[i ^ 3];
  return out;
}
