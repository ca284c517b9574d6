// fitNormalizer over a DataSource (a training set too large to hold): the rows are read in chunks
// into small buffers of this function's own (random access) or taken from sequential passes, and
// fed in order to the same accumulator fitNormalizer uses (normalize.ts NormalizerFit), so the
// result is to the bit what fitNormalizer gives for the same rows in memory. zscore reads the set
// twice (mean, then squared deviations). Byte rows are widened as ByteFeatures are, f32(b /
// divisor); the source's own normalizer is not applied (it is what is being fitted).

import { InputError } from '../errors.js';
import type { Normalizer } from '../types.js';
import { widenRows } from './bytes.js';
import { checkKind, firstNonFinite, NormalizerFit } from './normalize.js';
import { checkDivisor } from '../validate.js';
import type { DataSource } from './source.js';

export interface SourceFitOptions {
  /** rows per read (default: 1 MiB of widened features, at least 1); memory is a few buffers of this */
  chunkRows?: number;
  /** the labels' width, for the y buffer `read` fills: absent, class indices (Int32Array of a row
   * each); a number, float targets (Float32Array of that many per row) */
  targetWidth?: number;
}

const WHAT = 'fitNormalizerFromSource';

/** The normaliser of `kind` fitted on every row of `source`. */
export async function fitNormalizerFromSource(kind: 'minmax' | 'zscore', source: DataSource, options: SourceFitOptions = {}): Promise<Normalizer> {
  checkKind(kind, WHAT);
  const { rows, inputs, divisor } = source;
  if (!Number.isSafeInteger(rows) || rows < 1) throw new InputError(`${WHAT}: the source has ${rows} rows, needs at least 1`);
  if (!Number.isSafeInteger(inputs) || inputs < 1) throw new InputError(`${WHAT}: the source has ${inputs} inputs per row, expected an integer ≥ 1`);
  if (divisor !== undefined) checkDivisor(divisor, `${WHAT}: source`);
  const chunkRows = Math.min(rows, options.chunkRows ?? Math.max(1, Math.floor(2 ** 18 / inputs)));
  if (!Number.isSafeInteger(chunkRows) || chunkRows < 1) throw new InputError(`${WHAT}: chunkRows must be an integer ≥ 1, found ${options.chunkRows}`);
  const fit = new NormalizerFit(kind, inputs);
  const widened = new Float32Array(chunkRows * inputs);
  /** Feeds `count` rows starting at row `first`, given as float32 values or bytes. */
  const feed = (x: Float32Array | Uint8Array | Uint8ClampedArray, first: number, count: number, pass: number): void => {
    let rowsF32: Float32Array;
    if (divisor !== undefined) {
      widenRows(widened, 0, x, 0, count, inputs, divisor);
      rowsF32 = widened;
    } else {
      rowsF32 = x as Float32Array;
      const i = pass === 0 ? firstNonFinite(rowsF32.subarray(0, count * inputs)) : -1;
      if (i >= 0) throw new InputError(`${WHAT}: row ${first + Math.floor(i / inputs)} feature ${i % inputs} is ${rowsF32[i]}, expected a finite number`);
    }
    for (let r = 0; r < count; r++) fit.add(rowsF32.subarray(r * inputs, (r + 1) * inputs));
  };
  const read = source.read ? readChunks(source, chunkRows, options.targetWidth) : source.pass ? passChunks(source, chunkRows) : null;
  if (read === null) throw new InputError(`${WHAT}: the source has neither read() nor pass()`);
  for (let pass = 0; pass < fit.passes; pass++) {
    for await (const chunk of read()) feed(chunk.x, chunk.first, chunk.count, pass);
    fit.endPass();
  }
  return fit.result();
}

interface Chunk { x: Float32Array | Uint8Array | Uint8ClampedArray; first: number; count: number }

/** Random access: rows in order, `chunkRows` at a time, into buffers reused across reads. */
function readChunks(source: DataSource, chunkRows: number, targetWidth: number | undefined): () => AsyncIterable<Chunk> {
  const { rows, inputs } = source;
  if (targetWidth !== undefined && !(Number.isSafeInteger(targetWidth) && targetWidth >= 1)) throw new InputError(`${WHAT}: targetWidth must be an integer ≥ 1, found ${targetWidth}`);
  const x = source.divisor !== undefined ? new Uint8Array(chunkRows * inputs) : new Float32Array(chunkRows * inputs);
  const y = targetWidth === undefined ? new Int32Array(chunkRows) : new Float32Array(chunkRows * targetWidth);
  const yWidth = targetWidth ?? 1;
  return async function* () {
    for (let first = 0; first < rows; first += chunkRows) {
      const count = Math.min(chunkRows, rows - first);
      const xs = x.subarray(0, count * inputs);
      await source.read!(first, count, xs, y.subarray(0, count * yWidth));
      yield { x: xs, first, count };
    }
  };
}

/** Sequential: a new pass over the rows; pieces longer than `chunkRows` are cut, so that widening
 * bytes needs no buffer larger than a chunk. */
function passChunks(source: DataSource, chunkRows: number): () => AsyncIterable<Chunk> {
  const { rows, inputs } = source;
  const bytes = source.divisor !== undefined;
  return async function* () {
    let first = 0;
    for await (const piece of source.pass!()) {
      const { x } = piece;
      if (bytes === x instanceof Float32Array) throw new InputError(`${WHAT}: a piece at row ${first} holds ${x instanceof Float32Array ? 'float32 values' : 'bytes'}, but the source declares ${bytes ? 'byte features (a divisor)' : 'float32 features (no divisor)'}`);
      if (x.length % inputs !== 0) throw new InputError(`${WHAT}: a piece at row ${first} holds ${x.length} values, not whole rows of ${inputs}`);
      const count = x.length / inputs;
      if (first + count > rows) throw new InputError(`${WHAT}: the pass yields more than the source's ${rows} rows (a piece at row ${first} holds ${count})`);
      for (let r = 0; r < count; r += chunkRows) {
        const n = Math.min(chunkRows, count - r);
        yield { x: x.subarray(r * inputs, (r + n) * inputs), first: first + r, count: n };
      }
      first += count;
    }
    if (first !== rows) throw new InputError(`${WHAT}: the pass ended after ${first} rows, the source has ${rows}`);
  };
}
