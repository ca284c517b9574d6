// safetensors reader and writer (https://github.com/huggingface/safetensors). Pure.
// Layout: u64 little-endian header length N | N bytes UTF-8 JSON header | data area.
// The header maps tensor names to { dtype, shape, data_offsets: [begin, end] } (relative to the
// data area) plus an optional "__metadata__" of string → string. Tensors must tile the data area
// exactly: no overlaps, no holes, no trailing bytes. Elements are little-endian.
// F16 and BF16 are read as their raw 16-bit words (Uint16Array); io/half.ts widens them to f32.

import { ModelFileError, InputError } from '../errors.js';

export type Dtype = 'F32' | 'F64' | 'I32' | 'U32' | 'U8' | 'I64' | 'F16' | 'BF16';
export type TensorData = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | BigInt64Array | Uint16Array;

export interface TensorIn {
  name: string;
  dtype: Dtype;
  shape: number[];
  data: ArrayBufferView;
}

export interface TensorOut {
  dtype: Dtype;
  shape: number[];
  /** a fresh, aligned copy */
  data: TensorData;
  /** absolute byte offset of the tensor's data in the file, for error messages */
  offset: number;
}

export interface DecodedSafetensors {
  tensors: Map<string, TensorOut>;
  metadata: Record<string, string>;
}

const DTYPES: Record<Dtype, { size: number; make: (n: number) => TensorData }> = {
  F64: { size: 8, make: (n) => new Float64Array(n) },
  I64: { size: 8, make: (n) => new BigInt64Array(n) },
  F32: { size: 4, make: (n) => new Float32Array(n) },
  I32: { size: 4, make: (n) => new Int32Array(n) },
  U32: { size: 4, make: (n) => new Uint32Array(n) },
  F16: { size: 2, make: (n) => new Uint16Array(n) },
  BF16: { size: 2, make: (n) => new Uint16Array(n) },
  U8: { size: 1, make: (n) => new Uint8Array(n) },
};

/** The reference implementation refuses headers above 100 MB; so do we. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies `src` into `dst` converting between host order and little-endian (a no-op copy on LE hosts). */
function copyLE(dst: Uint8Array, src: Uint8Array, size: number): void {
  if (LITTLE_ENDIAN || size === 1) {
    dst.set(src);
    return;
  }
  for (let i = 0; i < src.length; i += size) {
    for (let b = 0; b < size; b++) dst[i + b] = src[i + size - 1 - b];
  }
}

const isDtype = (d: unknown): d is Dtype => typeof d === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, d);

function elementCount(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function encodeSafetensors(tensors: TensorIn[], metadata?: Record<string, string>): Uint8Array {
  const names = new Set<string>();
  for (const t of tensors) {
    if (typeof t.name !== 'string' || t.name === '' || t.name === '__metadata__') {
      throw new InputError(`encodeSafetensors: invalid tensor name ${JSON.stringify(t.name)}`);
    }
    if (names.has(t.name)) throw new InputError(`encodeSafetensors: duplicate tensor name "${t.name}"`);
    names.add(t.name);
    if (!isDtype(t.dtype)) throw new InputError(`encodeSafetensors: tensor "${t.name}": unknown dtype ${JSON.stringify(t.dtype)}, expected one of ${Object.keys(DTYPES).join(', ')}`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new InputError(`encodeSafetensors: tensor "${t.name}": shape ${JSON.stringify(t.shape)} must be a list of non-negative integers`);
    }
    const bytes = elementCount(t.shape) * DTYPES[t.dtype].size;
    if (!ArrayBuffer.isView(t.data) || t.data.byteLength !== bytes) {
      throw new InputError(`encodeSafetensors: tensor "${t.name}": shape [${t.shape.join(', ')}] of ${t.dtype} needs ${bytes} bytes, data has ${ArrayBuffer.isView(t.data) ? t.data.byteLength : 'no'} bytes`);
    }
  }
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new InputError(`encodeSafetensors: metadata "${k}" must be a string (the format allows only strings), found ${typeof v}`);
    }
  }
  // Widest dtype first, then by name: every tensor then starts at a multiple of its element
  // size (the data area is 8-aligned), as the reference serializer does.
  const order = [...tensors].sort((a, b) => DTYPES[b.dtype].size - DTYPES[a.dtype].size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of order) {
    const end = offset + t.data.byteLength;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const t of order) {
    copyLE(out.subarray(pos, pos + t.data.byteLength), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), DTYPES[t.dtype].size);
    pos += t.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, file?: string): DecodedSafetensors {
  const w = file === undefined ? 'safetensors data' : `safetensors file ${file}`;
  const fail = (msg: string, offset: number): never => {
    throw new ModelFileError(`${w}: ${msg}`, { file, offset });
  };
  if (bytes.length < 8) fail(`truncated at byte ${bytes.length}: expected an 8-byte header length, found ${bytes.length} bytes`, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBig = view.getBigUint64(0, true);
  if (lenBig > BigInt(SAFETENSORS_MAX_HEADER)) fail(`header length ${lenBig} at byte 0 exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit`, 0);
  const headerLen = Number(lenBig);
  if (8 + headerLen > bytes.length) fail(`header length ${headerLen} at byte 0 runs past the end of the file (${bytes.length} bytes, so at most ${bytes.length - 8})`, 0);
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
    header = JSON.parse(text);
  } catch (e) {
    fail(`header at byte 8 is not valid UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`, 8);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail(`header at byte 8 must be a JSON object, found ${Array.isArray(header) ? 'an array' : header === null ? 'null' : typeof header}`, 8);
  }
  const h = header as Record<string, unknown>;
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  const metaEntries: [string, string][] = [];
  if (Object.prototype.hasOwnProperty.call(h, '__metadata__')) {
    const m = h.__metadata__;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) fail('header: "__metadata__" must be an object of strings', 8);
    for (const [k, v] of Object.entries(m as object)) {
      if (typeof v !== 'string') fail(`header: "__metadata__"."${k}" must be a string, found ${JSON.stringify(v)?.slice(0, 40)}`, 8);
      metaEntries.push([k, v as string]);
    }
  }

  interface Entry { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }
  const entries: Entry[] = [];
  for (const name of Object.keys(h)) {
    if (name === '__metadata__') continue;
    const e = h[name] as Record<string, unknown> | null;
    const t = `tensor "${name}"`;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) fail(`header: ${t} must be an object with dtype, shape and data_offsets`, 8);
    const { dtype, shape, data_offsets: offs } = e as Record<string, unknown>;
    if (!isDtype(dtype)) fail(`header: ${t} has unknown dtype ${JSON.stringify(dtype)?.slice(0, 40)}, expected one of ${Object.keys(DTYPES).join(', ')}`, 8);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`header: ${t} has shape ${JSON.stringify(shape)?.slice(0, 60)}, expected a list of non-negative integers`, 8);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[0] > offs[1]) {
      fail(`header: ${t} has data_offsets ${JSON.stringify(offs)?.slice(0, 60)}, expected [begin, end] with 0 ≤ begin ≤ end`, 8);
    }
    const [begin, end] = offs as number[];
    if (end > dataLen) {
      fail(`${t}: data_offsets [${begin}, ${end}] run past the data area (${dataLen} bytes, from byte ${dataStart} to ${bytes.length})`, dataStart + Math.min(begin, dataLen));
    }
    const size = DTYPES[dtype as Dtype].size;
    const count = elementCount(shape as number[]);
    if (!Number.isSafeInteger(count * size)) {
      fail(`${t}: shape [${(shape as number[]).join(', ')}] has too many elements`, dataStart + begin);
    }
    if (count * size !== end - begin) {
      fail(`${t}: shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${count * size} bytes, data_offsets [${begin}, ${end}] span ${end - begin}`, dataStart + begin);
    }
    entries.push({ name, dtype: dtype as Dtype, shape: shape as number[], begin, end });
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev = '';
  for (const e of entries) {
    if (e.begin < pos) fail(`tensor "${e.name}" (data_offsets [${e.begin}, ${e.end}]) overlaps tensor "${prev}" which ends at ${pos}`, dataStart + e.begin);
    if (e.begin > pos) fail(`hole of ${e.begin - pos} unused bytes at byte ${dataStart + pos}, before tensor "${e.name}"${prev ? ` (after "${prev}")` : ''}`, dataStart + pos);
    pos = e.end;
    prev = e.name;
  }
  if (pos !== dataLen) fail(`${dataLen - pos} trailing bytes at byte ${dataStart + pos}, after the last tensor`, dataStart + pos);

  const tensors = new Map<string, TensorOut>();
  for (const e of entries) {
    const { size } = DTYPES[e.dtype];
    const data = DTYPES[e.dtype].make((e.end - e.begin) / size);
    copyLE(new Uint8Array(data.buffer), bytes.subarray(dataStart + e.begin, dataStart + e.end), size);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data, offset: dataStart + e.begin });
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays plain data.
  return { tensors, metadata: Object.fromEntries(metaEntries) };
}
