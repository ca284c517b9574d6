// The kernel interface every backend implements: the wasm ABI (assembly/index.ts, docs/ABI.md),
// byte offsets into the backend's memory, plus the few things the host needs to manage that memory.
// The pure-TS backend implements the same functions over an ArrayBuffer, so the network code above
// this interface is the same for every backend.
//
// Dimensions: B rows of the batch, K = n_in, N = n_out, n a flat element count. Every pointer is a
// byte offset; its shape is in the comment. W is (N, K) in the backend's weightLayout (layout.ts):
// packed8 for wasm, rowmajor for js; dW and every optimizer block use that same layout.

import type { BackendName } from '../vocabulary.js';
import type { WeightLayout } from './layout.js';
import type { EngineBinding } from './engine/wasm-engine.js';

export { ACT } from '../vocabulary.js';
export { weightFloats, weightIndex, type WeightLayout } from './layout.js';

export interface Kernels {
  readonly name: BackendName;
  readonly weightLayout: WeightLayout;
  /** First byte the arena may use. */
  readonly arenaBase: number;
  /** The backing store; replaced when memory grows, so never cache it across a grow. */
  buffer(): ArrayBuffer;
  /** Grows memory to at least `bytes`. Contents are kept. */
  ensureBytes(bytes: number): void;
  /** The training engine of a wasm binary (engine/wasm-engine.ts); the pure-JS backend has none
   * and runs the same jobs from the host (network/host-engine.ts). */
  readonly engine?: EngineBinding;
  /** Threads the kernels run on (the multi-core backend); absent means 1. */
  readonly threads?: number;
  /** Called when a fit starts: the multi-core backend (re)starts its workers if needed. */
  prepare?(): Promise<void>;
  /** Called when a fit ends, however it ends: workers park; after a worker failure it resolves
   * once every worker of the failed pool has ended. */
  release?(): Promise<void>;
  /** Stops any worker for good; the kernels still run, on the calling thread. */
  dispose?(): Promise<void>;

  /** A (B,N) = act(X (B,K) · Wᵀ + bias (N)); W (N,K) in layout; scratch (B·K) the kernel may overwrite */
  dense_forward(A: number, X: number, W: number, bias: number, scratch: number, B: number, K: number, N: number, act: number): void;
  /** dW (N,K) in layout = dZ (B,N)ᵀ · X (B,K); db (N) = Σ_rows dZ; both overwritten */
  dense_backward_weights(dW: number, db: number, dZ: number, X: number, B: number, K: number, N: number): void;
  /** SGD fused into the weight gradient: W (N,K) −= lr·(dZ (B,N)ᵀ·X (B,K) + wd·W), bias (N) −= lr·Σ_rows dZ;
   * returns the count of elements refused (update not finite) */
  dense_backward_weights_sgd(W: number, bias: number, dZ: number, X: number, B: number, K: number, N: number, lr: number, wd: number): number;
  /** dX (B,K) = (dZ (B,N) · W (N,K)) ⊙ act'(Xa (B,K)); scratch (ceil(K/8)·8·N + B·N) the kernel may overwrite */
  dense_backward_input(dX: number, dZ: number, W: number, Xa: number, scratch: number, B: number, K: number, N: number, act: number): void;
  /** P (B,N) = softmax(Z (B,N)), may alias; labels (B) i32 or 0; returns Σ −log P[b, y_b] */
  softmax_xent_forward(P: number, Z: number, labels: number, B: number, N: number): number;
  /** dZ (B,N) = (P (B,N) − onehot(labels (B)))·scale */
  softmax_xent_backward(dZ: number, P: number, labels: number, B: number, N: number, scale: number): void;
  /** P (B,N) = σ(Z (B,N)), may alias; T (B,N) or 0; returns the summed binary cross-entropy */
  sigmoid_bce_forward(P: number, Z: number, T: number, B: number, N: number): number;
  /** dZ (B,N) = (P (B,N) − T (B,N))·scale */
  sigmoid_bce_backward(dZ: number, P: number, T: number, B: number, N: number, scale: number): void;
  /** P (B,N) = Z (B,N); T (B,N) or 0; returns Σ (z − t)² */
  mse_forward(P: number, Z: number, T: number, B: number, N: number): number;
  /** dZ (B,N) = 2(P (B,N) − T (B,N))·scale */
  mse_backward(dZ: number, P: number, T: number, B: number, N: number, scale: number): void;
  /** rows of P (B,N) whose first argmax equals labels (B) i32 */
  count_correct_argmax(P: number, labels: number, B: number, N: number): number;
  /** elements of P (B,N) with (p ≥ ½) == (t ≥ ½) for T (B,N) */
  count_correct_binary(P: number, T: number, B: number, N: number): number;
  /** P (n) −= lr·(G (n) + wd·P), decay on [0, nDecay); returns refused count */
  sgd_update(P: number, G: number, n: number, nDecay: number, lr: number, wd: number): number;
  /** V (n) = mu·V + G (n); P (n) −= lr·(V + wd·P); returns refused count */
  momentum_update(P: number, V: number, G: number, n: number, nDecay: number, lr: number, mu: number, wd: number): number;
  /** Adam over P, M, V, G (n each) with bias corrections bc1, bc2; returns refused count */
  adam_update(P: number, M: number, V: number, G: number, n: number, nDecay: number, lr: number, b1: number, b2: number, eps: number, wd: number, bc1: number, bc2: number): number;
  /** dst (count, cols)[i] = src (rows, cols)[idx[i]], idx (count) i32 */
  gather_rows(dst: number, src: number, idx: number, count: number, cols: number): void;
  /** dst (count, cols) f32 [i] = src (rows, cols) u8 [idx[i]] widened to f32(b / divisor), then, when
   * norm ≠ 0, normalised by norm's (2, cols) f32 offsets and scales (src/data/bytes.ts) */
  gather_rows_u8(dst: number, src: number, idx: number, count: number, cols: number, divisor: number, norm: number): void;
  /** the index of the first NaN or ±Infinity of x (n) f32, or −1 */
  first_nonfinite(x: number, n: number): number;
  /** dst (count) i32 [i] = src (rows) i32 [idx[i]], idx (count) i32 */
  gather_i32(dst: number, src: number, idx: number, count: number): void;
  /** the u32 key of layer `layer`'s dropout mask at step `step` (dropout-bits.ts) */
  dropout_key(seed: number, step: number, layer: number): number;
  /** out (B,N) = inp (B,N) ⊙ keep·scale, keep = bits(key, row, unit) ≥ threshold (u32); may alias */
  dropout_forward(out: number, inp: number, B: number, N: number, key: number, threshold: number, scale: number): void;
  /** dX (B,N) = dY (B,N) ⊙ keep·scale (the forward's mask); may alias */
  dropout_backward(dX: number, dY: number, B: number, N: number, key: number, threshold: number, scale: number): void;
  /** Σ G (n)² in f64 */
  sum_squares(G: number, n: number): number;
  /** G (n) = min(max(G, −c), c) */
  clip_values(G: number, n: number, c: number): void;
  /** G (n) = G·s */
  scale_values(G: number, n: number, s: number): void;
}
