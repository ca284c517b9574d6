// Gradient clipping (assembly/clip.ts): sum of squares (SIMD sums four f64 lanes: compared within a
// relative 1e-12, against an f64 reference too), clip and scale (element-wise: exact) over lengths
// around the v128 width; NaN propagates; guards untouched.

import { f64_sum_squares__scalar, f64_sum_squares__simd, f32_clip__scalar, f32_clip__simd, f32_scale__scalar, f32_scale__simd } from "../../assembly/clip";
import { reseed, rand, copyOf, at, set, expectGuard, expectSameBits, cursor, register } from "./harness";

class Case { constructor(public n: i32) {} }
const cases: Case[] = [];
const NS: i32[] = [1, 3, 4, 5, 7, 8, 9, 33, 257];

describe("clip kernels: simd vs scalar vs reference", () => {
  for (let k = 0; k < NS.length; k++) {
    register(cases, new Case(NS[k]), "n=" + NS[k].toString(), () => {
      const n = cases[cursor].n;
      reseed(<u32>n * 3);
      const g = rand(n);
      for (let i = 0; i < n; i++) set(g, i, at(g, i) * 3);
      let ref: f64 = 0;
      for (let i = 0; i < n; i++) ref += <f64>at(g, i) * <f64>at(g, i);
      const ss = f64_sum_squares__scalar(g, n), sv = f64_sum_squares__simd(g, n);
      expect<f64>(ss).toBe(ref, "scalar sum_squares");
      expect<f64>(Math.abs(sv - ref)).toBeLessThanOrEqual(1e-12 * ref, "simd sum_squares");
      const a = copyOf(g, n), s = copyOf(g, n);
      f32_clip__simd(a, n, 1.5); f32_clip__scalar(s, n, 1.5);
      expectSameBits(a, s, n, "clip simd vs scalar");
      for (let i = 0; i < n; i++) expect<f32>(at(s, i)).toBe(Mathf.min(Mathf.max(at(g, i), -1.5), 1.5));
      expectGuard(a, n, "clip simd"); expectGuard(s, n, "clip scalar");
      const b = copyOf(g, n), t = copyOf(g, n);
      f32_scale__simd(b, n, 0.375); f32_scale__scalar(t, n, 0.375);
      expectSameBits(b, t, n, "scale simd vs scalar");
      for (let i = 0; i < n; i++) expect<f32>(at(t, i)).toBe(at(g, i) * <f32>0.375);
      expectGuard(b, n, "scale simd"); expectGuard(t, n, "scale scalar");
    });
  }
  test("NaN propagates through clip, scale and sum_squares, in the body and the tail", () => {
    const n = 9;
    reseed(1);
    const g = rand(n);
    set(g, 1, NaN); set(g, 8, NaN);
    expect<bool>(isNaN(f64_sum_squares__simd(g, n))).toBe(true);
    expect<bool>(isNaN(f64_sum_squares__scalar(g, n))).toBe(true);
    const a = copyOf(g, n), s = copyOf(g, n);
    f32_clip__simd(a, n, 0.5); f32_clip__scalar(s, n, 0.5);
    expect<bool>(isNaN(at(a, 1)) && isNaN(at(a, 8)) && isNaN(at(s, 1)) && isNaN(at(s, 8))).toBe(true, "clip keeps NaN");
    const b = copyOf(g, n);
    f32_scale__simd(b, n, 2);
    expect<bool>(isNaN(at(b, 1)) && isNaN(at(b, 8))).toBe(true, "scale keeps NaN");
  });
});
