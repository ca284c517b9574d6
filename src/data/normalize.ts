// Per-feature input normalisation, fitted on training data and stored with the model.
// x is (n, features) row-major; the transform is x' = (x - offset[j]) * scale[j].
// Statistics accumulate in f64 so a million float32 samples do not lose precision.

import { InputError } from '../errors.js';
import type { ByteFeatures, Normalizer } from '../types.js';
import { widenRows } from './bytes.js';

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

/** minmax maps the training range to [0, 1]; zscore to mean 0, (population) standard deviation 1.
 * A constant feature gets scale 1 (only the offset moves it), never a division by zero. Byte
 * features give the normaliser of their widened floats, to the bit. */
export function fitNormalizer(x: Float32Array | ByteFeatures, n: number, features: number, kind: 'minmax' | 'zscore'): Normalizer {
  checkShape(x instanceof Float32Array ? x : x.bytes, n, features, 'fitNormalizer');
  if (kind !== 'minmax' && kind !== 'zscore') {
    throw new InputError(`fitNormalizer: unknown kind ${JSON.stringify(kind)}, expected "minmax" or "zscore"`);
  }
  if (n < 1) throw new InputError('fitNormalizer: needs at least 1 sample, found 0');
  if (x instanceof Float32Array) {
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) {
        throw new InputError(`fitNormalizer: x[${Math.floor(i / features)}][${i % features}] is ${x[i]}, expected a finite number`);
      }
    }
  } else if (!(x.divisor > 0 && Number.isFinite(x.divisor))) {
    throw new InputError(`fitNormalizer: the bytes' divisor is ${x.divisor}, expected a positive finite number`);
  }
  const rowAt = rowsOf(x, features);
  const offset = new Float32Array(features);
  const scale = new Float32Array(features);
  // Spread width → scale; falls back to 1 where the width is 0 or its reciprocal overflows f32.
  const setScale = (j: number, width: number): void => {
    const s = Math.fround(1 / width);
    scale[j] = width > 0 && Number.isFinite(s) && s > 0 ? s : 1;
  };
  if (kind === 'minmax') {
    const lo = new Float64Array(features).fill(Infinity);
    const hi = new Float64Array(features).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      const row = rowAt(i);
      for (let j = 0; j < features; j++) {
        const v = row[j];
        if (v < lo[j]) lo[j] = v;
        if (v > hi[j]) hi[j] = v;
      }
    }
    for (let j = 0; j < features; j++) {
      offset[j] = lo[j];
      setScale(j, hi[j] - lo[j]);
    }
  } else {
    // Two passes (mean, then squared deviations): numerically safer than sum of squares.
    const mean = new Float64Array(features);
    for (let i = 0; i < n; i++) {
      const row = rowAt(i);
      for (let j = 0; j < features; j++) mean[j] += row[j];
    }
    for (let j = 0; j < features; j++) mean[j] /= n;
    const m2 = new Float64Array(features);
    for (let i = 0; i < n; i++) {
      const row = rowAt(i);
      for (let j = 0; j < features; j++) {
        const d = row[j] - mean[j];
        m2[j] += d * d;
      }
    }
    for (let j = 0; j < features; j++) {
      offset[j] = mean[j];
      setScale(j, Math.sqrt(m2[j] / n));
    }
  }
  return { kind, offset, scale };
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
