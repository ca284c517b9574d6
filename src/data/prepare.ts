// The training view of a dataset: a seeded validation split held out of the training data, and a
// normaliser fitted on what is left for training, applied to every part; and the model's view of
// inputs to predict or evaluate. Pure (no Node built-ins). x is always (n, features) row-major.

import { InputError } from '../errors.js';
import type { Dataset, DatasetSplits, Normalizer, NormalizerKind, Targets } from '../types.js';
import { applyNormalizer, fitNormalizer } from './normalize.js';
import { splitValidation } from './split.js';

/** The parts a training run uses; each x is a copy, normalised where a normaliser is set. */
export interface TrainingSplits<Y extends Targets = Targets> {
  train: Dataset<Y>;
  /** held out of the training data (null without a validation fraction) */
  validation: Dataset<Y> | null;
  test: Dataset<Y> | null;
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
export function prepareTraining<Y extends Targets>(data: Pick<DatasetSplits<Y>, 'train' | 'test'>, opts: PrepareOptions): TrainingSplits<Y> {
  let train: Dataset<Y>;
  let validation: Dataset<Y> | null = null;
  if (opts.validation !== undefined) {
    ({ train, validation } = splitValidation(data.train, opts.validation, opts.seed));
  } else {
    train = { ...data.train, x: data.train.x.slice() };
  }
  const test = data.test ? { ...data.test, x: data.test.x.slice() } : null;
  const features = train.features;
  const normalizer = opts.given ?? (opts.normalize === 'none' ? undefined : fitNormalizer(train.x, train.n, features, opts.normalize));
  if (normalizer) for (const part of [train, validation, test]) if (part) applyNormalizer(part.x, part.n, features, normalizer);
  return normalizer ? { train, validation, test, normalizer } : { train, validation, test };
}

/** x as the model takes it: the feature count checked against the model's inputs, and the
 * model's normaliser applied to a copy. `what` names the data in the error. */
export function modelInputs(x: Float32Array, n: number, features: number, inputs: number, normalizer: Normalizer | undefined, what: string): Float32Array {
  if (features !== inputs) throw new InputError(`${what} has ${features} features per sample; the model expects ${inputs}`);
  if (!normalizer) return x;
  const out = x.slice();
  applyNormalizer(out, n, features, normalizer);
  return out;
}
