// The training view of a dataset: a seeded validation split held out of the training data, and a
// normaliser fitted on what is left for training, applied to every part; and the model's view of
// inputs to predict or evaluate. Pure (no Node built-ins). x is always (n, features) row-major.

import { InputError } from '../errors.js';
import type { Dataset, DatasetSplits, Features, Normalizer, NormalizerKind, Targets } from '../types.js';
import { applyNormalizer, fitNormalizer } from './normalize.js';
import { splitValidation } from './split.js';

/** The parts a training run uses; each float x is a copy, normalised where a normaliser is set;
 * byte features are not copied (nothing writes to them) and carry the normaliser instead. */
export interface TrainingSplits<Y extends Targets = Targets, X extends Features = Float32Array> {
  train: Dataset<Y, X>;
  /** held out of the training data (null without a validation fraction) */
  validation: Dataset<Y, X> | null;
  test: Dataset<Y, X> | null;
  normalizer?: Normalizer;
}

export interface PrepareOptions {
  /** fraction of the training data held out for validation, in (0, 1) */
  validation?: number;
  /** seeds the validation split */
  seed: number;
  normalize: NormalizerKind | 'none';
  /** a normaliser to apply instead of fitting one (a resumed run reuses its checkpoint's) */
  given?: Normalizer;
}

/** Holds out the validation fraction (seeded), then fits the normaliser on what is left for
 * training — or applies `given` — to every part. The input arrays are not modified. */
export function prepareTraining<Y extends Targets, X extends Features = Float32Array>(data: Pick<DatasetSplits<Y, X>, 'train' | 'test'>, opts: PrepareOptions): TrainingSplits<Y, X> {
  const copy = (x: X): X => (x instanceof Float32Array ? x.slice() : { ...x }) as X;
  let train: Dataset<Y, X>;
  let validation: Dataset<Y, X> | null = null;
  if (opts.validation !== undefined) {
    ({ train, validation } = splitValidation(data.train, opts.validation, opts.seed));
  } else {
    train = { ...data.train, x: copy(data.train.x) };
  }
  const test = data.test ? { ...data.test, x: copy(data.test.x) } : null;
  const features = train.features;
  const normalizer = opts.given ?? (opts.normalize === 'none' ? undefined : fitNormalizer(train.x, train.n, features, opts.normalize));
  if (normalizer) {
    for (const part of [train, validation, test]) {
      if (!part) continue;
      if (part.x instanceof Float32Array) applyNormalizer(part.x, part.n, features, normalizer);
      else part.x.normalizer = normalizer;
    }
  }
  return normalizer ? { train, validation, test, normalizer } : { train, validation, test };
}

/** x as the model takes it: the feature count checked against the model's inputs, and the
 * model's normaliser applied to a copy (byte features carry it instead). `what` names the data in the error. */
export function modelInputs<X extends Features>(x: X, n: number, features: number, inputs: number, normalizer: Normalizer | undefined, what: string): X {
  if (features !== inputs) throw new InputError(`${what} has ${features} features per sample; the model expects ${inputs}`);
  if (!normalizer) return x;
  if (!(x instanceof Float32Array)) return { ...x, normalizer } as X;
  const out = x.slice();
  applyNormalizer(out, n, features, normalizer);
  return out as X;
}
