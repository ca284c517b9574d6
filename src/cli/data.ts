// Dataset resolution for the CLI: `--dataset` names the embedded digits (default, or 'digits'), an
// IDX folder (MNIST layout, e.g. Fashion-MNIST; 'fashion-mnist' finds the Debian package's copy) or
// a CSV file (features + one integer label column). x is always (n, features) row-major, y (n)
// class indices. IDX images stay bytes (ByteFeatures, widened where a batch is gathered); the digits
// and CSV values are float32 (an 8-bit CSV too: its text gives no divisor to widen by). What training does with it (validation split, normaliser) is data/prepare.ts.
// For a streamed run, an IDX training set is opened as a DataSource instead (openTrainingSource):
// its images are never loaded whole.

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataFormatError } from '../errors.js';
import type { ByteFeatures, Dataset, DatasetSplits, Features } from '../types.js';
import type { DataSource } from '../data/source.js';
import { idxLabels } from '../data/idx.js';
import { loadDigits } from '../node/digits.js';
import {
  loadIdxDatasetBytes, findFashionMnistDir, DEBIAN_FASHION_MNIST_DIR, idxDatasetFiles, loadIdxFileStreaming, loadIdxSplitBytes,
} from '../node/idx-files.js';
import { readFileChecked } from '../node/atomic.js';
import { parseCsv } from '../data/csv.js';
import { UsageError } from './args.js';

export type DatasetKind = 'digits' | 'idx' | 'csv';

/** A dataset as `--dataset` names it; `name` is shown to the user and stored with models. */
export interface LoadedData extends DatasetSplits<Uint8Array | Int32Array, Features> {
  /** 'digits', or the absolute path of the IDX folder or CSV file: enough to load it again */
  source: string;
  kind: DatasetKind;
  featureNames?: string[];
}

/** Where `--dataset` points: 'digits', an absolute folder (IDX) or file (CSV). */
export function resolveDatasetSource(spec: string | undefined): { kind: DatasetKind; source: string } {
  if (spec === undefined || spec === 'digits') return { kind: 'digits', source: 'digits' };
  if (!existsSync(spec)) {
    if (spec === 'fashion-mnist') {
      const dir = findFashionMnistDir();
      if (dir === null) throw new DataFormatError(`Fashion-MNIST is not installed in ${DEBIAN_FASHION_MNIST_DIR}: apt-get install dataset-fashion-mnist, or pass its folder`);
      return { kind: 'idx', source: dir };
    }
    throw new DataFormatError(`dataset not found: ${spec} (expected 'digits', an IDX folder or a .csv file)`, { file: spec });
  }
  const abs = resolve(spec);
  return statSync(abs).isDirectory() ? { kind: 'idx', source: abs } : { kind: 'csv', source: abs };
}

const checkLabelColumn = (kind: DatasetKind, labelColumn: unknown): void => {
  if (labelColumn !== undefined && kind !== 'csv') throw new UsageError('--label-column applies to CSV datasets only');
};

export async function loadDataset(spec: string | undefined, opts: { labelColumn?: string | number } = {}): Promise<LoadedData> {
  const { kind, source } = resolveDatasetSource(spec);
  checkLabelColumn(kind, opts.labelColumn);
  if (kind === 'digits') return { ...loadDigits(), source, kind };
  if (kind === 'idx') return { ...(await loadIdxDatasetBytes(source)), source, kind };
  const text = new TextDecoder('utf-8').decode(readFileChecked(source, 'data'));
  const d = parseCsv(text, { file: source, labelColumn: opts.labelColumn });
  return {
    name: `CSV ${source}`, source, kind, features: d.features, classes: d.classes,
    train: { x: d.x, y: d.y, n: d.n, features: d.features }, test: null, featureNames: d.featureNames,
  };
}

/** Opens an IDX training set (images file, labels file) as a source: idxFileSource from
 * node/idx-source.ts, or a stand-in. */
export type IdxSourceOpener = (imagesPath: string, labelsPath: string) => Promise<DataSource>;

/** An IDX dataset whose training split is a source; the test split (small) is loaded as bytes. */
export interface SourcedData {
  name: string;
  /** the absolute path of the IDX folder */
  source: string;
  kind: 'idx';
  features: number;
  /** the largest label over train and test + 1 */
  classes: number;
  train: DataSource;
  /** the training labels (a byte each: small beside the images), for the class checks */
  labels: Uint8Array;
  test: Dataset<Uint8Array, ByteFeatures> | null;
}

/** The training set `--dataset` names as a DataSource, for a streamed run (--max-memory); null when
 * it is not an IDX dataset (the digits, a CSV file: load them with loadDataset). The train labels
 * (a byte per sample) are read once to count the classes; the images only through the source.
 * The source is closed again if the dataset is refused. */
export async function openTrainingSource(spec: string | undefined, open: IdxSourceOpener, opts: { labelColumn?: string | number } = {}): Promise<SourcedData | null> {
  const { kind, source: dir } = resolveDatasetSource(spec);
  checkLabelColumn(kind, opts.labelColumn);
  if (kind !== 'idx') return null;
  const files = idxDatasetFiles(dir);
  const labels = idxLabels(await loadIdxFileStreaming(files.trainLabels), files.trainLabels);
  const test = files.test ? await loadIdxSplitBytes(files.test.images, files.test.labels) : null;
  const train = await open(files.trainImages, files.trainLabels);
  try {
    if (train.rows === 0) throw new DataFormatError(`${files.trainImages}: the training set has 0 images`, { file: files.trainImages, offset: 4 });
    if (labels.length !== train.rows) {
      throw new DataFormatError(`image and label counts differ: ${files.trainImages} has ${train.rows} images, ${files.trainLabels} has ${labels.length} labels`, { file: files.trainLabels, offset: 4 });
    }
    if (test && test.split.features !== train.inputs) {
      throw new DataFormatError(`feature counts differ: ${files.trainImages} has ${train.inputs} features per image, ${files.test!.images} has ${test.split.features}`, { file: files.test!.images, offset: 8 });
    }
  } catch (e) {
    await train.close?.();
    throw e;
  }
  let maxLabel = test?.maxLabel ?? -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
  return { name: `IDX ${dir}`, source: dir, kind, features: train.inputs, classes: maxLabel + 1, train, labels, test: test?.split ?? null };
}
