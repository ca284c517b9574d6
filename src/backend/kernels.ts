// The kernel interface every backend implements: the wasm ABI (assembly/index.ts, docs/ABI.md),
// byte offsets into the backend's memory, plus the few things the host needs to manage that memory.
// The pure-TS backend implements the same functions over an ArrayBuffer, so the network code above
// this line is the same for every backend.

import type { BackendName } from '../types.js';

/** How a backend stores W (N,K): the documented row-major layout, or panels of 8 outputs. */
export type WeightLayout = 'rowmajor' | 'packed8';

export const ACT = { identity: 0, relu: 1, leaky_relu: 2, sigmoid: 3, tanh: 4 } as const;

export interface Kernels {
  readonly name: BackendName;
  readonly weightLayout: WeightLayout;
  /** First byte the arena may use. */
  readonly arenaBase: number;
  /** The backing store; replaced when memory grows, so never cache it across a grow. */
  buffer(): ArrayBuffer;
  /** Grows memory to at least `bytes`. Contents are kept. */
  ensureBytes(bytes: number): void;

  /** scratch: B·K floats the kernel may overwrite (its input rows, interleaved) */
  dense_forward(A: number, X: number, W: number, bias: number, scratch: number, B: number, K: number, N: number, act: number): void;
  dense_backward_weights(dW: number, db: number, dZ: number, X: number, B: number, K: number, N: number): void;
  /** SGD fused into the weight gradient: W -= lr·(dZᵀ·X + wd·W), bias -= lr·Σ dZ; returns refused count */
  dense_backward_weights_sgd(W: number, bias: number, dZ: number, X: number, B: number, K: number, N: number, lr: number, wd: number): number;
  /** scratch: ceil(K/8)·8·N + B·N floats the kernel may overwrite */
  dense_backward_input(dX: number, dZ: number, W: number, Xa: number, scratch: number, B: number, K: number, N: number, act: number): void;
  activation_forward(out: number, inp: number, n: number, act: number): void;
  activation_backward(dZ: number, dA: number, A: number, n: number, act: number): void;
  softmax_xent_forward(P: number, Z: number, labels: number, B: number, N: number): number;
  softmax_xent_backward(dZ: number, P: number, labels: number, B: number, N: number, scale: number): void;
  sigmoid_bce_forward(P: number, Z: number, T: number, B: number, N: number): number;
  sigmoid_bce_backward(dZ: number, P: number, T: number, B: number, N: number, scale: number): void;
  mse_forward(P: number, Z: number, T: number, B: number, N: number): number;
  mse_backward(dZ: number, P: number, T: number, B: number, N: number, scale: number): void;
  count_correct_argmax(P: number, labels: number, B: number, N: number): number;
  count_correct_binary(P: number, T: number, B: number, N: number): number;
  sgd_update(P: number, G: number, n: number, nDecay: number, lr: number, wd: number): number;
  momentum_update(P: number, V: number, G: number, n: number, nDecay: number, lr: number, mu: number, wd: number): number;
  adam_update(P: number, M: number, V: number, G: number, n: number, nDecay: number, lr: number, b1: number, b2: number, eps: number, wd: number, bc1: number, bc2: number): number;
  gather_rows(dst: number, src: number, idx: number, count: number, cols: number): void;
  gather_i32(dst: number, src: number, idx: number, count: number): void;
}

/** Floats one weight matrix (N outputs, K inputs) occupies in a layout. */
export function weightFloats(layout: WeightLayout, N: number, K: number): number {
  return layout === 'packed8' ? Math.ceil(N / 8) * 8 * K : N * K;
}

/** Float index of W[o][k] inside a matrix stored in `layout`. */
export function weightIndex(layout: WeightLayout, o: number, k: number, K: number): number {
  return layout === 'packed8' ? ((o >> 3) * K + k) * 8 + (o & 7) : o * K + k;
}
