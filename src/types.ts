// Public types shared by the network, the model files, the exporters and the reports.
// Notation follows the seed chapter: layer l maps A[l-1] (n_in) to A[l] (n_out) with
// Z = W·A + B, W of shape (n_out, n_in) stored row-major, B of shape (n_out).

export type Hidden = 'relu' | 'leaky_relu' | 'sigmoid' | 'tanh';
/** Output layer and its loss: softmax + categorical cross-entropy, sigmoid + binary
 * cross-entropy, linear + mean squared error. */
export type Output = 'softmax' | 'sigmoid' | 'linear';
export type BackendName = 'relaxed' | 'simd' | 'scalar' | 'js';
export type OptimizerName = 'sgd' | 'momentum' | 'adam';

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
  kind: 'minmax' | 'zscore';
  offset: Float32Array;
  scale: Float32Array;
}
