// Per-feature input normalisation, fitted on training data and stored with the model.
// x is (n, features) row-major; the transform is x' = (x - offset[j]) * scale[j].
// Statistics accumulate in f64 so a million float32 samples do not lose precision.

import { InputError } from '../errors.js';
import type { ByteFeatures, Normalizer } from '../types.js';
import { widenRows } from './bytes.js';
import { checkDivisor } from '../validate.js';

function checkShape(x: { length: number }, n: number, features: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(features) || features < 1) {
    throw new InputError(`${what}: expected n ≥ 0 and features ≥ 1 integers, found n = ${n}, features = ${features}`);
  }
  if (x.length !== n * features) {
    throw new InputError(`${what}: x has ${x.length} values, expected n × features = ${n} × ${features} = ${n * features}`);
  }
}

/** Sample i's features as float32 values: a view of x, or byte features widened into one reused row
 * (the same values in the same order as the widened array would give; its normalizer is ignored). */
function rowsOf(x: Float32Array | ByteFeatures, features: number): (i: number) => Float32Array {
  if (x instanceof Float32Array) return (i) => x.subarray(i * features, (i + 1) * features);
  const row = new Float32Array(features);
  return (i) => { widenRows(row, 0, x.bytes, i * features, 1, features, x.divisor); return row; };
}

/** The index of the first value of x that is not finite, or -1. */
export function firstNonFinite(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}

/** fitNormalizer's statistics, fed one row at a time in the order of the set: one pass over the
 * rows for minmax, two for zscore (the mean, then the squared deviations: numerically safer than a
 * sum of squares). Whatever feeds it — the whole set in memory, or a source read in chunks — the
 * arithmetic and its order are the same, and so are the bits. Sums are f64. */
export class NormalizerFit {
  /** passes over the rows this kind needs */
  readonly passes: number;
  private pass = 0;
  private n = 0;
  private readonly a: Float64Array; // minmax: lows; zscore: sums, then means
  private readonly b: Float64Array; // minmax: highs; zscore: squared deviations

  constructor(readonly kind: 'minmax' | 'zscore', readonly features: number) {
    this.passes = kind === 'minmax' ? 1 : 2;
    this.a = new Float64Array(features).fill(kind === 'minmax' ? Infinity : 0);
    this.b = new Float64Array(features).fill(kind === 'minmax' ? -Infinity : 0);
  }

  /** One row of `features` float32 values (the current pass). */
  add(row: Float32Array): void {
    const { a, b, features } = this;
    if (this.kind === 'minmax') {
      for (let j = 0; j < features; j++) {
        const v = row[j];
        if (v < a[j]) a[j] = v;
        if (v > b[j]) b[j] = v;
      }
    } else if (this.pass === 0) {
      for (let j = 0; j < features; j++) a[j] += row[j];
    } else {
      for (let j = 0; j < features; j++) {
        const d = row[j] - a[j];
        b[j] += d * d;
      }
    }
    if (this.pass === 0) this.n++;
  }

  /** Ends a pass over every row (zscore: the sums become means). */
  endPass(): void {
    if (this.kind === 'zscore' && this.pass === 0) for (let j = 0; j < this.features; j++) this.a[j] /= this.n;
    this.pass++;
  }

  /** The normaliser, after `passes` passes. */
  result(): Normalizer {
    const { a, b, features, n } = this;
    const offset = new Float32Array(features);
    const scale = new Float32Array(features);
    for (let j = 0; j < features; j++) {
      offset[j] = a[j];
      // spread width → scale; 1 where the width is 0 or its reciprocal overflows f32
      const width = this.kind === 'minmax' ? b[j] - a[j] : Math.sqrt(b[j] / n);
      const s = Math.fround(1 / width);
      scale[j] = width > 0 && Number.isFinite(s) && s > 0 ? s : 1;
    }
    return { kind: this.kind, offset, scale };
  }
}

/** minmax maps the training range to [0, 1]; zscore to mean 0, (population) standard deviation 1.
 * A constant feature gets scale 1 (only the offset moves it), never a division by zero. Byte
 * features give the normaliser of their widened floats, to the bit. */
export function fitNormalizer(x: Float32Array | ByteFeatures, n: number, features: number, kind: 'minmax' | 'zscore'): Normalizer {
  checkShape(x instanceof Float32Array ? x : x.bytes, n, features, 'fitNormalizer');
  checkKind(kind, 'fitNormalizer');
  if (n < 1) throw new InputError('fitNormalizer: needs at least 1 sample, found 0');
  if (x instanceof Float32Array) {
    const i = firstNonFinite(x);
    if (i >= 0) throw new InputError(`fitNormalizer: x[${Math.floor(i / features)}][${i % features}] is ${x[i]}, expected a finite number`);
  } else checkDivisor(x.divisor, 'fitNormalizer: x');
  const rowAt = rowsOf(x, features);
  const fit = new NormalizerFit(kind, features);
  for (let pass = 0; pass < fit.passes; pass++) {
    for (let i = 0; i < n; i++) fit.add(rowAt(i));
    fit.endPass();
  }
  return fit.result();
}

export function checkKind(kind: unknown, what: string): void {
  if (kind !== 'minmax' && kind !== 'zscore') {
    throw new InputError(`${what}: unknown kind ${JSON.stringify(kind)}, expected "minmax" or "zscore"`);
  }
}

/** Applies `norm` to x in place. */
export function applyNormalizer(x: Float32Array, n: number, features: number, norm: Normalizer): void {
  checkShape(x, n, features, 'applyNormalizer');
  if (norm.offset.length !== features || norm.scale.length !== features) {
    throw new InputError(
      `applyNormalizer: the normalizer has ${norm.offset.length} offsets and ${norm.scale.length} scales, the data has ${features} features`,
    );
  }
  const { offset, scale } = norm;
  for (let i = 0; i < n; i++) {
    const row = i * features;
    for (let j = 0; j < features; j++) x[row + j] = (x[row + j] - offset[j]) * scale[j];
  }
}
