// Output heads: the output activation with its loss, chosen once per network. Each head knows its
// kernels (forward with the summed loss, the gradient of the batch-mean loss, the correct count),
// how targets are stored in the arena, and what its losses average over.
//   softmax  categorical cross-entropy; targets: one i32 label per sample; mean over samples
//   sigmoid  binary cross-entropy;      targets: n_L floats in [0,1];   mean over samples × outputs
//   linear   mean squared error;        targets: n_L floats;            mean over samples × outputs

import type { Kernels } from '../backend/kernels.js';
import type { Output } from '../vocabulary.js';
import { checkLabels, checkTargets } from '../validate.js';

export interface OutputHead {
  readonly name: Output;
  /** false for a linear output: accuracy is null */
  readonly hasAccuracy: boolean;
  /** targets are i32 class labels (one per sample), not f32 values */
  readonly labels: boolean;
  /** values per sample in the targets block: 1 (an i32 label) or N (f32 targets) */
  targetWidth(N: number): number;
  /** terms the summed loss (and the correct count) run over, for n samples of N outputs */
  terms(n: number, N: number): number;
  /** y checked against n samples of N outputs: Int32Array labels or Float32Array targets */
  checkTargets(y: unknown, n: number, N: number, what: string): Int32Array | Float32Array;
  /** A (B,N): logits in, outputs out (in place); T (B targets) or 0; returns the summed loss */
  forward(k: Kernels, A: number, T: number, B: number, N: number): number;
  /** dZ (B,N) = gradient of the batch-mean loss with respect to the logits, from A (B,N) and T */
  delta(k: Kernels, dZ: number, A: number, T: number, B: number, N: number): void;
  /** correct predictions in A (B,N) against T */
  correct(k: Kernels, A: number, T: number, B: number, N: number): number;
}

export const HEADS: Record<Output, OutputHead> = {
  softmax: {
    name: 'softmax', hasAccuracy: true, labels: true,
    targetWidth: () => 1,
    terms: (n) => n,
    checkTargets: (y, n, N, what) => checkLabels(y, n, N, what),
    forward: (k, A, T, B, N) => k.softmax_xent_forward(A, A, T, B, N),
    delta: (k, dZ, A, T, B, N) => k.softmax_xent_backward(dZ, A, T, B, N, 1 / B),
    correct: (k, A, T, B, N) => k.count_correct_argmax(A, T, B, N),
  },
  sigmoid: {
    name: 'sigmoid', hasAccuracy: true, labels: false,
    targetWidth: (N) => N,
    terms: (n, N) => n * N,
    checkTargets: (y, n, N, what) => checkTargets(y, n, N, true, what),
    forward: (k, A, T, B, N) => k.sigmoid_bce_forward(A, A, T, B, N),
    delta: (k, dZ, A, T, B, N) => k.sigmoid_bce_backward(dZ, A, T, B, N, 1 / (B * N)),
    correct: (k, A, T, B, N) => k.count_correct_binary(A, T, B, N),
  },
  linear: {
    name: 'linear', hasAccuracy: false, labels: false,
    targetWidth: (N) => N,
    terms: (n, N) => n * N,
    checkTargets: (y, n, N, what) => checkTargets(y, n, N, false, what),
    forward: (k, A, T, B, N) => k.mse_forward(A, A, T, B, N),
    delta: (k, dZ, A, T, B, N) => k.mse_backward(dZ, A, T, B, N, 1 / (B * N)),
    correct: () => 0,
  },
};
