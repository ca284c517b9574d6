// Dense kernels (assembly/dense.ts) and the packed weight layout (assembly/pack.ts).
// Every SIMD kernel is checked against its scalar sibling, and every scalar kernel against a plain
// f64 reference written here on the row-major layout, W (N,K): X·Wᵀ + b from an unpacked W.
// Sizes hit the tile edges of every dimension: B rows (tile 4), N outputs (panel of 8), K inputs
// (weight-gradient tile 4; input-gradient tile 8).
//
// Tolerances for products: |got − want| ≤ 1e-5 · Σ|terms| + 1e-6, where Σ|terms| is the sum of the
// absolute values of the summed products (bias included). Summing K f32 products rounds each
// partial sum; the error is bounded by a few K·2⁻²⁴·Σ|terms| and in practice ~√K·2⁻²⁴·Σ|terms|.
// The SIMD kernels may sum in another order than the scalar ones (lanes reduced with a horizontal
// add, fused multiply-add in the relaxed build), so they are held to the same bound, not to
// bit-equality. The 1e-6 floor covers the f32 exp inside sigmoid / tanh (outputs in [-1, 1]).

import {
  f32_dense_forward__scalar, f32_dense_forward_4x8__simd,
  f32_dense_backward_weights__scalar, f32_dense_backward_weights_4x8__simd,
  f32_dense_backward_weights_sgd__scalar, f32_dense_backward_weights_sgd_4x8__simd,
  f32_dense_backward_input__scalar, f32_dense_backward_input_4x8__simd,
  f32_transpose_packed__simd,
} from "../../assembly/dense";
import { f32_pack_weights, f32_unpack_weights } from "../../assembly/pack";
import { f32_sgd__simd } from "../../assembly/optimizer";
import { reseed, rnd, buf, rand, copyOf, at, expectGuard, begin, near, done, cursor, register, ACT_NAMES, actRef, actGradRef } from "./harness";

// ---------------------------------------------------------------------------------------------
// Test cases (harness.ts: register, cursor): each test reads its parameters as cases[cursor].
class Case { constructor(public B: i32, public N: i32, public K: i32, public act: i32) {} }
const cases: Case[] = [];
function add(name: string, B: i32, N: i32, K: i32, act: i32, fn: () => void): void {
  register(cases, new Case(B, N, K, act), name, fn);
}
function seedOf(c: Case, salt: u32): u32 {
  return (<u32>c.B * 73856093) ^ (<u32>c.N * 19349663) ^ (<u32>c.K * 83492791) ^ (<u32>c.act * 2654435761) ^ salt;
}

// ---------------------------------------------------------------------------------------------
// The reference: activations in f64, the packed index as documented.

/** Float index of W[o][k] in the packed layout: ((o >> 3)·K + k)·8 + (o & 7). */
function packed(o: i32, k: i32, K: i32): i32 { return ((o >> 3) * K + k) * 8 + (o & 7); }
function panels(N: i32): i32 { return (N + 7) >> 3; }
function shape(B: i32, N: i32, K: i32): string {
  return "B=" + B.toString() + " N=" + N.toString() + " K=" + K.toString();
}

/** W (N,K) row-major packed with f32_pack_weights (whose layout is tested below). */
function pack(W: usize, N: i32, K: i32): usize {
  const Wp = buf(panels(N) * K * 8);
  f32_pack_weights(Wp, W, N, K);
  return Wp;
}

// ---------------------------------------------------------------------------------------------
// forward: A (B,N) = act(X (B,K) · Wᵀ + bias (N))

function checkForward(simd: bool): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, act = c.act;
  reseed(seedOf(c, 1));
  const X = rand(B * K);
  const W = rand(N * K);
  const Wp = pack(W, N, K);
  const bias = rand(N);
  const A = buf(B * N);
  const want = buf(B * N); // the scalar kernel's result, when checking the SIMD one
  const scratch = buf(B * K); // the SIMD kernel interleaves its 4-row tiles of X here
  if (simd) {
    f32_dense_forward__scalar(want, X, Wp, bias, B, K, N, act, 0, B, 0, panels(N));
    f32_dense_forward_4x8__simd(A, X, Wp, bias, scratch, B, K, N, act, 0, B, 0, panels(N));
    expectGuard(scratch, B * K, "scratch (B·K floats)");
  } else {
    f32_dense_forward__scalar(A, X, Wp, bias, B, K, N, act, 0, B, 0, panels(N));
  }
  begin((simd ? "simd vs scalar" : "scalar vs reference") + " A[r,o]");
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < N; o++) {
      let z: f64 = at(bias, o);
      let mag: f64 = Math.abs(z);
      for (let k = 0; k < K; k++) {
        const t = <f64>at(X, r * K + k) * <f64>at(W, o * K + k);
        z += t; mag += Math.abs(t);
      }
      const w = simd ? <f64>at(want, r * N + o) : actRef(z, act);
      near(at(A, r * N + o), w, 1e-5 * mag + 1e-6, r, o);
    }
  }
  done();
  expectGuard(A, B * N, "A");
}

// Shapes: every row count × every output count (K = 5), every input count (B = 5, N = 9), and
// all three large at once. Each with every activation.
const FWD_B: i32[] = [1, 3, 4, 5, 67];
// N: the last panel holding 1, 7, 8, 1, 4, 5 and 2 outputs (12 and 13 reach the branches for an
// exactly-full and a one-lane second vector of a partial panel, which 1/7/8/9/130 never do)
const FWD_N: i32[] = [1, 7, 8, 9, 12, 13, 130];
const ALL_K: i32[] = [1, 2, 3, 4, 785];

function forwardShapes(): i32[] {
  const s: i32[] = [];
  for (let i = 0; i < FWD_B.length; i++) for (let j = 0; j < FWD_N.length; j++) { s.push(FWD_B[i]); s.push(FWD_N[j]); s.push(5); }
  for (let i = 0; i < ALL_K.length; i++) { s.push(5); s.push(9); s.push(ALL_K[i]); }
  s.push(67); s.push(130); s.push(785);
  return s;
}

describe("dense forward", () => {
  const s = forwardShapes();
  for (let i = 0; i < s.length; i += 3) {
    for (let act = 0; act < 5; act++) {
      const where = " at " + shape(s[i], s[i + 1], s[i + 2]) + " " + ACT_NAMES[act];
      add("dense forward scalar matches X·Wᵀ+b reference" + where, s[i], s[i + 1], s[i + 2], act, () => { checkForward(false); });
      add("dense forward simd matches scalar" + where, s[i], s[i + 1], s[i + 2], act, () => { checkForward(true); });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// weight gradient: dW (packed) = dZ (B,N)ᵀ · X (B,K), db (N) = Σ_rows dZ; overwrites both

function checkBackwardWeights(simd: bool): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K;
  reseed(seedOf(c, 2));
  const dZ = rand(B * N);
  const X = rand(B * K);
  const NP = panels(N);
  const dWp = buf(NP * K * 8); // POISON everywhere: every lane, padding included, must be written
  const db = buf(N);
  const wantW = buf(NP * K * 8);
  const wantB = buf(N);
  if (simd) {
    f32_dense_backward_weights__scalar(wantW, wantB, dZ, X, B, K, N, 0, NP, 0, K);
    f32_dense_backward_weights_4x8__simd(dWp, db, dZ, X, B, K, N, 0, NP, 0, K);
  } else {
    f32_dense_backward_weights__scalar(dWp, db, dZ, X, B, K, N, 0, NP, 0, K);
  }
  begin((simd ? "simd vs scalar" : "scalar vs reference") + " dW[o,k]");
  for (let o = 0; o < N; o++) {
    for (let k = 0; k < K; k++) {
      let s: f64 = 0, mag: f64 = 0;
      for (let r = 0; r < B; r++) {
        const t = <f64>at(dZ, r * N + o) * <f64>at(X, r * K + k);
        s += t; mag += Math.abs(t);
      }
      near(at(dWp, packed(o, k, K)), simd ? <f64>at(wantW, packed(o, k, K)) : s, 1e-5 * mag + 1e-6, o, k);
    }
  }
  done();
  begin((simd ? "simd vs scalar" : "scalar vs reference") + " db[o]");
  for (let o = 0; o < N; o++) {
    let s: f64 = 0, mag: f64 = 0;
    for (let r = 0; r < B; r++) { const t = <f64>at(dZ, r * N + o); s += t; mag += Math.abs(t); }
    near(at(db, o), simd ? <f64>at(wantB, o) : s, 1e-5 * mag + 1e-6, o, 0);
  }
  done();
  // padding lanes of the last panel: exactly zero, so packed weights keep zeros there
  begin("padding lane dW[o,k] (o ≥ N) must be exactly 0");
  for (let o = N; o < NP * 8; o++) for (let k = 0; k < K; k++) near(at(dWp, packed(o, k, K)), 0, 0, o, k);
  done();
  expectGuard(dWp, NP * K * 8, "dWp");
  expectGuard(db, N, "db");
}

// Shapes: every input count × every output count (B = 5), every row count (N = 9, K = 5), and
// all three large at once.
const BWD_K: i32[] = [1, 2, 3, 4, 5, 8, 9]; // tile 4: edges, and a second full tile
function backwardWeightsShapes(): i32[] {
  const s: i32[] = [];
  for (let i = 0; i < BWD_K.length; i++) for (let j = 0; j < FWD_N.length; j++) { s.push(5); s.push(FWD_N[j]); s.push(BWD_K[i]); }
  const Bs: i32[] = [1, 3, 4, 67];
  for (let i = 0; i < Bs.length; i++) { s.push(Bs[i]); s.push(9); s.push(5); }
  s.push(5); s.push(9); s.push(785);
  s.push(67); s.push(130); s.push(785);
  // below a narrow layer the panels go by blocks of 16 KB (N = 10: 51 panels, so K = 1030 makes
  // three blocks, the last one short); from N = 512 one panel at a time
  s.push(67); s.push(10); s.push(1030);
  s.push(5); s.push(520); s.push(9);
  s.push(67); s.push(513); s.push(17);
  return s;
}

describe("dense backward weights", () => {
  const s = backwardWeightsShapes();
  for (let i = 0; i < s.length; i += 3) {
    const where = " at " + shape(s[i], s[i + 1], s[i + 2]);
    add("dense backward weights scalar matches dZᵀ·X and Σ dZ reference, zero padding lanes" + where, s[i], s[i + 1], s[i + 2], 0, () => { checkBackwardWeights(false); });
    add("dense backward weights simd matches scalar (dW, db), zero padding lanes" + where, s[i], s[i + 1], s[i + 2], 0, () => { checkBackwardWeights(true); });
  }
});

// ---------------------------------------------------------------------------------------------
// weight gradient fused with the SGD step: W -= lr·(dZᵀ·X + wd·W), bias -= lr·Σ_rows dZ (no decay),
// elements whose result is not finite left unchanged and counted. Tolerance: the gradient's
// (1e-5·Σ|terms|) scaled by lr, plus 1e-6·max(1, |want|) for the update's own roundings.

const LR: f32 = 0.5, WD: f32 = 0.1;

function checkBackwardWeightsSgd(simd: bool): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = panels(N);
  reseed(seedOf(c, 7));
  const dZ = rand(B * N);
  const X = rand(B * K);
  const W = rand(N * K);
  const Wp = pack(W, N, K);
  const bias = rand(N);
  const biasOld = copyOf(bias, N);
  const wantW = copyOf(Wp, NP * K * 8), wantB = copyOf(bias, N);
  let refused: i32, wantRefused = 0;
  if (simd) {
    wantRefused = f32_dense_backward_weights_sgd__scalar(wantW, wantB, dZ, X, B, K, N, LR, WD, 0, NP, 0, K);
    refused = f32_dense_backward_weights_sgd_4x8__simd(Wp, bias, dZ, X, B, K, N, LR, WD, 0, NP, 0, K);
  } else {
    refused = f32_dense_backward_weights_sgd__scalar(Wp, bias, dZ, X, B, K, N, LR, WD, 0, NP, 0, K);
  }
  expect<i32>(refused).toBe(wantRefused, "refused count");
  begin((simd ? "simd vs scalar" : "scalar vs reference") + " W[o,k] after the step");
  for (let o = 0; o < N; o++) {
    for (let k = 0; k < K; k++) {
      let g: f64 = 0, mag: f64 = 0;
      for (let r = 0; r < B; r++) {
        const t = <f64>at(dZ, r * N + o) * <f64>at(X, r * K + k);
        g += t; mag += Math.abs(t);
      }
      const w = <f64>at(W, o * K + k);
      const want = simd ? <f64>at(wantW, packed(o, k, K)) : w - <f64>LR * (g + <f64>WD * w);
      near(at(Wp, packed(o, k, K)), want, 1e-5 * <f64>LR * mag + 1e-6 * Math.max(1, Math.abs(want)), o, k);
    }
  }
  done();
  begin((simd ? "simd vs scalar" : "scalar vs reference") + " bias[o] after the step");
  for (let o = 0; o < N; o++) {
    let g: f64 = 0, mag: f64 = 0;
    for (let r = 0; r < B; r++) { const t = <f64>at(dZ, r * N + o); g += t; mag += Math.abs(t); }
    const want = simd ? <f64>at(wantB, o) : <f64>at(biasOld, o) - <f64>LR * g;
    near(at(bias, o), want, 1e-5 * <f64>LR * mag + 1e-6 * Math.max(1, Math.abs(want)), o, 0);
  }
  done();
  begin("padding lane W[o,k] (o ≥ N) must stay exactly 0");
  for (let o = N; o < NP * 8; o++) for (let k = 0; k < K; k++) near(at(Wp, packed(o, k, K)), 0, 0, o, k);
  done();
  expectGuard(Wp, NP * K * 8, "Wp");
  expectGuard(bias, N, "bias");
}

/** An infinite dZ in outputs 1, 2, 3 and N−1 (every lane of a vector, the last panel) makes their
 * whole weight row and their bias non-finite. */
function nonFiniteSgd(): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = panels(N);
  for (let variant = 0; variant < 2; variant++) {
    const simd = variant == 1;
    reseed(seedOf(c, 8));
    const dZ = rand(B * N);
    for (let o = 1; o <= 3; o++) store<f32>(dZ + (<usize>(o * N + o) << 2), o == 2 ? -Infinity : Infinity);
    store<f32>(dZ + (<usize>(B - 1) * N + N - 1 << 2), -Infinity);
    const X = rand(B * K);
    const W = rand(N * K);
    const Wp = pack(W, N, K);
    const bias = rand(N);
    const WpOld = copyOf(Wp, NP * K * 8), biasOld = copyOf(bias, N);
    const refused = simd ? f32_dense_backward_weights_sgd_4x8__simd(Wp, bias, dZ, X, B, K, N, LR, WD, 0, NP, 0, K)
      : f32_dense_backward_weights_sgd__scalar(Wp, bias, dZ, X, B, K, N, LR, WD, 0, NP, 0, K);
    const what = simd ? "simd" : "scalar";
    expect<i32>(refused).toBe(4 * (K + 1), what + ": refused count (four rows of K weights and their biases)");
    let changed = 0, unchanged = 0;
    for (let o = 0; o < N; o++) {
      const poisoned = (o >= 1 && o <= 3) || o == N - 1;
      for (let k = 0; k < K; k++) {
        const i = packed(o, k, K);
        const same = load<u32>(Wp + (<usize>i << 2)) == load<u32>(WpOld + (<usize>i << 2));
        if (poisoned && !same) changed++;
        if (!poisoned && same) unchanged++;
      }
      const same = load<u32>(bias + (<usize>o << 2)) == load<u32>(biasOld + (<usize>o << 2));
      if (poisoned && !same) changed++;
      if (!poisoned && same) unchanged++;
    }
    expect<i32>(changed).toBe(0, what + ": refused weights/biases that changed");
    expect<i32>(unchanged).toBe(0, what + ": finite weights/biases that were not updated");
    begin(what + ": padding lanes stay 0");
    for (let o = N; o < NP * 8; o++) for (let k = 0; k < K; k++) near(at(Wp, packed(o, k, K)), 0, 0, o, k);
    done();
  }
}

/** Every fourth input's weights near the largest float (the first row of each 4-input tile): a
 * tile's updates then sum to Infinity though each is finite. The SIMD kernel tests a tile's updates
 * through their sum, so these tiles take its element-wise path, which must still apply every one of
 * them, as the scalar kernel does. */
function overflowingSumSgd(): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, NP = panels(N);
  reseed(seedOf(c, 9));
  const dZ = rand(B * N), X = rand(B * K), bias = rand(N);
  const W = rand(N * K);
  for (let o = 0; o < N; o++) for (let k = 0; k < K; k += 4) store<f32>(W + (<usize>(o * K + k) << 2), 3.0e38 + 1.0e37 * at(W, o * K + k));
  const got = pack(W, N, K), want = copyOf(got, NP * K * 8);
  const gotB = copyOf(bias, N), wantB = copyOf(bias, N);
  const refused = f32_dense_backward_weights_sgd_4x8__simd(got, gotB, dZ, X, B, K, N, LR, 0, 0, NP, 0, K);
  const wantRefused = f32_dense_backward_weights_sgd__scalar(want, wantB, dZ, X, B, K, N, LR, 0, 0, NP, 0, K);
  expect<i32>(wantRefused).toBe(0, "scalar: every update is finite");
  expect<i32>(refused).toBe(0, "simd: refused count");
  // held to the bound of checkBackwardWeightsSgd: an update the SIMD kernel skipped is off by lr·g
  begin("simd vs scalar W[o,k] after updates whose tile sums overflow");
  let unchanged = 0;
  for (let o = 0; o < N; o++) {
    for (let k = 0; k < K; k++) {
      let mag: f64 = 0;
      for (let r = 0; r < B; r++) mag += Math.abs(<f64>at(dZ, r * N + o) * <f64>at(X, r * K + k));
      const wanted = <f64>at(want, packed(o, k, K));
      near(at(got, packed(o, k, K)), wanted, 1e-5 * <f64>LR * mag + 1e-6 * Math.max(1, Math.abs(wanted)), o, k);
      if (at(got, packed(o, k, K)) == at(W, o * K + k)) unchanged++;
    }
  }
  done();
  begin("simd vs scalar bias[o] after the step");
  for (let o = 0; o < N; o++) {
    let mag: f64 = 0;
    for (let r = 0; r < B; r++) mag += Math.abs(<f64>at(dZ, r * N + o));
    near(at(gotB, o), at(wantB, o), 1e-5 * <f64>LR * mag + 1e-6 * Math.max(1, Math.abs(<f64>at(wantB, o))), o, 0);
  }
  done();
  expect<i32>(unchanged).toBeLessThan(N * K, "the updates moved some weights");
  expect<f32>(at(got, 0)).toBeLessThan(Infinity, "W stays finite");
}

describe("dense backward weights fused with sgd", () => {
  const s = backwardWeightsShapes();
  for (let i = 0; i < s.length; i += 3) {
    const where = " at " + shape(s[i], s[i + 1], s[i + 2]);
    add("dense backward weights sgd scalar matches W − lr·(dZᵀ·X + wd·W), b − lr·Σ dZ, padding untouched" + where, s[i], s[i + 1], s[i + 2], 0, () => { checkBackwardWeightsSgd(false); });
    add("dense backward weights sgd simd matches scalar (W, bias, refused count), padding stays 0" + where, s[i], s[i + 1], s[i + 2], 0, () => { checkBackwardWeightsSgd(true); });
  }
  const Ns: i32[] = [9, 13, 130];
  const Ks: i32[] = [9, 3, 785];
  for (let i = 0; i < Ns.length; i++) {
    add("dense backward weights sgd refuses the non-finite rows (Inf in dZ) and updates the rest, simd and scalar, at " +
      shape(5, Ns[i], Ks[i]), 5, Ns[i], Ks[i], 0, () => { nonFiniteSgd(); });
  }
  for (let i = 0; i < Ns.length; i++) {
    add("dense backward weights sgd applies finite updates whose sum overflows, simd as scalar, at " +
      shape(64, Ns[i] + 3, Ks[i] + 3), 64, Ns[i] + 3, Ks[i] + 3, 0, () => { overflowingSumSgd(); });
  }
});

// ---------------------------------------------------------------------------------------------
// input gradient: dX (B,K) = (dZ (B,N) · W) ⊙ act'(Xa (B,K))
// The SIMD variant re-packs W by inputs into a scratch buffer, then runs the forward pass's
// broadcast tile, which tiles K by 8: the shapes cover K around 8 as well as around 2.

const SCALAR = 0, SIMD_4X8 = 2;

function checkBackwardInput(variant: i32): void {
  const c = cases[cursor];
  const B = c.B, N = c.N, K = c.K, act = c.act;
  reseed(seedOf(c, 3));
  const dZ = rand(B * N);
  const W = rand(N * K);
  const Wp = pack(W, N, K);
  // Xa holds real outputs of the activation (relu: exact zeros for half of them)
  const Xa = buf(B * K);
  for (let i = 0; i < B * K; i++) store<f32>(Xa + (<usize>i << 2), <f32>actRef(<f64>rnd() * 3, act));
  const dX = buf(B * K);
  const want = buf(B * K);
  const scratchSize = ((K + 7) >> 3) * 8 * N + B * N; // W re-packed by inputs, then dZ interleaved
  const scratch = buf(scratchSize);
  const WpKeep = copyOf(Wp, panels(N) * K * 8);
  if (variant == SCALAR) {
    f32_dense_backward_input__scalar(dX, dZ, Wp, Xa, B, K, N, act, 0, B, 0, panels(K));
  } else {
    f32_dense_backward_input__scalar(want, dZ, Wp, Xa, B, K, N, act, 0, B, 0, panels(K));
    f32_dense_backward_input_4x8__simd(dX, dZ, Wp, Xa, scratch, scratch + (<usize>(panels(K) * 8 * N) << 2), B, K, N, act, 0, panels(K));
  }
  begin((variant == SCALAR ? "scalar vs reference" : "simd vs scalar") + " dX[r,k]");
  for (let r = 0; r < B; r++) {
    for (let k = 0; k < K; k++) {
      let s: f64 = 0, mag: f64 = 0;
      for (let o = 0; o < N; o++) {
        const t = <f64>at(dZ, r * N + o) * <f64>at(W, o * K + k);
        s += t; mag += Math.abs(t);
      }
      const g = actGradRef(at(Xa, r * K + k), act);
      const w = variant == SCALAR ? s * g : <f64>at(want, r * K + k);
      near(at(dX, r * K + k), w, 1e-5 * mag * Math.abs(g) + 1e-6, r, k);
    }
  }
  done();
  expectGuard(dX, B * K, "dX");
  expectGuard(scratch, scratchSize, "scratch (ceil(K/8)·8·N + B·N floats)");
  let changed = 0;
  for (let i = 0; i < panels(N) * K * 8; i++) if (load<u32>(Wp + (<usize>i << 2)) != load<u32>(WpKeep + (<usize>i << 2))) changed++;
  expect<i32>(changed).toBe(0, "elements of Wp the kernel modified");
}

// Shapes: every row count × every input count (N = 9), every output count (B = 5, K = 9), and
// the large ones. Each with every activation of Xa.
const BWI_K: i32[] = [1, 2, 3, 4, 5, 7, 8, 9];
function backwardInputShapes(): i32[] {
  const s: i32[] = [];
  for (let i = 0; i < FWD_B.length; i++) for (let j = 0; j < BWI_K.length; j++) { s.push(FWD_B[i]); s.push(9); s.push(BWI_K[j]); }
  const Ns: i32[] = [1, 7, 8, 12, 13, 130];
  for (let i = 0; i < Ns.length; i++) { s.push(5); s.push(Ns[i]); s.push(9); }
  s.push(5); s.push(9); s.push(785);
  s.push(67); s.push(130); s.push(785);
  return s;
}

describe("dense backward input", () => {
  const s = backwardInputShapes();
  for (let i = 0; i < s.length; i += 3) {
    for (let act = 0; act < 5; act++) {
      const where = " at " + shape(s[i], s[i + 1], s[i + 2]) + " " + ACT_NAMES[act];
      add("dense backward input scalar matches (dZ·W)⊙act'(Xa) reference" + where, s[i], s[i + 1], s[i + 2], act, () => { checkBackwardInput(SCALAR); });
      add("dense backward input simd 4x8 matches scalar, writes only its scratch, leaves Wp" + where, s[i], s[i + 1], s[i + 2], act, () => { checkBackwardInput(SIMD_4X8); });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// packed layout

function checkPack(): void {
  const c = cases[cursor];
  const N = c.N, K = c.K, NP = panels(N);
  reseed(seedOf(c, 4));
  const W = rand(N * K);
  const Wp = buf(NP * K * 8); // POISON: padding lanes must be written as zero
  f32_pack_weights(Wp, W, N, K);
  begin("pack: Wp[((o>>3)·K + k)·8 + (o&7)] == W[o][k], padding 0");
  for (let o = 0; o < NP * 8; o++) {
    for (let k = 0; k < K; k++) {
      const want: f64 = o < N ? <f64>at(W, o * K + k) : 0;
      near(at(Wp, packed(o, k, K)), want, 0, o, k);
    }
  }
  done();
  expectGuard(Wp, NP * K * 8, "Wp");
  const back = buf(N * K);
  f32_unpack_weights(back, Wp, N, K);
  let diff = 0;
  for (let i = 0; i < N * K; i++) if (load<u32>(back + (<usize>i << 2)) != load<u32>(W + (<usize>i << 2))) diff++;
  expect<i32>(diff).toBe(0, "unpack(pack(W)) differs from W (bitwise) in this many elements");
  expectGuard(back, N * K, "W unpacked");
}

/** The inputs-packed layout of the 4x8 input-gradient kernel: W[o][k] at ((k >> 3)·N + o)·8 + (k & 7). */
function checkTranspose(): void {
  const c = cases[cursor];
  const N = c.N, K = c.K;
  reseed(seedOf(c, 6));
  const W = rand(N * K);
  const Wp = pack(W, N, K);
  const size = ((K + 7) >> 3) * N * 8;
  const WpT = buf(size);
  f32_transpose_packed__simd(WpT, Wp, N, K, 0, panels(N), 0, panels(K));
  begin("WpT[((k>>3)·N + o)·8 + (k&7)] == W[o][k]");
  for (let o = 0; o < N; o++) {
    for (let k = 0; k < K; k++) near(at(WpT, ((k >> 3) * N + o) * 8 + (k & 7)), <f64>at(W, o * K + k), 0, o, k);
  }
  done();
  expectGuard(WpT, size, "WpT");
}

describe("packed weights", () => {
  const Ns: i32[] = [1, 7, 8, 9, 130];
  const Ks: i32[] = [1, 3, 785];
  for (let i = 0; i < Ns.length; i++) {
    for (let j = 0; j < Ks.length; j++) {
      add("pack puts W[o][k] at ((o>>3)·K+k)·8+(o&7) with zero padding, and unpack restores W exactly at N=" +
        Ns[i].toString() + " K=" + Ks[j].toString(), 0, Ns[i], Ks[j], 0, () => { checkPack(); });
    }
  }

  const Ts: i32[] = [1, 7, 8, 9, 130];
  const TKs: i32[] = [1, 7, 8, 9, 785];
  for (let i = 0; i < Ts.length; i++) {
    for (let j = 0; j < TKs.length; j++) {
      add("transpose_packed re-packs W by inputs, W[o][k] at ((k>>3)·N+o)·8+(k&7), nothing past ceil(K/8)·8·N at N=" +
        Ts[i].toString() + " K=" + TKs[j].toString(), 0, Ts[i], TKs[j], 0, () => { checkTranspose(); });
    }
  }

  // The padding stays zero through a whole step: gradient (zero there) then an update with decay.
  add("packed padding lanes of W stay exactly zero after backward weights and an sgd step at B=5 N=9 K=5",
    5, 9, 5, 0, () => {
      const c = cases[cursor];
      const B = c.B, N = c.N, K = c.K, size = panels(N) * K * 8;
      reseed(seedOf(c, 5));
      const Wp = pack(rand(N * K), N, K);
      const dWp = buf(size);
      const db = buf(N);
      f32_dense_backward_weights_4x8__simd(dWp, db, rand(B * N), rand(B * K), B, K, N, 0, panels(N), 0, K);
      f32_sgd__simd(Wp, dWp, size, size, 0.5, 0.1);
      begin("W padding lane after a step");
      for (let o = N; o < panels(N) * 8; o++) for (let k = 0; k < K; k++) near(at(Wp, packed(o, k, K)), 0, 0, o, k);
      done();
    });
});
