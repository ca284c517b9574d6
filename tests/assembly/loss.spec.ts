// Output layers with their losses (assembly/loss.ts), against f64 references written here:
// softmax + categorical cross-entropy, sigmoid + binary cross-entropy, identity + MSE, and the
// accuracy counters. These kernels are scalar, except the softmax forward's four-rows-at-a-time
// sibling, which must give the scalar kernel's bits. Forward kernels return the *sum* of per-sample
// losses in f64; backward kernels take `scale`.
//
// Tolerances (2⁻²³ = 1.19e-7 is one f32 ulp at 1):
//   softmax P and row sums: (N + 8)·2⁻²³ relative: the f32 sum of N exponentials rounds N times.
//   cross-entropy per row: (N + 8)·2⁻²³ absolute + 1e-6 relative: log turns the relative error of
//     that sum into an absolute one.
//   binary cross-entropy per element: 1e-6·(|z| + 1): z·t and the subtraction round at the scale of |z|.
//   MSE: 1e-6 relative to Σ(z − t)² (one f32 difference and one f32 square per element).
//   backward (P − T)·scale: 1e-6 relative (two f32 roundings), + 1e-37 absolute for results in
//     the subnormal range (σ(−100) ≈ 4e-44), where f32 keeps only a few significant bits.

import {
  f32_softmax_xent_forward__scalar, f32_softmax_xent_forward_4__simd, f32_softmax_xent_backward__scalar, f32_softmax_xent_backward_4__simd,
  f32_sigmoid_bce_forward__scalar, f32_sigmoid_bce_backward__scalar,
  f32_mse_forward__scalar, f32_mse_backward__scalar,
  i32_count_correct_argmax__scalar, i32_count_correct_binary__scalar,
} from "../../assembly/loss";
import {
  reseed, rnd, buf, copyOf, at, set, expectGuard, expectSameBits, begin, near as nearOf, done, cursor, register, POISON,
} from "./harness";

// ---------------------------------------------------------------------------------------------
// Element check with `got` as f64: the forward kernels return f64 sums, and f32 elements are
// widened (and printed) as f64.
function near(got: f64, want: f64, tol: f64, i: i32, j: i32): void { nearOf<f64>(got, want, tol, i, j); }

// Test cases (harness.ts: register, cursor): each test reads its parameters as cases[cursor].
class Case { constructor(public B: i32, public N: i32) {} }
const cases: Case[] = [];
function add(name: string, B: i32, N: i32, fn: () => void): void { register(cases, new Case(B, N), name, fn); }
function shape(B: i32, N: i32): string { return " at B=" + B.toString() + " N=" + N.toString(); }

const U: f64 = 1.1920928955078125e-7; // 2⁻²³

// ---------------------------------------------------------------------------------------------
// softmax + cross-entropy

/** Random logits in [-8, 8) and labels in [0, N). */
function logits(B: i32, N: i32, s: u32): usize {
  reseed(s);
  const Z = buf(B * N);
  for (let i = 0; i < B * N; i++) set(Z, i, rnd() * 8);
  return Z;
}
function labelsFor(B: i32, N: i32): usize {
  const L = buf(B);
  for (let r = 0; r < B; r++) store<i32>(L + (<usize>r << 2), (r * 7 + 3) % N);
  return L;
}
// @ts-ignore: decorator
@inline function label(L: usize, r: i32): i32 { return load<i32>(L + (<usize>r << 2)); }

/** Reference row loss −log softmax(z)[y] = log Σ_j exp(z_j − m) − (z_y − m), all in f64. */
function xentRowRef(Z: usize, r: i32, N: i32, y: i32): f64 {
  let m: f64 = at(Z, r * N);
  for (let j = 1; j < N; j++) m = Math.max(m, at(Z, r * N + j));
  let s: f64 = 0;
  for (let j = 0; j < N; j++) s += Math.exp(<f64>at(Z, r * N + j) - m);
  return Math.log(s) - (<f64>at(Z, r * N + y) - m);
}

/** Checks P against the f64 softmax of Z, each row's sum against 1, and the loss. */
function checkSoftmax(P: usize, Z: usize, L: usize, B: i32, N: i32, loss: f64): void {
  const tolRel = <f64>(N + 8) * U;
  begin("P[r,j] vs f64 softmax");
  for (let r = 0; r < B; r++) {
    let m: f64 = at(Z, r * N);
    for (let j = 1; j < N; j++) m = Math.max(m, at(Z, r * N + j));
    let s: f64 = 0;
    for (let j = 0; j < N; j++) s += Math.exp(<f64>at(Z, r * N + j) - m);
    for (let j = 0; j < N; j++) {
      const want = Math.exp(<f64>at(Z, r * N + j) - m) / s;
      near(at(P, r * N + j), want, tolRel * want + 1e-30, r, j);
    }
  }
  done();
  begin("row sum of P vs 1");
  for (let r = 0; r < B; r++) {
    let s: f64 = 0;
    for (let j = 0; j < N; j++) s += at(P, r * N + j);
    near(s, 1, tolRel, r, 0);
  }
  done();
  let want: f64 = 0, tol: f64 = 0;
  for (let r = 0; r < B; r++) {
    const l = xentRowRef(Z, r, N, label(L, r));
    want += l; tol += tolRel + 1e-6 * Math.abs(l);
  }
  expect<bool>(isFinite(loss)).toBe(true, "loss is finite");
  begin("loss Σ −log p[y] vs f64");
  near(loss, want, tol, 0, 0);
  done();
}

function softmaxForward(): void {
  const B = cases[cursor].B, N = cases[cursor].N;
  const Z = logits(B, N, <u32>(B * 131 + N));
  const L = labelsFor(B, N);
  const P = buf(B * N);
  const loss = f32_softmax_xent_forward__scalar(P, Z, L, B, N);
  checkSoftmax(P, Z, L, B, N, loss);
  expectGuard(P, B * N, "P");
}

function softmaxInPlace(): void {
  const B = cases[cursor].B, N = cases[cursor].N;
  const Z = logits(B, N, <u32>(B * 137 + N));
  const L = labelsFor(B, N);
  const P = buf(B * N);
  const loss = f32_softmax_xent_forward__scalar(P, Z, L, B, N);
  const Q = copyOf(Z, B * N);
  const lossInPlace = f32_softmax_xent_forward__scalar(Q, Q, L, B, N);
  expectSameBits(Q, P, B * N, "P computed in place (P == Z)");
  expect<f64>(lossInPlace).toBe(loss, "loss in place");
}

function softmaxBackward(inPlace: bool): void {
  const B = cases[cursor].B, N = cases[cursor].N;
  const Z = logits(B, N, <u32>(B * 139 + N));
  const L = labelsFor(B, N);
  const P = buf(B * N);
  f32_softmax_xent_forward__scalar(P, Z, L, B, N);
  const scale: f32 = 1 / <f32>B;
  const Pkeep = copyOf(P, B * N);
  const dZ = inPlace ? P : buf(B * N);
  f32_softmax_xent_backward__scalar(dZ, P, L, B, N, scale);
  begin("dZ[r,j] vs (P − onehot(y))·scale");
  for (let r = 0; r < B; r++) {
    for (let j = 0; j < N; j++) {
      const want = (<f64>at(Pkeep, r * N + j) - (j == label(L, r) ? 1.0 : 0.0)) * <f64>scale;
      near(at(dZ, r * N + j), want, 1e-6 * Math.abs(want) + 1e-37, r, j);
    }
  }
  done();
  expectGuard(dZ, B * N, "dZ");
}

describe("softmax cross-entropy", () => {
  const Bs: i32[] = [1, 3, 5];
  const Ns: i32[] = [1, 2, 7, 10, 130];
  for (let i = 0; i < Bs.length; i++) {
    for (let j = 0; j < Ns.length; j++) {
      const where = shape(Bs[i], Ns[j]);
      add("softmax forward rows sum to 1, P matches f64 softmax, loss equals Σ −log p[y] in f64" + where, Bs[i], Ns[j], () => { softmaxForward(); });
      add("softmax forward in place (P == Z) equals out of place, same loss" + where, Bs[i], Ns[j], () => { softmaxInPlace(); });
      add("softmax backward equals (P − onehot)·scale" + where, Bs[i], Ns[j], () => { softmaxBackward(false); });
      add("softmax backward in place (dZ == P) equals (P − onehot)·scale" + where, Bs[i], Ns[j], () => { softmaxBackward(true); });
    }
  }

  add("softmax forward with huge logits (±1e4) gives finite P summing to 1 and a finite loss equal to f64", 5, 5, () => {
    const B = 5, N = 5;
    const Z = buf(B * N);
    const rows: f32[] = [
      1e4, -1e4, 0, 1, -1,        // label at the max: loss ~0
      -1e4, 1e4, -1e4, 1e4, 0,    // label at -1e4 (two maxima): loss 2e4 + log 2
      1e4, 1e4, 1e4, 1e4, 1e4,    // all equal: p = 1/5
      -1e4, -1e4, -1e4, -1e4, -1e4,
      -1e4, 0, 1, -1, 1e4,        // the maximum is the last logit
    ];
    for (let i = 0; i < B * N; i++) set(Z, i, rows[i]);
    const L = buf(B);
    store<i32>(L, 0); store<i32>(L, 0, 4); store<i32>(L, 2, 8); store<i32>(L, 4, 12); store<i32>(L, 3, 16);
    const P = buf(B * N);
    const loss = f32_softmax_xent_forward__scalar(P, Z, L, B, N);
    for (let i = 0; i < B * N; i++) expect<bool>(isFinite(at(P, i))).toBe(true, "P[" + i.toString() + "] finite");
    checkSoftmax(P, Z, L, B, N, loss);
  });

  add("softmax forward without labels (labels = 0) writes P and returns 0", 3, 7, () => {
    const B = cases[cursor].B, N = cases[cursor].N;
    const Z = logits(B, N, 5);
    const P = buf(B * N);
    expect<f64>(f32_softmax_xent_forward__scalar(P, Z, 0, B, N)).toBe(0);
    const L = labelsFor(B, N);
    const Q = buf(B * N);
    f32_softmax_xent_forward__scalar(Q, Z, L, B, N);
    expectSameBits(P, Q, B * N, "P without labels vs with labels");
  });
});

// ---------------------------------------------------------------------------------------------
// softmax four rows at a time (SIMD) against the scalar kernel, bit for bit

/** Equal bits, or NaN against NaN (the payload of a NaN is the engine's choice). */
function sameF32(a: f32, b: f32): bool { return reinterpret<u32>(a) == reinterpret<u32>(b) || (isNaN(a) && isNaN(b)); }
function sameF64(a: f64, b: f64): bool { return reinterpret<u64>(a) == reinterpret<u64>(b) || (isNaN(a) && isNaN(b)); }

/** Runs both kernels on Z (out of place, or in place on copies) and compares P, every row's loss
 * and correct flag (the scalar kernels one row at a time) and the returned sum. */
function softmax4Against(Z: usize, L: usize, B: i32, N: i32, inPlace: bool): void {
  const want = inPlace ? copyOf(Z, B * N) : buf(B * N);
  const wantSum = f32_softmax_xent_forward__scalar(want, inPlace ? want : Z, L, B, N);
  const got = inPlace ? copyOf(Z, B * N) : buf(B * N);
  const rowLoss = buf(2 * B), rowCorrect = buf(B);
  const gotSum = f32_softmax_xent_forward_4__simd(got, L != 0 ? rowLoss : 0, L != 0 ? rowCorrect : 0, inPlace ? got : Z, L, B, N);
  let diff = 0, first = -1;
  for (let i = 0; i < B * N; i++) if (!sameF32(at(got, i), at(want, i))) { if (first < 0) first = i; diff++; }
  expect<i32>(diff).toBe(0, "P differs from the scalar kernel's, first at element " + first.toString());
  expect<bool>(sameF64(gotSum, wantSum)).toBe(true, "loss sum " + gotSum.toString() + " vs scalar " + wantSum.toString());
  if (L != 0) {
    for (let r = 0; r < B; r++) {
      const one = buf(N);
      const l = f32_softmax_xent_forward__scalar(one, Z + (<usize>(r * N) << 2), L + (<usize>r << 2), 1, N);
      expect<bool>(sameF64(load<f64>(rowLoss + (<usize>r << 3)), l)).toBe(true, "row " + r.toString() + "'s loss");
      const c = i32_count_correct_argmax__scalar(want + (<usize>(r * N) << 2), L + (<usize>r << 2), 1, N);
      expect<i32>(load<i32>(rowCorrect + (<usize>r << 2))).toBe(c, "row " + r.toString() + "'s correct flag");
    }
    expectGuard(rowLoss, 2 * B, "rowLoss");
    expectGuard(rowCorrect, B, "rowCorrect");
  } else {
    expect<f64>(gotSum).toBe(0, "no labels: no loss");
    expect<u32>(load<u32>(rowLoss)).toBe(POISON, "no labels: rowLoss untouched");
    expect<u32>(load<u32>(rowCorrect)).toBe(POISON, "no labels: rowCorrect untouched");
  }
  expectGuard(got, B * N, "P");
}

/** Logits with wide spreads: rows whose exponentials underflow to 0 or land in the subnormal range. */
function wideLogits(B: i32, N: i32, s: u32): usize {
  reseed(s);
  const Z = buf(B * N);
  for (let i = 0; i < B * N; i++) set(Z, i, rnd() * (i % 3 == 0 ? 60 : 8));
  return Z;
}

describe("softmax cross-entropy, four rows at a time", () => {
  const Bs: i32[] = [1, 3, 4, 5, 8, 67];
  const Ns: i32[] = [1, 2, 3, 4, 10, 17];
  for (let i = 0; i < Bs.length; i++) {
    for (let j = 0; j < Ns.length; j++) {
      const where = shape(Bs[i], Ns[j]);
      add("softmax 4-row forward has the scalar kernel's P, row losses and sum" + where, Bs[i], Ns[j], () => {
        const B = cases[cursor].B, N = cases[cursor].N;
        softmax4Against(logits(B, N, <u32>(B * 149 + N)), labelsFor(B, N), B, N, false);
      });
      add("softmax 4-row forward in place (P == Z) has the scalar kernel's bits" + where, Bs[i], Ns[j], () => {
        const B = cases[cursor].B, N = cases[cursor].N;
        softmax4Against(logits(B, N, <u32>(B * 151 + N)), labelsFor(B, N), B, N, true);
      });
      add("softmax 4-row forward with spreads that underflow has the scalar kernel's bits" + where, Bs[i], Ns[j], () => {
        const B = cases[cursor].B, N = cases[cursor].N;
        softmax4Against(wideLogits(B, N, <u32>(B * 157 + N)), labelsFor(B, N), B, N, false);
      });
    }
  }
  add("softmax 4-row forward sums the row losses in row order (a loss of 1e10 first: the order shows in the f64 sum)", 67, 10, () => {
    const B = cases[cursor].B, N = cases[cursor].N;
    const Z = logits(B, N, 13), L = labelsFor(B, N);
    set(Z, 0, 5e9); set(Z, label(L, 0), -5e9);
    softmax4Against(Z, L, B, N, false);
  });
  for (let i = 0; i < Bs.length; i++) {
    for (let j = 0; j < Ns.length; j++) {
      const where = shape(Bs[i], Ns[j]);
      add("softmax 4-row backward has the scalar kernel's bits, out of place and in place (dZ == P)" + where, Bs[i], Ns[j], () => {
        const B = cases[cursor].B, N = cases[cursor].N;
        const P = buf(B * N), L = labelsFor(B, N);
        f32_softmax_xent_forward__scalar(P, logits(B, N, <u32>(B * 163 + N)), L, B, N);
        const scale: f32 = 1 / <f32>B;
        const want = buf(B * N), got = buf(B * N);
        f32_softmax_xent_backward__scalar(want, P, L, B, N, scale);
        f32_softmax_xent_backward_4__simd(got, P, L, B, N, scale);
        expectSameBits(got, want, B * N, "dZ");
        expectGuard(got, B * N, "dZ");
        const Q = copyOf(P, B * N);
        f32_softmax_xent_backward_4__simd(Q, Q, L, B, N, scale);
        expectSameBits(Q, want, B * N, "dZ in place");
      });
    }
  }
  add("softmax 4-row forward counts a tie for the first of the largest, as the scalar counter", 8, 4, () => {
    const B = 8, N = 4;
    const Z = buf(B * N);
    // rows of two equal maxima at columns (0,1), (1,3), (2,3), (0,3); all equal; one max; a NaN first; a NaN later
    const rows: f32[] = [5, 5, 0, 0,  0, 5, 0, 5,  0, 0, 5, 5,  5, 0, 0, 5,  1, 1, 1, 1,  0, 0, 7, 0,  NaN, 1, 2, 3,  1, NaN, 2, 3];
    for (let i = 0; i < B * N; i++) set(Z, i, rows[i]);
    const L = buf(B);
    const ys: i32[] = [1, 1, 2, 0, 0, 2, 0, 3];
    for (let r = 0; r < B; r++) store<i32>(L + (<usize>r << 2), ys[r]);
    softmax4Against(Z, L, B, N, false);
  });
  add("softmax 4-row forward without labels writes the scalar kernel's P, returns 0 and stores no loss", 7, 10, () => {
    const B = cases[cursor].B, N = cases[cursor].N;
    softmax4Against(logits(B, N, 9), 0, B, N, false);
  });
  add("softmax 4-row forward on special rows (±Infinity, NaN, ties, ±1e4, subnormal and zero exponentials)", 9, 5, () => {
    const B = 9, N = 5;
    const Z = buf(B * N);
    const rows: f32[] = [
      1e4, -1e4, 0, 1, -1,
      Infinity, 0, 1, 2, 3,                 // the max is +Infinity: NaN and 0
      -Infinity, 0, 1, 2, 3,                // e^−∞ = 0
      NaN, 0, 1, 2, 3,                      // NaN everywhere
      2, 2, 2, 2, 2,                        // ties: p = 1/5
      0, -90, -95, -100, -103.9,            // subnormal exponentials
      0, -104, -200, -1e4, -3e38,           // exponentials that are 0
      -0.0, 0, -0.0, 0, -0.0,               // signed zeros
      3e38, -3e38, 3e38, 0, 1,              // the ends of the f32 range
    ];
    for (let i = 0; i < B * N; i++) set(Z, i, rows[i]);
    const L = buf(B);
    for (let r = 0; r < B; r++) store<i32>(L + (<usize>r << 2), r % N);
    softmax4Against(Z, L, B, N, false);
    softmax4Against(Z, L, B, N, true);
  });
});

// ---------------------------------------------------------------------------------------------
// sigmoid + binary cross-entropy

// log(1 + eˣ) without overflow, in f64
function softplus(x: f64): f64 { return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)); }
/** bce(z, t) = −t·log σ(z) − (1−t)·log(1−σ(z)) = t·softplus(−z) + (1−t)·softplus(z). */
function bceRef(z: f64, t: f64): f64 { return t * softplus(-z) + (1 - t) * softplus(z); }
function sigmoidRef(z: f64): f64 { return 1 / (1 + Math.exp(-z)); }

/** Logits in [-8, 8) with ±100, ±20, 0 mixed in; targets in [0, 1] with exact 0s and 1s. */
function bceData(B: i32, N: i32, s: u32, Z: usize, T: usize): void {
  reseed(s);
  const edges: f32[] = [100, -100, 100, -100, 20, -20, 0];
  const tEdges: f32[] = [0, 0, 1, 1, 0.5, 1, 0];
  for (let i = 0; i < B * N; i++) {
    const k = i % 11;
    set(Z, i, k < edges.length ? edges[k] : rnd() * 8);
    set(T, i, k < tEdges.length ? tEdges[k] : rnd() * 0.5 + 0.5);
  }
}

function bceForward(inPlace: bool): void {
  const B = cases[cursor].B, N = cases[cursor].N, n = B * N;
  const Z = buf(n), T = buf(n);
  bceData(B, N, <u32>(B * 151 + N), Z, T);
  const Zkeep = copyOf(Z, n);
  const P = inPlace ? Z : buf(n);
  const loss = f32_sigmoid_bce_forward__scalar(P, Z, T, B, N);
  begin("P vs f64 sigmoid");
  for (let i = 0; i < n; i++) near(at(P, i), sigmoidRef(at(Zkeep, i)), 1e-6, i, 0);
  done();
  let want: f64 = 0, tol: f64 = 0;
  for (let i = 0; i < n; i++) {
    want += bceRef(at(Zkeep, i), at(T, i));
    tol += 1e-6 * (Math.abs(at(Zkeep, i)) + 1);
  }
  expect<bool>(isFinite(loss)).toBe(true, "loss is finite");
  begin("loss Σ bce vs f64");
  near(loss, want, tol, 0, 0);
  done();
  expectGuard(P, n, "P");
}

function bceBackward(inPlace: bool): void {
  const B = cases[cursor].B, N = cases[cursor].N, n = B * N;
  const Z = buf(n), T = buf(n);
  bceData(B, N, <u32>(B * 157 + N), Z, T);
  const P = buf(n);
  f32_sigmoid_bce_forward__scalar(P, Z, T, B, N);
  const Pkeep = copyOf(P, n);
  const scale: f32 = 1 / <f32>n;
  const dZ = inPlace ? P : buf(n);
  f32_sigmoid_bce_backward__scalar(dZ, P, T, B, N, scale);
  begin("dZ vs (P − T)·scale");
  for (let i = 0; i < n; i++) {
    const want = (<f64>at(Pkeep, i) - <f64>at(T, i)) * <f64>scale;
    near(at(dZ, i), want, 1e-6 * Math.abs(want) + 1e-37, i, 0);
  }
  done();
  expectGuard(dZ, n, "dZ");
}

describe("sigmoid binary cross-entropy", () => {
  const Bs: i32[] = [1, 3];
  const Ns: i32[] = [1, 7, 10];
  for (let i = 0; i < Bs.length; i++) {
    for (let j = 0; j < Ns.length; j++) {
      const where = shape(Bs[i], Ns[j]);
      add("sigmoid bce forward P matches f64 sigmoid, loss matches f64 bce, finite at |z| = 100" + where, Bs[i], Ns[j], () => { bceForward(false); });
      add("sigmoid bce forward in place (P == Z) matches f64" + where, Bs[i], Ns[j], () => { bceForward(true); });
      add("sigmoid bce backward equals (P − T)·scale" + where, Bs[i], Ns[j], () => { bceBackward(false); });
      add("sigmoid bce backward in place (dZ == P) equals (P − T)·scale" + where, Bs[i], Ns[j], () => { bceBackward(true); });
    }
  }

  add("sigmoid bce loss is 100 (not Inf or NaN) for a confident wrong logit |z| = 100, and ~0 when right", 1, 4, () => {
    const Z = buf(4), T = buf(4), P = buf(4);
    set(Z, 0, 100); set(T, 0, 0);   // wrong: loss 100
    set(Z, 1, -100); set(T, 1, 1);  // wrong: loss 100
    set(Z, 2, 100); set(T, 2, 1);   // right: loss e^-100
    set(Z, 3, -100); set(T, 3, 0);  // right
    const loss = f32_sigmoid_bce_forward__scalar(P, Z, T, 1, 4);
    expect<f64>(loss).toBeCloseTo(200, 3);
  });

  add("sigmoid bce forward without targets (T = 0) writes P and returns 0", 2, 3, () => {
    const Z = buf(6), T = buf(6);
    bceData(2, 3, 9, Z, T);
    const P = buf(6);
    expect<f64>(f32_sigmoid_bce_forward__scalar(P, Z, 0, 2, 3)).toBe(0);
    begin("P vs f64 sigmoid");
    for (let i = 0; i < 6; i++) near(at(P, i), sigmoidRef(at(Z, i)), 1e-6, i, 0);
    done();
  });
});

// ---------------------------------------------------------------------------------------------
// identity + mean squared error

function mseForward(inPlace: bool): void {
  const B = cases[cursor].B, N = cases[cursor].N, n = B * N;
  reseed(<u32>(B * 163 + N));
  const Z = buf(n), T = buf(n);
  for (let i = 0; i < n; i++) { set(Z, i, rnd() * 4); set(T, i, rnd()); }
  const Zkeep = copyOf(Z, n);
  const P = inPlace ? Z : buf(n);
  const loss = f32_mse_forward__scalar(P, Z, T, B, N);
  expectSameBits(P, Zkeep, n, "P == Z");
  let want: f64 = 0;
  for (let i = 0; i < n; i++) { const d = <f64>at(Zkeep, i) - <f64>at(T, i); want += d * d; }
  begin("loss Σ (z − t)² vs f64");
  near(loss, want, 1e-6 * want, 0, 0);
  done();
  expectGuard(P, n, "P");
}

function mseBackward(inPlace: bool): void {
  const B = cases[cursor].B, N = cases[cursor].N, n = B * N;
  reseed(<u32>(B * 167 + N));
  const P = buf(n), T = buf(n);
  for (let i = 0; i < n; i++) { set(P, i, rnd() * 4); set(T, i, rnd()); }
  const Pkeep = copyOf(P, n);
  const scale: f32 = 1 / <f32>n;
  const dZ = inPlace ? P : buf(n);
  f32_mse_backward__scalar(dZ, P, T, B, N, scale);
  begin("dZ vs 2(P − T)·scale");
  for (let i = 0; i < n; i++) {
    const want = 2 * (<f64>at(Pkeep, i) - <f64>at(T, i)) * <f64>scale;
    near(at(dZ, i), want, 1e-6 * Math.abs(want) + 1e-37, i, 0);
  }
  done();
  expectGuard(dZ, n, "dZ");
}

describe("mean squared error", () => {
  const Bs: i32[] = [1, 3];
  const Ns: i32[] = [1, 7, 10];
  for (let i = 0; i < Bs.length; i++) {
    for (let j = 0; j < Ns.length; j++) {
      const where = shape(Bs[i], Ns[j]);
      add("mse forward copies Z to P and returns Σ (z − t)²" + where, Bs[i], Ns[j], () => { mseForward(false); });
      add("mse forward in place (P == Z) leaves Z and returns Σ (z − t)²" + where, Bs[i], Ns[j], () => { mseForward(true); });
      add("mse backward equals 2(P − T)·scale" + where, Bs[i], Ns[j], () => { mseBackward(false); });
      add("mse backward in place (dZ == P) equals 2(P − T)·scale" + where, Bs[i], Ns[j], () => { mseBackward(true); });
    }
  }

  add("mse forward without targets (T = 0) copies Z and returns 0", 2, 3, () => {
    const Z = buf(6), P = buf(6);
    for (let i = 0; i < 6; i++) set(Z, i, <f32>i - 2.5);
    expect<f64>(f32_mse_forward__scalar(P, Z, 0, 2, 3)).toBe(0);
    expectSameBits(P, Z, 6, "P == Z");
  });
});

// ---------------------------------------------------------------------------------------------
// accuracy counters

describe("accuracy counters", () => {
  add("count_correct_argmax counts rows whose first maximum is the label (ties go to the lower index)", 4, 3, () => {
    const P = buf(12), L = buf(4);
    const p: f32[] = [
      0.2, 0.5, 0.3,   // argmax 1
      0.4, 0.4, 0.2,   // tie 0/1: first maximum is 0
      0.1, 0.1, 0.8,   // argmax 2
      -1, -3, -2,      // all negative: argmax 0
    ];
    for (let i = 0; i < 12; i++) set(P, i, p[i]);
    const y: i32[] = [1, 1, 2, 0];   // row 1 is wrong: its first maximum is 0
    for (let r = 0; r < 4; r++) store<i32>(L + (<usize>r << 2), y[r]);
    expect<i32>(i32_count_correct_argmax__scalar(P, L, 4, 3)).toBe(3, "correct rows with labels 1, 1, 2, 0");
    store<i32>(L + 4, 0);
    expect<i32>(i32_count_correct_argmax__scalar(P, L, 4, 3)).toBe(4, "correct rows with labels 1, 0, 2, 0");
  });

  add("count_correct_binary counts elements with (p ≥ 0.5) == (t ≥ 0.5), 0.5 counting as positive", 1, 6, () => {
    const P = buf(6), T = buf(6);
    const p: f32[] = [0.5, 0.49999997, 0.9, 0.1, 0.6, 0.7];
    const t: f32[] = [1,   0,          1,   1,   0,   0.5];
    for (let i = 0; i < 6; i++) { set(P, i, p[i]); set(T, i, t[i]); }
    // right: 0 (p = 0.5 counts as positive), 1 (just below ½, t = 0), 2, 5 (t = 0.5 counts as
    // positive); wrong: 3, 4
    expect<i32>(i32_count_correct_binary__scalar(P, T, 2, 3)).toBe(4, "correct elements of 6");
  });
});
