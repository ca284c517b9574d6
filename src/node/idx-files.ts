// Loads IDX files and MNIST-style datasets (plain or gzip) from disk. Memory per file: the
// decompressed bytes plus the Float32 images; labels stay a view on their file's bytes. The byte
// form (loadIdxDatasetBytes) keeps the images as the file's bytes and inflates gzip as a stream
// into one buffer of the size the IDX header announces: one copy of the pixels in all.

import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { DataFormatError } from '../errors.js';
import { hasGzipSignature, idxAnnouncedBytes, idxImagesAsBytes, idxImagesToFloat32, idxLabels, parseIdx, type IdxFile } from '../data/idx.js';
import type { ByteFeatures, Dataset, DatasetSplits, Features } from '../types.js';
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
  if (hasGzipSignature(raw)) {
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

/** Reads and parses one IDX file like loadIdxFile, but gzip is inflated as a stream straight into
 * a buffer of the size the header announces: neither the whole compressed file nor a second
 * buffer is held. Errors are loadIdxFile's, plus a file that inflates past its announced size. */
export async function loadIdxFileStreaming(path: string, maxDecompressed = IDX_MAX_DECOMPRESSED): Promise<IdxFile> {
  if (!isGzip(path)) return parseIdx(readFileChecked(path, 'data'), path);
  let head = new Uint8Array(0); // the decompressed bytes until the header is complete
  let out: Uint8Array | null = null, at = 0;
  // the consumer's own error (pipeline rejects with an AbortError in its place)
  let failure: DataFormatError | null = null;
  const fail = (msg: string, offset?: number): DataFormatError => (failure = new DataFormatError(msg, offset === undefined ? { file: path } : { file: path, offset }));
  const tooLarge = () => fail(`gzip file ${path} decompresses to more than ${maxDecompressed} bytes`);
  try {
    await pipeline(createReadStream(path), createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
      for await (const c of chunks) {
        if (out) {
          if (at + c.length > out.length) {
            throw fail(`gzip file ${path} decompresses to more than the ${out.length} bytes its IDX header announces`, out.length);
          }
          out.set(c, at); at += c.length;
          continue;
        }
        if (head.length + c.length > maxDecompressed) throw tooLarge();
        const joined = new Uint8Array(head.length + c.length);
        joined.set(head); joined.set(c, head.length);
        head = joined;
        const size = idxAnnouncedBytes(head);
        if (size === null) continue; // header incomplete, or not IDX (parseIdx says why at the end)
        if (size > maxDecompressed) throw tooLarge();
        if (head.length > size) {
          throw fail(`gzip file ${path} decompresses to more than the ${size} bytes its IDX header announces`, size);
        }
        out = new Uint8Array(size);
        out.set(head); at = head.length;
        head = new Uint8Array(0);
      }
    });
  } catch (e) {
    if (failure) throw failure;
    const code = (e as NodeJS.ErrnoException).code;
    const msg = code === 'ENOENT' ? `file not found: ${path}` : `gzip file ${path} is corrupt or truncated: ${e instanceof Error ? e.message : String(e)}`;
    throw new DataFormatError(msg, { file: path });
  }
  // short of the announced size, or no IDX header: parseIdx names the problem and its offset
  const o = out as Uint8Array | null; // assigned inside the consumer
  return parseIdx(o ? (at === o.length ? o : o.subarray(0, at)) : head, path);
}

/** Whether the file starts with the gzip signature 1f 8b (a missing file reads as not gzip: the
 * plain read then names it). */
function isGzip(path: string): boolean {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return false; }
  try {
    const sig = new Uint8Array(2);
    return readSync(fd, sig, 0, 2, 0) === 2 && hasGzipSignature(sig);
  } finally { closeSync(fd); }
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

type Images<X extends Features> = { x: X; n: number; features: number };

/** x (n, features) in [0, 1], y (n) class indices (a view on the label file's bytes). */
function joinSplit<X extends Features>(images: Images<X>, y: Uint8Array, imagesPath: string, labelsPath: string): { split: Dataset<Uint8Array, X>; maxLabel: number } {
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

/** The dataset's files in `dir`: train images and labels, and the optional t10k pair. */
export function idxDatasetFiles(dir: string): { trainImages: string; trainLabels: string; test: null | { images: string; labels: string } } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DataFormatError(`dataset folder not found: ${dir}`, { file: dir });
  }
  const trainImages = findFile(dir, STEMS.trainImages);
  const trainLabels = findFile(dir, STEMS.trainLabels);
  if (trainImages === null || trainLabels === null) {
    const missing = trainImages === null ? STEMS.trainImages[0] : STEMS.trainLabels[0];
    throw new DataFormatError(`${dir}: missing ${missing} (or ${missing}.gz): an IDX dataset folder needs the train images and labels`, { file: join(dir, missing) });
  }
  const testImages = findFile(dir, STEMS.testImages);
  const testLabels = findFile(dir, STEMS.testLabels);
  if (testImages === null && testLabels === null) return { trainImages, trainLabels, test: null };
  if (testImages === null || testLabels === null) {
    const missing = testImages === null ? STEMS.testImages[0] : STEMS.testLabels[0];
    const present = (testImages ?? testLabels) as string;
    throw new DataFormatError(`${dir}: found ${present} but not ${missing} (or ${missing}.gz): the test images and labels come in pairs`, { file: join(dir, missing) });
  }
  return { trainImages, trainLabels, test: { images: testImages, labels: testLabels } };
}

/** The splits checked against each other: a non-empty training set, the same features in both. */
function joinDataset<X extends Features>(
  dir: string, files: ReturnType<typeof idxDatasetFiles>,
  train: { split: Dataset<Uint8Array, X>; maxLabel: number }, t: { split: Dataset<Uint8Array, X>; maxLabel: number } | null,
): DatasetSplits<Uint8Array, X> {
  if (train.split.n === 0) {
    throw new DataFormatError(`${files.trainImages}: the training set has 0 images`, { file: files.trainImages, offset: 4 });
  }
  let maxLabel = train.maxLabel;
  if (t) {
    if (t.split.features !== train.split.features) {
      throw new DataFormatError(
        `feature counts differ: ${files.trainImages} has ${train.split.features} features per image, ${files.test!.images} has ${t.split.features}`,
        { file: files.test!.images, offset: 8 },
      );
    }
    maxLabel = Math.max(maxLabel, t.maxLabel);
  }
  return { name: `IDX ${dir}`, train: train.split, test: t ? t.split : null, features: train.split.features, classes: maxLabel + 1 };
}

/** One split (images and labels files) with the images as bytes, and its largest label. */
export async function loadIdxSplitBytes(images: string, labels: string): Promise<{ split: Dataset<Uint8Array, ByteFeatures>; maxLabel: number }> {
  return joinSplit(idxImagesAsBytes(await loadIdxFileStreaming(images), images), idxLabels(await loadIdxFileStreaming(labels), labels), images, labels);
}

/** Loads the four standard MNIST-layout files from `dir` (each plain or .gz). The t10k pair is
 * optional; if one of its two files is present, the other must be too. Named `IDX <dir>`;
 * classes is the largest label over train and test + 1. */
export function loadIdxDataset(dir: string): DatasetSplits<Uint8Array> {
  const files = idxDatasetFiles(dir);
  const split = (images: string, labels: string) =>
    joinSplit(idxImagesToFloat32(loadIdxFile(images), images), idxLabels(loadIdxFile(labels), labels), images, labels);
  const train = split(files.trainImages, files.trainLabels);
  if (train.split.n === 0) return joinDataset(dir, files, train, null); // throws: checked before the test files are read
  return joinDataset(dir, files, train, files.test ? split(files.test.images, files.test.labels) : null);
}

/** loadIdxDataset with the images kept as bytes (ByteFeatures, divisor 255: the same values once
 * widened) and gzip inflated as a stream (loadIdxFileStreaming): the pixels are held once, as
 * bytes, instead of as bytes and float32 widened from them. */
export async function loadIdxDatasetBytes(dir: string): Promise<DatasetSplits<Uint8Array, ByteFeatures>> {
  const files = idxDatasetFiles(dir);
  const train = await loadIdxSplitBytes(files.trainImages, files.trainLabels);
  if (train.split.n === 0) return joinDataset(dir, files, train, null);
  return joinDataset(dir, files, train, files.test ? await loadIdxSplitBytes(files.test.images, files.test.labels) : null);
}

/** The Fashion-MNIST folder installed by Debian's `dataset-fashion-mnist`, or null if absent. */
export function findFashionMnistDir(): string | null {
  return findFile(DEBIAN_FASHION_MNIST_DIR, STEMS.trainImages) !== null ? DEBIAN_FASHION_MNIST_DIR : null;
}
