// exp and log for f32 without lookup tables. AssemblyScript's Mathf.exp and Mathf.log keep tables
// of f64 in static data; a module with static data re-applies it at every instantiation, which the
// threaded binary must not do (each worker instantiates over the shared memory while others run).
// Every binary uses these, so all of them compute the same values.
//
// expf is the Cephes scheme: x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2 so that
// n·ln2 is exact), e^r by a degree-6 minimax polynomial, and 2^n built in the exponent bits, in
// two halves so that results in the subnormal range and up to 2^128 come out right.
// logf is the table-free FreeBSD/musl e_logf: x = 2^k·(1+f) with 1+f in [√½, √2), then
// log(1+f) = f − f²/2 + s·(f²/2 + R(s²)), s = f/(2+f), R a degree-4 polynomial in s².
// Both stay within 2 ulp of the correctly rounded result (tests/assembly/mathf.spec.ts).

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;      // 8 significant bits: n·LN2_HI is exact for |n| < 2^16
const LN2_LO: f32 = -2.12194440e-4;
const X_MAX: f32 = 88.72283905206835;  // ln(FLT_MAX): above it e^x overflows to +Infinity
const X_MIN: f32 = -103.97207708;      // below it e^x rounds to 0

/** 2^n for n in [-126, 127] as an exact f32. */
// @ts-ignore: decorator
@inline function pow2(n: i32): f32 { return reinterpret<f32>((n + 127) << 23); }

// @ts-ignore: decorator
@inline export function expf(x: f32): f32 {
  if (!(x <= X_MAX)) return x + <f32>Infinity; // +Infinity, and NaN stays NaN
  if (x < X_MIN) return 0;
  const n: f32 = nearest<f32>(x * LOG2E);
  const r = (x - n * LN2_HI) - n * LN2_LO;
  let p: f32 = 1.9875691500e-4;
  p = p * r + 1.3981999507e-3;
  p = p * r + 8.3334519073e-3;
  p = p * r + 4.1665795894e-2;
  p = p * r + 1.6666665459e-1;
  p = p * r + 5.0000001201e-1;
  const y = p * (r * r) + r + 1;
  // n is in [-150, 128]: each half is in [-75, 64], inside pow2's range
  const ni = <i32>n;
  const h = ni >> 1;
  return y * pow2(h) * pow2(ni - h);
}

/** expf of each lane, in the same operations as expf so that every lane has expf's bits (SIMD
 * builds only). Out-of-range lanes take expf's early results: x + Infinity above X_MAX (and NaN),
 * 0 below X_MIN; the polynomial's value there is discarded. */
// @ts-ignore: decorator
@inline export function expf4(x: v128): v128 {
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  // (saturating: an out-of-range lane's n converts without a trap, and its value is discarded)
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const h = i32x4.shr_s(ni, 1);
  const bias = i32x4.splat(127);
  const e = f32x4.mul(f32x4.mul(y, i32x4.shl(i32x4.add(h, bias), 23)), i32x4.shl(i32x4.add(i32x4.sub(ni, h), bias), 23));
  const low = v128.bitselect(f32x4.splat(0), e, f32x4.lt(x, f32x4.splat(X_MIN)));
  return v128.bitselect(low, f32x4.add(x, f32x4.splat(Infinity)), f32x4.le(x, f32x4.splat(X_MAX)));
}

const LN2_HI_LOG: f32 = 6.9313812256e-01;
const LN2_LO_LOG: f32 = 9.0580006145e-06;
const LG1: f32 = 0.66666662693;
const LG2: f32 = 0.40000972152;
const LG3: f32 = 0.28498786688;
const LG4: f32 = 0.24279078841;

// @ts-ignore: decorator
@inline export function logf(x: f32): f32 {
  let ix = reinterpret<u32>(x);
  let k: i32 = 0;
  if (ix < 0x00800000 || (ix >> 31) != 0) { // x < 2^-126, or negative
    if ((ix << 1) == 0) return -1 / (x * x); // log(±0) = -Infinity
    if ((ix >> 31) != 0) return (x - x) / 0;  // log(negative) = NaN
    k -= 25; // subnormal: scale up by 2^25
    x *= 33554432;
    ix = reinterpret<u32>(x);
  } else if (ix >= 0x7f800000) {
    return x; // +Infinity, NaN
  } else if (ix == 0x3f800000) {
    return 0;
  }
  // reduce x into [√½, √2)
  ix += 0x3f800000 - 0x3f3504f3;
  k += <i32>(ix >> 23) - 0x7f;
  ix = (ix & 0x007fffff) + 0x3f3504f3;
  const f = reinterpret<f32>(ix) - 1;
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * LG4);
  const t2 = z * (LG1 + w * LG3);
  const R = t2 + t1;
  const hfsq: f32 = 0.5 * f * f;
  const dk = <f32>k;
  return s * (hfsq + R) + dk * LN2_LO_LOG - hfsq + f + dk * LN2_HI_LOG;
}
