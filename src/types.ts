// Public types shared by the network, the model files, the exporters and the reports.
// Notation follows the seed chapter: layer l maps A[l-1] (n_in) to A[l] (n_out) with
// Z = W·A + B, W of shape (n_out, n_in) stored row-major, B of shape (n_out).

// The names (Hidden, Output, OptimizerName, BackendName, NormalizerKind) live in vocabulary.ts.

import type { Hidden, NormalizerKind, OptimizerName, Output } from './vocabulary.js';
export type { BackendName, Hidden, NormalizerKind, OptimizerName, Output } from './vocabulary.js';

export interface OptimizerConfig {
  name: OptimizerName;
  learningRate: number;
  /** momentum coefficient (momentum), default 0.9 */
  momentum?: number;
  /** Adam's beta1, beta2 and epsilon, defaults 0.9, 0.999, 1e-8 */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** decoupled weight decay (AdamW style: p -= lr * weightDecay * p), applied to weights only; default 0 */
  weightDecay?: number;
}

/** The architecture: everything needed to rebuild a network besides its parameters. */
export interface Architecture {
  /** sizes of every layer, input first, output last, e.g. [784, 128, 10] */
  layers: number[];
  hidden: Hidden;
  output: Output;
}

/** Parameters in the documented layout: weights[l] is (layers[l+1], layers[l]) row-major,
 * biases[l] is (layers[l+1]). */
export interface Parameters {
  weights: Float32Array[];
  biases: Float32Array[];
}

/** Per-feature input transform saved with a model so that prediction applies the same one:
 * x' = (x - offset[i]) * scale[i]. */
export interface Normalizer {
  kind: NormalizerKind;
  offset: Float32Array;
  scale: Float32Array;
}

/** Features kept as bytes (IDX images; a browser's ImageData pixels as Uint8ClampedArray): feature
 * j of a sample is f32(byte / divisor), then, with a normalizer, f32((v − offset[j]) · scale[j]) —
 * to the bit what widening the bytes to a Float32Array and normalising it would give, without the
 * four-times-larger copy: the gather widens each batch's rows (src/data/bytes.ts). */
export interface ByteFeatures {
  /** (n, features) row-major, one byte per feature */
  bytes: Uint8Array | Uint8ClampedArray;
  /** 255 maps pixels to [0, 1]; a positive float32 value */
  divisor: number;
  /** applied after the division (prepareTraining sets it rather than copying the data) */
  normalizer?: Normalizer;
}

/** A model's inputs: float32 values, or bytes with their divisor (ByteFeatures). */
export type Features = Float32Array | ByteFeatures;

/** Labels or targets: class indices (Uint8Array, Int32Array), or float targets. */
export type Targets = Uint8Array | Int32Array | Float32Array;

/** A dataset, as every reader (IDX, CSV, the embedded digits), split and loader returns it:
 * x is (n, features) row-major; y holds n class indices, or n × targetWidth float targets. */
export interface Dataset<Y extends Targets = Targets, X extends Features = Float32Array> {
  x: X;
  y: Y;
  n: number;
  features: number;
  /** values of y per sample; absent means 1 (class labels) */
  targetWidth?: number;
}

/** A named dataset with its fixed train / test split (test is null where the source has none). */
export interface DatasetSplits<Y extends Targets = Targets, X extends Features = Float32Array> {
  name: string;
  train: Dataset<Y, X>;
  test: Dataset<Y, X> | null;
  features: number;
  /** label values 0 … classes − 1 */
  classes: number;
}
