// Element-wise activations (assembly/activation.ts): forward out = act(inp), backward
// dZ = dA ⊙ act'(A) with A the activation's output. Codes: 0 identity, 1 relu, 2 leaky_relu
// (slope 0.01), 3 sigmoid, 4 tanh. Lengths around the v128 width: n = 0, 1, 3, 4, 5, 8, 9, 67.
//
// Tolerances: SIMD against scalar is exact (tolerance 0): both are element-wise with the same
// f32 operations per element (no sums to reorder; sigmoid and tanh go through the same scalar
// code). Scalar against the f64 reference: identity and relu exact; leaky relu 1e-6 relative (the
// slope 0.01 is not exact in f32); sigmoid and tanh 1e-6 absolute (f32 exp, outputs in [-1, 1]);
// backward 1e-6 · |dA| (one f32 product, and a·(1−a) or 1−a² rounded in f32).

import {
  f32_act_forward__scalar, f32_act_forward__simd, f32_act_backward__scalar, f32_act_backward__simd,
} from "../../assembly/activation";
import { reseed, rnd, buf, copyOf, at, expectGuard, expectSameBits, begin, near, done, cursor, register, ACT_NAMES, actRef, actGradRef } from "./harness";

// ---------------------------------------------------------------------------------------------
// Test cases (harness.ts: register, cursor): each test reads its parameters as cases[cursor].
class Case { constructor(public n: i32, public act: i32) {} }
const cases: Case[] = [];
function add(name: string, n: i32, act: i32, fn: () => void): void { register(cases, new Case(n, act), name, fn); }

// ---------------------------------------------------------------------------------------------
// The reference, in f64

function forwardTol(want: f64, act: i32): f64 {
  if (act == 2) return 1e-6 * Math.abs(want);
  if (act == 3 || act == 4) return 1e-6;
  return 0;
}

// Inputs: the edge values first (zeros of both signs, saturating and overflow-prone magnitudes),
// then uniform in [-6, 6).
const EDGES: f32[] = [0, -0, 100, -100, 20, -20, 1e4, -1e4, 1e-3, -1e-3];
function inputs(n: i32, s: u32): usize {
  reseed(s);
  const p = buf(n);
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), i < EDGES.length ? EDGES[i] : rnd() * 6);
  return p;
}
/** Outputs the activation really produces (relu: exact zeros), from inputs(). */
function outputs(n: i32, act: i32, s: u32): usize {
  const z = inputs(n, s);
  const p = buf(n);
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), <f32>actRef(at(z, i), act));
  return p;
}
function gradients(n: i32, s: u32): usize {
  reseed(s);
  const p = buf(n);
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), rnd());
  return p;
}

// ---------------------------------------------------------------------------------------------

function forwardScalarVsReference(): void {
  const n = cases[cursor].n, act = cases[cursor].act;
  const inp = inputs(n, 11 + act);
  const out = buf(n);
  f32_act_forward__scalar(out, inp, n, act);
  begin("forward scalar vs reference");
  for (let i = 0; i < n; i++) {
    const want = actRef(at(inp, i), act);
    near(at(out, i), want, forwardTol(want, act), i);
  }
  done();
  expectGuard(out, n, "out");
}

function forwardSimdVsScalar(): void {
  const n = cases[cursor].n, act = cases[cursor].act;
  const inp = inputs(n, 12 + act);
  const want = buf(n), out = buf(n);
  f32_act_forward__scalar(want, inp, n, act);
  f32_act_forward__simd(out, inp, n, act);
  begin("forward simd vs scalar");
  for (let i = 0; i < n; i++) near(at(out, i), at(want, i), 0, i);
  done();
  expectGuard(out, n, "out");
}

function forwardInPlace(): void {
  const n = cases[cursor].n, act = cases[cursor].act;
  const inp = inputs(n, 13 + act);
  const want = buf(n);
  f32_act_forward__scalar(want, inp, n, act);
  const a = copyOf(inp, n);
  f32_act_forward__scalar(a, a, n, act);
  expectSameBits(a, want, n, "scalar in place");
  const b = copyOf(inp, n);
  f32_act_forward__simd(b, b, n, act);
  expectSameBits(b, want, n, "simd in place");
  expectGuard(a, n, "scalar out"); expectGuard(b, n, "simd out");
}

function backwardScalarVsReference(): void {
  const n = cases[cursor].n, act = cases[cursor].act;
  const A = outputs(n, act, 21 + act);
  const dA = gradients(n, 22 + act);
  const dZ = buf(n);
  f32_act_backward__scalar(dZ, dA, A, n, act);
  begin("backward scalar vs reference");
  for (let i = 0; i < n; i++) near(at(dZ, i), <f64>at(dA, i) * actGradRef(at(A, i), act), 1e-6 * Math.abs(at(dA, i)), i);
  done();
  expectGuard(dZ, n, "dZ");
}

function backwardSimdVsScalar(): void {
  const n = cases[cursor].n, act = cases[cursor].act;
  const A = outputs(n, act, 23 + act);
  const dA = gradients(n, 24 + act);
  const want = buf(n), dZ = buf(n);
  f32_act_backward__scalar(want, dA, A, n, act);
  f32_act_backward__simd(dZ, dA, A, n, act);
  begin("backward simd vs scalar");
  for (let i = 0; i < n; i++) near(at(dZ, i), at(want, i), 0, i);
  done();
  expectGuard(dZ, n, "dZ");
}

function backwardInPlace(): void {
  const n = cases[cursor].n, act = cases[cursor].act;
  const A = outputs(n, act, 25 + act);
  const dA = gradients(n, 26 + act);
  const want = buf(n);
  f32_act_backward__scalar(want, dA, A, n, act);
  const a = copyOf(dA, n);
  f32_act_backward__scalar(a, a, A, n, act);
  expectSameBits(a, want, n, "scalar in place");
  const b = copyOf(dA, n);
  f32_act_backward__simd(b, b, A, n, act);
  expectSameBits(b, want, n, "simd in place");
  expectGuard(a, n, "scalar dZ"); expectGuard(b, n, "simd dZ");
}

const SIZES: i32[] = [0, 1, 3, 4, 5, 8, 9, 67];

describe("activation forward", () => {
  for (let act = 0; act < 5; act++) {
    for (let i = 0; i < SIZES.length; i++) {
      const where = " at n=" + SIZES[i].toString() + " " + ACT_NAMES[act];
      add("activation forward scalar matches f64 reference" + where, SIZES[i], act, () => { forwardScalarVsReference(); });
      add("activation forward simd matches scalar exactly" + where, SIZES[i], act, () => { forwardSimdVsScalar(); });
      add("activation forward in place (out == inp) equals out of place, scalar and simd" + where, SIZES[i], act, () => { forwardInPlace(); });
    }
  }
});

describe("activation backward", () => {
  for (let act = 0; act < 5; act++) {
    for (let i = 0; i < SIZES.length; i++) {
      const where = " at n=" + SIZES[i].toString() + " " + ACT_NAMES[act];
      add("activation backward scalar matches dA·act'(A) reference" + where, SIZES[i], act, () => { backwardScalarVsReference(); });
      add("activation backward simd matches scalar exactly" + where, SIZES[i], act, () => { backwardSimdVsScalar(); });
      add("activation backward in place (dZ == dA) equals out of place, scalar and simd" + where, SIZES[i], act, () => { backwardInPlace(); });
    }
  }

  // The documented derivative facts, on hand-picked outputs.
  add("relu backward passes the gradient only where the output is > 0; leaky relu scales the rest by 0.01", 8, 0, () => {
    const A = buf(8), dA = buf(8), dZ = buf(8);
    const a: f32[] = [2, 0, -0, 0.5, 3, 0, 1e-30, 7];
    for (let i = 0; i < 8; i++) { store<f32>(A + (<usize>i << 2), a[i]); store<f32>(dA + (<usize>i << 2), <f32>(i + 1)); }
    f32_act_backward__simd(dZ, dA, A, 8, 1);
    const relu: f32[] = [1, 0, 0, 4, 5, 0, 7, 8];
    for (let i = 0; i < 8; i++) expect<f32>(at(dZ, i)).toBe(relu[i], "relu dZ[" + i.toString() + "]");
    f32_act_backward__simd(dZ, dA, A, 8, 2);
    const leaky: f32[] = [1, 0.02, 0.03, 4, 5, 0.06, 7, 8];
    for (let i = 0; i < 8; i++) expect<f32>(at(dZ, i)).toBeCloseTo(leaky[i], 6, "leaky relu dZ[" + i.toString() + "]");
  });
});
