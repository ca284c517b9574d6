// The weight gradient over regrouped operands (assembly/pack.ts f32_pack_rows_by8 / _by4 and
// dense.ts f32_dense_backward_weights_packed_4x8__simd, _sgd_packed_4x8__simd), as the training
// engine runs it: each row unit regroups its own rows of dZ and X, then weight units of panels ×
// inputs reduce over the whole batch. Checked here:
// - the regrouping puts every element where the layout says, zeroes the lanes past N (or K), and
//   a call writes only its own rows (and, given a range of panels or groups, only those columns,
//   as the engine's panel layers regroup their own);
// - over the regrouped operands (X regrouped or read in place), split over panels × inputs, the
//   weight gradient and the fused SGD step give exactly the bits of the row-major SIMD kernel in
//   one call, with the same refused counts; so does the fused step that sums a batch of more than
//   128 rows over an X read in place in chunks of 64 rows (its partial sums in a gradient block:
//   _sgd_packed_chunked_4x8__simd), which writes nothing of that block outside its unit. The row-major kernel is itself checked against the
//   scalar reference and an f64 sum in dense.spec.ts.

import {
  f32_dense_backward_weights_4x8__simd, f32_dense_backward_weights_sgd_4x8__simd,
  f32_dense_backward_weights_packed_4x8__simd, f32_dense_backward_weights_sgd_packed_4x8__simd,
  f32_dense_backward_weights_sgd_packed_chunked_4x8__simd,
} from "../../assembly/dense";
import { f32_pack_weights, f32_pack_rows_by4, f32_pack_rows_by8 } from "../../assembly/pack";
import { reseed, rand, buf, copyOf, at, expectGuard, expectSameBits, cursor, register, POISON } from "./harness";

class Case { constructor(public B: i32, public N: i32, public K: i32) {} }
const cases: Case[] = [];
function add(name: string, c: Case, fn: () => void): void { register(cases, c, name, fn); }
function where(c: Case): string { return " at B=" + c.B.toString() + " N=" + c.N.toString() + " K=" + c.K.toString(); }

/** Row cuts of [0, B) into `parts` blocks at multiples of 4, the tail in the last (as row units are). */
function rowCuts(B: i32, parts: i32): i32[] {
  const units = (B + 3) >> 2;
  const out: i32[] = [0];
  for (let i = 1; i < parts; i++) out.push(min(B, ((units * i) / parts) << 2));
  out.push(B);
  return out;
}

/** Both regroupings, each row block in its own call. */
function regroup(Zq: usize, Xq: usize, dZ: usize, X: usize, B: i32, N: i32, K: i32, parts: i32): void {
  const rc = rowCuts(B, parts);
  for (let i = 0; i < parts; i++) {
    f32_pack_rows_by8(Zq, dZ, B, N, rc[i], rc[i + 1]);
    f32_pack_rows_by4(Xq, X, B, K, rc[i], rc[i + 1]);
  }
}

/** The same by rows × column ranges, as the engine's panel layers regroup their own columns
 * (engine.ts panelPass): each panel of dZ alone, X's groups two at a time (a
 * panel of 8 outputs is 2 groups of 4), the ranges of a block in reverse order. */
function regroupByColumns(Zq: usize, Xq: usize, dZ: usize, X: usize, B: i32, N: i32, K: i32, parts: i32): void {
  const rc = rowCuts(B, parts), NP = (N + 7) >> 3, KG = (K + 3) >> 2;
  for (let i = 0; i < parts; i++) {
    for (let p = NP - 1; p >= 0; p--) f32_pack_rows_by8(Zq, dZ, B, N, rc[i], rc[i + 1], p, p + 1);
    for (let g = ((KG - 1) >> 1) << 1; g >= 0; g -= 2) f32_pack_rows_by4(Xq, X, B, K, rc[i], rc[i + 1], g, min(KG, g + 2));
  }
}

function layoutIsRight(byColumns: bool): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = (N + 7) >> 3, KG = (K + 3) >> 2;
  reseed(<u32>(B * 7 + N * 11 + K));
  const dZ = rand(B * N), X = rand(B * K);
  const Zq = buf(NP * B * 8), Xq = buf(KG * B * 4);
  if (byColumns) regroupByColumns(Zq, Xq, dZ, X, B, N, K, 3);
  else regroup(Zq, Xq, dZ, X, B, N, K, 3);
  let wrong = 0;
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < NP * 8; o++) {
      const got = load<u32>(Zq + (<usize>(((o >> 3) * B + r) * 8 + (o & 7)) << 2));
      const want = o < N ? load<u32>(dZ + (<usize>(r * N + o) << 2)) : 0;
      if (got != want) wrong++;
    }
    for (let k = 0; k < KG * 4; k++) {
      const got = load<u32>(Xq + (<usize>(((k >> 2) * B + r) * 4 + (k & 3)) << 2));
      const want = k < K ? load<u32>(X + (<usize>(r * K + k) << 2)) : 0;
      if (got != want) wrong++;
    }
  }
  expect<i32>(wrong).toBe(0, "regrouped elements not where the layout says (or padding not zero)");
  expectGuard(Zq, NP * B * 8, "Zq");
  expectGuard(Xq, KG * B * 4, "Xq");
}

function writesOnlyItsRows(): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = (N + 7) >> 3, KG = (K + 3) >> 2;
  reseed(<u32>(B * 5 + N + K));
  const dZ = rand(B * N), X = rand(B * K);
  const Zq = buf(NP * B * 8), Xq = buf(KG * B * 4);
  const r0 = 4, r1 = min(B, 8);
  f32_pack_rows_by8(Zq, dZ, B, N, r0, r1);
  f32_pack_rows_by4(Xq, X, B, K, r0, r1);
  let outside = 0;
  for (let i = 0; i < NP * B * 8; i++) {
    const r = (i >> 3) % B;
    if ((r < r0 || r >= r1) && load<u32>(Zq + (<usize>i << 2)) != POISON) outside++;
  }
  for (let i = 0; i < KG * B * 4; i++) {
    const r = (i >> 2) % B;
    if ((r < r0 || r >= r1) && load<u32>(Xq + (<usize>i << 2)) != POISON) outside++;
  }
  expect<i32>(outside).toBe(0, "elements written outside rows 4..8");
}

/** A call over rows [4, 8) and panel 1 (groups 2 … 3) writes nothing else. */
function writesOnlyItsBlock(): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = (N + 7) >> 3, KG = (K + 3) >> 2;
  reseed(<u32>(B * 3 + N + K));
  const dZ = rand(B * N), X = rand(B * K);
  const Zq = buf(NP * B * 8), Xq = buf(KG * B * 4);
  const r0 = 4, r1 = min(B, 8);
  f32_pack_rows_by8(Zq, dZ, B, N, r0, r1, 1, 2);
  f32_pack_rows_by4(Xq, X, B, K, r0, r1, 2, 4);
  let outside = 0, inside = 0;
  for (let i = 0; i < NP * B * 8; i++) {
    const r = (i >> 3) % B, p = (i >> 3) / B;
    const mine = r >= r0 && r < r1 && p == 1;
    if (!mine && load<u32>(Zq + (<usize>i << 2)) != POISON) outside++;
    if (mine && load<u32>(Zq + (<usize>i << 2)) == POISON) inside++;
  }
  for (let i = 0; i < KG * B * 4; i++) {
    const r = (i >> 2) % B, g = (i >> 2) / B;
    const mine = r >= r0 && r < r1 && g >= 2 && g < 4;
    if (!mine && load<u32>(Xq + (<usize>i << 2)) != POISON) outside++;
    if (mine && load<u32>(Xq + (<usize>i << 2)) == POISON) inside++;
  }
  expect<i32>(outside).toBe(0, "elements written outside rows 4..8 × panel 1 (groups 2..3)");
  expect<i32>(inside).toBe(0, "elements of rows 4..8 × panel 1 (groups 2..3) not written");
}

function sameBits(sgd: bool): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = (N + 7) >> 3, KG = (K + 3) >> 2;
  reseed(<u32>(B * 17 + N * 3 + K));
  const dZ = rand(B * N), X = rand(B * K);
  const W0 = buf(NP * K * 8), b0 = rand(N);
  f32_pack_weights(W0, rand(N * K), N, K);
  const wantW = sgd ? copyOf(W0, NP * K * 8) : buf(NP * K * 8), wantB = sgd ? copyOf(b0, N) : buf(N);
  const wantRefused = sgd ? f32_dense_backward_weights_sgd_4x8__simd(wantW, wantB, dZ, X, B, K, N, 0.5, 0.1, 0, NP, 0, K) : 0;
  if (!sgd) f32_dense_backward_weights_4x8__simd(wantW, wantB, dZ, X, B, K, N, 0, NP, 0, K);
  const Zq = buf(NP * B * 8), Xq = buf(KG * B * 4);
  regroup(Zq, Xq, dZ, X, B, N, K, 2);
  for (let xq = 0; xq < 2; xq++) {
    const Xs = xq != 0 ? Xq : X;
    // panels one by one × inputs in blocks of 8 (as the engine's weight units), and all at once;
    // the fused step also with a gradient block for partial sums (the engine's)
    const ways = sgd ? 2 : 1;
    for (let kb = 0; kb < 2; kb++) for (let chunked = 0; chunked < ways; chunked++) {
      const step = kb == 0 ? 8 : K;
      const W = sgd ? copyOf(W0, NP * K * 8) : buf(NP * K * 8), bb = sgd ? copyOf(b0, N) : buf(N);
      const gW = buf(NP * K * 8), gb = buf(N);
      let refused = 0;
      for (let p = 0; p < NP; p++) {
        for (let k0 = 0; k0 < K; k0 += step) {
          const k1 = min(K, k0 + step);
          if (chunked != 0) refused += f32_dense_backward_weights_sgd_packed_chunked_4x8__simd(W, bb, gW, gb, Zq, Xs, xq, B, K, N, 0.5, 0.1, p, p + 1, k0, k1);
          else if (sgd) refused += f32_dense_backward_weights_sgd_packed_4x8__simd(W, bb, Zq, Xs, xq, B, K, N, 0.5, 0.1, p, p + 1, k0, k1);
          else f32_dense_backward_weights_packed_4x8__simd(W, bb, Zq, Xs, xq, B, K, N, p, p + 1, k0, k1);
        }
      }
      const how = (xq != 0 ? ", X regrouped" : ", X in place") + (kb == 0 ? ", units of 8 inputs" : ", whole panels") + (chunked != 0 ? ", partial sums in a gradient block" : "");
      expectSameBits(W, wantW, NP * K * 8, (sgd ? "W after sgd" : "dW") + how);
      expectSameBits(bb, wantB, N, (sgd ? "bias after sgd" : "db") + how);
      expect<i32>(refused).toBe(wantRefused, "refused count" + how);
      expectGuard(W, NP * K * 8, "W");
      expectGuard(bb, N, "bias");
      expectGuard(gW, NP * K * 8, "gradient block");
      expectGuard(gb, N, "gradient biases");
    }
  }
}

/** The chunked fused step over panel 1 × inputs [4, 12) writes nothing of its gradient block
 * outside those elements (and panel 1's biases): the engine's other units own the rest. */
function chunkedWritesOnlyItsUnit(): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = (N + 7) >> 3, KG = (K + 3) >> 2;
  reseed(<u32>(B * 5 + N + K));
  const dZ = rand(B * N), X = rand(B * K);
  const Zq = buf(NP * B * 8), Xq = buf(KG * B * 4);
  regroup(Zq, Xq, dZ, X, B, N, K, 1);
  const W = buf(NP * K * 8), bb = rand(N);
  f32_pack_weights(W, rand(N * K), N, K);
  for (let k0 = 0; k0 < 8; k0 += 4) {
    const gW = buf(NP * K * 8), gb = buf(N);
    f32_dense_backward_weights_sgd_packed_chunked_4x8__simd(W, bb, gW, gb, Zq, X, 0, B, K, N, 0.5, 0.1, 1, 2, k0, k0 + 8);
    let outside = 0;
    for (let i = 0; i < NP * K * 8; i++) {
      const p = i / (K * 8), k = (i >> 3) % K;
      if (!(p == 1 && k >= k0 && k < k0 + 8) && load<u32>(gW + (<usize>i << 2)) != POISON) outside++;
    }
    for (let o = 0; o < N; o++) if (!(k0 == 0 && o >= 8 && o < 16) && load<u32>(gb + (<usize>o << 2)) != POISON) outside++;
    expect<i32>(outside).toBe(0, "gradient-block elements written outside panel 1 × inputs " + k0.toString() + ".." + (k0 + 8).toString());
    expectGuard(gW, NP * K * 8, "gradient block");
    expectGuard(gb, N, "gradient biases");
  }
}

function refusesNonFinite(): void {
  // an update that overflows is refused element by element, as in the row-major kernel
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = (N + 7) >> 3, KG = (K + 3) >> 2;
  reseed(<u32>(B + N + K));
  const dZ = rand(B * N), X = rand(B * K);
  store<f32>(dZ, 3.0e38); // row 0, output 0: its gradient overflows for every input with X ≠ 0
  const W0 = buf(NP * K * 8), b0 = rand(N);
  f32_pack_weights(W0, rand(N * K), N, K);
  const wantW = copyOf(W0, NP * K * 8), wantB = copyOf(b0, N);
  const want = f32_dense_backward_weights_sgd_4x8__simd(wantW, wantB, dZ, X, B, K, N, 1.0e3, 0, 0, NP, 0, K);
  const Zq = buf(NP * B * 8), Xq = buf(KG * B * 4);
  regroup(Zq, Xq, dZ, X, B, N, K, 1);
  const W = copyOf(W0, NP * K * 8), bb = copyOf(b0, N);
  const got = f32_dense_backward_weights_sgd_packed_4x8__simd(W, bb, Zq, Xq, 1, B, K, N, 1.0e3, 0, 0, NP, 0, K);
  expect<bool>(want > 0).toBe(true, "the case must overflow somewhere");
  expect<i32>(got).toBe(want, "refused count");
  expectSameBits(W, wantW, NP * K * 8, "W after refused updates");
  expect<f32>(at(W, 0)).toBe(at(W0, 0), "a refused element keeps its value");
  // the same with X in place and partial sums in a gradient block (in chunks when B > 128)
  const W2 = copyOf(W0, NP * K * 8), b2 = copyOf(b0, N);
  const got2 = f32_dense_backward_weights_sgd_packed_chunked_4x8__simd(W2, b2, buf(NP * K * 8), buf(N), Zq, X, 0, B, K, N, 1.0e3, 0, 0, NP, 0, K);
  expect<i32>(got2).toBe(want, "refused count, partial sums in a gradient block");
  expectSameBits(W2, wantW, NP * K * 8, "W after refused updates, partial sums in a gradient block");
  expectSameBits(b2, wantB, N, "bias after refused updates, partial sums in a gradient block");
}

// B: 1, the tile (4) and its edges, odd, large; N around the panel of 8; K around the group of 4,
// a multiple of 64 (regrouped in the engine) and not.
const shapes: i32[][] = [
  [1, 1, 1], [3, 8, 4], [4, 9, 5], [5, 7, 3], [8, 16, 8], [13, 17, 9], [64, 33, 64], [67, 130, 785], [65, 1, 128], [2, 24, 7],
  // around the fused step's chunks (X in place: one pass up to 128 rows, then chunks of 64): the
  // last batch of one pass, one row over, one row short of three chunks, three, one row over
  [128, 16, 20], [129, 8, 7], [191, 9, 13], [192, 17, 12], [193, 3, 5],
];

describe("weight gradient over regrouped operands", () => {
  for (let i = 0; i < shapes.length; i++) {
    const c = new Case(shapes[i][0], shapes[i][1], shapes[i][2]);
    add("regrouping puts every element where the layout says, padding zero" + where(c), c, () => { layoutIsRight(false); });
    add("regrouping by rows × column ranges puts every element where the layout says, padding zero" + where(c), c, () => { layoutIsRight(true); });
    add("the weight gradient over regrouped operands equals the row-major kernel bit for bit" + where(c), c, () => { sameBits(false); });
    add("the fused sgd step over regrouped operands equals the row-major kernel bit for bit" + where(c), c, () => { sameBits(true); });
  }
  const blk = new Case(13, 17, 9);
  add("a regrouping call writes only its own rows" + where(blk), blk, () => { writesOnlyItsRows(); });
  add("a regrouping call over a column range writes only its rows × columns, and all of them" + where(blk), blk, () => { writesOnlyItsBlock(); });
  const blk2 = new Case(13, 17, 19);
  add("a regrouping call over a column range writes only its rows × columns, and all of them" + where(blk2), blk2, () => { writesOnlyItsBlock(); });
  const chk = new Case(150, 20, 17);
  add("the chunked fused step writes only its unit of the gradient block" + where(chk), chk, () => { chunkedWritesOnlyItsUnit(); });
  const ovf = new Case(9, 10, 6);
  add("updates that overflow are refused as in the row-major kernel" + where(ovf), ovf, () => { refusesNonFinite(); });
  const ovf2 = new Case(130, 10, 6);
  add("updates that overflow are refused as in the row-major kernel" + where(ovf2), ovf2, () => { refusesNonFinite(); });
});
