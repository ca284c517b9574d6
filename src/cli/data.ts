// Dataset resolution for the CLI: `--dataset` names the embedded digits (default, or 'digits'), an
// IDX folder (MNIST layout, e.g. Fashion-MNIST; 'fashion-mnist' finds the Debian package's copy) or
// a CSV file (features + one integer label column). x is always (n, features) row-major, y (n)
// class indices. IDX images stay bytes (ByteFeatures, widened where a batch is gathered); the digits
// and CSV values are float32 (an 8-bit CSV too: its text gives no divisor to widen by). What training does with it (validation split, normaliser) is data/prepare.ts.

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataFormatError } from '../errors.js';
import type { DatasetSplits, Features } from '../types.js';
import { loadDigits } from '../node/digits.js';
import { loadIdxDatasetBytes, findFashionMnistDir, DEBIAN_FASHION_MNIST_DIR } from '../node/idx-files.js';
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

export async function loadDataset(spec: string | undefined, opts: { labelColumn?: string | number } = {}): Promise<LoadedData> {
  const { kind, source } = resolveDatasetSource(spec);
  if (opts.labelColumn !== undefined && kind !== 'csv') throw new UsageError('--label-column applies to CSV datasets only');
  if (kind === 'digits') return { ...loadDigits(), source, kind };
  if (kind === 'idx') return { ...(await loadIdxDatasetBytes(source)), source, kind };
  const text = new TextDecoder('utf-8').decode(readFileChecked(source, 'data'));
  const d = parseCsv(text, { file: source, labelColumn: opts.labelColumn });
  return {
    name: `CSV ${source}`, source, kind, features: d.features, classes: d.classes,
    train: { x: d.x, y: d.y, n: d.n, features: d.features }, test: null, featureNames: d.featureNames,
  };
}
