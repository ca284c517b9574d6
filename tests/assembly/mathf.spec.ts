// Table-free expf and logf (assembly/mathf.ts) against the f64 Math.exp / Math.log rounded to f32:
// at most 2 ulp apart over the whole range (a dense sweep, random points, the range ends and the
// subnormal results), and the IEEE special values exactly.

import { expf, logf } from "../../assembly/mathf";
import { reseed, rnd } from "./harness";

/** Distance in units in the last place between two finite f32 of the same sign. */
function ulps(a: f32, b: f32): i32 {
  if (a == b) return 0;
  const ia = <i32>reinterpret<u32>(a), ib = <i32>reinterpret<u32>(b);
  if ((ia ^ ib) < 0) return i32.MAX_VALUE; // different signs
  return abs(ia - ib);
}

function worstExp(lo: f32, hi: f32, steps: i32): i32 {
  let worst = 0;
  for (let i = 0; i <= steps; i++) {
    const x: f32 = lo + (hi - lo) * (<f32>i / <f32>steps);
    worst = max(worst, ulps(expf(x), <f32>Math.exp(<f64>x)));
  }
  return worst;
}

function worstLog(lo: f64, hi: f64, steps: i32): i32 {
  let worst = 0;
  for (let i = 0; i <= steps; i++) {
    const x = <f32>(lo * Math.pow(hi / lo, <f64>i / <f64>steps)); // geometric sweep
    worst = max(worst, ulps(logf(x), <f32>Math.log(<f64>x)));
  }
  return worst;
}

describe("expf", () => {
  test("is within 2 ulp of the rounded f64 exp on a dense sweep of the normal range", () => {
    expect<i32>(worstExp(-87, 88.7, 200000)).toBeLessThanOrEqual(2);
  });
  test("is within 2 ulp around 0, where softmax and sigmoid spend their time", () => {
    expect<i32>(worstExp(-1, 1, 100000)).toBeLessThanOrEqual(2);
  });
  test("is within 2 ulp at random points", () => {
    reseed(7);
    let worst = 0;
    for (let i = 0; i < 100000; i++) {
      const x = rnd() * 80;
      worst = max(worst, ulps(expf(x), <f32>Math.exp(<f64>x)));
    }
    expect<i32>(worst).toBeLessThanOrEqual(2);
  });
  test("gives subnormal results within 2 ulp and 0 below the range", () => {
    expect<i32>(worstExp(-103.9, -87.4, 20000)).toBeLessThanOrEqual(2);
    expect<f32>(expf(-104)).toBe(0);
    expect<f32>(expf(-1000)).toBe(0);
  });
  test("overflows to +Infinity past ln(FLT_MAX) and keeps exact special values", () => {
    expect<f32>(expf(88.8)).toBe(Infinity);
    expect<f32>(expf(Infinity)).toBe(Infinity);
    expect<f32>(expf(-Infinity)).toBe(0);
    expect<bool>(isNaN(expf(NaN))).toBe(true);
    expect<f32>(expf(0)).toBe(1);
    expect<f32>(expf(-0.0)).toBe(1);
    expect<bool>(isFinite(expf(88.72))).toBe(true);
  });
});

describe("logf", () => {
  test("is within 2 ulp of the rounded f64 log from 1e-38 to 3e38", () => {
    expect<i32>(worstLog(1e-38, 3e38, 200000)).toBeLessThanOrEqual(2);
  });
  test("is within 2 ulp on [1, 2], where softmax and binary cross-entropy call it", () => {
    expect<i32>(worstLog(1, 2, 100000)).toBeLessThanOrEqual(2);
  });
  test("is within 2 ulp for subnormal inputs", () => {
    expect<i32>(worstLog(1.5e-45, 1e-38, 20000)).toBeLessThanOrEqual(2);
  });
  test("keeps the special values: log 1 = 0, log 0 = -Infinity, log of a negative is NaN", () => {
    expect<f32>(logf(1)).toBe(0);
    expect<f32>(logf(0)).toBe(-Infinity);
    expect<f32>(logf(-0.0)).toBe(-Infinity);
    expect<f32>(logf(Infinity)).toBe(Infinity);
    expect<bool>(isNaN(logf(-1))).toBe(true);
    expect<bool>(isNaN(logf(NaN))).toBe(true);
  });
});
