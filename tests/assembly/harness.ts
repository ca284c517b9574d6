// The harness shared by the kernel specs (tests/assembly/*.spec.ts): deterministic data, guarded
// buffers, element checks and the test-case cursor. Every spec imports it; each spec still compiles
// alone, and this module's top-level code (the root afterEach / beforeEach hooks below) runs in
// each spec's start function before the spec's own top-level code. Not a spec itself: its name
// matches neither the `entries` (*.spec.ts) nor the `include` (*.include.ts) glob of as-pect.config.js.
// describe / test / beforeEach / afterEach / expect are as-pect's @global functions, callable here.

// Deterministic data: xorshift32, 24-bit uniform floats in [-1, 1) (exact in f32).
let seed: u32 = 1;
export function reseed(s: u32): void { seed = s | 1; for (let i = 0; i < 4; i++) rnd(); }
export function rnd(): f32 {
  let x = seed; x ^= x << 13; x ^= x >> 17; x ^= x << 5; seed = x;
  return <f32>(<f64>(x >> 8) * (1.0 / 8388608.0) - 1.0);
}

// Buffers: n floats (32-bit words), followed by GUARD words no kernel may write. Outputs start as
// POISON (a NaN), so an element a kernel forgets to write fails any comparison. Freed after every test.
export const GUARD = 8;
export const CANARY: u32 = 0x7fa5a5a5;
export const POISON: u32 = 0x7fc0ffee;
const live: usize[] = [];
/** n words set to `fill`, then GUARD canary words; freed after the test. */
export function bufFilled(n: i32, fill: u32): usize {
  const p = heap.alloc(<usize>(n + GUARD) << 2);
  for (let i = 0; i < n; i++) store<u32>(p + (<usize>i << 2), fill);
  for (let i = n; i < n + GUARD; i++) store<u32>(p + (<usize>i << 2), CANARY);
  live.push(p);
  return p;
}
export function buf(n: i32): usize { return bufFilled(n, POISON); }
export function rand(n: i32): usize {
  const p = buf(n);
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), rnd());
  return p;
}
export function copyOf(src: usize, n: i32): usize {
  const p = buf(n);
  memory.copy(p, src, <usize>n << 2);
  return p;
}
// @ts-ignore: decorator
@inline export function at(p: usize, i: i32): f32 { return load<f32>(p + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function set(p: usize, i: i32, v: f32): void { store<f32>(p + (<usize>i << 2), v); }
export function expectGuard(p: usize, n: i32, what: string): void {
  for (let i = n; i < n + GUARD; i++) {
    expect<u32>(load<u32>(p + (<usize>i << 2))).toBe(CANARY, what + ": written past its end at element " + i.toString());
  }
}
export function expectSameBits(got: usize, want: usize, n: i32, what: string): void {
  let diff = 0, first = -1;
  for (let i = 0; i < n; i++) {
    if (load<u32>(got + (<usize>i << 2)) != load<u32>(want + (<usize>i << 2))) { if (first < 0) first = i; diff++; }
  }
  expect<i32>(diff).toBe(0, what + ": elements differ bitwise, first at " + first.toString());
}
afterEach(() => {
  while (live.length > 0) heap.free(live.pop());
});

// Element checks: count the elements off by more than their tolerance, fail on the first one.
// `got` prints as its own type (f32 elements print as f32); the element prints as [i] or, given j, [i,j].
const NO_J = i32.MIN_VALUE;
let checkWhat = "";
let bad = 0;
let firstErr: f64 = 0;
let firstTol: f64 = 0;
let firstAt = "";
export function begin(what: string): void { checkWhat = what; bad = 0; }
export function near<T>(got: T, want: f64, tol: f64, i: i32, j: i32 = NO_J): void {
  const err = Math.abs(<f64>got - want);
  if (!(err <= tol)) { // NaN fails too
    if (bad == 0) {
      firstErr = isNaN(err) ? Infinity : err; firstTol = tol; // keep our message: as-pect replaces it for NaN
      const where = j == NO_J ? i.toString() : i.toString() + "," + j.toString();
      firstAt = "[" + where + "] got " + got.toString() + " want " + want.toString();
    }
    bad++;
  }
}
export function done(): void {
  if (bad > 0) {
    expect<f64>(firstErr).toBeLessThanOrEqual(firstTol,
      checkWhat + ": " + bad.toString() + " element(s) out of tolerance, first " + firstAt);
  }
}

// Test cases: a test callback cannot capture loop variables, so each test's parameters are pushed
// to its spec's table as the test is registered (`register`), and a root beforeEach advances
// `cursor` before every registered test (as-pect runs beforeEach hooks even for tests it then
// filters out); the test reads its parameters back as cases[cursor].
export let cursor = -1;
beforeEach(() => { cursor++; });
export function register<C>(cases: C[], c: C, name: string, fn: () => void): void {
  cases.push(c);
  test(name, fn);
}

// ---------------------------------------------------------------------------------------------
// The activation reference, in f64 (codes as in assembly/activation.ts)

export const ACT_NAMES: string[] = ["identity", "relu", "leaky_relu", "sigmoid", "tanh"];
export function actRef(z: f64, act: i32): f64 {
  if (act == 1) return z > 0 ? z : 0;
  if (act == 2) return z > 0 ? z : 0.01 * z;
  if (act == 3) return 1 / (1 + Math.exp(-z));
  if (act == 4) return Math.tanh(z);
  return z;
}
/** Derivative of the activation as a function of its output a. */
export function actGradRef(a: f64, act: i32): f64 {
  if (act == 1) return a > 0 ? 1 : 0;
  if (act == 2) return a > 0 ? 1 : 0.01;
  if (act == 3) return a * (1 - a);
  if (act == 4) return 1 - a * a;
  return 1;
}
