// Loads IDX files and MNIST-style datasets (plain or gzip) from disk. Memory per file: the
// decompressed bytes plus the Float32 images; labels stay a view on their file's bytes.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataFormatError } from '../errors.js';
import { idxImagesToFloat32, idxLabels, parseIdx, type IdxFile } from '../data/idx.js';
import type { Dataset, DatasetSplits } from '../types.js';
import { readFileChecked } from './atomic.js';

/** Cap on the decompressed size of one file: a gzip bomb fails fast instead of exhausting memory. */
export const IDX_MAX_DECOMPRESSED = 2 ** 31;

/** Where Debian's `dataset-fashion-mnist` package installs the dataset (per `dpkg -L`). */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';


/** Reads and parses one IDX file; gzip is recognised by its signature 1f 8b, not the name.
 * `maxDecompressed` bounds the inflated size (default 2 GiB). */
export function loadIdxFile(path: string, maxDecompressed = IDX_MAX_DECOMPRESSED): IdxFile {
  const raw = readFileChecked(path, 'data');
  let bytes = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      const out = gunzipSync(raw, { maxOutputLength: maxDecompressed });
      bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const msg = code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError
        ? `gzip file ${path} decompresses to more than ${maxDecompressed} bytes`
        : `gzip file ${path} is corrupt or truncated: ${e instanceof Error ? e.message : String(e)}`;
      throw new DataFormatError(msg, { file: path });
    }
  }
  return parseIdx(bytes, path);
}

const STEMS = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
};

function findFile(dir: string, stems: string[]): string | null {
  for (const stem of stems) {
    for (const name of [stem, stem + '.gz']) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

/** x (n, features) in [0, 1], y (n) class indices (a view on the label file's bytes). */
function loadSplit(imagesPath: string, labelsPath: string): { split: Dataset<Uint8Array>; maxLabel: number } {
  const images = idxImagesToFloat32(loadIdxFile(imagesPath), imagesPath);
  const y = idxLabels(loadIdxFile(labelsPath), labelsPath);
  if (y.length !== images.n) {
    throw new DataFormatError(
      `image and label counts differ: ${imagesPath} has ${images.n} images, ${labelsPath} has ${y.length} labels`,
      { file: labelsPath, offset: 4 },
    );
  }
  let maxLabel = -1;
  for (let i = 0; i < y.length; i++) if (y[i] > maxLabel) maxLabel = y[i];
  return { split: { x: images.x, y, n: images.n, features: images.features }, maxLabel };
}

/** Loads the four standard MNIST-layout files from `dir` (each plain or .gz). The t10k pair is
 * optional; if one of its two files is present, the other must be too. Named `IDX <dir>`;
 * classes is the largest label over train and test + 1. */
export function loadIdxDataset(dir: string): DatasetSplits<Uint8Array> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DataFormatError(`dataset folder not found: ${dir}`, { file: dir });
  }
  const trainImages = findFile(dir, STEMS.trainImages);
  const trainLabels = findFile(dir, STEMS.trainLabels);
  if (trainImages === null || trainLabels === null) {
    const missing = trainImages === null ? STEMS.trainImages[0] : STEMS.trainLabels[0];
    throw new DataFormatError(`${dir}: missing ${missing} (or ${missing}.gz): an IDX dataset folder needs the train images and labels`, { file: join(dir, missing) });
  }
  const train = loadSplit(trainImages, trainLabels);
  if (train.split.n === 0) {
    throw new DataFormatError(`${trainImages}: the training set has 0 images`, { file: trainImages, offset: 4 });
  }
  const testImages = findFile(dir, STEMS.testImages);
  const testLabels = findFile(dir, STEMS.testLabels);
  let test: Dataset<Uint8Array> | null = null;
  let maxLabel = train.maxLabel;
  if (testImages !== null || testLabels !== null) {
    if (testImages === null || testLabels === null) {
      const missing = testImages === null ? STEMS.testImages[0] : STEMS.testLabels[0];
      const present = (testImages ?? testLabels) as string;
      throw new DataFormatError(`${dir}: found ${present} but not ${missing} (or ${missing}.gz): the test images and labels come in pairs`, { file: join(dir, missing) });
    }
    const t = loadSplit(testImages, testLabels);
    if (t.split.features !== train.split.features) {
      throw new DataFormatError(
        `feature counts differ: ${trainImages} has ${train.split.features} features per image, ${testImages} has ${t.split.features}`,
        { file: testImages, offset: 8 },
      );
    }
    test = t.split;
    maxLabel = Math.max(maxLabel, t.maxLabel);
  }
  return { name: `IDX ${dir}`, train: train.split, test, features: train.split.features, classes: maxLabel + 1 };
}

/** The Fashion-MNIST folder installed by Debian's `dataset-fashion-mnist`, or null if absent. */
export function findFashionMnistDir(): string | null {
  return findFile(DEBIAN_FASHION_MNIST_DIR, STEMS.trainImages) !== null ? DEBIAN_FASHION_MNIST_DIR : null;
}
