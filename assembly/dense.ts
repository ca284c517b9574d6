// Dense-layer products: forward (with bias and activation in the epilogue), weight gradient (with
// the bias gradient in the same call) and input gradient (with the previous activation's
// derivative in the epilogue). Each has a scalar reference and a v128 variant with a register tile.
//
// Dimensions: B batch rows, K inputs (n_in), N outputs (n_out), NP = ceil(N / 8) panels.
// Activations are sample-major: X is (B, K), A and dZ are (B, N), row-major, no padding.
//
// Ranges: every kernel computes a block of its output so that threads can share a product with no
// reduction between them: the forward pass rows [r0, r1) × output panels [p0, p1), the weight
// gradient output panels [p0, p1) (each summed over the whole batch), the input gradient input
// panels [q0, q1) (8 inputs each). Each output element is computed by the same instructions
// whatever the range, so results are bit-identical for any split — provided rows are split at
// multiples of 4 (the register tile; rows B − B mod 4 … B − 1 take the one-row tail path).
// Weights live *packed*: W (N, K) is stored as NP panels of (K, 8), element W[o][k] at float index
// ((o >> 3) * K + k) * 8 + (o & 7); lanes of the last panel past N are zero. A panel row is the 8
// outputs of one input, so the forward tile loads them as two v128 with no shuffles, and the
// gradient dW is written in the same layout (optimizers are element-wise and never care).

import { actScalar, actGradScalar, actVec, actGradVec, actIsVec, f32_act_forward__scalar } from './activation';
import { madd, loadPartial, storePartial } from './vec';

// @ts-ignore: decorator
@inline function packedIndex(o: i32, k: i32, K: i32): usize {
  return ((<usize>(o >> 3) * <usize>K + <usize>k) << 3) + <usize>(o & 7);
}

// ---------------------------------------------------------------------------------------------
// forward: A = act(X · Wᵀ + b)

// A is (B,N), X is (B,K), Wp is packed (NP,K,8), bias is (N); rows [r0,r1) × panels [p0,p1)
export function f32_dense_forward__scalar(A: usize, X: usize, Wp: usize, bias: usize, B: i32, K: i32, N: i32, act: i32, r0: i32, r1: i32, p0: i32, p1: i32): void {
  const o1 = min(N, p1 << 3);
  for (let r = r0; r < r1; r++) {
    const x = X + (<usize>r * <usize>K << 2);
    for (let o = p0 << 3; o < o1; o++) {
      let s: f32 = load<f32>(bias + (<usize>o << 2));
      for (let k = 0; k < K; k++) {
        s += load<f32>(x + (<usize>k << 2)) * load<f32>(Wp + (packedIndex(o, k, K) << 2));
      }
      store<f32>(A + ((<usize>r * <usize>N + <usize>o) << 2), actScalar(s, act));
    }
  }
}

// A is (B,N), X is (B,K), Wp is packed (NP,K,8), bias is (N); rows [r0,r1) × panels [p0,p1).
// Xp is scratch of (r1−r0)·K floats: this call's rows of X, interleaved by its first panel, or
// already interleaved there by an earlier call over the same rows (`interleaved`).
export function f32_dense_forward_4x8__simd(A: usize, X: usize, Wp: usize, bias: usize, Xp: usize, B: i32, K: i32, N: i32, act: i32, r0: i32, r1: i32, p0: i32, p1: i32, interleaved: bool = false): void {
  gemmPacked4x8(A, X, Wp, B, K, N, EPI_BIAS_ACT, bias, act, 0, Xp, r0, r1, p0, p1, interleaved);
  // sigmoid and tanh need exp: one scalar pass over the written block
  if (!actIsVec(act)) {
    const n0 = p0 << 3, n = min(N, p1 << 3) - n0;
    if (n == N) f32_act_forward__scalar(A + (<usize>r0 * <usize>N << 2), A + (<usize>r0 * <usize>N << 2), (r1 - r0) * N, act);
    else for (let r = r0; r < r1; r++) {
      const a = A + ((<usize>r * <usize>N + <usize>n0) << 2);
      f32_act_forward__scalar(a, a, n, act);
    }
  }
}

/** dst (K,4) = the four rows x, x+row, x+2row, x+3row (K floats each) interleaved: 4×4 register
 * transposes, then single elements for K mod 4. */
// @ts-ignore: decorator
@inline function interleave4(dst: usize, x: usize, row: usize, K: i32): void {
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const o = <usize>k << 2;
    const r0 = v128.load(x + o), r1 = v128.load(x + row + o), r2 = v128.load(x + 2 * row + o), r3 = v128.load(x + 3 * row + o);
    const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
    const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
    const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
    const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    const d = dst + (o << 2);
    v128.store(d, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
    v128.store(d, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
    v128.store(d, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
    v128.store(d, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
  }
  for (; k < K; k++) {
    const o = <usize>k << 2;
    const d = dst + (o << 2);
    store<f32>(d, load<f32>(x + o));
    store<f32>(d, load<f32>(x + row + o), 4);
    store<f32>(d, load<f32>(x + 2 * row + o), 8);
    store<f32>(d, load<f32>(x + 3 * row + o), 12);
  }
}

/** Bytes of packed panels (K·32 each) that the input gradient takes together over its rows when
 * its reduction is short (gemmPackedBlocks4x8; below a 10-class head K = 10, 320 bytes a panel).
 * Walked panel by panel, such a product touches 32 of the 64 bytes of each row's line, a row apart,
 * for every panel: at 4096 outputs the rows are 16 KB apart, all in one L1 set. Blocks of panels
 * walk each row's outputs in runs instead; a long reduction keeps one panel at a time in L1. */
const PANEL_BLOCK_BYTES: usize = 16384;

const EPI_BIAS_ACT = 0; // C = act(acc + bias)
const EPI_ACT_GRAD = 1; // C = acc · act'(Xa)

// C is (B,N), A is (B,K), Bp is packed (NP,K,8), Ap is scratch of (r1−r0)·K floats:
// C = epilogue(A · Bᵀ) over rows [r0,r1) × panels [p0,p1).
// Tile: 4 rows × 8 outputs = 8 v128 accumulators (x86 has 16 vector registers; 4×16 and 5×8
// spilled in V8 and ran slower). Panels outer, rows inner: one panel (K·32 bytes) stays in L1
// while every row streams past it. The first panel interleaves each 4-row tile of A into Ap as
// (K, 4), so the inner loop reads its four broadcasts from one pointer with constant offsets:
// four address additions fewer per step of 8 FMAs, which measured ~30% faster (the loop is
// limited by instruction issue, not by the FMAs, when the other hyperthread is busy). The first
// panel of the range does the interleaving, so a call needs its own Ap only for its own rows.
// `epi` is a constant at every call site, so each caller compiles to its own specialised loop.
// @ts-ignore: decorator
@inline function gemmPacked4x8(C: usize, A: usize, Bp: usize, B: i32, K: i32, N: i32, epi: i32, bias: usize, act: i32, Xa: usize, Ap: usize, r0: i32, r1: i32, p0: i32, p1: i32, interleaved: bool = false): void {
  const rowA = <usize>K << 2;
  const rowC = <usize>N << 2;
  const vecAct = actIsVec(act);
  for (let p = p0; p < p1; p++) {
    const w = Bp + (<usize>p * <usize>K << 5);
    const n0 = p << 3;
    const cols = min(8, N - n0);
    const colsLo = min(cols, 4);
    const colsHi = max(cols - 4, 0);
    let b0 = f32x4.splat(0), b1 = b0;
    if (epi == EPI_BIAS_ACT) {
      const bp = bias + (<usize>n0 << 2);
      b0 = loadPartial(bp, colsLo);
      if (colsHi > 0) b1 = loadPartial(bp + 16, colsHi);
    }
    let r = r0;
    for (; r + 4 <= r1; r += 4) {
      let c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
      const ap = Ap + (<usize>(r - r0) * <usize>K << 2); // this tile's rows, interleaved (K, 4)
      if (p == p0 && !interleaved) interleave4(ap, A + <usize>r * rowA, rowA, K);
      let xp = ap;
      let wk = w;
      const wEnd = w + (<usize>K << 5);
      while (wk < wEnd) {
        const w0 = v128.load(wk);
        const w1 = v128.load(wk, 16);
        let a = v128.load32_splat(xp);
        c00 = madd(a, w0, c00); c01 = madd(a, w1, c01);
        a = v128.load32_splat(xp, 4);
        c10 = madd(a, w0, c10); c11 = madd(a, w1, c11);
        a = v128.load32_splat(xp, 8);
        c20 = madd(a, w0, c20); c21 = madd(a, w1, c21);
        a = v128.load32_splat(xp, 12);
        c30 = madd(a, w0, c30); c31 = madd(a, w1, c31);
        xp += 16;
        wk += 32;
      }
      const o = <usize>r * rowC + (<usize>n0 << 2);
      const c0 = C + o;
      if (epi == EPI_BIAS_ACT) {
        if (vecAct) {
          c00 = actVec(c00, act); c01 = actVec(c01, act); c10 = actVec(c10, act); c11 = actVec(c11, act);
          c20 = actVec(c20, act); c21 = actVec(c21, act); c30 = actVec(c30, act); c31 = actVec(c31, act);
        }
      } else if (cols == 8) {
        const g = Xa + o;
        c00 = f32x4.mul(c00, actGradVec(v128.load(g), act)); c01 = f32x4.mul(c01, actGradVec(v128.load(g, 16), act));
        c10 = f32x4.mul(c10, actGradVec(v128.load(g + rowC), act)); c11 = f32x4.mul(c11, actGradVec(v128.load(g + rowC, 16), act));
        c20 = f32x4.mul(c20, actGradVec(v128.load(g + 2 * rowC), act)); c21 = f32x4.mul(c21, actGradVec(v128.load(g + 2 * rowC, 16), act));
        c30 = f32x4.mul(c30, actGradVec(v128.load(g + 3 * rowC), act)); c31 = f32x4.mul(c31, actGradVec(v128.load(g + 3 * rowC, 16), act));
      } else {
        const g = Xa + o;
        c00 = f32x4.mul(c00, actGradVec(loadPartial(g, colsLo), act)); c01 = f32x4.mul(c01, actGradVec(loadPartial(g + 16, colsHi), act));
        c10 = f32x4.mul(c10, actGradVec(loadPartial(g + rowC, colsLo), act)); c11 = f32x4.mul(c11, actGradVec(loadPartial(g + rowC + 16, colsHi), act));
        c20 = f32x4.mul(c20, actGradVec(loadPartial(g + 2 * rowC, colsLo), act)); c21 = f32x4.mul(c21, actGradVec(loadPartial(g + 2 * rowC + 16, colsHi), act));
        c30 = f32x4.mul(c30, actGradVec(loadPartial(g + 3 * rowC, colsLo), act)); c31 = f32x4.mul(c31, actGradVec(loadPartial(g + 3 * rowC + 16, colsHi), act));
      }
      if (cols == 8) {
        v128.store(c0, c00); v128.store(c0, c01, 16);
        v128.store(c0 + rowC, c10); v128.store(c0 + rowC, c11, 16);
        v128.store(c0 + 2 * rowC, c20); v128.store(c0 + 2 * rowC, c21, 16);
        v128.store(c0 + 3 * rowC, c30); v128.store(c0 + 3 * rowC, c31, 16);
      } else {
        storePartial(c0, c00, colsLo); storePartial(c0 + 16, c01, colsHi);
        storePartial(c0 + rowC, c10, colsLo); storePartial(c0 + rowC + 16, c11, colsHi);
        storePartial(c0 + 2 * rowC, c20, colsLo); storePartial(c0 + 2 * rowC + 16, c21, colsHi);
        storePartial(c0 + 3 * rowC, c30, colsLo); storePartial(c0 + 3 * rowC + 16, c31, colsHi);
      }
    }
    // row tail: one row at a time
    for (; r < r1; r++) {
      let c0 = b0, c1 = b1;
      let x0 = A + <usize>r * rowA;
      let wk = w;
      for (let k = 0; k < K; k++) {
        const a = v128.load32_splat(x0);
        c0 = madd(a, v128.load(wk), c0);
        c1 = madd(a, v128.load(wk, 16), c1);
        x0 += 4;
        wk += 32;
      }
      const o = <usize>r * rowC + (<usize>n0 << 2);
      if (epi == EPI_BIAS_ACT) {
        if (vecAct) { c0 = actVec(c0, act); c1 = actVec(c1, act); }
      } else {
        c0 = f32x4.mul(c0, actGradVec(loadPartial(Xa + o, colsLo), act));
        c1 = f32x4.mul(c1, actGradVec(loadPartial(Xa + o + 16, colsHi), act));
      }
      storePartial(C + o, c0, colsLo);
      storePartial(C + o + 16, c1, colsHi);
    }
  }
}

/** The input gradient's product (epilogue EPI_ACT_GRAD) for a short reduction, K·32 bytes below
 * PANEL_BLOCK_BYTES: panels by blocks that fit together in L1, each 4-row tile across the block's
 * panels (gemmPacked4x8 over one tile and one block: the tile interleaved again for each block,
 * 4·K floats at the start of Ap), so that a row's outputs and its act' inputs Xa are walked in
 * runs. The same sums in the same order as one gemmPacked4x8 over everything. */
// @ts-ignore: decorator
@inline function gemmPackedBlocks4x8(C: usize, A: usize, Bp: usize, B: i32, K: i32, N: i32, act: i32, Xa: usize, Ap: usize, r0: i32, r1: i32, p0: i32, p1: i32): void {
  const PB = <i32>(PANEL_BLOCK_BYTES / (<usize>K << 5));
  for (let pb = p0; pb < p1; pb += PB) {
    const pe = min(p1, pb + PB);
    for (let r = r0; r < r1; r += 4) gemmPacked4x8(C, A, Bp, B, K, N, EPI_ACT_GRAD, 0, act, Xa, Ap, r, min(r1, r + 4), pb, pe);
  }
}

/** The input gradient's product over rows [r0,r1) × input panels [q0,q1) (dX = (dZ · W) ⊙ act'(Xa),
 * W re-packed by inputs in WpT): by blocks of panels when a panel of WpT (N·32 bytes) is under
 * PANEL_BLOCK_BYTES, else panel by panel over every row. */
// @ts-ignore: decorator
@inline function inputGradPacked4x8(dX: usize, dZ: usize, WpT: usize, Xa: usize, dZp: usize, B: i32, K: i32, N: i32, act: i32, r0: i32, r1: i32, q0: i32, q1: i32): void {
  if ((<usize>N << 5) < PANEL_BLOCK_BYTES) gemmPackedBlocks4x8(dX, dZ, WpT, B, N, K, act, Xa, dZp, r0, r1, q0, q1);
  else gemmPacked4x8(dX, dZ, WpT, B, N, K, EPI_ACT_GRAD, 0, act, Xa, dZp, r0, r1, q0, q1);
}

// ---------------------------------------------------------------------------------------------
// weight gradient: dW = dZᵀ · X (written packed), db = Σ_rows dZ. Overwrites, does not accumulate.
// The 1/m of the mean loss is already in dZ.

// dWp is packed (NP,K,8), db is (N), dZ is (B,N), X is (B,K); output panels [p0,p1) × inputs
// [k0,k1); db is written by the non-empty block that starts at input 0
export function f32_dense_backward_weights__scalar(dWp: usize, db: usize, dZ: usize, X: usize, B: i32, K: i32, N: i32, p0: i32, p1: i32, k0: i32, k1: i32): void {
  for (let o = p0 << 3; o < p1 << 3; o++) {
    for (let k = k0; k < k1; k++) {
      let s: f32 = 0;
      if (o < N) {
        for (let r = 0; r < B; r++) {
          s += load<f32>(dZ + ((<usize>r * <usize>N + <usize>o) << 2)) * load<f32>(X + ((<usize>r * <usize>K + <usize>k) << 2));
        }
      }
      store<f32>(dWp + (packedIndex(o, k, K) << 2), s);
    }
  }
  if (k0 == 0 && k1 > 0) for (let o = p0 << 3; o < min(N, p1 << 3); o++) {
    let s: f32 = 0;
    for (let r = 0; r < B; r++) s += load<f32>(dZ + ((<usize>r * <usize>N + <usize>o) << 2));
    store<f32>(db + (<usize>o << 2), s);
  }
}

// Wp is packed (NP,K,8), bias is (N), dZ is (B,N), X is (B,K): W -= lr·(dW + wd·W), b -= lr·db
// over output panels [p0,p1) × inputs [k0,k1) (the bias by the block that starts at input 0).
export function f32_dense_backward_weights_sgd__scalar(Wp: usize, bias: usize, dZ: usize, X: usize, B: i32, K: i32, N: i32, lr: f32, wd: f32, p0: i32, p1: i32, k0: i32, k1: i32): i32 {
  let bad = 0;
  for (let o = p0 << 3; o < min(N, p1 << 3); o++) {
    for (let k = k0; k < k1; k++) {
      let g: f32 = 0;
      for (let r = 0; r < B; r++) {
        g += load<f32>(dZ + ((<usize>r * <usize>N + <usize>o) << 2)) * load<f32>(X + ((<usize>r * <usize>K + <usize>k) << 2));
      }
      const at = Wp + (packedIndex(o, k, K) << 2);
      const p = load<f32>(at);
      const q = p - lr * (g + wd * p);
      if (q - q == 0) store<f32>(at, q); else bad++;
    }
    if (k0 != 0 || k1 == 0) continue; // the bias goes with the (non-empty) block at input 0
    let g: f32 = 0;
    for (let r = 0; r < B; r++) g += load<f32>(dZ + ((<usize>r * <usize>N + <usize>o) << 2));
    const at = bias + (<usize>o << 2);
    const q = load<f32>(at) - lr * g;
    if (q - q == 0) store<f32>(at, q); else bad++;
  }
  return bad;
}

// dWp is packed (NP,K,8), db is (N), dZ is (B,N), X is (B,K).
// Tile: 4 inputs × 8 outputs, reduced over the batch. The bias gradient is summed by the first
// input tile of each panel (it walks the same dZ rows), so dZ is read once per tile, never again.
// @ts-ignore: decorator
@inline function weightGrad4x8(dWp: usize, db: usize, dZ: usize, X: usize, B: i32, K: i32, N: i32, mode: i32, lr: f32, wd: f32, p0: i32, p1: i32, k0: i32, k1: i32): i32 {
  let bad = 0;
  for (let p = p0; p < p1; p++) {
    const n0 = p << 3;
    bad += weightGradPanel(dWp + (<usize>p * <usize>K << 5), db + (<usize>n0 << 2), 0, 0, dZ + (<usize>n0 << 2), <usize>N << 2,
      X, 16, <usize>K << 2, 0, B, min(8, N - n0), mode, lr, wd, k0, k1);
  }
  return bad;
}

// One output panel of the weight gradient, over inputs [k0,k1) and rows [r0,r1): w is the panel
// (K,8), dbp its 8 biases, z its 8 columns of dZ (row r at z + r·zRow), and input k of row r at
// x + (k >> 2)·xTile + (k & 3)·4 + r·xRow. The sums start from zero, or, when acc is not 0, from
// the partial sums over the rows before r0 that a MODE_STORE call over them left at acc (a panel
// (K,8)) and accB (its 8 biases): each element is then summed over the rows in the same order, so
// a batch summed in row chunks gives the same bits as in one pass. The row-major operands are
// (zRow, xTile, xRow) = (4N, 16, 4K); the packed ones (panelled dZ, X by groups of 4 inputs) are
// (32, 16B, 16), which every tile reads as one contiguous stream. A row-major dZ whose rows are 4 KiB apart (N = 1024,
// 2048 …) puts all B rows of a column tile in one L1 set, and X with K = 1024 the same: each tile
// then missed L1 on every row (784-1024-10 spent 40% more time here than with packed operands).
// Both forms run the same instructions in the same order, so their results are the same bits.
// @ts-ignore: decorator
@inline function weightGradPanel(w: usize, dbp: usize, acc: usize, accB: usize, z: usize, zRow: usize, x: usize, xTile: usize, xRow: usize, r0: i32, r1: i32, cols: i32, mode: i32, lr: f32, wd: f32, k0: i32, k1: i32): i32 {
  const vlr = f32x4.splat(lr), vwd = f32x4.splat(wd);
  let bad = i32x4.splat(0);
  const colsLo = min(cols, 4);
  const colsHi = max(cols - 4, 0);
  const zBegin = z + <usize>r0 * zRow, zEnd = z + <usize>r1 * zRow, xBegin = x + <usize>r0 * xRow;
  let k = k0;
  for (; k + 4 <= k1; k += 4) {
    let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    if (acc != 0) {
      const a = acc + (<usize>k << 5);
      c00 = v128.load(a); c01 = v128.load(a, 16); c10 = v128.load(a, 32); c11 = v128.load(a, 48);
      c20 = v128.load(a, 64); c21 = v128.load(a, 80); c30 = v128.load(a, 96); c31 = v128.load(a, 112);
    }
    let zr = zBegin;
    let xr = xBegin + (<usize>(k >> 2)) * xTile;
    if (cols == 8) {
      if (k == 0) {
        let s0 = f32x4.splat(0), s1 = s0;
        if (accB != 0) { s0 = v128.load(accB); s1 = v128.load(accB, 16); }
        while (zr < zEnd) { // one pointer drives the loop: no row counter
          const z0 = v128.load(zr), z1 = v128.load(zr, 16);
          s0 = f32x4.add(s0, z0); s1 = f32x4.add(s1, z1);
          let a = v128.load32_splat(xr);
          c00 = madd(a, z0, c00); c01 = madd(a, z1, c01);
          a = v128.load32_splat(xr, 4);
          c10 = madd(a, z0, c10); c11 = madd(a, z1, c11);
          a = v128.load32_splat(xr, 8);
          c20 = madd(a, z0, c20); c21 = madd(a, z1, c21);
          a = v128.load32_splat(xr, 12);
          c30 = madd(a, z0, c30); c31 = madd(a, z1, c31);
          zr += zRow; xr += xRow;
        }
        bad = i32x4.sub(bad, putBias(dbp, s0, 4, mode, vlr));
        bad = i32x4.sub(bad, putBias(dbp + 16, s1, 4, mode, vlr));
      } else {
        while (zr < zEnd) {
          const z0 = v128.load(zr), z1 = v128.load(zr, 16);
          let a = v128.load32_splat(xr);
          c00 = madd(a, z0, c00); c01 = madd(a, z1, c01);
          a = v128.load32_splat(xr, 4);
          c10 = madd(a, z0, c10); c11 = madd(a, z1, c11);
          a = v128.load32_splat(xr, 8);
          c20 = madd(a, z0, c20); c21 = madd(a, z1, c21);
          a = v128.load32_splat(xr, 12);
          c30 = madd(a, z0, c30); c31 = madd(a, z1, c31);
          zr += zRow; xr += xRow;
        }
      }
    } else {
      // last, partial panel: lanes past N load as zero, so their gradient is zero
      let s0 = f32x4.splat(0), s1 = s0;
      if (k == 0 && accB != 0) { s0 = loadPartial(accB, colsLo); s1 = colsHi > 0 ? loadPartial(accB + 16, colsHi) : s1; }
      for (let r = r0; r < r1; r++) {
        const z0 = loadPartial(zr, colsLo);
        const z1 = colsHi > 0 ? loadPartial(zr + 16, colsHi) : f32x4.splat(0);
        s0 = f32x4.add(s0, z0); s1 = f32x4.add(s1, z1);
        let a = v128.load32_splat(xr);
        c00 = madd(a, z0, c00); c01 = madd(a, z1, c01);
        a = v128.load32_splat(xr, 4);
        c10 = madd(a, z0, c10); c11 = madd(a, z1, c11);
        a = v128.load32_splat(xr, 8);
        c20 = madd(a, z0, c20); c21 = madd(a, z1, c21);
        a = v128.load32_splat(xr, 12);
        c30 = madd(a, z0, c30); c31 = madd(a, z1, c31);
        zr += zRow; xr += xRow;
      }
      if (k == 0) {
        bad = i32x4.sub(bad, putBias(dbp, s0, colsLo, mode, vlr));
        bad = i32x4.sub(bad, putBias(dbp + 16, s1, colsHi, mode, vlr));
      }
    }
    const o = w + (<usize>k << 5);
    if (mode == MODE_STORE) {
      v128.store(o, c00); v128.store(o, c01, 16); v128.store(o, c10, 32); v128.store(o, c11, 48);
      v128.store(o, c20, 64); v128.store(o, c21, 80); v128.store(o, c30, 96); v128.store(o, c31, 112);
    } else {
      // the tile's 32 updates, then one test for all of them: their sum is finite only if each
      // is (a sum that overflows sends the tile down the element-wise path, which decides alike).
      // Testing each vector on its own cost the weights phase 7 % on 784-128-10.
      const q00 = sgdStep(o, c00, vlr, vwd), q01 = sgdStep(o + 16, c01, vlr, vwd);
      const q10 = sgdStep(o + 32, c10, vlr, vwd), q11 = sgdStep(o + 48, c11, vlr, vwd);
      const q20 = sgdStep(o + 64, c20, vlr, vwd), q21 = sgdStep(o + 80, c21, vlr, vwd);
      const q30 = sgdStep(o + 96, c30, vlr, vwd), q31 = sgdStep(o + 112, c31, vlr, vwd);
      const s = f32x4.add(f32x4.add(f32x4.add(q00, q01), f32x4.add(q10, q11)), f32x4.add(f32x4.add(q20, q21), f32x4.add(q30, q31)));
      if (i32x4.all_true(f32x4.eq(f32x4.sub(s, s), f32x4.splat(0)))) {
        v128.store(o, q00); v128.store(o, q01, 16); v128.store(o, q10, 32); v128.store(o, q11, 48);
        v128.store(o, q20, 64); v128.store(o, q21, 80); v128.store(o, q30, 96); v128.store(o, q31, 112);
      } else {
        bad = i32x4.sub(bad, storeFinite(o, q00)); bad = i32x4.sub(bad, storeFinite(o + 16, q01));
        bad = i32x4.sub(bad, storeFinite(o + 32, q10)); bad = i32x4.sub(bad, storeFinite(o + 48, q11));
        bad = i32x4.sub(bad, storeFinite(o + 64, q20)); bad = i32x4.sub(bad, storeFinite(o + 80, q21));
        bad = i32x4.sub(bad, storeFinite(o + 96, q30)); bad = i32x4.sub(bad, storeFinite(o + 112, q31));
      }
    }
  }
  // input tail (k1 − k0 not a multiple of 4: the last block of a K that is not): one input at a time
  for (; k < k1; k++) {
    let c0 = f32x4.splat(0), c1 = c0, s0 = c0, s1 = c0;
    if (acc != 0) { c0 = v128.load(acc + (<usize>k << 5)); c1 = v128.load(acc + (<usize>k << 5), 16); }
    if (k == 0 && accB != 0) { s0 = loadPartial(accB, colsLo); s1 = colsHi > 0 ? loadPartial(accB + 16, colsHi) : s1; }
    let zr = zBegin;
    let xr = xBegin + (<usize>(k >> 2)) * xTile + (<usize>(k & 3) << 2);
    for (let r = r0; r < r1; r++) {
      const z0 = loadPartial(zr, colsLo);
      const z1 = colsHi > 0 ? loadPartial(zr + 16, colsHi) : f32x4.splat(0);
      s0 = f32x4.add(s0, z0); s1 = f32x4.add(s1, z1);
      const a = v128.load32_splat(xr);
      c0 = madd(a, z0, c0); c1 = madd(a, z1, c1);
      zr += zRow; xr += xRow;
    }
    if (k == 0) { // K < 4: no full tile summed the bias gradient
      bad = i32x4.sub(bad, putBias(dbp, s0, colsLo, mode, vlr));
      bad = i32x4.sub(bad, putBias(dbp + 16, s1, colsHi, mode, vlr));
    }
    const o = w + (<usize>k << 5);
    bad = i32x4.sub(bad, put(o, c0, mode, vlr, vwd)); bad = i32x4.sub(bad, put(o + 16, c1, mode, vlr, vwd));
  }
  return i32x4.extract_lane(bad, 0) + i32x4.extract_lane(bad, 1) + i32x4.extract_lane(bad, 2) + i32x4.extract_lane(bad, 3);
}

const MODE_STORE = 0; // write the gradient
const MODE_SGD = 1;   // apply it: p -= lr·(g + wd·p), refusing non-finite results

// dWp is packed (NP,K,8), db is (N), dZ is (B,N), X is (B,K); output panels [p0,p1) × inputs
// [k0,k1), k0 a multiple of 4; db is written by the block that starts at input 0
export function f32_dense_backward_weights_4x8__simd(dWp: usize, db: usize, dZ: usize, X: usize, B: i32, K: i32, N: i32, p0: i32, p1: i32, k0: i32, k1: i32): void {
  weightGrad4x8(dWp, db, dZ, X, B, K, N, MODE_STORE, 0, 0, p0, p1, k0, k1);
}

// Wp is packed (NP,K,8), bias is (N), dZ is (B,N), X is (B,K). The SGD step fused into the
// weight-gradient tile: the gradient never goes to memory and the update needs no pass of its own.
// Returns the number of elements left unchanged because their update was not finite.
// Output panels [p0,p1) × inputs [k0,k1) as above.
export function f32_dense_backward_weights_sgd_4x8__simd(Wp: usize, bias: usize, dZ: usize, X: usize, B: i32, K: i32, N: i32, lr: f32, wd: f32, p0: i32, p1: i32, k0: i32, k1: i32): i32 {
  return weightGrad4x8(Wp, bias, dZ, X, B, K, N, MODE_SGD, lr, wd, p0, p1, k0, k1);
}

// The same two over regrouped operands (pack.ts): output panels [p0,p1) × inputs [k0,k1) (k0 a
// multiple of 4). Zq is dZ by output panels (NP,B,8) (f32_pack_rows_by8); X is (B,K) row-major when
// xq = 0, or by groups of 4 inputs (ceil(K/4),B,4) when xq = 1 (f32_pack_rows_by4).
// dWp is packed (NP,K,8), db is (N). With X row-major, a batch of more than 2·WEIGHT_CHUNK_ROWS
// rows is summed in chunks of WEIGHT_CHUNK_ROWS, the partial sums kept in dWp and db (same bits as
// in one pass).
export function f32_dense_backward_weights_packed_4x8__simd(dWp: usize, db: usize, Zq: usize, X: usize, xq: i32, B: i32, K: i32, N: i32, p0: i32, p1: i32, k0: i32, k1: i32): void {
  weightsPacked(dWp, db, dWp, db, Zq, X, xq, B, K, N, MODE_STORE, 0, 0, p0, p1, k0, k1);
}

// Wp is packed (NP,K,8), bias is (N), Zq is (NP,B,8), X as above: the fused SGD step over panels
// [p0,p1) × inputs [k0,k1); returns the elements left unchanged because their update was not finite.
export function f32_dense_backward_weights_sgd_packed_4x8__simd(Wp: usize, bias: usize, Zq: usize, X: usize, xq: i32, B: i32, K: i32, N: i32, lr: f32, wd: f32, p0: i32, p1: i32, k0: i32, k1: i32): i32 {
  return weightsPacked(Wp, bias, 0, 0, Zq, X, xq, B, K, N, MODE_SGD, lr, wd, p0, p1, k0, k1);
}

// The same with room for partial sums: gWp (NP,K,8) and gb (N), a gradient block of the same layout
// as Wp and bias, whose elements [p0,p1) × [k0,k1) (and the biases of those panels when k0 = 0) it
// overwrites. With X row-major (xq = 0), a batch of more than 2·WEIGHT_CHUNK_ROWS rows is then
// summed in chunks of WEIGHT_CHUNK_ROWS (same bits as in one pass).
export function f32_dense_backward_weights_sgd_packed_chunked_4x8__simd(Wp: usize, bias: usize, gWp: usize, gb: usize, Zq: usize, X: usize, xq: i32, B: i32, K: i32, N: i32, lr: f32, wd: f32, p0: i32, p1: i32, k0: i32, k1: i32): i32 {
  return weightsPacked(Wp, bias, gWp, gb, Zq, X, xq, B, K, N, MODE_SGD, lr, wd, p0, p1, k0, k1);
}

/** Rows of a chunk of the weight gradient over a row-major X. A weight unit's panels all read the
 * same block of X, (B, KC) inputs: 16 KB at 64 rows, which stays in L1 from one panel to the next;
 * at 256 rows (64 KB) it does not, and each panel reads its B rows again from L2, 3 KB apart
 * (784 inputs): too far apart for the prefetcher to follow, and more pages than the first-level
 * TLB holds. In chunks of 64 rows every panel reuses the chunk instead, at the cost of storing and
 * reloading its partial sums (2 KB a panel of KC = 64) once a chunk. Up to 128 rows (32 KB) the
 * block still stays in L1 (48 KB on the Intel Xeon host) and one pass is faster: chunks of 64 cost
 * 784-128-10 2.6 % at batch 96 and 1.4 % at 128 on one thread. A regrouped X is read as one
 * contiguous stream a tile and needs no chunks. */
const WEIGHT_CHUNK_ROWS = 64;

/** Whether the weight gradient sums the batch in one pass (see WEIGHT_CHUNK_ROWS). */
// @ts-ignore: decorator
@inline function onePass(xq: i32, B: i32): bool { return xq != 0 || B <= 2 * WEIGHT_CHUNK_ROWS; }

/** Whether the weight gradient of a B-row batch sums it in chunks (onePass says no): a caller then
 * gives it a block of inputs over several panels at once, so that each chunk of X is read once for
 * all of them (the engine's weight queue, assembly/engine.ts weightsPhase). */
// @ts-ignore: decorator
@inline export function sumsInChunks(xq: bool, B: i32): bool { return !onePass(xq ? 1 : 0, B); }

// The packed kernels' driver (`mode` a constant at every call site): output panels [p0,p1) × inputs
// [k0,k1) of out (NP,K,8) and outB (N), in one pass, or, when `part` is not 0 and onePass says no,
// in chunks of WEIGHT_CHUNK_ROWS rows whose sums wait at part (NP,K,8) and partB (N) until the last
// chunk finishes them in `mode` (the store kernel's part is its own output).
// @ts-ignore: decorator
@inline function weightsPacked(out: usize, outB: usize, part: usize, partB: usize, Zq: usize, X: usize, xq: i32, B: i32, K: i32, N: i32, mode: i32, lr: f32, wd: f32, p0: i32, p1: i32, k0: i32, k1: i32): i32 {
  const xRow: usize = xq != 0 ? 16 : <usize>K << 2, xTile: usize = xq != 0 ? <usize>B << 4 : 16;
  let bad = 0;
  if (part == 0 || onePass(xq, B)) {
    // one pass (the tiles start from zero: a copy of the tile loop without the partial sums' loads)
    for (let p = p0; p < p1; p++) {
      const n0 = p << 3;
      bad += weightGradPanel(out + (<usize>p * <usize>K << 5), outB + (<usize>n0 << 2), 0, 0, Zq + (<usize>p * <usize>B << 5), 32, X, xTile, xRow, 0, B, min(8, N - n0), mode, lr, wd, k0, k1);
    }
    return bad;
  }
  const R = WEIGHT_CHUNK_ROWS;
  for (let r0 = 0; r0 < B; r0 += R) {
    const r1 = min(B, r0 + R);
    for (let p = p0; p < p1; p++) {
      const n0 = p << 3, off = <usize>p * <usize>K << 5, z = Zq + (<usize>p * <usize>B << 5), cols = min(8, N - n0);
      const g = part + off, gbp = partB + (<usize>n0 << 2);
      if (r1 < B) weightGradPanel(g, gbp, r0 > 0 ? g : 0, r0 > 0 ? gbp : 0, z, 32, X, xTile, xRow, r0, r1, cols, MODE_STORE, 0, 0, k0, k1);
      else bad += weightGradPanel(out + off, outB + (<usize>n0 << 2), g, gbp, z, 32, X, xTile, xRow, r0, r1, cols, mode, lr, wd, k0, k1);
    }
  }
  return bad;
}

/** Epilogue of a weight-gradient tile: store the gradient, or apply it; returns refused lanes as -1. */
// @ts-ignore: decorator
@inline function put(ptr: usize, g: v128, mode: i32, vlr: v128, vwd: v128): v128 {
  if (mode == MODE_STORE) { v128.store(ptr, g); return i32x4.splat(0); }
  return storeFinite(ptr, sgdStep(ptr, g, vlr, vwd));
}

/** The SGD update of the 4 parameters at ptr by their gradient g: p − lr·(g + wd·p). */
// @ts-ignore: decorator
@inline function sgdStep(ptr: usize, g: v128, vlr: v128, vwd: v128): v128 {
  const p = v128.load(ptr);
  return f32x4.sub(p, f32x4.mul(vlr, f32x4.add(g, f32x4.mul(vwd, p))));
}

/** Stores the lanes of q that are finite over the parameters at ptr; returns the others as -1. */
// @ts-ignore: decorator
@inline function storeFinite(ptr: usize, q: v128): v128 {
  const p = v128.load(ptr);
  const ok = f32x4.eq(f32x4.sub(q, q), f32x4.splat(0));
  v128.store(ptr, v128.bitselect(q, p, ok));
  return v128.not(ok);
}

/** The same for n (0..4) bias lanes; biases get no weight decay. */
// @ts-ignore: decorator
@inline function putBias(ptr: usize, g: v128, n: i32, mode: i32, vlr: v128): v128 {
  if (mode == MODE_STORE) { storePartial(ptr, g, n); return i32x4.splat(0); }
  const p = loadPartial(ptr, n);
  const q = f32x4.sub(p, f32x4.mul(vlr, g));
  const ok = f32x4.eq(f32x4.sub(q, q), f32x4.splat(0));
  storePartial(ptr, v128.bitselect(q, p, ok), n);
  return v128.not(ok); // lanes past n hold 0 - 0: finite, never counted
}

// ---------------------------------------------------------------------------------------------
// input gradient: dX = (dZ · W) ⊙ act'(Xa), where Xa is the previous layer's activation output.
// The first layer never needs it (its input is data), so the host skips the call there.

// dX is (B,K), dZ is (B,N), Wp is packed (NP,K,8), Xa is (B,K); act is Xa's activation;
// rows [r0,r1) × input panels [q0,q1) (inputs 8·q0 … 8·q1 − 1)
export function f32_dense_backward_input__scalar(dX: usize, dZ: usize, Wp: usize, Xa: usize, B: i32, K: i32, N: i32, act: i32, r0: i32, r1: i32, q0: i32, q1: i32): void {
  const k1 = min(K, q1 << 3);
  for (let r = r0; r < r1; r++) {
    for (let k = q0 << 3; k < k1; k++) {
      let s: f32 = 0;
      for (let o = 0; o < N; o++) {
        s += load<f32>(dZ + ((<usize>r * <usize>N + <usize>o) << 2)) * load<f32>(Wp + (packedIndex(o, k, K) << 2));
      }
      const i = (<usize>r * <usize>K + <usize>k) << 2;
      store<f32>(dX + i, s * actGradScalar(load<f32>(Xa + i), act));
    }
  }
}

// dX is (B,K), dZ is (B,N), Wp is packed (NP,K,8), Xa is (B,K); input panels [q0,q1).
// Scratch: WpT (ceil(K/8)·8·N floats, panel q at q·8·N; this call writes its panels only) and
// dZp (B·N floats, this call's own). W is first re-packed by inputs (WpT: panels of 8 inputs,
// (N, 8) each, built with 4×4 register transposes), then dX = dZ · W runs on the same 4×8 register
// tile as the forward pass, with act'(Xa) applied in the epilogue. The re-pack reads W once
// (K·N floats), which is 1/B of the product's work, and turns a dot-product kernel into a
// broadcast one. Each call interleaves all of dZ into its own dZp, so calls over disjoint input
// panels share nothing they write.
export function f32_dense_backward_input_4x8__simd(dX: usize, dZ: usize, Wp: usize, Xa: usize, WpT: usize, dZp: usize, B: i32, K: i32, N: i32, act: i32, q0: i32, q1: i32): void {
  f32_transpose_packed__simd(WpT, Wp, N, K, 0, (N + 7) >> 3, q0, q1);
  inputGradPacked4x8(dX, dZ, WpT, Xa, dZp, B, K, N, act, 0, B, q0, q1);
}

// The product alone, over rows [r0,r1) and every input, with W already re-packed by inputs:
// dX is (B,K), dZ is (B,N), WpT is packed by inputs (ceil(K/8),N,8), Xa is (B,K); dZp is scratch of
// (r1−r0)·N floats. The training engine keeps WpT up to date as it updates W (engine.ts), so the
// step re-packs nothing. Below a narrow layer (a 10-class head), panels go by blocks
// (gemmPackedBlocks4x8: 784-4096-10's rows phase 1.64 → 1.0 ms a step on one thread).
export function f32_dense_backward_input_rows_4x8__simd(dX: usize, dZ: usize, WpT: usize, Xa: usize, dZp: usize, B: i32, K: i32, N: i32, act: i32, r0: i32, r1: i32): void {
  inputGradPacked4x8(dX, dZ, WpT, Xa, dZp, B, K, N, act, r0, r1, 0, (K + 7) >> 3);
}

// The same product over rows [r0,r1) and input panels [q0,q1) only: the engine's wide hidden layers
// on several threads, each thread its own panels of dX over every row (engine.ts panelPass, backward).
// dZp holds this call's rows of dZ interleaved by its first panel, or already interleaved there by
// an earlier call over the same rows (`interleaved`). Each element is the same sum in the same
// order as in the call over every panel.
export function f32_dense_backward_input_panels_4x8__simd(dX: usize, dZ: usize, WpT: usize, Xa: usize, dZp: usize, B: i32, K: i32, N: i32, act: i32, r0: i32, r1: i32, q0: i32, q1: i32, interleaved: bool = false): void {
  gemmPacked4x8(dX, dZ, WpT, B, N, K, EPI_ACT_GRAD, 0, act, Xa, dZp, r0, r1, q0, q1, interleaved);
}

// WpT is packed by inputs (ceil(K/8), N, 8), Wp is packed by outputs (ceil(N/8), K, 8); the blocks
// output panels [p0,p1) × input panels [q0,q1) of WpT are written. Full 8×8 blocks move as four
// 4×4 transposes in registers; edge blocks element by element.
export function f32_transpose_packed__simd(WpT: usize, Wp: usize, N: i32, K: i32, p0: i32, p1: i32, q0: i32, q1: i32): void {
  for (let p = p0; p < p1; p++) {
    for (let q = q0; q < q1; q++) {
      // source block: rows k = 8q..8q+7 of panel p (32 bytes each); target: rows o = 8p..8p+7 of panel q
      const src = Wp + (((<usize>p * <usize>K + (<usize>q << 3)) << 3) << 2);
      const dst = WpT + (((<usize>q * <usize>N + (<usize>p << 3)) << 3) << 2);
      if ((q << 3) + 8 <= K && (p << 3) + 8 <= N) {
        transpose4x4(dst, src, 0, 0);       // o 0..3 × k 0..3
        transpose4x4(dst, src, 0, 1);       // o 0..3 × k 4..7
        transpose4x4(dst, src, 1, 0);       // o 4..7 × k 0..3
        transpose4x4(dst, src, 1, 1);       // o 4..7 × k 4..7
      } else {
        for (let c = 0; c < 8; c++) {
          const o = (p << 3) + c;
          if (o >= N) break;
          for (let j = 0; j < 8; j++) {
            const k = (q << 3) + j;
            store<f32>(dst + ((<usize>c << 3) + <usize>j << 2), k < K ? load<f32>(src + ((<usize>j << 3) + <usize>c << 2)) : 0);
          }
        }
      }
    }
  }
}

/** Transposes the 4×4 sub-block (outputs oh·4.., inputs kh·4..) of an 8×8 block: src rows are
 * inputs (8 output lanes each), dst rows are outputs (8 input lanes each), both 32-byte rows. */
// @ts-ignore: decorator
@inline function transpose4x4(dst: usize, src: usize, oh: i32, kh: i32): void {
  const s = src + (<usize>kh << 7) + (<usize>oh << 4);
  const r0 = v128.load(s), r1 = v128.load(s, 32), r2 = v128.load(s, 64), r3 = v128.load(s, 96);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  const d = dst + (<usize>oh << 7) + (<usize>kh << 4);
  v128.store(d, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(d, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 32);
  v128.store(d, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 64);
  v128.store(d, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 96);
}
