// Dataset resolution for the CLI: `--dataset` names the embedded digits (default, or 'digits'), an
// IDX folder (MNIST layout, e.g. Fashion-MNIST; 'fashion-mnist' finds the Debian package's copy) or
// a CSV file (features + one integer label column). Then the training view: a seeded validation
// split held out of the training data, and a normaliser fitted on the training split only and
// applied to every split. x is always (n, features) row-major, y (n) class indices.

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataFormatError, InputError } from '../errors.js';
import type { Normalizer } from '../types.js';
import { loadDigits } from '../node/digits.js';
import { loadIdxDataset, findFashionMnistDir, DEBIAN_FASHION_MNIST_DIR } from '../node/idx-files.js';
import { readFileChecked } from '../node/atomic.js';
import { parseCsv } from '../data/csv.js';
import { applyNormalizer, fitNormalizer } from '../data/normalize.js';
import { splitValidation } from '../data/split.js';
import { UsageError } from './args.js';

export interface LabeledData { x: Float32Array; y: Uint8Array | Int32Array; n: number }

export interface LoadedData {
  /** shown to the user and stored with models */
  name: string;
  /** 'digits', or the absolute path of the IDX folder or CSV file: enough to load it again */
  source: string;
  kind: 'digits' | 'idx' | 'csv';
  features: number;
  classes: number;
  train: LabeledData;
  test: LabeledData | null;
  featureNames?: string[];
}

export type NormalizeKind = 'none' | 'minmax' | 'zscore';

/** `--label-column`: a 0-based index when it is all digits, otherwise a header name. */
export function parseLabelColumn(s: string | undefined): string | number | undefined {
  if (s === undefined) return undefined;
  return /^\d+$/.test(s.trim()) ? Number(s.trim()) : s;
}

export function parseNormalize(s: string | undefined): NormalizeKind {
  const v = s ?? 'none';
  if (v !== 'none' && v !== 'minmax' && v !== 'zscore') throw new UsageError(`--normalize must be none, minmax or zscore; got '${v}'`);
  return v;
}

export function parseFraction(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const f = Number(s);
  if (s.trim() === '' || !(f > 0 && f < 1)) throw new UsageError(`--validation must be a fraction strictly between 0 and 1, e.g. 0.1; got '${s}'`);
  return f;
}

/** Where `--dataset` points: 'digits', an absolute folder (IDX) or file (CSV). */
export function resolveDatasetSource(spec: string | undefined): { kind: LoadedData['kind']; source: string } {
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

export function loadDataset(spec: string | undefined, opts: { labelColumn?: string | number } = {}): LoadedData {
  const { kind, source } = resolveDatasetSource(spec);
  if (opts.labelColumn !== undefined && kind !== 'csv') throw new UsageError('--label-column applies to CSV datasets only');
  if (kind === 'digits') {
    const d = loadDigits();
    return { name: d.name, source, kind, features: d.features, classes: d.classes, train: d.train, test: d.test };
  }
  if (kind === 'idx') {
    const d = loadIdxDataset(source);
    return { name: `IDX ${source}`, source, kind, features: d.features, classes: d.classes, train: d.train, test: d.test };
  }
  const text = new TextDecoder('utf-8').decode(readFileChecked(source, 'data'));
  const d = parseCsv(text, { file: source, labelColumn: opts.labelColumn });
  return {
    name: `CSV ${source}`, source, kind, features: d.features, classes: d.classes,
    train: { x: d.x, y: d.y, n: d.n }, test: null, featureNames: d.featureNames,
  };
}

export interface TrainingData {
  train: LabeledData;
  validation: LabeledData | null;
  test: LabeledData | null;
  normalizer?: Normalizer;
}

/** Holds out the validation fraction (seeded), then fits the normaliser on what is left for
 * training — or applies `given` (a resumed run reuses the checkpoint's) — to every split. */
export function prepareTraining(
  data: LoadedData,
  opts: { validation?: number; seed: number; normalize: NormalizeKind; given?: Normalizer },
): TrainingData {
  let train: LabeledData = data.train;
  let validation: LabeledData | null = null;
  if (opts.validation !== undefined) {
    const s = splitValidation({ x: data.train.x, y: data.train.y, n: data.train.n, features: data.features }, opts.validation, opts.seed);
    train = { x: s.train.x, y: s.train.y, n: s.train.n };
    validation = { x: s.validation.x, y: s.validation.y, n: s.validation.n };
  } else {
    train = { x: data.train.x.slice(), y: data.train.y, n: data.train.n };
  }
  const test = data.test ? { x: data.test.x.slice(), y: data.test.y, n: data.test.n } : null;
  const normalizer = opts.given ?? (opts.normalize === 'none' ? undefined : fitNormalizer(train.x, train.n, data.features, opts.normalize));
  if (normalizer) for (const part of [train, validation, test]) if (part) applyNormalizer(part.x, part.n, data.features, normalizer);
  return normalizer ? { train, validation, test, normalizer } : { train, validation, test };
}

/** Applies the model's normaliser to a copy of x, after checking the feature count. */
export function modelInputs(x: Float32Array, n: number, features: number, inputs: number, normalizer: Normalizer | undefined, what: string): Float32Array {
  if (features !== inputs) throw new InputError(`${what} has ${features} features per sample; the model expects ${inputs}`);
  if (!normalizer) return x;
  const out = x.slice();
  applyNormalizer(out, n, features, normalizer);
  return out;
}

