// Small v128 helpers shared by the SIMD kernels. Everything here is @inline: no calls in hot loops.
// `madd` is the one place that chooses between the fused relaxed instruction and mul+add, so the
// relaxed binary and the plain SIMD binary come from the same kernel source.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** Loads n (0..4) floats from ptr into the low lanes; the other lanes are zero. For tails only. */
// @ts-ignore: decorator
@inline export function loadPartial(ptr: usize, n: i32): v128 {
  if (n >= 4) return v128.load(ptr);
  let v = f32x4.splat(0);
  if (n > 0) v = f32x4.replace_lane(v, 0, load<f32>(ptr));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(ptr, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(ptr, 8));
  return v;
}

/** Stores the low n (0..4) lanes of v at ptr. For tails only. */
// @ts-ignore: decorator
@inline export function storePartial(ptr: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(ptr, v); return; }
  if (n > 0) store<f32>(ptr, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(ptr, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(ptr, f32x4.extract_lane(v, 2), 8);
}
