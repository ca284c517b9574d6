// Inverted dropout: while training, each element of a hidden layer's output is kept with
// probability 1 − p and scaled by 1/(1 − p), or set to zero; the backward pass applies the same
// mask and scale to the gradient. Inference never drops.
//
// The mask is not drawn from a stream: element (row, unit) of layer l at step t is kept when
//   bits = mix32(rowKey ^ (unit + 1)·0x27d4eb2f) ≥ threshold,
//   rowKey = mix32(key ^ (row + 1)·0xc2b2ae35),  key = dropoutKey(seed, t, l),
// threshold = round(p·2³²). A counter-based hash of (seed, step, layer, row, unit): no element's
// bit depends on which thread computes it, in what order, or on what was drawn before, so thread
// counts, resumed runs and the js backend (src/backend/dropout-bits.ts, the same function) all
// drop the same elements. mix32 is Wellons' lowbias32 finaliser.
//
// Dimensions: (B, N) row-major activations or gradients; kernels act on rows [r0, r1) and units
// [c0, c1) so that the engine's row units and column panels can each take their part.

// @ts-ignore: decorator
@inline export function mix32(x: u32): u32 {
  x ^= x >> 16; x *= 0x7feb352d;
  x ^= x >> 15; x *= 0x846ca68b;
  x ^= x >> 16;
  return x;
}

/** The key of layer `layer`'s mask at training step `step` for the run's seed. */
export function dropoutKey(seed: u32, step: u32, layer: u32): u32 {
  return mix32(mix32(mix32(seed ^ 0x9e3779b9) ^ step) ^ ((layer + 1) * 0x85ebca6b));
}

// @ts-ignore: decorator
@inline export function dropoutRowKey(key: u32, row: u32): u32 { return mix32(key ^ ((row + 1) * 0xc2b2ae35)); }

// @ts-ignore: decorator
@inline export function dropoutBits(rowKey: u32, unit: u32): u32 { return mix32(rowKey ^ ((unit + 1) * 0x27d4eb2f)); }

// @ts-ignore: decorator
@inline function mix32x4(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16)); x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15)); x = i32x4.mul(x, i32x4.splat(<i32>0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

// The variant each build uses, chosen at compile time (the ABI's exports and the engine call these).
export function f32_dropout_forward(out: usize, inp: usize, N: i32, key: u32, threshold: u32, scale: f32, r0: i32, r1: i32, c0: i32, c1: i32): void {
  if (ASC_FEATURE_SIMD) f32_dropout_forward__simd(out, inp, N, key, threshold, scale, r0, r1, c0, c1);
  else f32_dropout_forward__scalar(out, inp, N, key, threshold, scale, r0, r1, c0, c1);
}
export function f32_dropout_backward(dX: usize, dY: usize, N: i32, key: u32, threshold: u32, scale: f32, r0: i32, r1: i32, c0: i32, c1: i32): void {
  if (ASC_FEATURE_SIMD) f32_dropout_backward__simd(dX, dY, N, key, threshold, scale, r0, r1, c0, c1);
  else f32_dropout_backward__scalar(dX, dY, N, key, threshold, scale, r0, r1, c0, c1);
}

// out (B,N) = inp (B,N) ⊙ keep·scale over rows [r0,r1), units [c0,c1); out may alias inp.
// A dropped element is +0 whatever the input (NaN included); a kept one is inp·scale.
export function f32_dropout_forward__scalar(out: usize, inp: usize, N: i32, key: u32, threshold: u32, scale: f32, r0: i32, r1: i32, c0: i32, c1: i32): void {
  for (let r = r0; r < r1; r++) {
    const rk = dropoutRowKey(key, <u32>r);
    const o = out + (<usize>r * <usize>N << 2), x = inp + (<usize>r * <usize>N << 2);
    for (let j = c0; j < c1; j++) {
      const keep = dropoutBits(rk, <u32>j) >= threshold;
      store<f32>(o + (<usize>j << 2), keep ? load<f32>(x + (<usize>j << 2)) * scale : 0);
    }
  }
}

// The same over 4 units at a time: the hash in i32x4 lanes (unsigned compare for the threshold).
export function f32_dropout_forward__simd(out: usize, inp: usize, N: i32, key: u32, threshold: u32, scale: f32, r0: i32, r1: i32, c0: i32, c1: i32): void {
  const vs = f32x4.splat(scale), vt = i32x4.splat(<i32>threshold), step = i32x4.splat(4 * 0x27d4eb2f);
  const first = i32x4.mul(i32x4.add(i32x4.splat(c0 + 1), i32x4(0, 1, 2, 3)), i32x4.splat(0x27d4eb2f));
  for (let r = r0; r < r1; r++) {
    const rk = dropoutRowKey(key, <u32>r);
    const vk = i32x4.splat(<i32>rk);
    const o = out + (<usize>r * <usize>N << 2), x = inp + (<usize>r * <usize>N << 2);
    let u = first;
    let j = c0;
    for (; j + 4 <= c1; j += 4) {
      const keep = i32x4.ge_u(mix32x4(v128.xor(vk, u)), vt);
      v128.store(o + (<usize>j << 2), v128.and(f32x4.mul(v128.load(x + (<usize>j << 2)), vs), keep));
      u = i32x4.add(u, step);
    }
    for (; j < c1; j++) {
      const keep = dropoutBits(rk, <u32>j) >= threshold;
      store<f32>(o + (<usize>j << 2), keep ? load<f32>(x + (<usize>j << 2)) * scale : 0);
    }
  }
}

// dX (B,N) = dY (B,N) ⊙ keep·scale: the forward's mask on the gradient (dX may alias dY).
export function f32_dropout_backward__scalar(dX: usize, dY: usize, N: i32, key: u32, threshold: u32, scale: f32, r0: i32, r1: i32, c0: i32, c1: i32): void {
  f32_dropout_forward__scalar(dX, dY, N, key, threshold, scale, r0, r1, c0, c1);
}

export function f32_dropout_backward__simd(dX: usize, dY: usize, N: i32, key: u32, threshold: u32, scale: f32, r0: i32, r1: i32, c0: i32, c1: i32): void {
  f32_dropout_forward__simd(dX, dY, N, key, threshold, scale, r0, r1, c0, c1);
}
