// IDX reader (the MNIST / Fashion-MNIST container). Pure: no Node built-ins, works on bytes.
// Layout: magic 0x00 0x00 <type> <ndims>, then ndims u32 big-endian sizes, then the elements
// big-endian, row-major. Every size is checked against the byte count before anything sized
// from the file is allocated, so a hostile header cannot make us allocate gigabytes.

import { DataFormatError } from '../errors.js';
import type { ByteFeatures } from '../types.js';

export type IdxType = 'ubyte' | 'sbyte' | 'i16' | 'i32' | 'f32' | 'f64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxFile {
  type: IdxType;
  dims: number[];
  /** elements, row-major; for ubyte and sbyte a view on the input bytes (no copy) */
  data: IdxData;
}

export interface IdxImages {
  /** (n, features) row-major, pixels scaled to [0, 1] */
  x: Float32Array;
  n: number;
  features: number;
}

const TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'ubyte', size: 1 },
  0x09: { type: 'sbyte', size: 1 },
  0x0b: { type: 'i16', size: 2 },
  0x0c: { type: 'i32', size: 4 },
  0x0d: { type: 'f32', size: 4 },
  0x0e: { type: 'f64', size: 8 },
};
const TYPE_CODE: Record<IdxType, number> = { ubyte: 0x08, sbyte: 0x09, i16: 0x0b, i32: 0x0c, f32: 0x0d, f64: 0x0e };

/** Largest element count we accept: typed arrays and our Float32 conversion stay well inside limits. */
export const IDX_MAX_ELEMENTS = 2 ** 31;

const hex = (v: number, digits = 2): string => '0x' + v.toString(16).padStart(digits, '0');
const where = (file?: string): string => (file === undefined ? 'IDX data' : `IDX file ${file}`);

/** The 32-bit magic number of a parsed file, as it would appear in its header (2051 for MNIST images). */
export function idxMagic(parsed: Pick<IdxFile, 'type' | 'dims'>): number {
  return TYPE_CODE[parsed.type] * 256 + parsed.dims.length;
}

/** The whole file's size its header announces (header + dims' product × element size), once `head`
 * holds the header: null while it is shorter, or when the header is not one parseIdx accepts (then
 * parseIdx names the problem). A streaming reader sizes its buffer with it. */
export function idxAnnouncedBytes(head: Uint8Array): number | null {
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0) return null;
  const t = TYPES[head[2]], nd = head[3];
  if (!t || nd === 0 || head.length < 4 + 4 * nd) return null;
  const dv = new DataView(head.buffer, head.byteOffset, 4 + 4 * nd);
  let count = 1;
  for (let d = 0; d < nd; d++) count *= dv.getUint32(4 + 4 * d, false);
  return 4 + 4 * nd + count * t.size;
}

/** An IDX header: the element type, the dims, where the elements start and how many there are. */
export interface IdxHeader {
  type: IdxType;
  dims: number[];
  /** bytes before the first element: 4 + 4 · dims */
  headerLen: number;
  /** elements: the product of the dims */
  count: number;
  /** bytes per element */
  size: number;
}

/** Parses and checks the header at the start of `bytes` (which may hold more: the elements).
 * `maxElements` bounds the dims' product: IDX_MAX_ELEMENTS for a file read into one buffer; a
 * reader that never holds the whole file (src/node/idx-source.ts, src/data/idx-stream.ts) passes
 * 2^53, the largest count whose byte offsets stay exact as numbers. */
/** Whether `b` starts with the gzip signature 1f 8b (an IDX file starts 00 00). */
export const hasGzipSignature = (b: ArrayLike<number>): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

export function parseIdxHeader(bytes: Uint8Array, file?: string, maxElements = IDX_MAX_ELEMENTS): IdxHeader {
  const w = where(file);
  if (bytes.length < 4) {
    throw new DataFormatError(
      `${w}: truncated header at byte ${bytes.length}: expected a 4-byte magic number, found ${bytes.length} bytes`,
      { file, offset: bytes.length },
    );
  }
  if (hasGzipSignature(bytes)) {
    throw new DataFormatError(`${w}: byte 0: found the gzip signature 1f 8b; decompress it first (loadIdxFile does)`, { file, offset: 0 });
  }
  for (let i = 0; i < 2; i++) {
    if (bytes[i] !== 0) {
      throw new DataFormatError(
        `${w}: bad magic number at byte ${i}: expected 0x00, found ${hex(bytes[i])} (IDX files start 00 00 <type> <ndims>, e.g. 0x00000803 = 2051 for images, 0x00000801 = 2049 for labels)`,
        { file, offset: i },
      );
    }
  }
  const t = TYPES[bytes[2]];
  if (t === undefined) {
    throw new DataFormatError(
      `${w}: unknown element type ${hex(bytes[2])} at byte 2: expected 0x08 ubyte, 0x09 sbyte, 0x0B i16, 0x0C i32, 0x0D f32 or 0x0E f64`,
      { file, offset: 2 },
    );
  }
  const ndims = bytes[3];
  if (ndims === 0) {
    throw new DataFormatError(`${w}: byte 3: expected at least 1 dimension, found 0`, { file, offset: 3 });
  }
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) {
    throw new DataFormatError(
      `${w}: truncated header at byte ${bytes.length}: ${ndims} dimensions need a ${headerLen}-byte header, file has ${bytes.length} bytes`,
      { file, offset: bytes.length },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerLen);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size;
    if (count > maxElements) {
      throw new DataFormatError(
        `${w}: dimension ${d} at byte ${4 + 4 * d} (size ${size}) makes the element count exceed ${powerOfTwo(maxElements)} (dims so far ${dims.join('×')})`,
        { file, offset: 4 + 4 * d },
      );
    }
  }
  return { type: t.type, dims, headerLen, count, size: t.size };
}

/** 2^31 rather than 2147483648 where the limit is a power of two. */
const powerOfTwo = (v: number): string => (Number.isInteger(Math.log2(v)) ? `2^${Math.log2(v)}` : String(v));

export function parseIdx(bytes: Uint8Array, file?: string): IdxFile {
  const w = where(file);
  const { type, dims, headerLen, count, size } = parseIdxHeader(bytes, file);
  const expected = count * size;
  const found = bytes.length - headerLen;
  if (found < expected) {
    throw new DataFormatError(
      `${w}: truncated data at byte ${bytes.length}: dims ${dims.join('×')} of ${type} need ${expected} data bytes after the ${headerLen}-byte header, found ${found}`,
      { file, offset: bytes.length },
    );
  }
  if (found > expected) {
    throw new DataFormatError(
      `${w}: ${found - expected} trailing bytes at byte ${headerLen + expected}: dims ${dims.join('×')} of ${type} need exactly ${expected} data bytes, found ${found}`,
      { file, offset: headerLen + expected },
    );
  }
  const start = bytes.byteOffset + headerLen;
  let data: IdxData;
  switch (type) {
    case 'ubyte':
      data = bytes.subarray(headerLen);
      break;
    case 'sbyte':
      data = new Int8Array(bytes.buffer, start, count);
      break;
    default: {
      // Multi-byte elements are big-endian and may be unaligned: read them through a DataView.
      const dv = new DataView(bytes.buffer, start, expected);
      if (type === 'i16') {
        const a = new Int16Array(count);
        for (let i = 0; i < count; i++) a[i] = dv.getInt16(2 * i, false);
        data = a;
      } else if (type === 'i32') {
        const a = new Int32Array(count);
        for (let i = 0; i < count; i++) a[i] = dv.getInt32(4 * i, false);
        data = a;
      } else if (type === 'f32') {
        const a = new Float32Array(count);
        for (let i = 0; i < count; i++) a[i] = dv.getFloat32(4 * i, false);
        data = a;
      } else {
        const a = new Float64Array(count);
        for (let i = 0; i < count; i++) a[i] = dv.getFloat64(8 * i, false);
        data = a;
      }
    }
  }
  return { type: type, dims, data };
}

/** Images (n, rows, cols[, ...]) of ubyte to (n, rows·cols·...) Float32 in [0, 1]. */
export function idxImagesToFloat32(parsed: IdxFile, file?: string): IdxImages {
  const { n, features } = imageShape(parsed, file);
  const src = parsed.data;
  const x = new Float32Array(n * features);
  // Divide rather than multiply by 1/255 so every pixel is the correctly rounded k/255.
  for (let i = 0; i < x.length; i++) x[i] = src[i] / 255;
  return { x, n, features };
}

/** Images (n, rows, cols[, ...]) of ubyte as byte features (n, rows·cols·...) with divisor 255: the
 * file's own bytes (a view, no copy), widened to exactly idxImagesToFloat32's values where a batch
 * is gathered (data/bytes.ts). */
export function idxImagesAsBytes(parsed: IdxFile, file?: string): { x: ByteFeatures; n: number; features: number } {
  const { n, features } = imageShape(parsed, file);
  return { x: { bytes: parsed.data as Uint8Array, divisor: 255 }, n, features };
}

/** n and features of an images file (or its header); a DataFormatError unless it is ubyte with 3
 * dimensions or more. */
export function imageShape(parsed: Pick<IdxFile, 'type' | 'dims'>, file?: string): { n: number; features: number } {
  const w = where(file);
  const magic = idxMagic(parsed);
  if (parsed.dims.length < 3 || parsed.type !== 'ubyte') {
    throw new DataFormatError(
      `${w}: expected images (magic 2051 = 0x00000803: ubyte, 3 dimensions n×rows×cols), found magic ${magic} = ${hex(magic, 8)} (${parsed.type}, ${parsed.dims.length} dimension${parsed.dims.length === 1 ? '' : 's'})`,
      { file, offset: parsed.type !== 'ubyte' ? 2 : 3 },
    );
  }
  const n = parsed.dims[0];
  let features = 1;
  for (let d = 1; d < parsed.dims.length; d++) features *= parsed.dims[d];
  return { n, features };
}

/** Labels (n) of ubyte; returns the view on the file bytes (no copy). */
export function idxLabels(parsed: IdxFile, file?: string): Uint8Array {
  labelCount(parsed, file);
  return parsed.data as Uint8Array;
}

/** n of a labels file (or its header); a DataFormatError unless it is ubyte with 1 dimension. */
export function labelCount(parsed: Pick<IdxFile, 'type' | 'dims'>, file?: string): number {
  const w = where(file);
  const magic = idxMagic(parsed);
  if (parsed.dims.length !== 1 || parsed.type !== 'ubyte') {
    throw new DataFormatError(
      `${w}: expected labels (magic 2049 = 0x00000801: ubyte, 1 dimension), found magic ${magic} = ${hex(magic, 8)} (${parsed.type}, ${parsed.dims.length} dimensions)`,
      { file, offset: parsed.type !== 'ubyte' ? 2 : 3 },
    );
  }
  return parsed.dims[0];
}
