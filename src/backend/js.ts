// The pure-TypeScript backend: the same kernels as the wasm ABI, written as a competent JS
// developer would (Float32Array, contiguous inner loops, four independent accumulators, no
// allocation), over an ArrayBuffer addressed by the same byte offsets. It is the oracle of the
// parity tests and the "pure JS" of every benchmark, so it is kept honest: tuned, never slowed.
// Weights use the documented row-major layout W (N,K).

import type { Kernels } from './kernels.js';
import { ACT, LEAKY_RELU_SLOPE as LEAKY } from '../vocabulary.js';
import { dropoutBits, dropoutKey, dropoutRowKey } from './dropout-bits.js';
import { widenRows } from '../data/bytes.js';
import { firstNonFinite } from '../validate.js';

function act1(z: number, act: number): number {
  switch (act) {
    case ACT.relu: return z > 0 ? z : 0;
    case ACT.leaky_relu: return z > 0 ? z : z * LEAKY;
    case ACT.sigmoid: return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    case ACT.tanh: return Math.tanh(z);
    default: return z;
  }
}

function actGrad(a: number, act: number): number {
  switch (act) {
    case ACT.relu: return a > 0 ? 1 : 0;
    case ACT.leaky_relu: return a > 0 ? 1 : LEAKY;
    case ACT.sigmoid: return a * (1 - a);
    case ACT.tanh: return 1 - a * a;
    default: return 1;
  }
}

export class JsKernels implements Kernels {
  readonly name = 'js' as const;
  readonly weightLayout = 'rowmajor' as const;
  readonly arenaBase = 64;
  private buf: ArrayBuffer;
  private f: Float32Array;
  private i: Int32Array;
  private u8: Uint8Array;
  /** one gradient row for the fused SGD kernel, grown once, reused every step */
  private row = new Float32Array(0);

  constructor(initialBytes = 1 << 16) {
    this.buf = new ArrayBuffer(initialBytes);
    this.f = new Float32Array(this.buf);
    this.i = new Int32Array(this.buf);
    this.u8 = new Uint8Array(this.buf);
  }

  buffer(): ArrayBuffer { return this.buf; }

  ensureBytes(bytes: number): void {
    if (bytes <= this.buf.byteLength) return;
    // grow like wasm memory: whole 64 KiB pages, contents kept
    const size = Math.ceil(bytes / 65536) * 65536;
    const next = new ArrayBuffer(size);
    new Uint8Array(next).set(new Uint8Array(this.buf));
    this.buf = next;
    this.f = new Float32Array(next);
    this.i = new Int32Array(next);
    this.u8 = new Uint8Array(next);
  }

  // A (B,N) = act(X (B,K) · Wᵀ + bias); W (N,K). Dot products, four outputs share each x load.
  dense_forward(A: number, X: number, W: number, bias: number, _scratch: number, B: number, K: number, N: number, act: number): void {
    const f = this.f;
    const a = A >> 2, x = X >> 2, w = W >> 2, b = bias >> 2;
    for (let r = 0; r < B; r++) {
      const xr = x + r * K;
      const ar = a + r * N;
      let o = 0;
      for (; o + 4 <= N; o += 4) {
        const w0 = w + o * K, w1 = w0 + K, w2 = w1 + K, w3 = w2 + K;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0; k < K; k++) {
          const xv = f[xr + k];
          s0 += xv * f[w0 + k]; s1 += xv * f[w1 + k]; s2 += xv * f[w2 + k]; s3 += xv * f[w3 + k];
        }
        f[ar + o] = act1(s0 + f[b + o], act);
        f[ar + o + 1] = act1(s1 + f[b + o + 1], act);
        f[ar + o + 2] = act1(s2 + f[b + o + 2], act);
        f[ar + o + 3] = act1(s3 + f[b + o + 3], act);
      }
      for (; o < N; o++) {
        const wo = w + o * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += f[xr + k] * f[wo + k];
        f[ar + o] = act1(s + f[b + o], act);
      }
    }
  }

  /** Row o of dZᵀ·X into dst[at, at+K) (overwritten), as row updates (axpy) over four samples
   * at a time; returns Σ_rows dZ[·, o], the bias gradient. */
  private gradRow(dst: Float32Array, at: number, z: number, x: number, o: number, B: number, K: number, N: number): number {
    const f = this.f;
    dst.fill(0, at, at + K);
    let bsum = 0;
    let r = 0;
    for (; r + 4 <= B; r += 4) {
      const g0 = f[z + r * N + o], g1 = f[z + (r + 1) * N + o], g2 = f[z + (r + 2) * N + o], g3 = f[z + (r + 3) * N + o];
      bsum += g0 + g1 + g2 + g3;
      const x0 = x + r * K, x1 = x0 + K, x2 = x1 + K, x3 = x2 + K;
      for (let k = 0; k < K; k++) dst[at + k] += g0 * f[x0 + k] + g1 * f[x1 + k] + g2 * f[x2 + k] + g3 * f[x3 + k];
    }
    for (; r < B; r++) {
      const g = f[z + r * N + o];
      bsum += g;
      const xr = x + r * K;
      for (let k = 0; k < K; k++) dst[at + k] += g * f[xr + k];
    }
    return bsum;
  }

  // dW (N,K) = dZᵀ · X, db = Σ_rows dZ
  dense_backward_weights(dW: number, db: number, dZ: number, X: number, B: number, K: number, N: number): void {
    const gw = dW >> 2, gb = db >> 2, z = dZ >> 2, x = X >> 2;
    for (let o = 0; o < N; o++) this.f[gb + o] = this.gradRow(this.f, gw + o * K, z, x, o, B, K, N);
  }

  // W -= lr·(dZᵀ·X + wd·W), b -= lr·Σ dZ: each gradient row is built in a reused row buffer, then applied
  dense_backward_weights_sgd(W: number, bias: number, dZ: number, X: number, B: number, K: number, N: number, lr: number, wd: number): number {
    const f = this.f;
    const w = W >> 2, b = bias >> 2, z = dZ >> 2, x = X >> 2;
    if (this.row.length < K) this.row = new Float32Array(K);
    const g = this.row;
    let bad = 0;
    for (let o = 0; o < N; o++) {
      const bsum = this.gradRow(g, 0, z, x, o, B, K, N);
      const row = w + o * K;
      for (let k = 0; k < K; k++) {
        const p = f[row + k];
        const q = p - lr * (g[k] + wd * p);
        if (Number.isFinite(Math.fround(q))) f[row + k] = q; else bad++;
      }
      const qb = f[b + o] - lr * bsum;
      if (Number.isFinite(Math.fround(qb))) f[b + o] = qb; else bad++;
    }
    return bad;
  }

  // dX (B,K) = (dZ · W) ⊙ act'(Xa)
  dense_backward_input(dX: number, dZ: number, W: number, Xa: number, _scratch: number, B: number, K: number, N: number, act: number): void {
    const f = this.f;
    const dx = dX >> 2, z = dZ >> 2, w = W >> 2, xa = Xa >> 2;
    for (let r = 0; r < B; r++) {
      const out = dx + r * K;
      f.fill(0, out, out + K);
      const zr = z + r * N;
      let o = 0;
      for (; o + 4 <= N; o += 4) {
        const g0 = f[zr + o], g1 = f[zr + o + 1], g2 = f[zr + o + 2], g3 = f[zr + o + 3];
        const w0 = w + o * K, w1 = w0 + K, w2 = w1 + K, w3 = w2 + K;
        for (let k = 0; k < K; k++) f[out + k] += g0 * f[w0 + k] + g1 * f[w1 + k] + g2 * f[w2 + k] + g3 * f[w3 + k];
      }
      for (; o < N; o++) {
        const g = f[zr + o], wo = w + o * K;
        for (let k = 0; k < K; k++) f[out + k] += g * f[wo + k];
      }
      const ar = xa + r * K;
      if (act !== ACT.identity) for (let k = 0; k < K; k++) f[out + k] *= actGrad(f[ar + k], act);
    }
  }



  softmax_xent_forward(P: number, Z: number, labels: number, B: number, N: number): number {
    const f = this.f, I = this.i, p = P >> 2, zz = Z >> 2, l = labels >> 2;
    let loss = 0;
    for (let r = 0; r < B; r++) {
      const zr = zz + r * N, pr = p + r * N;
      let m = f[zr];
      for (let j = 1; j < N; j++) if (f[zr + j] > m) m = f[zr + j];
      let s = 0;
      const zy = labels !== 0 ? f[zr + I[l + r]] : 0;
      for (let j = 0; j < N; j++) { const e = Math.exp(f[zr + j] - m); f[pr + j] = e; s += e; }
      for (let j = 0; j < N; j++) f[pr + j] /= s;
      if (labels !== 0) loss += Math.log(s) - (zy - m);
    }
    return loss;
  }

  softmax_xent_backward(dZ: number, P: number, labels: number, B: number, N: number, scale: number): void {
    const f = this.f, I = this.i, d = dZ >> 2, p = P >> 2, l = labels >> 2;
    for (let r = 0; r < B; r++) {
      const y = I[l + r];
      for (let j = 0; j < N; j++) f[d + r * N + j] = (f[p + r * N + j] - (j === y ? 1 : 0)) * scale;
    }
  }

  sigmoid_bce_forward(P: number, Z: number, T: number, B: number, N: number): number {
    const f = this.f, p = P >> 2, zz = Z >> 2, t = T >> 2, n = B * N;
    let loss = 0;
    for (let j = 0; j < n; j++) {
      const z = f[zz + j];
      if (T !== 0) loss += Math.max(z, 0) - z * f[t + j] + Math.log1p(Math.exp(-Math.abs(z)));
      f[p + j] = act1(z, ACT.sigmoid);
    }
    return loss;
  }

  sigmoid_bce_backward(dZ: number, P: number, T: number, B: number, N: number, scale: number): void {
    const f = this.f, d = dZ >> 2, p = P >> 2, t = T >> 2, n = B * N;
    for (let j = 0; j < n; j++) f[d + j] = (f[p + j] - f[t + j]) * scale;
  }

  mse_forward(P: number, Z: number, T: number, B: number, N: number): number {
    const f = this.f, p = P >> 2, zz = Z >> 2, t = T >> 2, n = B * N;
    let loss = 0;
    for (let j = 0; j < n; j++) {
      const z = f[zz + j];
      if (T !== 0) { const e = z - f[t + j]; loss += e * e; }
      f[p + j] = z;
    }
    return loss;
  }

  mse_backward(dZ: number, P: number, T: number, B: number, N: number, scale: number): void {
    const f = this.f, d = dZ >> 2, p = P >> 2, t = T >> 2, n = B * N;
    for (let j = 0; j < n; j++) f[d + j] = 2 * (f[p + j] - f[t + j]) * scale;
  }

  count_correct_argmax(P: number, labels: number, B: number, N: number): number {
    const f = this.f, I = this.i, p = P >> 2, l = labels >> 2;
    let correct = 0;
    for (let r = 0; r < B; r++) {
      let best = 0, bv = f[p + r * N];
      for (let j = 1; j < N; j++) { const v = f[p + r * N + j]; if (v > bv) { bv = v; best = j; } }
      if (best === I[l + r]) correct++;
    }
    return correct;
  }

  count_correct_binary(P: number, T: number, B: number, N: number): number {
    const f = this.f, p = P >> 2, t = T >> 2, n = B * N;
    let correct = 0;
    for (let j = 0; j < n; j++) if ((f[p + j] >= 0.5) === (f[t + j] >= 0.5)) correct++;
    return correct;
  }

  // Optimizers: an element whose new value is not finite keeps its old value and is counted.
  sgd_update(P: number, G: number, n: number, nDecay: number, lr: number, wd: number): number {
    const f = this.f, p = P >> 2, g = G >> 2;
    let bad = 0;
    for (let j = 0; j < n; j++) {
      const w = f[p + j];
      const q = w - lr * (f[g + j] + (j < nDecay ? wd * w : 0));
      if (Number.isFinite(Math.fround(q))) f[p + j] = q; else bad++;
    }
    return bad;
  }

  momentum_update(P: number, V: number, G: number, n: number, nDecay: number, lr: number, mu: number, wd: number): number {
    const f = this.f, p = P >> 2, v = V >> 2, g = G >> 2;
    let bad = 0;
    for (let j = 0; j < n; j++) {
      const w = f[p + j];
      const vel = mu * f[v + j] + f[g + j];
      const q = w - lr * (vel + (j < nDecay ? wd * w : 0));
      if (Number.isFinite(Math.fround(q)) && Number.isFinite(Math.fround(vel))) { f[p + j] = q; f[v + j] = vel; } else bad++;
    }
    return bad;
  }

  adam_update(P: number, M: number, V: number, G: number, n: number, nDecay: number, lr: number, b1: number, b2: number, eps: number, wd: number, bc1: number, bc2: number): number {
    const f = this.f, p = P >> 2, m = M >> 2, v = V >> 2, g = G >> 2;
    let bad = 0;
    for (let j = 0; j < n; j++) {
      const gj = f[g + j], w = f[p + j];
      const mj = b1 * f[m + j] + (1 - b1) * gj;
      const vj = b2 * f[v + j] + (1 - b2) * gj * gj;
      const q = w - lr * ((mj / bc1) / (Math.sqrt(vj / bc2) + eps) + (j < nDecay ? wd * w : 0));
      if (Number.isFinite(Math.fround(q)) && Number.isFinite(Math.fround(mj)) && Number.isFinite(Math.fround(vj))) {
        f[p + j] = q; f[m + j] = mj; f[v + j] = vj;
      } else bad++;
    }
    return bad;
  }

  gather_rows(dst: number, src: number, idx: number, count: number, cols: number): void {
    const f = this.f, I = this.i, d = dst >> 2, s = src >> 2, ix = idx >> 2;
    for (let j = 0; j < count; j++) {
      const r = I[ix + j];
      f.copyWithin(d + j * cols, s + r * cols, s + (r + 1) * cols);
    }
  }

  gather_rows_u8(dst: number, src: number, idx: number, count: number, cols: number, divisor: number, norm: number): void {
    const f = this.f, I = this.i, bytes = this.u8, ix = idx >> 2;
    const offset = norm ? f.subarray(norm >> 2, (norm >> 2) + cols) : undefined;
    const scale = norm ? f.subarray((norm >> 2) + cols, (norm >> 2) + 2 * cols) : undefined;
    const d = Math.fround(divisor);
    for (let j = 0; j < count; j++) widenRows(f, (dst >> 2) + j * cols, bytes, src + I[ix + j] * cols, 1, cols, d, offset, scale);
  }

  first_nonfinite(x: number, n: number): number { return firstNonFinite(this.f, x >> 2, n); }

  gather_i32(dst: number, src: number, idx: number, count: number): void {
    const I = this.i, d = dst >> 2, s = src >> 2, ix = idx >> 2;
    for (let j = 0; j < count; j++) I[d + j] = I[s + I[ix + j]];
  }

  dropout_key(seed: number, step: number, layer: number): number { return dropoutKey(seed >>> 0, step >>> 0, layer >>> 0); }

  // out (B,N) = inp ⊙ keep·scale; a dropped element is +0 whatever the input
  dropout_forward(out: number, inp: number, B: number, N: number, key: number, threshold: number, scale: number): void {
    const f = this.f, o = out >> 2, x = inp >> 2, t = threshold >>> 0, s = Math.fround(scale);
    for (let r = 0; r < B; r++) {
      const rk = dropoutRowKey(key >>> 0, r), at = r * N;
      for (let j = 0; j < N; j++) f[o + at + j] = dropoutBits(rk, j) >= t ? f[x + at + j] * s : 0;
    }
  }

  dropout_backward(dX: number, dY: number, B: number, N: number, key: number, threshold: number, scale: number): void {
    this.dropout_forward(dX, dY, B, N, key, threshold, scale);
  }

  sum_squares(G: number, n: number): number {
    const f = this.f, g = G >> 2;
    let s = 0;
    for (let i = 0; i < n; i++) s += f[g + i] * f[g + i];
    return s;
  }

  clip_values(G: number, n: number, c: number): void {
    const f = this.f, g = G >> 2, hi = Math.fround(c), lo = -hi;
    for (let i = 0; i < n; i++) { const v = f[g + i]; f[g + i] = v !== v ? v : v < lo ? lo : v > hi ? hi : v; }
  }

  scale_values(G: number, n: number, s: number): void {
    const f = this.f, g = G >> 2, m = Math.fround(s);
    for (let i = 0; i < n; i++) f[g + i] *= m;
  }
}
