// Seeded train/validation split. x is (n, features) row-major, y is (n, targetWidth) row-major
// (targetWidth 1 for class labels). The shuffle uses its own PRNG (mulberry32) so a seed gives
// the same split on every platform and independently of the rest of the code.

import { InputError } from '../errors.js';

type Targets = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | Int8Array | Uint16Array | Int16Array;

export interface SplitInput<Y extends Targets = Targets> {
  x: Float32Array;
  y: Y;
  n: number;
  features: number;
  /** values of y per sample, default 1 */
  targetWidth?: number;
}

export interface SplitPart<Y extends Targets = Targets> {
  x: Float32Array;
  y: Y;
  n: number;
  features: number;
  targetWidth: number;
}

/** mulberry32: 32-bit state, period 2^32, good enough to shuffle; returns uniform [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles the samples with `seed` and holds out round(n · fraction) of them (at least 1, and at
 * least 1 left for training). The input arrays are not modified. */
export function splitValidation<Y extends Targets>(data: SplitInput<Y>, fraction: number, seed: number): { train: SplitPart<Y>; validation: SplitPart<Y> } {
  const { x, y, n, features } = data;
  const width = data.targetWidth ?? 1;
  if (!(fraction > 0 && fraction < 1)) {
    throw new InputError(`splitValidation: fraction must be strictly between 0 and 1, found ${fraction}`);
  }
  if (!Number.isInteger(n) || !Number.isInteger(features) || features < 1 || !Number.isInteger(width) || width < 1) {
    throw new InputError(`splitValidation: expected integer n, features ≥ 1 and targetWidth ≥ 1, found n = ${n}, features = ${features}, targetWidth = ${width}`);
  }
  if (n < 2) throw new InputError(`splitValidation: needs at least 2 samples to leave both parts non-empty, found ${n}`);
  if (x.length !== n * features) {
    throw new InputError(`splitValidation: x has ${x.length} values, expected n × features = ${n} × ${features} = ${n * features}`);
  }
  if (y.length !== n * width) {
    throw new InputError(`splitValidation: y has ${y.length} values, expected n × targetWidth = ${n} × ${width} = ${n * width}`);
  }
  if (!Number.isFinite(seed)) throw new InputError(`splitValidation: seed must be a finite number, found ${seed}`);
  const nVal = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const Ctor = y.constructor as new (length: number) => Y;
  const take = (from: number, count: number): SplitPart<Y> => {
    const px = new Float32Array(count * features);
    const py = new Ctor(count * width);
    for (let k = 0; k < count; k++) {
      const s = order[from + k];
      px.set(x.subarray(s * features, (s + 1) * features), k * features);
      py.set(y.subarray(s * width, (s + 1) * width) as ArrayLike<number> & Y, k * width);
    }
    return { x: px, y: py, n: count, features, targetWidth: width };
  };
  return { validation: take(0, nVal), train: take(nVal, n - nVal) };
}
