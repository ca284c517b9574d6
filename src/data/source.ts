// A training set read in pieces (docs/STREAMING.md): what fit() streams from when the data does not
// fit the memory plan (FitOptions.maxMemory), or is not in memory at all (a file, a fetch, a
// generator). The trainer asks for rows and writes them straight into the arena: a source never
// keeps a copy of the set, and nothing it hands over outlives the read.
//
// Two kinds, and a source may offer both:
// - random access (`read`): a file read at offsets, a callback. The epoch order can then shuffle
//   which chunks come first, as well as the rows inside the resident window.
// - sequential (`pass`): a ReadableStream, an async iterator. Each epoch reads a new pass from the
//   first row; only the rows inside the window are shuffled.

import type { Normalizer } from '../types.js';

/** One piece of a sequential pass: whole rows, any number of them. */
export interface SourcePiece {
  /** (rows, inputs) bytes (sources with a divisor) or float32 values */
  x: Uint8Array | Uint8ClampedArray | Float32Array;
  /** (rows) class indices, or (rows, targetWidth) float targets */
  y: ArrayLike<number>;
}

export interface DataSource {
  /** samples in the set */
  readonly rows: number;
  /** features per sample */
  readonly inputs: number;
  /** byte features: a feature is f32(byte / divisor), then the normalizer (as ByteFeatures);
   * absent: float32 features */
  readonly divisor?: number;
  /** with byte features, applied after the division (as ByteFeatures.normalizer) */
  normalizer?: Normalizer;
  /** Random access: rows [start, start + count) into x ((count, inputs) bytes or floats) and y
   * ((count) class indices, or (count, targetWidth) float targets). The views are into wasm
   * memory: fill them before the promise resolves and keep no reference to them. */
  read?(start: number, count: number, x: Uint8Array | Float32Array, y: Int32Array | Float32Array): void | Promise<void>;
  /** Sequential: a new pass over every row from the first, in pieces of whole rows. Called once
   * per epoch (a resumed epoch skips the rows it has done). */
  pass?(): AsyncIterable<SourcePiece> | Iterable<SourcePiece>;
  /** bytes read from the storage behind the source so far (compressed bytes for a .gz file), for
   * progress; when absent, progress counts the bytes written into the arena */
  readonly bytesRead?: number;
  /** releases what the source holds (files); fit never calls it */
  close?(): Promise<void>;
}

/** Whether `x` is a DataSource rather than in-memory features. */
export function isDataSource(x: unknown): x is DataSource {
  return typeof x === 'object' && x !== null && !(x instanceof Float32Array) && !('bytes' in x)
    && typeof (x as DataSource).rows === 'number' && (typeof (x as DataSource).read === 'function' || typeof (x as DataSource).pass === 'function');
}
