// The wasm ABI: the only exports of every binary (scalar, simd, relaxed and the threaded builds),
// identical names in each.
// Arguments are byte offsets into this module's memory, i32 sizes and f32 scalars; nothing managed
// crosses the boundary, so the module works from a bare WebAssembly.instantiate. docs/ABI.md
// documents every function, the packed weight layout and the activation codes.
// The variant behind each name is chosen at compile time from the binary's features.

import { f32_dense_forward__scalar, f32_dense_forward_4x8__simd, f32_dense_backward_weights__scalar,
  f32_dense_backward_weights_4x8__simd, f32_dense_backward_weights_sgd__scalar, f32_dense_backward_weights_sgd_4x8__simd,
  f32_dense_backward_input__scalar, f32_dense_backward_input_4x8__simd } from './dense';
import { f32_act_forward__scalar, f32_act_forward__simd, f32_act_backward__scalar, f32_act_backward__simd } from './activation';
import { f32_softmax_xent_forward__scalar, f32_softmax_xent_forward_4__simd, f32_softmax_xent_backward__scalar, f32_softmax_xent_backward_4__simd, f32_sigmoid_bce_forward__scalar,
  f32_sigmoid_bce_backward__scalar, f32_mse_forward__scalar, f32_mse_backward__scalar,
  i32_count_correct_argmax__scalar, i32_count_correct_binary__scalar } from './loss';
import { f32_sgd__scalar, f32_sgd__simd, f32_momentum__scalar, f32_momentum__simd, f32_adam__scalar, f32_adam__simd } from './optimizer';
import { f32_gather_rows, i32_gather, u8_gather_rows, u8_widen_reciprocal, f32_first_nonfinite } from './data';
import { f32_pack_weights, f32_unpack_weights } from './pack';
import { dropoutKey, f32_dropout_forward, f32_dropout_backward } from './dropout';
import { f64_sum_squares, f32_clip, f32_scale } from './clip';
import { engineCheck, engineClear, engineJob, jobCheck } from './engine';
import { D_CTL, D_THREADS, C_NEXT_ROW, C_NEXT_UNIT, J_STATUS } from './plan';
import { awaitJob, resetClaims, startJob } from './sync';
import { profileJobStart } from './profile';

// Debug builds check the arguments of every call (release builds compile these away with
// --noAssert): a failed check calls env.abort, which the host turns into a WasmAbortError.
// @ts-ignore: decorator
@inline function checkDense(B: i32, K: i32, N: i32, p0: usize, p1: usize, p2: usize, p3: usize): void {
  assert(B >= 0, 'batch rows B must be >= 0');
  assert(K > 0, 'inputs K must be > 0');
  assert(N > 0, 'outputs N must be > 0');
  assert(((p0 | p1 | p2 | p3) & 3) == 0, 'pointers must be 4-byte aligned');
}

// @ts-ignore: decorator
@inline function checkFlat(n: i32, nDecay: i32, p0: usize, p1: usize): void {
  assert(n >= 0, 'element count n must be >= 0');
  assert(nDecay >= 0 && nDecay <= n, 'nDecay must be in [0, n]');
  assert(((p0 | p1) & 3) == 0, 'pointers must be 4-byte aligned');
}

/** ABI version: bumped whenever a signature or a layout changes. */
export function abi_version(): i32 { return 10; }

/** 0 scalar, 1 simd, 2 relaxed simd: what this binary was built with. */
export function isa(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 2 : ASC_FEATURE_SIMD ? 1 : 0;
}

/** First byte free for the host's arena (after static data), 64-byte aligned. */
export function arena_base(): usize {
  return (__heap_base + 63) & ~<usize>63;
}

// A (B,N) = act(X (B,K) · Wᵀ + bias (N)), Wp packed (ceil(N/8),K,8); scratch: B·K floats the kernel may overwrite
export function dense_forward(A: usize, X: usize, Wp: usize, bias: usize, scratch: usize, B: i32, K: i32, N: i32, act: i32): void {
  dense_forward_range(A, X, Wp, bias, scratch, B, K, N, act, 0, B, 0, (N + 7) >> 3);
}

// dense_forward over rows [r0,r1) × output panels [p0,p1) of A (8 outputs a panel); scratch:
// (r1−r0)·K floats of this call's own. Split rows at multiples of 4 for results bit-identical
// to one call over everything.
export function dense_forward_range(A: usize, X: usize, Wp: usize, bias: usize, scratch: usize, B: i32, K: i32, N: i32, act: i32, r0: i32, r1: i32, p0: i32, p1: i32): void {
  checkDense(B, K, N, A, X, Wp, bias);
  assert((scratch & 3) == 0, 'scratch must be 4-byte aligned');
  assert(act >= 0 && act <= 4, 'unknown activation code');
  assert(r0 >= 0 && r0 <= r1 && r1 <= B, 'rows r0..r1 must satisfy 0 <= r0 <= r1 <= B');
  assert(p0 >= 0 && p0 <= p1 && p1 <= (N + 7) >> 3, 'panels p0..p1 must satisfy 0 <= p0 <= p1 <= ceil(N/8)');
  if (ASC_FEATURE_SIMD) f32_dense_forward_4x8__simd(A, X, Wp, bias, scratch, B, K, N, act, r0, r1, p0, p1);
  else f32_dense_forward__scalar(A, X, Wp, bias, B, K, N, act, r0, r1, p0, p1);
}

// dWp packed = dZ (B,N)ᵀ · X (B,K); db (N) = Σ_rows dZ. Overwrites both.
export function dense_backward_weights(dWp: usize, db: usize, dZ: usize, X: usize, B: i32, K: i32, N: i32): void {
  dense_backward_weights_range(dWp, db, dZ, X, B, K, N, 0, (N + 7) >> 3);
}

// dense_backward_weights for output panels [p0,p1) of dWp and db, each summed over the whole batch.
export function dense_backward_weights_range(dWp: usize, db: usize, dZ: usize, X: usize, B: i32, K: i32, N: i32, p0: i32, p1: i32): void {
  checkDense(B, K, N, dWp, db, dZ, X);
  assert(p0 >= 0 && p0 <= p1 && p1 <= (N + 7) >> 3, 'panels p0..p1 must satisfy 0 <= p0 <= p1 <= ceil(N/8)');
  if (ASC_FEATURE_SIMD) f32_dense_backward_weights_4x8__simd(dWp, db, dZ, X, B, K, N, p0, p1, 0, K);
  else f32_dense_backward_weights__scalar(dWp, db, dZ, X, B, K, N, p0, p1, 0, K);
}

// Fused SGD step for one layer: W -= lr·(dZᵀ·X + wd·W), bias -= lr·Σ_rows dZ, with no gradient
// written to memory. Returns how many elements were left unchanged because the result was not finite.
export function dense_backward_weights_sgd(Wp: usize, bias: usize, dZ: usize, X: usize, B: i32, K: i32, N: i32, lr: f32, wd: f32): i32 {
  return dense_backward_weights_sgd_range(Wp, bias, dZ, X, B, K, N, lr, wd, 0, (N + 7) >> 3);
}

// dense_backward_weights_sgd for output panels [p0,p1) of W and bias.
export function dense_backward_weights_sgd_range(Wp: usize, bias: usize, dZ: usize, X: usize, B: i32, K: i32, N: i32, lr: f32, wd: f32, p0: i32, p1: i32): i32 {
  checkDense(B, K, N, Wp, bias, dZ, X);
  assert(p0 >= 0 && p0 <= p1 && p1 <= (N + 7) >> 3, 'panels p0..p1 must satisfy 0 <= p0 <= p1 <= ceil(N/8)');
  if (ASC_FEATURE_SIMD) return f32_dense_backward_weights_sgd_4x8__simd(Wp, bias, dZ, X, B, K, N, lr, wd, p0, p1, 0, K);
  return f32_dense_backward_weights_sgd__scalar(Wp, bias, dZ, X, B, K, N, lr, wd, p0, p1, 0, K);
}

// dX (B,K) = (dZ (B,N) · W) ⊙ act'(Xa (B,K)); act is the code of the activation that produced Xa.
// scratch: ceil(K/8)·8·N + B·N floats the kernel may overwrite (W re-packed by inputs, dZ interleaved).
export function dense_backward_input(dX: usize, dZ: usize, Wp: usize, Xa: usize, scratch: usize, B: i32, K: i32, N: i32, act: i32): void {
  const KP = (K + 7) >> 3;
  dense_backward_input_range(dX, dZ, Wp, Xa, scratch, scratch + (<usize>KP * <usize>N << 5), B, K, N, act, 0, KP);
}

// dense_backward_input for input panels [q0,q1) of dX (inputs 8·q0 … 8·q1 − 1). WpT: the
// ceil(K/8)·8·N-float re-pack buffer, shared by calls over disjoint panels (each writes only its
// own); dZp: B·N floats of this call's own.
export function dense_backward_input_range(dX: usize, dZ: usize, Wp: usize, Xa: usize, WpT: usize, dZp: usize, B: i32, K: i32, N: i32, act: i32, q0: i32, q1: i32): void {
  checkDense(B, K, N, dX, dZ, Wp, Xa);
  assert(((WpT | dZp) & 3) == 0, 'scratch must be 4-byte aligned');
  assert(q0 >= 0 && q0 <= q1 && q1 <= (K + 7) >> 3, 'input panels q0..q1 must satisfy 0 <= q0 <= q1 <= ceil(K/8)');
  if (ASC_FEATURE_SIMD) f32_dense_backward_input_4x8__simd(dX, dZ, Wp, Xa, WpT, dZp, B, K, N, act, q0, q1);
  else f32_dense_backward_input__scalar(dX, dZ, Wp, Xa, B, K, N, act, 0, B, q0, q1);
}

// out (n) = act(inp (n)); may alias
export function activation_forward(out: usize, inp: usize, n: i32, act: i32): void {
  if (ASC_FEATURE_SIMD) f32_act_forward__simd(out, inp, n, act);
  else f32_act_forward__scalar(out, inp, n, act);
}

// dZ (n) = dA (n) · act'(A (n)); may alias
export function activation_backward(dZ: usize, dA: usize, A: usize, n: i32, act: i32): void {
  if (ASC_FEATURE_SIMD) f32_act_backward__simd(dZ, dA, A, n, act);
  else f32_act_backward__scalar(dZ, dA, A, n, act);
}

// P (B,N) = softmax(Z (B,N)); returns Σ_b -log P[b, labels[b]] (labels (B) i32, or 0: no loss)
export function softmax_xent_forward(P: usize, Z: usize, labels: usize, B: i32, N: i32): f64 {
  return ASC_FEATURE_SIMD ? f32_softmax_xent_forward_4__simd(P, 0, 0, Z, labels, B, N) : f32_softmax_xent_forward__scalar(P, Z, labels, B, N);
}

// dZ (B,N) = (P - onehot(labels)) · scale
export function softmax_xent_backward(dZ: usize, P: usize, labels: usize, B: i32, N: i32, scale: f32): void {
  if (ASC_FEATURE_SIMD) f32_softmax_xent_backward_4__simd(dZ, P, labels, B, N, scale);
  else f32_softmax_xent_backward__scalar(dZ, P, labels, B, N, scale);
}

// P (B,N) = sigmoid(Z); returns Σ binary cross-entropy against T (B,N) (or 0: no loss)
export function sigmoid_bce_forward(P: usize, Z: usize, T: usize, B: i32, N: i32): f64 {
  return f32_sigmoid_bce_forward__scalar(P, Z, T, B, N);
}

// dZ (B,N) = (P - T) · scale
export function sigmoid_bce_backward(dZ: usize, P: usize, T: usize, B: i32, N: i32, scale: f32): void {
  f32_sigmoid_bce_backward__scalar(dZ, P, T, B, N, scale);
}

// P (B,N) = Z; returns Σ (Z - T)² (T = 0: no loss)
export function mse_forward(P: usize, Z: usize, T: usize, B: i32, N: i32): f64 {
  return f32_mse_forward__scalar(P, Z, T, B, N);
}

// dZ (B,N) = 2 (P - T) · scale
export function mse_backward(dZ: usize, P: usize, T: usize, B: i32, N: i32, scale: f32): void {
  f32_mse_backward__scalar(dZ, P, T, B, N, scale);
}

// rows of P (B,N) whose first argmax equals labels (B)
export function count_correct_argmax(P: usize, labels: usize, B: i32, N: i32): i32 {
  return i32_count_correct_argmax__scalar(P, labels, B, N);
}

// elements where (P ≥ 0.5) == (T ≥ 0.5)
export function count_correct_binary(P: usize, T: usize, B: i32, N: i32): i32 {
  return i32_count_correct_binary__scalar(P, T, B, N);
}

// Optimizers over the flat block P (n) with gradients G (n); [0, nDecay) get weight decay.
// Each returns how many elements it refused to update because the result was not finite.
export function sgd_update(P: usize, G: usize, n: i32, nDecay: i32, lr: f32, wd: f32): i32 {
  checkFlat(n, nDecay, P, G);
  if (ASC_FEATURE_SIMD) return f32_sgd__simd(P, G, n, nDecay, lr, wd);
  return f32_sgd__scalar(P, G, n, nDecay, lr, wd);
}

export function momentum_update(P: usize, V: usize, G: usize, n: i32, nDecay: i32, lr: f32, mu: f32, wd: f32): i32 {
  checkFlat(n, nDecay, P, G);
  if (ASC_FEATURE_SIMD) return f32_momentum__simd(P, V, G, n, nDecay, lr, mu, wd);
  return f32_momentum__scalar(P, V, G, n, nDecay, lr, mu, wd);
}

export function adam_update(P: usize, M: usize, V: usize, G: usize, n: i32, nDecay: i32, lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, bc1: f32, bc2: f32): i32 {
  checkFlat(n, nDecay, P, G);
  if (ASC_FEATURE_SIMD) return f32_adam__simd(P, M, V, G, n, nDecay, lr, b1, b2, eps, wd, bc1, bc2);
  return f32_adam__scalar(P, M, V, G, n, nDecay, lr, b1, b2, eps, wd, bc1, bc2);
}

// dst (count, cols) = src rows idx (count) i32
export function gather_rows(dst: usize, src: usize, idx: usize, count: i32, cols: i32): void {
  assert(count >= 0 && cols > 0, 'gather_rows: count must be >= 0 and cols > 0');
  f32_gather_rows(dst, src, idx, count, cols);
}

// dst (count, cols) f32 = src rows idx (count) i32 of bytes, widened to f32(b / divisor) and, when
// norm is not 0, normalised by its (2, cols) f32 offsets and scales (data.ts u8_gather_rows)
export function gather_rows_u8(dst: usize, src: usize, idx: usize, count: i32, cols: i32, divisor: f32, norm: usize): void {
  assert(count >= 0 && cols > 0 && divisor > 0, 'gather_rows_u8: count must be >= 0, cols > 0 and divisor > 0');
  // the divisor checked once a call (data.ts u8_widen_reciprocal): a batch's rows share it
  u8_gather_rows(dst, src, idx, count, cols, <f64>divisor, norm, u8_widen_reciprocal(<f64>divisor));
}

// x (n) f32: the index of its first NaN or ±Infinity, or −1 (data.ts f32_first_nonfinite)
export function first_nonfinite(x: usize, n: i32): i32 {
  assert(n >= 0 && (x & 3) == 0, 'first_nonfinite: n must be >= 0 and x 4-byte aligned');
  return f32_first_nonfinite(x, n);
}

// dst (count) i32 = src[idx]
export function gather_i32(dst: usize, src: usize, idx: usize, count: i32): void {
  i32_gather(dst, src, idx, count);
}

// ---- dropout (dropout.ts: the mask is a hash of seed, step, layer, row and unit)

// the key of layer `layer`'s mask at training step `step` (as u32 bits)
export function dropout_key(seed: u32, step: u32, layer: u32): u32 { return dropoutKey(seed, step, layer); }

// out (B,N) = inp (B,N) ⊙ keep·scale, keep = bits(key, row, unit) ≥ threshold (u32: round(p·2³²)); may alias
export function dropout_forward(out: usize, inp: usize, B: i32, N: i32, key: u32, threshold: u32, scale: f32): void {
  checkDense(B, 1, N, out, inp, 0, 0);
  f32_dropout_forward(out, inp, N, key, threshold, scale, 0, B, 0, N);
}

// dX (B,N) = dY (B,N) ⊙ keep·scale: the same mask on the gradient; may alias
export function dropout_backward(dX: usize, dY: usize, B: i32, N: i32, key: u32, threshold: u32, scale: f32): void {
  checkDense(B, 1, N, dX, dY, 0, 0);
  f32_dropout_backward(dX, dY, N, key, threshold, scale, 0, B, 0, N);
}

// ---- gradient clipping (clip.ts) over G (n)

// Σ g² in f64
export function sum_squares(G: usize, n: i32): f64 {
  checkFlat(n, 0, G, 0);
  return f64_sum_squares(G, n);
}

// G = min(max(G, −c), c)
export function clip_values(G: usize, n: i32, c: f32): void {
  checkFlat(n, 0, G, 0);
  f32_clip(G, n, c);
}

// G = G·s
export function scale_values(G: usize, n: i32, s: f32): void {
  checkFlat(n, 0, G, 0);
  f32_scale(G, n, s);
}

// Wp packed (ceil(N/8),K,8) from W (N,K) row-major, and back
export function pack_weights(Wp: usize, W: usize, N: i32, K: i32): void { f32_pack_weights(Wp, W, N, K); }
export function unpack_weights(W: usize, Wp: usize, N: i32, K: i32): void { f32_unpack_weights(W, Wp, N, K); }

// ---- the training engine (engine.ts; descriptor words in plan.ts; docs/ABI.md "The training engine")

// 0 if the descriptor at desc is sound, else 1 + the index of its first bad word
export function engine_check(desc: usize): i32 { return engineCheck(desc); }

// Runs the job written in the descriptor, as thread 0: starts the other threads (threaded builds),
// takes its share, returns when the job is over. Returns its status (plan.ts STATUS_*), or
// −(1 + index) of the first bad descriptor or job word (nothing was run).
export function engine_run(desc: usize): i32 {
  const bad = engineCheck(desc);
  if (bad != 0) return -bad;
  const badJob = jobCheck(desc);
  if (badJob != 0) return -badJob;
  engineClear(desc);
  profileJobStart(desc);
  const T = load<i32>(desc + (<usize>D_THREADS << 2));
  if (ASC_FEATURE_THREADS && T > 1) {
    const ctl = <usize>load<u32>(desc + (<usize>D_CTL << 2));
    atomic.store<i32>(ctl + (<usize>C_NEXT_ROW << 2), 0);
    atomic.store<i32>(ctl + (<usize>C_NEXT_UNIT << 2), 0);
    resetClaims(ctl, T);
    startJob(ctl);
  }
  engineJob(desc, 0);
  return load<i32>(desc + (<usize>J_STATUS << 2));
}

// A worker thread tid ≥ 1 of a threaded engine (threaded builds only): waits on the control block
// at ctl (the descriptor may be written later: it is read at each job) and runs every job started
// after generation `seen` until told to quit. Returns 0 on quit or when another thread failed, 2
// when a test hook tells it to leave its thread; −1 in a binary built without threads.
export function engine_worker(desc: usize, ctl: usize, tid: i32, seen: i32): i32 {
  if (!ASC_FEATURE_THREADS) return -1;
  while (true) {
    const g = awaitJob(ctl, seen);
    if (g < 0) return 0;
    seen = g;
    const r = engineJob(desc, tid);
    if (r != 0) return r;
  }
  return 0;
}
