// Optimizers over the flat parameter block (assembly/optimizer.ts): sgd, momentum, adam, each with
// a scalar and a v128 variant. Elements [0, nDecay) get weight decay, the rest do not; an element
// whose update (or state) would not be finite keeps its old values and is counted in the result.
// Lengths around the v128 width, and decay boundaries inside a vector (not multiples of 4).
//
// Tolerance: 1e-6 · max(1, |want|) for SIMD against scalar and for scalar against the f64
// reference written here. These are element-wise: no sums to reorder, a handful of f32 roundings
// per element (adam's SIMD variant multiplies by 1/bc instead of dividing by bc, one more rounding).

import {
  f32_sgd__scalar, f32_sgd__simd, f32_momentum__scalar, f32_momentum__simd, f32_adam__scalar, f32_adam__simd,
} from "../../assembly/optimizer";
import { reseed, rnd, bufFilled, copyOf, at, set, expectGuard, begin, near, done, cursor, register } from "./harness";

// ---------------------------------------------------------------------------------------------
// Buffers start as zeros here, not POISON: every one is filled before a kernel reads it.
function buf(n: i32): usize { return bufFilled(n, 0); }
function tolOf(want: f64): f64 { return 1e-6 * Math.max(1, Math.abs(want)); }

// Test cases (harness.ts: register, cursor): each test reads its parameters as cases[cursor].
class Case { constructor(public kind: i32, public n: i32, public nDecay: i32) {} }
const cases: Case[] = [];
function add(name: string, kind: i32, n: i32, nDecay: i32, fn: () => void): void {
  register(cases, new Case(kind, n, nDecay), name, fn);
}

// ---------------------------------------------------------------------------------------------
// The three optimizers behind one call, and their f64 reference

const SGD = 0, MOMENTUM = 1, ADAM = 2;
const NAMES: string[] = ["sgd", "momentum", "adam"];
const LR: f32 = 0.1, WD: f32 = 0.05, MU: f32 = 0.9;
const B1: f32 = 0.9, B2: f32 = 0.999, EPS: f32 = 1e-8;
// bias corrections at step t = 3, as the host computes them (in f64, passed as f32)
const BC1: f32 = <f32>(1 - Math.pow(0.9, 3)), BC2: f32 = <f32>(1 - Math.pow(0.999, 3));

/** Parameters and state: P, M (adam), V (momentum velocity / adam second moment), G. */
class State { P: usize = 0; M: usize = 0; V: usize = 0; G: usize = 0; }

function randomState(n: i32, s: u32): State {
  reseed(s);
  const st = new State();
  st.P = buf(n); st.M = buf(n); st.V = buf(n); st.G = buf(n);
  for (let i = 0; i < n; i++) {
    set(st.P, i, rnd());
    set(st.G, i, rnd());
    set(st.M, i, rnd() * 0.1);
    set(st.V, i, Mathf.abs(rnd()) * 0.01); // adam's second moment is never negative
  }
  return st;
}
function copyState(a: State, n: i32): State {
  const st = new State();
  st.P = copyOf(a.P, n); st.M = copyOf(a.M, n); st.V = copyOf(a.V, n); st.G = copyOf(a.G, n);
  return st;
}

function update(kind: i32, simd: bool, st: State, n: i32, nDecay: i32): i32 {
  if (kind == SGD) {
    return simd ? f32_sgd__simd(st.P, st.G, n, nDecay, LR, WD) : f32_sgd__scalar(st.P, st.G, n, nDecay, LR, WD);
  }
  if (kind == MOMENTUM) {
    return simd ? f32_momentum__simd(st.P, st.V, st.G, n, nDecay, LR, MU, WD)
      : f32_momentum__scalar(st.P, st.V, st.G, n, nDecay, LR, MU, WD);
  }
  return simd ? f32_adam__simd(st.P, st.M, st.V, st.G, n, nDecay, LR, B1, B2, EPS, WD, BC1, BC2)
    : f32_adam__scalar(st.P, st.M, st.V, st.G, n, nDecay, LR, B1, B2, EPS, WD, BC1, BC2);
}

// The reference result of one element, in f64: refP, refM, refV.
let refP: f64 = 0, refM: f64 = 0, refV: f64 = 0;
function reference(kind: i32, p: f64, m: f64, v: f64, g: f64, decayed: bool): void {
  const d: f64 = decayed ? <f64>WD : 0;
  refM = m; refV = v;
  if (kind == SGD) {
    refP = p - <f64>LR * (g + d * p);
  } else if (kind == MOMENTUM) {
    refV = <f64>MU * v + g;
    refP = p - <f64>LR * (refV + d * p);
  } else {
    refM = <f64>B1 * m + (1 - <f64>B1) * g;
    refV = <f64>B2 * v + (1 - <f64>B2) * g * g;
    refP = p - <f64>LR * ((refM / <f64>BC1) / (Math.sqrt(refV / <f64>BC2) + <f64>EPS) + d * p);
  }
}

function checkState(kind: i32, got: State, want: State, n: i32, what: string): void {
  begin(what + " P"); for (let i = 0; i < n; i++) near(at(got.P, i), at(want.P, i), tolOf(at(want.P, i)), i); done();
  if (kind != SGD) { begin(what + " V"); for (let i = 0; i < n; i++) near(at(got.V, i), at(want.V, i), tolOf(at(want.V, i)), i); done(); }
  if (kind == ADAM) { begin(what + " M"); for (let i = 0; i < n; i++) near(at(got.M, i), at(want.M, i), tolOf(at(want.M, i)), i); done(); }
  expectGuard(got.P, n, "P"); expectGuard(got.V, n, "V"); expectGuard(got.M, n, "M");
}

// ---------------------------------------------------------------------------------------------

function simdVsScalar(): void {
  const c = cases[cursor];
  const st = randomState(c.n, <u32>(c.kind * 1000 + c.n * 31 + c.nDecay));
  const want = copyState(st, c.n);
  const badScalar = update(c.kind, false, want, c.n, c.nDecay);
  const badSimd = update(c.kind, true, st, c.n, c.nDecay);
  expect<i32>(badSimd).toBe(badScalar, "refused count");
  checkState(c.kind, st, want, c.n, "simd vs scalar");
}

function scalarVsReference(): void {
  const c = cases[cursor];
  const st = randomState(c.n, <u32>(c.kind * 1000 + c.n * 37 + c.nDecay));
  const old = copyState(st, c.n);
  expect<i32>(update(c.kind, false, st, c.n, c.nDecay)).toBe(0, "refused count");
  const want = copyState(old, c.n);
  for (let i = 0; i < c.n; i++) {
    reference(c.kind, at(old.P, i), at(old.M, i), at(old.V, i), at(old.G, i), i < c.nDecay);
    set(want.P, i, <f32>refP); set(want.M, i, <f32>refM); set(want.V, i, <f32>refV);
  }
  checkState(c.kind, st, want, c.n, "scalar vs f64 reference");
}

/** With zero gradient and zero state, decayed elements shrink by (1 − lr·wd), the others not at all. */
function decayBoundary(): void {
  const c = cases[cursor];
  for (let variant = 0; variant < 2; variant++) {
    const simd = variant == 1;
    const st = randomState(c.n, <u32>(c.kind * 1000 + c.n * 41 + c.nDecay));
    for (let i = 0; i < c.n; i++) { set(st.G, i, 0); set(st.M, i, 0); set(st.V, i, 0); }
    const old = copyOf(st.P, c.n);
    expect<i32>(update(c.kind, simd, st, c.n, c.nDecay)).toBe(0, "refused count");
    begin((simd ? "simd" : "scalar") + ": P[i] = p·(1 − lr·wd) for i < nDecay");
    for (let i = 0; i < c.nDecay; i++) {
      const want = <f64>at(old, i) * (1 - <f64>LR * <f64>WD);
      near(at(st.P, i), want, tolOf(want), i);
    }
    done();
    begin((simd ? "simd" : "scalar") + ": P[i] unchanged (exactly) for i ≥ nDecay");
    for (let i = c.nDecay; i < c.n; i++) near(at(st.P, i), at(old, i), 0, i);
    done();
  }
}

// Positions of the poisoned elements for n = 67, nDecay = 41, each of the three kinds (Inf, NaN,
// overflow from finite inputs) in the vector body (0, 6, 13), in the vector straddling the decay
// boundary (40..43) and in the scalar tail (64..66).
const BAD_AT: i32[] = [0, 6, 13, 40, 41, 42, 64, 65, 66];

/** Non-finite results are refused element by element: old values kept, each one counted. */
function nonFinite(): void {
  const c = cases[cursor];
  for (let variant = 0; variant < 2; variant++) {
    const simd = variant == 1;
    const st = randomState(c.n, <u32>(c.kind * 1000 + 77));
    // Infinite and NaN gradients, and overflows from finite inputs.
    for (let j = 0; j < BAD_AT.length; j++) {
      const i = BAD_AT[j];
      const kindOfBad = j % 3;
      if (kindOfBad == 0) set(st.G, i, <f32>Infinity);
      else if (kindOfBad == 1) set(st.G, i, <f32>NaN);
      else if (c.kind == SGD) { set(st.P, i, 3.4e38); set(st.G, i, -3.4e38); }   // p − lr·g overflows
      else if (c.kind == MOMENTUM) { set(st.V, i, 3.4e38); set(st.G, i, 3.4e38); } // mu·v + g overflows
      else set(st.G, i, 1e30);                                                    // g² overflows v (the step stays finite)
    }
    const old = copyState(st, c.n);
    const refused = update(c.kind, simd, st, c.n, c.nDecay);
    const what = simd ? "simd" : "scalar";
    expect<i32>(refused).toBe(BAD_AT.length, what + ": refused count");
    let changed = 0;
    for (let j = 0; j < BAD_AT.length; j++) {
      const o = <usize>BAD_AT[j] << 2;
      if (load<u32>(st.P + o) != load<u32>(old.P + o)) changed++;
      if (load<u32>(st.M + o) != load<u32>(old.M + o)) changed++;
      if (load<u32>(st.V + o) != load<u32>(old.V + o)) changed++;
    }
    expect<i32>(changed).toBe(0, what + ": values of refused elements that changed (P, M, V)");
    begin(what + ": P of the other elements vs f64 reference");
    for (let i = 0; i < c.n; i++) {
      if (BAD_AT.includes(i)) continue;
      reference(c.kind, at(old.P, i), at(old.M, i), at(old.V, i), at(old.G, i), i < c.nDecay);
      near(at(st.P, i), refP, tolOf(refP), i);
    }
    done();
  }
}

// (n, nDecay): lengths around the vector width, decay boundaries on and off multiples of 4
const SHAPES: i32[] = [1, 0, 1, 1, 3, 2, 4, 4, 5, 3, 8, 5, 9, 6, 67, 0, 67, 41, 67, 44, 67, 67, 130, 97];
const DECAY_N: i32[] = [0, 1, 2, 3, 5, 41, 44, 66, 67];

function registerOptimizer(kind: i32): void {
  const name = NAMES[kind];
  for (let i = 0; i < SHAPES.length; i += 2) {
    const where = " at n=" + SHAPES[i].toString() + " nDecay=" + SHAPES[i + 1].toString();
    add(name + " simd matches scalar within 1e-6 (same refused count)" + where, kind, SHAPES[i], SHAPES[i + 1], () => { simdVsScalar(); });
    add(name + " scalar matches the f64 update formula" + where, kind, SHAPES[i], SHAPES[i + 1], () => { scalarVsReference(); });
  }
  for (let i = 0; i < DECAY_N.length; i++) {
    add(name + " decays the weights before nDecay and leaves the rest unchanged, simd and scalar, at n=67 nDecay=" +
      DECAY_N[i].toString(), kind, 67, DECAY_N[i], () => { decayBoundary(); });
  }
  add(name + " decay boundary inside the last vector, simd and scalar, at n=9 nDecay=6", kind, 9, 6, () => { decayBoundary(); });
  add(name + " refuses non-finite updates element by element: keeps old values, counts them, updates the rest, simd and scalar, at n=67 nDecay=41",
    kind, 67, 41, () => { nonFinite(); });
}

describe("sgd", () => { registerOptimizer(SGD); });
describe("momentum", () => { registerOptimizer(MOMENTUM); });
describe("adam", () => { registerOptimizer(ADAM); });
