// Gradient clipping over a flat block: the squared norm (clip by global norm, as PyTorch's
// clip_grad_norm_: the host or the engine sums the blocks' squares in a fixed order, then scales
// every gradient by max/(‖g‖ + 1e-6) when the norm exceeds max) and element-wise clipping (Keras
// clipvalue). NaN stays NaN, so a diverging step is still refused by the update.
//
// G is (n) f32.

// The variant each build uses, chosen at compile time (the ABI's exports and the engine call these).
export function f64_sum_squares(G: usize, n: i32): f64 { return ASC_FEATURE_SIMD ? f64_sum_squares__simd(G, n) : f64_sum_squares__scalar(G, n); }
export function f32_clip(G: usize, n: i32, c: f32): void { if (ASC_FEATURE_SIMD) f32_clip__simd(G, n, c); else f32_clip__scalar(G, n, c); }
export function f32_scale(G: usize, n: i32, s: f32): void { if (ASC_FEATURE_SIMD) f32_scale__simd(G, n, s); else f32_scale__scalar(G, n, s); }

/** Σ g² in f64, one accumulator in index order (the reference). */
export function f64_sum_squares__scalar(G: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const g = <f64>load<f32>(G + (<usize>i << 2));
    s += g * g;
  }
  return s;
}

/** Σ g² in f64: four f64 lanes (two f64x2) over 4 elements a round, then the lanes in order and
 * the tail. */
export function f64_sum_squares__simd(G: usize, n: i32): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(G + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    a = f64x2.add(a, f64x2.mul(lo, lo));
    b = f64x2.add(b, f64x2.mul(hi, hi));
  }
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1) + f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1);
  for (; i < n; i++) {
    const g = <f64>load<f32>(G + (<usize>i << 2));
    s += g * g;
  }
  return s;
}

/** G = min(max(G, −c), c) element-wise. */
export function f32_clip__scalar(G: usize, n: i32, c: f32): void {
  for (let i = 0; i < n; i++) {
    const o = G + (<usize>i << 2);
    store<f32>(o, min(max(load<f32>(o), -c), c));
  }
}

export function f32_clip__simd(G: usize, n: i32, c: f32): void {
  const hi = f32x4.splat(c), lo = f32x4.splat(-c);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = G + (<usize>i << 2);
    v128.store(o, f32x4.min(f32x4.max(v128.load(o), lo), hi));
  }
  f32_clip__scalar(G + (<usize>i << 2), n - i, c);
}

/** G = G·s (the global-norm clip's scale). */
export function f32_scale__scalar(G: usize, n: i32, s: f32): void {
  for (let i = 0; i < n; i++) {
    const o = G + (<usize>i << 2);
    store<f32>(o, load<f32>(o) * s);
  }
}

export function f32_scale__simd(G: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = G + (<usize>i << 2);
    v128.store(o, f32x4.mul(v128.load(o), vs));
  }
  f32_scale__scalar(G + (<usize>i << 2), n - i, s);
}
