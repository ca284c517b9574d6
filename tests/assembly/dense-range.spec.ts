// Range-taking dense kernels (assembly/dense.ts): the training engine splits each product into
// units — forward and input gradient over rows, weight gradient over output panels × inputs — and
// runs them on different threads (the ABI's _range exports split forward over rows × panels and
// the input gradient over input panels). Splitting must change nothing: for every kernel (scalar
// and SIMD) the blocks of a split, each run as its own call with its own scratch, give exactly the
// bits of one call over everything, and a call writes nothing outside its block.
// Splits: rows at multiples of 4 (the register tile) with the tail in the last block; panels one
// by one, in halves and in uneven thirds, with empty blocks included; inputs at multiples of 8.

import {
  f32_dense_forward__scalar, f32_dense_forward_4x8__simd,
  f32_dense_backward_weights__scalar, f32_dense_backward_weights_4x8__simd,
  f32_dense_backward_weights_sgd__scalar, f32_dense_backward_weights_sgd_4x8__simd,
  f32_dense_backward_input__scalar, f32_dense_backward_input_4x8__simd,
  f32_dense_backward_input_rows_4x8__simd, f32_dense_backward_input_panels_4x8__simd, f32_transpose_packed__simd,
} from "../../assembly/dense";
import { f32_pack_weights } from "../../assembly/pack";
import { reseed, rnd, buf, bufFilled, rand, copyOf, expectGuard, expectSameBits, cursor, register, POISON } from "./harness";

class Case { constructor(public B: i32, public N: i32, public K: i32, public act: i32, public simd: bool) {} }
const cases: Case[] = [];
function add(name: string, c: Case, fn: () => void): void { register(cases, c, name, fn); }
function panels(n: i32): i32 { return (n + 7) >> 3; }
function where(c: Case): string {
  return " at B=" + c.B.toString() + " N=" + c.N.toString() + " K=" + c.K.toString() + " act " + c.act.toString() + (c.simd ? " simd" : " scalar");
}

/** Split points of [0, n) into `parts` blocks of whole units (the last block takes the rest):
 * [0, b1, …, n]. Uneven on purpose: block i gets floor(units·(i+1)/parts) − floor(units·i/parts) units. */
function cuts(n: i32, unit: i32, parts: i32): i32[] {
  const units = n / unit;
  const out: i32[] = [0];
  for (let i = 1; i < parts; i++) out.push(min(n, (units * i / parts) * unit));
  out.push(n);
  return out;
}

function packRand(N: i32, K: i32): usize {
  const Wp = buf(panels(N) * K * 8);
  f32_pack_weights(Wp, rand(N * K), N, K);
  return Wp;
}

// ---------------------------------------------------------------------------------------------

function forwardSplit(): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = panels(N);
  reseed(<u32>(B * 31 + N * 7 + K));
  const X = rand(B * K), Wp = packRand(N, K), bias = rand(N);
  const whole = buf(B * N);
  if (c.simd) f32_dense_forward_4x8__simd(whole, X, Wp, bias, buf(B * K), B, K, N, c.act, 0, B, 0, NP);
  else f32_dense_forward__scalar(whole, X, Wp, bias, B, K, N, c.act, 0, B, 0, NP);
  // rows in 1..3 blocks × panels in 1..3 blocks; every block with a scratch of its own rows only
  for (let rp = 1; rp <= 3; rp++) {
    for (let pp = 1; pp <= 3; pp++) {
      const rc = cuts(B, 4, rp), pc = cuts(NP, 1, pp);
      const A = buf(B * N);
      for (let i = 0; i < rp; i++) {
        for (let j = 0; j < pp; j++) {
          const r0 = rc[i], r1 = rc[i + 1], p0 = pc[j], p1 = pc[j + 1];
          const rows = r1 - r0;
          const scratch = buf(max(1, rows * K));
          if (c.simd) f32_dense_forward_4x8__simd(A, X, Wp, bias, scratch, B, K, N, c.act, r0, r1, p0, p1);
          else f32_dense_forward__scalar(A, X, Wp, bias, B, K, N, c.act, r0, r1, p0, p1);
          expectGuard(scratch, max(1, rows * K), "forward scratch of rows " + r0.toString() + ".." + r1.toString());
        }
      }
      expectSameBits(A, whole, B * N, "forward split rows " + rp.toString() + " × panels " + pp.toString());
      expectGuard(A, B * N, "A");
    }
  }
}

function forwardWritesOnlyItsBlock(): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = panels(N);
  reseed(5);
  const X = rand(B * K), Wp = packRand(N, K), bias = rand(N);
  const A = buf(B * N); // POISON everywhere
  const r0 = 4, r1 = B, p0 = 1, p1 = NP;
  if (c.simd) f32_dense_forward_4x8__simd(A, X, Wp, bias, buf((r1 - r0) * K), B, K, N, c.act, r0, r1, p0, p1);
  else f32_dense_forward__scalar(A, X, Wp, bias, B, K, N, c.act, r0, r1, p0, p1);
  let outside = 0, inside = 0;
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < N; o++) {
      const poisoned = load<u32>(A + (<usize>(r * N + o) << 2)) == POISON;
      const mine = r >= r0 && r < r1 && o >= p0 * 8 && o < min(N, p1 * 8);
      if (!mine && !poisoned) outside++;
      if (mine && poisoned) inside++;
    }
  }
  expect<i32>(outside).toBe(0, "elements written outside rows 4..B × panels 1..NP");
  expect<i32>(inside).toBe(0, "elements of the block left unwritten");
}

/** An input-gradient call over input panels [1, 3) writes exactly those columns of dX, every row. */
function inputWritesOnlyItsPanels(): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, KP = panels(K);
  reseed(7);
  const dZ = rand(B * N), Wp = packRand(N, K), Xa = rand(B * K);
  const dX = buf(B * K); // POISON everywhere
  const q0 = 1, q1 = 3;
  // (the re-pack scratch starts at zero, not POISON: a panel computed from its unwritten part must
  // not come out as POISON's own NaN and pass for unwritten)
  f32_dense_backward_input_4x8__simd(dX, dZ, Wp, Xa, bufFilled(KP * 8 * N, 0), buf(B * N), B, K, N, c.act, q0, q1);
  let outside = 0, inside = 0;
  for (let r = 0; r < B; r++) {
    for (let k = 0; k < K; k++) {
      const poisoned = load<u32>(dX + (<usize>(r * K + k) << 2)) == POISON;
      const mine = k >= q0 * 8 && k < min(K, q1 * 8);
      if (!mine && !poisoned) outside++;
      if (mine && poisoned) inside++;
    }
  }
  expect<i32>(outside).toBe(0, "elements written outside input panels 1..3");
  expect<i32>(inside).toBe(0, "elements of panels 1..3 left unwritten");
}

function weightsSplit(sgd: bool): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = panels(N);
  reseed(<u32>(B * 17 + N * 3 + K));
  const dZ = rand(B * N), X = rand(B * K);
  const W0 = packRand(N, K), b0 = rand(N);
  const wholeW = sgd ? copyOf(W0, NP * K * 8) : buf(NP * K * 8), wholeB = sgd ? copyOf(b0, N) : buf(N);
  let wholeRefused = 0;
  if (sgd) {
    wholeRefused = c.simd ? f32_dense_backward_weights_sgd_4x8__simd(wholeW, wholeB, dZ, X, B, K, N, 0.5, 0.1, 0, NP, 0, K)
      : f32_dense_backward_weights_sgd__scalar(wholeW, wholeB, dZ, X, B, K, N, 0.5, 0.1, 0, NP, 0, K);
  } else if (c.simd) f32_dense_backward_weights_4x8__simd(wholeW, wholeB, dZ, X, B, K, N, 0, NP, 0, K);
  else f32_dense_backward_weights__scalar(wholeW, wholeB, dZ, X, B, K, N, 0, NP, 0, K);
  // panels in 1..4 blocks × inputs in 1..3 blocks (multiples of 8, the tail in the last)
  for (let parts = 1; parts <= 4; parts++) for (let kparts = 1; kparts <= 3; kparts++) {
    const pc = cuts(NP, 1, parts), kc = cuts(K, 8, kparts);
    const W = sgd ? copyOf(W0, NP * K * 8) : buf(NP * K * 8), bb = sgd ? copyOf(b0, N) : buf(N);
    let refused = 0;
    for (let i = 0; i < parts; i++) for (let j = 0; j < kparts; j++) {
      const p0 = pc[i], p1 = pc[i + 1], k0 = kc[j], k1 = kc[j + 1];
      if (sgd) {
        refused += c.simd ? f32_dense_backward_weights_sgd_4x8__simd(W, bb, dZ, X, B, K, N, 0.5, 0.1, p0, p1, k0, k1)
          : f32_dense_backward_weights_sgd__scalar(W, bb, dZ, X, B, K, N, 0.5, 0.1, p0, p1, k0, k1);
      } else if (c.simd) f32_dense_backward_weights_4x8__simd(W, bb, dZ, X, B, K, N, p0, p1, k0, k1);
      else f32_dense_backward_weights__scalar(W, bb, dZ, X, B, K, N, p0, p1, k0, k1);
    }
    const how = ", panels in " + parts.toString() + " × inputs in " + kparts.toString() + " blocks";
    expectSameBits(W, wholeW, NP * K * 8, (sgd ? "W after sgd" : "dW") + how);
    expectSameBits(bb, wholeB, N, (sgd ? "bias after sgd" : "db") + how);
    expect<i32>(refused).toBe(wholeRefused, "refused count summed over the blocks");
    expectGuard(W, NP * K * 8, "W");
    expectGuard(bb, N, "bias");
  }
}

function inputSplit(): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, KP = panels(K);
  reseed(<u32>(B * 13 + N * 5 + K));
  const dZ = rand(B * N), Wp = packRand(N, K);
  const Xa = buf(B * K);
  for (let i = 0; i < B * K; i++) store<f32>(Xa + (<usize>i << 2), rnd() > 0 ? rnd() * 0.5 + 0.5 : 0);
  const whole = buf(B * K);
  const WpT = buf(KP * 8 * N);
  if (c.simd) f32_dense_backward_input_4x8__simd(whole, dZ, Wp, Xa, WpT, buf(B * N), B, K, N, c.act, 0, KP);
  else f32_dense_backward_input__scalar(whole, dZ, Wp, Xa, B, K, N, c.act, 0, B, 0, KP);
  for (let parts = 1; parts <= 4; parts++) {
    const qc = cuts(KP, 1, parts);
    const dX = buf(B * K);
    const T = buf(KP * 8 * N); // one shared re-pack buffer: each block writes its own panels
    for (let i = 0; i < parts; i++) {
      const dZp = buf(max(1, B * N));
      if (c.simd) f32_dense_backward_input_4x8__simd(dX, dZ, Wp, Xa, T, dZp, B, K, N, c.act, qc[i], qc[i + 1]);
      else f32_dense_backward_input__scalar(dX, dZ, Wp, Xa, B, K, N, c.act, 0, B, qc[i], qc[i + 1]);
      expectGuard(dZp, max(1, B * N), "dZ interleave scratch");
    }
    expectSameBits(dX, whole, B * K, "dX, input panels in " + parts.toString() + " blocks");
    expectGuard(dX, B * K, "dX");
    expectGuard(T, KP * 8 * N, "WpT");
  }
  // over rows (the engine's split), from W re-packed once, block by block of output panels
  const T1 = buf(KP * 8 * N);
  const NP = panels(N);
  for (let p = 0; p < NP; p++) if (c.simd) f32_transpose_packed__simd(T1, Wp, N, K, p, p + 1, 0, KP);
  for (let parts = 1; parts <= 4; parts++) {
    const rc = cuts(B, 4, parts);
    const dX = buf(B * K);
    for (let i = 0; i < parts; i++) {
      const r0 = rc[i], r1 = rc[i + 1];
      const dZp = buf(max(1, (r1 - r0) * N));
      if (c.simd) f32_dense_backward_input_rows_4x8__simd(dX, dZ, T1, Xa, dZp, B, K, N, c.act, r0, r1);
      else f32_dense_backward_input__scalar(dX, dZ, Wp, Xa, B, K, N, c.act, r0, r1, 0, KP);
      expectGuard(dZp, max(1, (r1 - r0) * N), "dZ interleave scratch of rows " + r0.toString() + ".." + r1.toString());
    }
    expectSameBits(dX, whole, B * K, "dX, rows in " + parts.toString() + " blocks");
    expectGuard(dX, B * K, "dX");
  }
  // over rows × single input panels (the engine's panel layers, engine.ts panelPass): each
  // block of rows in turn, its panels one call each (in reverse order every other block), the scratch interleaved by
  // the first call of the block and reused by the others (`interleaved`)
  if (!c.simd) return;
  for (let rp = 1; rp <= 3; rp++) {
    const rc = cuts(B, 4, rp);
    const dX = buf(B * K);
    for (let i = 0; i < rp; i++) {
      const r0 = rc[i], r1 = rc[i + 1];
      const dZp = buf(max(1, (r1 - r0) * N));
      for (let j = 0; j < KP; j++) {
        const q = (i & 1) != 0 ? KP - 1 - j : j;
        f32_dense_backward_input_panels_4x8__simd(dX, dZ, T1, Xa, dZp, B, K, N, c.act, r0, r1, q, q + 1, j > 0);
      }
      expectGuard(dZp, max(1, (r1 - r0) * N), "dZ interleave scratch of rows " + r0.toString() + ".." + r1.toString());
    }
    expectSameBits(dX, whole, B * K, "dX, rows in " + rp.toString() + " blocks × single panels");
    expectGuard(dX, B * K, "dX");
  }
}

// B: the tile (4), its edges and tails; N and K around the panel of 8 and large.
const Bs: i32[] = [1, 3, 4, 5, 8, 13, 64, 67];
const Ns: i32[] = [1, 8, 9, 17, 130];
const Ks: i32[] = [1, 7, 9, 33];

describe("dense kernels split into ranges", () => {
  for (let v = 0; v < 2; v++) {
    const simd = v == 1;
    for (let i = 0; i < Bs.length; i++) {
      for (let j = 0; j < Ns.length; j++) {
        const K = Ks[(i + j) % Ks.length];
        const act = (i + j) % 5;
        const c = new Case(Bs[i], Ns[j], K, act, simd);
        add("forward split over rows × panels equals one call bit for bit" + where(c), c, () => { forwardSplit(); });
        const cw = new Case(Bs[i], Ns[j], Ks[(i + 2 * j) % Ks.length] * 3, act, simd);
        add("weight gradient split over panels × inputs equals one call bit for bit" + where(cw), cw, () => { weightsSplit(false); });
        add("fused sgd split over panels × inputs equals one call bit for bit, refused counts add up" + where(cw), cw, () => { weightsSplit(true); });
        const ci = new Case(Bs[i], Ns[j], Ks[(i + 2 * j) % Ks.length] * 3, act, simd);
        add("input gradient split over input panels, or over rows, equals one call bit for bit" + where(ci), ci, () => { inputSplit(); });
      }
    }
    const big = new Case(67, 130, 785, 1, simd);
    add("forward split equals one call at a large shape" + where(big), big, () => { forwardSplit(); });
    add("fused sgd split equals one call at a large shape" + where(big), big, () => { weightsSplit(true); });
    const bigIn = new Case(67, 130, 785, 3, simd);
    add("input gradient split equals one call at a large shape" + where(bigIn), bigIn, () => { inputSplit(); });
    // the input gradient's panels by blocks (N = 10: 51 panels a block, three blocks at K = 1030)
    // and one at a time (N = 600)
    const blocks = new Case(67, 10, 1030, 1, simd);
    add("input gradient split equals one call, panels by blocks" + where(blocks), blocks, () => { inputSplit(); });
    const single = new Case(13, 600, 20, 2, simd);
    add("input gradient split equals one call, panels one at a time" + where(single), single, () => { inputSplit(); });
    if (simd) add("an input-gradient range writes exactly its input panels, panels by blocks" + where(blocks), blocks, () => { inputWritesOnlyItsPanels(); });
    const blk = new Case(13, 17, 9, 3, simd);
    add("a forward range writes exactly its block of A" + where(blk), blk, () => { forwardWritesOnlyItsBlock(); });
  }
});
