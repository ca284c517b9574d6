// Batch assembly inside the wasm: rows of the resident dataset are copied in the order of a
// shuffled index, so the host makes one call per batch instead of one per sample.

// dst is (count, cols) f32, src is (n, cols) f32, idx is (count) i32 row numbers into src
export function f32_gather_rows(dst: usize, src: usize, idx: usize, count: i32, cols: i32): void {
  if (ASC_FEATURE_SIMD) f32_gather_rows_8__simd(dst, src, idx, count, cols);
  else f32_gather_rows__scalar(dst, src, idx, count, cols);
}

/** One row at a time (the reference). */
export function f32_gather_rows__scalar(dst: usize, src: usize, idx: usize, count: i32, cols: i32): void {
  const row = <usize>cols << 2;
  for (let i = 0; i < count; i++) {
    const r = <usize>load<i32>(idx + (<usize>i << 2));
    memory.copy(dst + <usize>i * row, src + r * row, row);
  }
}

/** Four rows at once, 32 bytes of each per round. The rows are scattered over the dataset (a
 * shuffled order), so each starts with a cache miss; a one-row copy lets the core wait for one
 * row at a time, four interleaved streams keep four misses in flight (a 784-wide row, 3 KB, takes
 * more instructions than the core looks ahead). Then the rows' last bytes and the last rows. */
export function f32_gather_rows_4__simd(dst: usize, src: usize, idx: usize, count: i32, cols: i32): void {
  const row = <usize>cols << 2, body = row & ~(<usize>31);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const s0 = src + <usize>load<i32>(idx + (<usize>i << 2)) * row;
    const s1 = src + <usize>load<i32>(idx + (<usize>i << 2), 4) * row;
    const s2 = src + <usize>load<i32>(idx + (<usize>i << 2), 8) * row;
    const s3 = src + <usize>load<i32>(idx + (<usize>i << 2), 12) * row;
    const d0 = dst + <usize>i * row, d1 = d0 + row, d2 = d1 + row, d3 = d2 + row;
    for (let c: usize = 0; c < body; c += 32) {
      const a0 = v128.load(s0 + c), a1 = v128.load(s0 + c, 16);
      const b0 = v128.load(s1 + c), b1 = v128.load(s1 + c, 16);
      const c0 = v128.load(s2 + c), c1 = v128.load(s2 + c, 16);
      const e0 = v128.load(s3 + c), e1 = v128.load(s3 + c, 16);
      v128.store(d0 + c, a0); v128.store(d0 + c, a1, 16);
      v128.store(d1 + c, b0); v128.store(d1 + c, b1, 16);
      v128.store(d2 + c, c0); v128.store(d2 + c, c1, 16);
      v128.store(d3 + c, e0); v128.store(d3 + c, e1, 16);
    }
    if (body < row) {
      const t = row - body;
      memory.copy(d0 + body, s0 + body, t); memory.copy(d1 + body, s1 + body, t);
      memory.copy(d2 + body, s2 + body, t); memory.copy(d3 + body, s3 + body, t);
    }
  }
  f32_gather_rows__scalar(dst + <usize>i * row, src, idx + (<usize>i << 2), count - i, cols);
}

/** Eight rows at once, 32 bytes of each per round (each row's loads next to its stores: sixteen
 * vectors held at once would spill), so eight misses are in flight instead of four. One thread,
 * 784-32-10 at batch 64 on Fashion-MNIST floats (rows of 3 KB out of 188 MB): the gather took
 * 22.6–23.2 µs a step against 26.5–28.8 with four rows. Then the rows' last bytes, and the last
 * rows four at a time (f32_gather_rows_4__simd) and one at a time. */
export function f32_gather_rows_8__simd(dst: usize, src: usize, idx: usize, count: i32, cols: i32): void {
  const row = <usize>cols << 2, body = row & ~(<usize>31);
  let i = 0;
  for (; i + 8 <= count; i += 8) {
    const ip = idx + (<usize>i << 2);
    const s0 = src + <usize>load<i32>(ip) * row, s1 = src + <usize>load<i32>(ip, 4) * row;
    const s2 = src + <usize>load<i32>(ip, 8) * row, s3 = src + <usize>load<i32>(ip, 12) * row;
    const s4 = src + <usize>load<i32>(ip, 16) * row, s5 = src + <usize>load<i32>(ip, 20) * row;
    const s6 = src + <usize>load<i32>(ip, 24) * row, s7 = src + <usize>load<i32>(ip, 28) * row;
    const d0 = dst + <usize>i * row;
    for (let c: usize = 0; c < body; c += 32) {
      const d = d0 + c;
      v128.store(d, v128.load(s0 + c)); v128.store(d, v128.load(s0 + c, 16), 16);
      v128.store(d + row, v128.load(s1 + c)); v128.store(d + row, v128.load(s1 + c, 16), 16);
      v128.store(d + 2 * row, v128.load(s2 + c)); v128.store(d + 2 * row, v128.load(s2 + c, 16), 16);
      v128.store(d + 3 * row, v128.load(s3 + c)); v128.store(d + 3 * row, v128.load(s3 + c, 16), 16);
      v128.store(d + 4 * row, v128.load(s4 + c)); v128.store(d + 4 * row, v128.load(s4 + c, 16), 16);
      v128.store(d + 5 * row, v128.load(s5 + c)); v128.store(d + 5 * row, v128.load(s5 + c, 16), 16);
      v128.store(d + 6 * row, v128.load(s6 + c)); v128.store(d + 6 * row, v128.load(s6 + c, 16), 16);
      v128.store(d + 7 * row, v128.load(s7 + c)); v128.store(d + 7 * row, v128.load(s7 + c, 16), 16);
    }
    if (body < row) {
      const t = row - body, d = d0 + body;
      memory.copy(d, s0 + body, t); memory.copy(d + row, s1 + body, t);
      memory.copy(d + 2 * row, s2 + body, t); memory.copy(d + 3 * row, s3 + body, t);
      memory.copy(d + 4 * row, s4 + body, t); memory.copy(d + 5 * row, s5 + body, t);
      memory.copy(d + 6 * row, s6 + body, t); memory.copy(d + 7 * row, s7 + body, t);
    }
  }
  f32_gather_rows_4__simd(dst + <usize>i * row, src, idx + (<usize>i << 2), count - i, cols);
}

// x is (n) f32: the index of its first element that is NaN or ±Infinity, or −1 when every one is
// finite. The host checks the training set this way once it is in the arena (src/network/trainer.ts):
// about 0.02 s for Fashion-MNIST's 47 million floats, where the JavaScript check took 0.15 s a fit.
export function f32_first_nonfinite(x: usize, n: i32): i32 {
  if (ASC_FEATURE_SIMD) return f32_first_nonfinite_64__simd(x, n);
  return f32_first_nonfinite__scalar(x, n);
}

/** One element at a time (the reference): non-finite exactly when the exponent bits are all ones. */
export function f32_first_nonfinite__scalar(x: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) if ((load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) return i;
  return -1;
}

/** 64 floats a round. A lane's exponent bits plus 0x00800000 carry into its sign bit exactly when
 * they are all ones, so a round ORs those sums and tests the sign bits once; the first round that
 * has one is searched again element by element (the reference, from that round on). */
export function f32_first_nonfinite_64__simd(x: usize, n: i32): i32 {
  const E = i32x4.splat(0x7f800000), C = i32x4.splat(0x00800000);
  let i = 0;
  for (; i + 64 <= n; i += 64) {
    const p = x + (<usize>i << 2);
    let a = v128.or(i32x4.add(v128.and(v128.load(p), E), C), i32x4.add(v128.and(v128.load(p, 16), E), C));
    let b = v128.or(i32x4.add(v128.and(v128.load(p, 32), E), C), i32x4.add(v128.and(v128.load(p, 48), E), C));
    a = v128.or(a, v128.or(i32x4.add(v128.and(v128.load(p, 64), E), C), i32x4.add(v128.and(v128.load(p, 80), E), C)));
    b = v128.or(b, v128.or(i32x4.add(v128.and(v128.load(p, 96), E), C), i32x4.add(v128.and(v128.load(p, 112), E), C)));
    a = v128.or(a, v128.or(i32x4.add(v128.and(v128.load(p, 128), E), C), i32x4.add(v128.and(v128.load(p, 144), E), C)));
    b = v128.or(b, v128.or(i32x4.add(v128.and(v128.load(p, 160), E), C), i32x4.add(v128.and(v128.load(p, 176), E), C)));
    a = v128.or(a, v128.or(i32x4.add(v128.and(v128.load(p, 192), E), C), i32x4.add(v128.and(v128.load(p, 208), E), C)));
    b = v128.or(b, v128.or(i32x4.add(v128.and(v128.load(p, 224), E), C), i32x4.add(v128.and(v128.load(p, 240), E), C)));
    if (i32x4.bitmask(v128.or(a, b)) != 0) break;
  }
  const r = f32_first_nonfinite__scalar(x + (<usize>i << 2), n - i);
  return r < 0 ? -1 : i + r;
}

// dst is (count) i32, src is (n) i32, idx is (count) i32
export function i32_gather(dst: usize, src: usize, idx: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const r = <usize>load<i32>(idx + (<usize>i << 2));
    store<i32>(dst + (<usize>i << 2), load<i32>(src + (r << 2)));
  }
}

// Byte features (pixels) widened in the gather: feature j of a row is v = f32(f64(b) / divisor),
// then with a normaliser v' = f32((f64(v) − f64(offset[j])) · f64(scale[j])). That is, to the bit,
// what the host's float path computes (src/data/idx.ts widens with one double division rounded to
// f32; src/data/normalize.ts applies the normaliser in doubles with one rounding), so a byte
// dataset trains exactly like its widened copy. docs/MATH.md "Byte features" says why f64 lanes.

/** Feature j of one row: d[j] = f32(s[j] / divisor), normalised when norm != 0 (off, sc: its
 * offsets and scales). The scalar reference's body, and the SIMD variant's tail. */
// @ts-ignore: decorator
@inline function widenByte(d: usize, s: usize, j: i32, divisor: f64, norm: usize, off: usize, sc: usize): void {
  let v = <f32>(<f64>load<u8>(s + <usize>j) / divisor);
  if (norm != 0) v = <f32>((<f64>v - <f64>load<f32>(off + (<usize>j << 2))) * <f64>load<f32>(sc + (<usize>j << 2)));
  store<f32>(d + (<usize>j << 2), v);
}

/** The reciprocal of `divisor` when multiplying by it widens every byte to the same f32 as dividing
 * by it, f32(f64(b) · (1/divisor)) = f32(f64(b) / divisor) for b = 0 … 255; else 0. The two
 * differ by at most one unit in the last place of the double, far finer than the float's rounding,
 * and no divisor we tried separates them; checking the 256 bytes (a few hundred nanoseconds) makes
 * it certain for the divisor in use, so the gather may multiply (its divisions were most of its time). */
export function u8_widen_reciprocal(divisor: f64): f64 {
  const r = 1.0 / divisor;
  for (let b = 0; b < 256; b++) if (<f32>(<f64>b * r) != <f32>(<f64>b / divisor)) return 0;
  return r;
}

// dst is (count, cols) f32, src is (n, cols) u8, idx is (count) i32 row numbers into src,
// norm is 0 or (2, cols) f32: the offsets, then the scales; recip is u8_widen_reciprocal(divisor)
// (the caller's, once for many calls), or 0 to divide
export function u8_gather_rows(dst: usize, src: usize, idx: usize, count: i32, cols: i32, divisor: f64, norm: usize, recip: f64 = 0): void {
  if (ASC_FEATURE_SIMD && divisor == 255) u8_gather_rows_255_8x16__simd(dst, src, idx, count, cols, norm);
  else if (ASC_FEATURE_SIMD && recip != 0) u8_gather_rows_4x16__simd(dst, src, idx, count, cols, recip, norm);
  else if (ASC_FEATURE_SIMD) u8_gather_rows__simd(dst, src, idx, count, cols, divisor, norm);
  else u8_gather_rows__scalar(dst, src, idx, count, cols, divisor, norm);
}

/** One feature at a time (the reference). */
export function u8_gather_rows__scalar(dst: usize, src: usize, idx: usize, count: i32, cols: i32, divisor: f64, norm: usize): void {
  const off = norm, sc = norm + (<usize>cols << 2);
  for (let i = 0; i < count; i++) {
    const s = src + <usize>load<i32>(idx + (<usize>i << 2)) * <usize>cols;
    const d = dst + (<usize>i * <usize>cols << 2);
    for (let j = 0; j < cols; j++) widenByte(d, s, j, divisor, norm, off, sc);
  }
}

/** Four features per round in two f64x2 halves: the same double division, rounding to f32 and (with a
 * normaliser) double subtract and multiply as the scalar reference, lane by lane; the row's last
 * cols mod 4 features go through the reference's widenByte. */
export function u8_gather_rows__simd(dst: usize, src: usize, idx: usize, count: i32, cols: i32, divisor: f64, norm: usize): void {
  const body = cols & ~3, D = f64x2.splat(divisor);
  const off = norm, sc = norm + (<usize>cols << 2);
  for (let i = 0; i < count; i++) {
    const s = src + <usize>load<i32>(idx + (<usize>i << 2)) * <usize>cols;
    const d = dst + (<usize>i * <usize>cols << 2);
    for (let j = 0; j < body; j += 4) {
      const u = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(s + <usize>j)));
      // signed converts: the same doubles for 0 … 255, and one instruction on x86 where the unsigned
      // form takes several
      let lo = f64x2.div(f64x2.convert_low_i32x4_s(u), D);
      let hi = f64x2.div(f64x2.convert_low_i32x4_s(v128.shuffle<i32>(u, u, 2, 3, 2, 3)), D);
      if (norm != 0) {
        // round to f32 and back, then the normaliser in doubles
        lo = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(lo));
        hi = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(hi));
        const o = v128.load(off + (<usize>j << 2)), c = v128.load(sc + (<usize>j << 2));
        lo = f64x2.mul(f64x2.sub(lo, f64x2.promote_low_f32x4(o)), f64x2.promote_low_f32x4(c));
        hi = f64x2.mul(f64x2.sub(hi, f64x2.promote_low_f32x4(v128.shuffle<i32>(o, o, 2, 3, 2, 3))), f64x2.promote_low_f32x4(v128.shuffle<i32>(c, c, 2, 3, 2, 3)));
      }
      v128.store(d + (<usize>j << 2), v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
    }
    for (let j = body; j < cols; j++) widenByte(d, s, j, divisor, norm, off, sc);
  }
}

/** Four widened features from the low 4 lanes of q (i32 bytes): f32(f64(b) · R), normalised when
 * norm != 0 by the offsets o and scales c of those features, as u8_gather_rows__simd does. by255
 * (a constant at every call): the divisor is 255, and the features come from by255of instead. */
// @ts-ignore: decorator
@inline function widen4(q: v128, R: v128, norm: usize, o: v128, c: v128, by255: bool = false): v128 {
  if (by255) return normalize4(by255of(i32x4.mul(q, i32x4.splat(0x010101))), norm, o, c);
  let lo = f64x2.mul(f64x2.convert_low_i32x4_s(q), R);
  let hi = f64x2.mul(f64x2.convert_low_i32x4_s(v128.shuffle<i32>(q, q, 2, 3, 2, 3)), R);
  if (norm != 0) {
    lo = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(lo)), f64x2.promote_low_f32x4(o)), f64x2.promote_low_f32x4(c));
    hi = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(hi)), f64x2.promote_low_f32x4(v128.shuffle<i32>(o, o, 2, 3, 2, 3))), f64x2.promote_low_f32x4(v128.shuffle<i32>(c, c, 2, 3, 2, 3)));
  }
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** f32(b / 255) in four f32 lanes, to the bit and without doubles, from P = b·0x010101 (i32 lanes;
 * the byte repeated in the lane's low three bytes). In base 256 b/255 = 0.bbbb… (b repeated), so
 * b/255 = 2⁻²⁴·(P + b/255) with P < 2²⁴ exact in f32, and the result is P + b/255 rounded once to
 * 24 bits, times 2⁻²⁴ (exact). b/255 ≈ P·2⁻²⁴ (exact in f32) within 2⁻²⁴, and for 0 < b < 255,
 * b/255 (255 is odd) lies at least 1/(255·256) from every point where the rounding of P + t changes
 * (multiples of a power of two ≥ 2⁻⁸), so the f32 sum P + P·2⁻²⁴ rounds as P + b/255 does (0 and
 * 255 give 0 and 1 exactly). data.spec.ts checks all 256 bytes against the division. */
// @ts-ignore: decorator
@inline function by255of(P: v128): v128 {
  const p = f32x4.convert_i32x4_s(P), e = f32x4.splat(<f32>5.9604644775390625e-8); // 2⁻²⁴
  return f32x4.mul(f32x4.add(p, f32x4.mul(p, e)), e);
}

/** v (four f32 features) normalised by offsets o and scales c in doubles, as widen4 does; v itself
 * when norm is 0. */
// @ts-ignore: decorator
@inline function normalize4(v: v128, norm: usize, o: v128, c: v128): v128 {
  if (norm == 0) return v;
  const lo = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(o)), f64x2.promote_low_f32x4(c));
  const hi = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3)), f64x2.promote_low_f32x4(v128.shuffle<i32>(o, o, 2, 3, 2, 3))), f64x2.promote_low_f32x4(v128.shuffle<i32>(c, c, 2, 3, 2, 3)));
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** 16 bytes v of one row widened into d (16 floats); off, sc: the normaliser of those features.
 * by255: each lane's P = b·0x010101 is one byte swizzle of v (the byte three times, then a zero). */
// @ts-ignore: decorator
@inline function widen16(d: usize, v: v128, R: v128, norm: usize, off: usize, sc: usize, by255: bool): void {
  if (by255) {
    // a swizzle by constant indices (−128: a zero byte) is one byte shuffle on x86; a shuffle with a
    // zero vector measured 1.5× slower, one of v with itself and a mask slower still
    const w0 = by255of(i8x16.swizzle(v, i8x16(0, 0, 0, -128, 1, 1, 1, -128, 2, 2, 2, -128, 3, 3, 3, -128)));
    const w1 = by255of(i8x16.swizzle(v, i8x16(4, 4, 4, -128, 5, 5, 5, -128, 6, 6, 6, -128, 7, 7, 7, -128)));
    const w2 = by255of(i8x16.swizzle(v, i8x16(8, 8, 8, -128, 9, 9, 9, -128, 10, 10, 10, -128, 11, 11, 11, -128)));
    const w3 = by255of(i8x16.swizzle(v, i8x16(12, 12, 12, -128, 13, 13, 13, -128, 14, 14, 14, -128, 15, 15, 15, -128)));
    if (norm == 0) {
      v128.store(d, w0); v128.store(d, w1, 16); v128.store(d, w2, 32); v128.store(d, w3, 48);
    } else {
      v128.store(d, normalize4(w0, norm, v128.load(off), v128.load(sc)));
      v128.store(d, normalize4(w1, norm, v128.load(off, 16), v128.load(sc, 16)), 16);
      v128.store(d, normalize4(w2, norm, v128.load(off, 32), v128.load(sc, 32)), 32);
      v128.store(d, normalize4(w3, norm, v128.load(off, 48), v128.load(sc, 48)), 48);
    }
    return;
  }
  const h0 = i16x8.extend_low_i8x16_u(v), h1 = i16x8.extend_high_i8x16_u(v);
  const q0 = i32x4.extend_low_i16x8_u(h0), q1 = i32x4.extend_high_i16x8_u(h0);
  const q2 = i32x4.extend_low_i16x8_u(h1), q3 = i32x4.extend_high_i16x8_u(h1);
  if (norm == 0) {
    const z = f32x4.splat(0);
    v128.store(d, widen4(q0, R, 0, z, z));
    v128.store(d, widen4(q1, R, 0, z, z), 16);
    v128.store(d, widen4(q2, R, 0, z, z), 32);
    v128.store(d, widen4(q3, R, 0, z, z), 48);
  } else {
    v128.store(d, widen4(q0, R, norm, v128.load(off), v128.load(sc)));
    v128.store(d, widen4(q1, R, norm, v128.load(off, 16), v128.load(sc, 16)), 16);
    v128.store(d, widen4(q2, R, norm, v128.load(off, 32), v128.load(sc, 32)), 32);
    v128.store(d, widen4(q3, R, norm, v128.load(off, 48), v128.load(sc, 48)), 48);
  }
}

/** Four rows at once, 16 bytes of each per round, multiplying by the reciprocal (recip ≠ 0: see
 * u8_widen_reciprocal). The rows are scattered over the dataset, so each starts with a cache miss:
 * four interleaved rows keep four in flight, as f32_gather_rows_4__simd does. Then the rows'
 * last cols mod 16 features by 4 and one by one, and the last count mod 4 rows. The same bits as
 * u8_gather_rows__scalar. */
export function u8_gather_rows_4x16__simd(dst: usize, src: usize, idx: usize, count: i32, cols: i32, recip: f64, norm: usize): void {
  gatherBytes(dst, src, idx, count, cols, recip, norm, false);
}

/** u8_gather_rows_4x16__simd for the divisor 255 (pixels), widening in f32 lanes (by255of)
 * instead of f64 ones, eight rows at once: a 784-byte row is only 13 lines, and eight interleaved
 * rows keep eight misses in flight (64 rows scattered over 60,000 of 784 bytes, not in cache, in
 * 16 µs against 21 µs by four; the f64 lanes' loop ran slower by eight). Then four rows, then one
 * at a time. The same bits as u8_gather_rows__scalar with divisor 255. */
export function u8_gather_rows_255_8x16__simd(dst: usize, src: usize, idx: usize, count: i32, cols: i32, norm: usize): void {
  gatherBytes(dst, src, idx, count, cols, 1.0 / 255.0, norm, true);
}

/** Row i of the batch: where its bytes start. */
// @ts-ignore: decorator
@inline function rowAt(src: usize, idx: usize, i: i32, cols: i32): usize {
  return src + <usize>load<i32>(idx + (<usize>i << 2)) * <usize>cols;
}

/** The body of both: by255 is a constant at each call, so each compiles to its own loop. */
// @ts-ignore: decorator
@inline function gatherBytes(dst: usize, src: usize, idx: usize, count: i32, cols: i32, recip: f64, norm: usize, by255: bool): void {
  const R = f64x2.splat(recip), row = <usize>cols << 2;
  let i = 0;
  for (; by255 && i + 8 <= count; i += 8) gatherByteRows(dst, src, idx, i, 8, cols, row, R, recip, norm, by255);
  for (; i + 4 <= count; i += 4) gatherByteRows(dst, src, idx, i, 4, cols, row, R, recip, norm, by255);
  const quads = cols & ~3, sc = norm + (<usize>cols << 2), z = f32x4.splat(0);
  for (; i < count; i++) u8_widen_tail(dst + <usize>i * row, rowAt(src, idx, i, cols), 0, quads, cols, R, recip, norm, norm, sc, z, by255);
}

/** G (4 or 8, a constant at each call) rows from batch row i on, 16 bytes of each a round, then
 * each row's last cols mod 16 features. The row pointers are named, not indexed: a loop over them
 * reloading idx measured 2.7× slower. */
// @ts-ignore: decorator
@inline function gatherByteRows(dst: usize, src: usize, idx: usize, i: i32, G: i32, cols: i32, row: usize, R: v128, recip: f64, norm: usize, by255: bool): void {
  const body = cols & ~15, quads = cols & ~3, off = norm, sc = norm + (<usize>cols << 2), z = f32x4.splat(0);
  const s0 = rowAt(src, idx, i, cols), s1 = rowAt(src, idx, i + 1, cols), s2 = rowAt(src, idx, i + 2, cols), s3 = rowAt(src, idx, i + 3, cols);
  const s4 = G == 8 ? rowAt(src, idx, i + 4, cols) : 0, s5 = G == 8 ? rowAt(src, idx, i + 5, cols) : 0;
  const s6 = G == 8 ? rowAt(src, idx, i + 6, cols) : 0, s7 = G == 8 ? rowAt(src, idx, i + 7, cols) : 0;
  const d0 = dst + <usize>i * row;
  for (let j = 0; j < body; j += 16) {
    const o = d0 + (<usize>j << 2), no = off + (<usize>j << 2), ns = sc + (<usize>j << 2), u = <usize>j;
    widen16(o, v128.load(s0 + u), R, norm, no, ns, by255); widen16(o + row, v128.load(s1 + u), R, norm, no, ns, by255);
    widen16(o + 2 * row, v128.load(s2 + u), R, norm, no, ns, by255); widen16(o + 3 * row, v128.load(s3 + u), R, norm, no, ns, by255);
    if (G == 8) {
      widen16(o + 4 * row, v128.load(s4 + u), R, norm, no, ns, by255); widen16(o + 5 * row, v128.load(s5 + u), R, norm, no, ns, by255);
      widen16(o + 6 * row, v128.load(s6 + u), R, norm, no, ns, by255); widen16(o + 7 * row, v128.load(s7 + u), R, norm, no, ns, by255);
    }
  }
  for (let r = 0; r < G; r++) u8_widen_tail(d0 + <usize>r * row, rowAt(src, idx, i + r, cols), body, quads, cols, R, recip, norm, off, sc, z, by255);
}

/** Features [j0, cols) of one row: by 4 up to `quads`, then one by one, multiplying as widen4 does. */
// @ts-ignore: decorator
@inline function u8_widen_tail(d: usize, s: usize, j0: i32, quads: i32, cols: i32, R: v128, recip: f64, norm: usize, off: usize, sc: usize, z: v128, by255: bool): void {
  let j = j0;
  for (; j < quads; j += 4) {
    const q = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(s + <usize>j)));
    const o = norm != 0 ? v128.load(off + (<usize>j << 2)) : z, c = norm != 0 ? v128.load(sc + (<usize>j << 2)) : z;
    v128.store(d + (<usize>j << 2), widen4(q, R, norm, o, c, by255));
  }
  for (; j < cols; j++) {
    let v = <f32>(<f64>load<u8>(s + <usize>j) * recip);
    if (norm != 0) v = <f32>((<f64>v - <f64>load<f32>(off + (<usize>j << 2))) * <f64>load<f32>(sc + (<usize>j << 2)));
    store<f32>(d + (<usize>j << 2), v);
  }
}
