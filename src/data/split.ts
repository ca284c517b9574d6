// Seeded train/validation split. x is (n, features) row-major, y is (n, targetWidth) row-major
// (targetWidth 1 for class labels). The samples are permuted by the project's PRNG (Rng,
// xoshiro128**, the one that initialises and shuffles), so a seed gives the same split on every
// platform; the first round(n · fraction) of the permutation are held out.

import { InputError } from '../errors.js';
import { Rng } from '../rng.js';
import type { Dataset, Features, Targets } from '../types.js';

/** Shuffles the samples with `seed` and holds out round(n · fraction) of them (at least 1, and at
 * least 1 left for training). The input arrays are not modified. */
export function splitValidation<Y extends Targets, X extends Features = Float32Array>(data: Dataset<Y, X>, fraction: number, seed: number): { train: Dataset<Y, X>; validation: Dataset<Y, X> } {
  const { y, n, features } = data;
  // float32 values, or byte features (split as bytes, keeping their divisor and normalizer)
  const x: Float32Array | Uint8Array | Uint8ClampedArray = data.x instanceof Float32Array ? data.x : data.x.bytes;
  const XCtor = x.constructor as new (length: number) => typeof x;
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
  const order = Int32Array.from({ length: n }, (_, i) => i); // (n) sample indices, permuted below
  new Rng(seed).shuffle(order);
  const Ctor = y.constructor as new (length: number) => Y;
  const take = (from: number, count: number): Dataset<Y, X> => {
    const px = new XCtor(count * features); // (count, features)
    const py = new Ctor(count * width); // (count, width)
    for (let k = 0; k < count; k++) {
      const s = order[from + k];
      px.set(x.subarray(s * features, (s + 1) * features) as ArrayLike<number>, k * features);
      py.set(y.subarray(s * width, (s + 1) * width) as ArrayLike<number> & Y, k * width);
    }
    const xs = (data.x instanceof Float32Array ? px : { ...data.x, bytes: px }) as X;
    return { x: xs, y: py, n: count, features, targetWidth: width };
  };
  return { validation: take(0, nVal), train: take(nVal, n - nVal) };
}
