// Table-free expf and logf (assembly/mathf.ts) against the f64 Math.exp / Math.log rounded to f32:
// at most 2 ulp apart over the whole range (a dense sweep, random points, the range ends and the
// subnormal results), and the IEEE special values exactly. expf4 (four lanes, SIMD builds) against
// expf bit for bit: it is the same operations, so no tolerance.

import { expf, expf4, logf } from "../../assembly/mathf";
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

/** Lanes of expf4 against expf at x0 … x3: differing lanes (NaN against NaN counts as equal). */
function expf4Misses(x0: f32, x1: f32, x2: f32, x3: f32): i32 {
  const e = expf4(f32x4(x0, x1, x2, x3));
  let miss = 0;
  if (!sameOrNaN(f32x4.extract_lane(e, 0), expf(x0))) miss++;
  if (!sameOrNaN(f32x4.extract_lane(e, 1), expf(x1))) miss++;
  if (!sameOrNaN(f32x4.extract_lane(e, 2), expf(x2))) miss++;
  if (!sameOrNaN(f32x4.extract_lane(e, 3), expf(x3))) miss++;
  return miss;
}
function sameOrNaN(a: f32, b: f32): bool { return reinterpret<u32>(a) == reinterpret<u32>(b) || (isNaN(a) && isNaN(b)); }

/** Point i of SWEEP evenly spaced from -110 to 95: past X_MIN (0) and X_MAX (Infinity). */
const SWEEP = 400000;
function sweepAt(i: i32): f32 { return <f32>-110 + <f32>205 * (<f32>i / <f32>SWEEP); }
/** Any f32 bit pattern (from two draws of the harness's generator). */
function randomBits(): f32 { return reinterpret<f32>(reinterpret<u32>(rnd()) ^ (reinterpret<u32>(rnd()) << 11) ^ (reinterpret<u32>(rnd()) >> 7)); }

describe("expf4", () => {
  test("has expf's bits in every lane on a dense sweep past both ends of the range", () => {
    let miss = 0;
    for (let i = 0; i < SWEEP; i += 4) miss += expf4Misses(sweepAt(i), sweepAt(i + 1), sweepAt(i + 2), sweepAt(i + 3));
    expect<i32>(miss).toBe(0);
  });
  test("has expf's bits on [-1, 0], where softmax spends its time, lanes in every order", () => {
    let miss = 0;
    for (let i = 0; i < 100000; i += 4) miss += expf4Misses(-<f32>i / 100000, -<f32>(i + 3) / 100000, -<f32>(i + 1) / 100000, -<f32>(i + 2) / 100000);
    expect<i32>(miss).toBe(0);
  });
  test("has expf's bits for random bit patterns (NaN, infinities, subnormal and huge inputs)", () => {
    reseed(11);
    let miss = 0;
    for (let i = 0; i < 100000; i++) miss += expf4Misses(randomBits(), randomBits(), randomBits(), randomBits());
    expect<i32>(miss).toBe(0);
  });
  test("keeps the special values and the range ends lane by lane", () => {
    expect<i32>(expf4Misses(Infinity, -Infinity, NaN, -0.0)).toBe(0);
    expect<i32>(expf4Misses(88.72283905206835, 88.7228470, -103.97207708, -103.972084)).toBe(0);
    expect<i32>(expf4Misses(0, 1, -87.33654, -100)).toBe(0);
    const e = expf4(f32x4(Infinity, -Infinity, -1000, 0));
    expect<f32>(f32x4.extract_lane(e, 0)).toBe(Infinity);
    expect<f32>(f32x4.extract_lane(e, 1)).toBe(0);
    expect<f32>(f32x4.extract_lane(e, 2)).toBe(0);
    expect<f32>(f32x4.extract_lane(e, 3)).toBe(1);
    expect<bool>(isNaN(f32x4.extract_lane(expf4(f32x4.splat(NaN)), 0))).toBe(true);
  });
});
