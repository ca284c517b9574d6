// Dropout (assembly/dropout.ts): the SIMD variant against the scalar one, bit for bit (same mask,
// same value), over rows [r0,r1) and units [c0,c1) that start and end off multiples of 4; elements
// outside the range and the guard words stay untouched; in place; NaN handling; threshold 0.

import { dropoutKey, f32_dropout_forward__scalar, f32_dropout_forward__simd, f32_dropout_backward__scalar, f32_dropout_backward__simd } from "../../assembly/dropout";
import { reseed, rand, buf, copyOf, at, set, expectGuard, expectSameBits, cursor, register } from "./harness";

class Case { constructor(public B: i32, public N: i32, public r0: i32, public r1: i32, public c0: i32, public c1: i32) {} }
const cases: Case[] = [];
const KEY: u32 = dropoutKey(2024, 17, 1);
const T: u32 = 0x80000000; // p = 0.5
const S: f32 = 2;

describe("f32_dropout_forward: simd equals scalar bit for bit", () => {
  const Ns: i32[] = [1, 3, 4, 5, 7, 8, 9, 33, 257];
  for (let k = 0; k < Ns.length; k++) {
    for (let b = 0; b < 2; b++) {
      const N = Ns[k], B = b == 0 ? 1 : 5;
      register(cases, new Case(B, N, 0, B, 0, N), "full B=" + B.toString() + " N=" + N.toString(), () => {
        const c = cases[cursor]; const n = c.B * c.N;
        reseed(<u32>n);
        const x = rand(n), a = copyOf(x, n), s = copyOf(x, n);
        f32_dropout_forward__scalar(s, x, c.N, KEY, T, S, c.r0, c.r1, c.c0, c.c1);
        f32_dropout_forward__simd(a, x, c.N, KEY, T, S, c.r0, c.r1, c.c0, c.c1);
        expectSameBits(a, s, n, "simd vs scalar");
        expectGuard(a, n, "simd out"); expectGuard(s, n, "scalar out");
      });
    }
  }
  const ranges: i32[][] = [[5, 33, 1, 4, 3, 30], [5, 9, 1, 3, 1, 8], [5, 257, 0, 5, 5, 254], [1, 7, 0, 1, 2, 3]];
  for (let k = 0; k < ranges.length; k++) {
    const q = ranges[k];
    register(cases, new Case(q[0], q[1], q[2], q[3], q[4], q[5]), "range rows [" + q[2].toString() + "," + q[3].toString() + ") units [" + q[4].toString() + "," + q[5].toString() + ") leaves the rest untouched", () => {
      const c = cases[cursor]; const n = c.B * c.N;
      reseed(7);
      const x = rand(n), o = rand(n), a = copyOf(o, n), s = copyOf(o, n);
      f32_dropout_forward__scalar(s, x, c.N, KEY, T, S, c.r0, c.r1, c.c0, c.c1);
      f32_dropout_forward__simd(a, x, c.N, KEY, T, S, c.r0, c.r1, c.c0, c.c1);
      expectSameBits(a, s, n, "simd vs scalar");
      for (let r = 0; r < c.B; r++) for (let j = 0; j < c.N; j++) {
        const i = r * c.N + j;
        if (r < c.r0 || r >= c.r1 || j < c.c0 || j >= c.c1) expect<u32>(load<u32>(a + (<usize>i << 2))).toBe(load<u32>(o + (<usize>i << 2)), "written outside the range");
      }
      expectGuard(a, n, "simd out");
    });
  }
});

describe("f32_dropout_forward: values", () => {
  test("in place equals out of place (simd and scalar)", () => {
    reseed(3); const N = 33, n = 5 * N;
    const x = rand(n), want = buf(n), a = copyOf(x, n), s = copyOf(x, n);
    f32_dropout_forward__scalar(want, x, N, KEY, T, S, 0, 5, 0, N);
    f32_dropout_forward__simd(a, a, N, KEY, T, S, 0, 5, 0, N);
    f32_dropout_forward__scalar(s, s, N, KEY, T, S, 0, 5, 0, N);
    expectSameBits(a, want, n, "simd in place"); expectSameBits(s, want, n, "scalar in place");
  });
  test("a dropped NaN gives +0, a kept NaN stays NaN, kept values are inp·scale", () => {
    const N = 37, n = 2 * N;
    reseed(11);
    const x = rand(n), nan = buf(n); // POISON is a NaN
    const want = buf(n), a = buf(n), s = buf(n);
    f32_dropout_forward__scalar(want, x, N, KEY, T, S, 0, 2, 0, N);
    f32_dropout_forward__simd(a, nan, N, KEY, T, S, 0, 2, 0, N);
    f32_dropout_forward__scalar(s, nan, N, KEY, T, S, 0, 2, 0, N);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const k = load<u32>(want + (<usize>i << 2)) != 0;
      if (k) { kept++; expect<f32>(at(want, i)).toBe(at(x, i) * S); expect<bool>(isNaN(at(a, i))).toBe(true, "kept NaN"); expect<bool>(isNaN(at(s, i))).toBe(true, "kept NaN"); }
      else { expect<u32>(load<u32>(a + (<usize>i << 2))).toBe(0, "dropped NaN is +0"); expect<u32>(load<u32>(s + (<usize>i << 2))).toBe(0, "dropped NaN is +0"); }
    }
    expect<bool>(kept > 0 && kept < n).toBe(true, "the mask keeps some and drops some");
  });
  test("threshold 0 keeps every element: out = inp·scale", () => {
    reseed(5); const N = 9, n = 5 * N;
    const x = rand(n), a = buf(n), s = buf(n);
    f32_dropout_forward__simd(a, x, N, KEY, 0, 1.25, 0, 5, 0, N);
    f32_dropout_forward__scalar(s, x, N, KEY, 0, 1.25, 0, 5, 0, N);
    for (let i = 0; i < n; i++) { expect<f32>(at(a, i)).toBe(at(x, i) * <f32>1.25); expect<f32>(at(s, i)).toBe(at(x, i) * <f32>1.25); }
  });
  test("backward applies the forward's mask (simd equals scalar)", () => {
    reseed(9); const N = 33, n = 5 * N;
    const g = rand(n), f = buf(n), a = buf(n), s = buf(n);
    f32_dropout_forward__scalar(f, g, N, KEY, T, S, 0, 5, 1, 31);
    f32_dropout_backward__simd(a, g, N, KEY, T, S, 0, 5, 1, 31);
    f32_dropout_backward__scalar(s, g, N, KEY, T, S, 0, 5, 1, 31);
    expectSameBits(a, f, n, "simd backward"); expectSameBits(s, f, n, "scalar backward");
  });
});
