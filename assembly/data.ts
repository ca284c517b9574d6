// Batch assembly inside the wasm: rows of the resident dataset are copied in the order of a
// shuffled index, so the host makes one call per batch instead of one per sample.

// dst is (count, cols) f32, src is (n, cols) f32, idx is (count) i32 row numbers into src
export function f32_gather_rows(dst: usize, src: usize, idx: usize, count: i32, cols: i32): void {
  if (ASC_FEATURE_SIMD) f32_gather_rows_4__simd(dst, src, idx, count, cols);
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

// dst is (count, cols) f32, src is (n, cols) u8, idx is (count) i32 row numbers into src,
// norm is 0 or (2, cols) f32: the offsets, then the scales
export function u8_gather_rows(dst: usize, src: usize, idx: usize, count: i32, cols: i32, divisor: f64, norm: usize): void {
  if (ASC_FEATURE_SIMD) u8_gather_rows__simd(dst, src, idx, count, cols, divisor, norm);
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
      let lo = f64x2.div(f64x2.convert_low_i32x4_u(u), D);
      let hi = f64x2.div(f64x2.convert_low_i32x4_u(v128.shuffle<i32>(u, u, 2, 3, 2, 3)), D);
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
