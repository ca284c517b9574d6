// Just enough of the WebAssembly binary format to add a data segment to a compiled module: the
// section list, LEB128 integers, the memory limits, the data segments' extents and the export
// names. Everything else passes through byte for byte. Pure (no Node built-ins).
// A module is "\0asm", version 1, then sections: id (u8), payload size (u32 LEB128), payload.

import { WasmBinaryError } from '../errors.js';

export const SECTION = { type: 1, import: 2, function: 3, memory: 5, export: 7, code: 10, data: 11, dataCount: 12 } as const;

export interface Section {
  id: number;
  /** offset of the id byte */
  start: number;
  /** offset of the payload's first byte */
  payload: number;
  /** offset one past the payload */
  end: number;
}

/** A reader over `bytes` whose errors name `what` and the byte offset. */
export class WasmReader {
  constructor(readonly bytes: Uint8Array, public pos: number, readonly what: string) {}

  fail(message: string, at = this.pos): never {
    throw new WasmBinaryError(`${this.what}: ${message} at byte offset ${at}`);
  }

  byte(): number {
    if (this.pos >= this.bytes.length) this.fail('truncated (unexpected end of the module)');
    return this.bytes[this.pos++];
  }

  /** An unsigned LEB128 of at most 32 bits. */
  u32(): number {
    const at = this.pos;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) this.fail('an unsigned LEB128 above 2^32 − 1', at);
        return value;
      }
    }
    return this.fail('an unsigned LEB128 longer than 5 bytes', at);
  }

  /** A signed LEB128 of at most 32 bits. */
  s32(): number {
    const at = this.pos;
    let value = 0, shift = 0, b = 0;
    do {
      if (shift >= 35) this.fail('a signed LEB128 longer than 5 bytes', at);
      b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    if (b & 0x40) value -= 2 ** shift;
    return value;
  }

  /** `n` bytes, as a view. */
  take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) this.fail(`truncated (${n} bytes wanted, ${this.bytes.length - this.pos} left)`);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
}

/** The sections of a module, in order, after checking the magic number, the version and that
 * every section fits. */
export function readSections(bytes: Uint8Array, what: string): Section[] {
  const r = new WasmReader(bytes, 0, what);
  const head = r.take(8);
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  for (let i = 0; i < 4; i++) if (head[i] !== magic[i]) r.fail('not a WebAssembly module (no "\\0asm" magic number)', i);
  for (let i = 4; i < 8; i++) if (head[i] !== magic[i]) r.fail('unsupported WebAssembly binary version (expected 1)', i);
  const sections: Section[] = [];
  while (r.pos < bytes.length) {
    const start = r.pos, id = r.byte(), size = r.u32(), payload = r.pos;
    if (payload + size > bytes.length) r.fail(`truncated: section ${id} declares ${size} bytes, ${bytes.length - payload} are left`, start);
    sections.push({ id, start, payload, end: payload + size });
    r.pos = payload + size;
  }
  return sections;
}

export function u32Leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

export function s32Leb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

/** A section: id, payload size, payload. */
export function encodeSection(id: number, payload: Uint8Array): Uint8Array {
  const size = u32Leb(payload.length);
  const out = new Uint8Array(1 + size.length + payload.length);
  out[0] = id;
  out.set(size, 1);
  out.set(payload, 1 + size.length);
  return out;
}

/** Concatenation of byte arrays. */
export function concat(parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** The export names of an export section's payload, with their kind (0 func, 2 memory, ...). */
export function readExports(bytes: Uint8Array, s: Section, what: string): Map<string, number> {
  const r = new WasmReader(bytes.subarray(0, s.end), s.payload, what);
  const names = new Map<string, number>();
  for (let i = r.u32(); i > 0; i--) {
    const name = new TextDecoder().decode(r.take(r.u32()));
    names.set(name, r.byte());
    r.u32();
  }
  return names;
}

/** Active data segments of a data section's payload: [start, end) in memory of each (memory 0,
 * offsets given by i32.const); passive segments have no place in memory and are skipped. */
export function readDataExtents(bytes: Uint8Array, s: Section, what: string): { count: number; extents: [number, number][] } {
  const r = new WasmReader(bytes.subarray(0, s.end), s.payload, what);
  const count = r.u32();
  const extents: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const at = r.pos, flags = r.u32();
    if (flags === 1) { r.take(r.u32()); continue; }
    if (flags === 2) r.u32(); // memory index
    else if (flags !== 0) r.fail(`data segment ${i} has unknown flags ${flags}`, at);
    if (r.byte() !== 0x41) r.fail(`data segment ${i}: only an i32.const offset is supported`, r.pos - 1);
    const offset = r.s32() >>> 0;
    if (r.byte() !== 0x0b) r.fail(`data segment ${i}: offset expression does not end after i32.const`, r.pos - 1);
    const size = r.u32();
    r.take(size);
    extents.push([offset, offset + size]);
  }
  return { count, extents };
}

/** The one memory of a memory section's payload: its limits in 64 KiB pages. */
export function readMemory(bytes: Uint8Array, s: Section, what: string): { min: number; max?: number } {
  const r = new WasmReader(bytes.subarray(0, s.end), s.payload, what);
  if (r.u32() !== 1) r.fail('expected exactly one memory', s.payload);
  const flags = r.byte();
  if (flags !== 0 && flags !== 1) r.fail(`memory limits flags ${flags}: only an unshared 32-bit memory is supported`, r.pos - 1);
  const min = r.u32();
  return flags === 1 ? { min, max: r.u32() } : { min };
}

/** A memory section's payload declaring one memory of `min` pages and at most `max`. */
export function encodeMemory(min: number, max?: number): Uint8Array {
  return Uint8Array.from([1, max === undefined ? 0 : 1, ...u32Leb(min), ...(max === undefined ? [] : u32Leb(max))]);
}

/** An active data segment for memory 0 at `offset`: flags 0, i32.const offset, end, size, bytes. */
export function encodeActiveSegment(offset: number, data: Uint8Array): Uint8Array {
  return concat([[0, 0x41, ...s32Leb(offset | 0), 0x0b, ...u32Leb(data.length)], data]);
}
