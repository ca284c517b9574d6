// Element-wise activations, forward and backward. Codes are part of the ABI:
//   0 identity, 1 relu, 2 leaky_relu (slope 0.01), 3 sigmoid, 4 tanh.
// Backward kernels take the activation's *output* A, not its input Z: every derivative here is a
// function of A (relu' = A > 0, sigmoid' = A(1-A), tanh' = 1-A²), so Z never needs to be kept.

import { expf } from './mathf';
export const ACT_IDENTITY: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_LEAKY_RELU: i32 = 2;
export const ACT_SIGMOID: i32 = 3;
export const ACT_TANH: i32 = 4;
export const LEAKY_SLOPE: f32 = 0.01;

// @ts-ignore: decorator
@inline export function actScalar(z: f32, act: i32): f32 {
  if (act == ACT_RELU) return z > 0 ? z : 0;
  if (act == ACT_LEAKY_RELU) return z > 0 ? z : z * LEAKY_SLOPE;
  if (act == ACT_SIGMOID) return sigmoidScalar(z);
  if (act == ACT_TANH) return tanhScalar(z);
  return z;
}

/** Derivative factor of the activation, from its output a. */
// @ts-ignore: decorator
@inline export function actGradScalar(a: f32, act: i32): f32 {
  if (act == ACT_RELU) return a > 0 ? 1 : 0;
  if (act == ACT_LEAKY_RELU) return a > 0 ? 1 : LEAKY_SLOPE;
  if (act == ACT_SIGMOID) return a * (1 - a);
  if (act == ACT_TANH) return 1 - a * a;
  return 1;
}

// @ts-ignore: decorator
@inline export function sigmoidScalar(z: f32): f32 {
  // exp of a non-positive number never overflows
  if (z >= 0) return 1 / (1 + expf(-z));
  const e = expf(z);
  return e / (1 + e);
}

// @ts-ignore: decorator
@inline export function tanhScalar(z: f32): f32 {
  const e = expf(-2 * Mathf.abs(z)); // in (0, 1]: no overflow
  const t: f32 = (1 - e) / (1 + e);
  return z < 0 ? -t : t;
}

/** Applies relu / leaky relu / identity to a v128; sigmoid and tanh go through the scalar pass. */
// @ts-ignore: decorator
@inline export function actVec(v: v128, act: i32): v128 {
  if (act == ACT_RELU) return f32x4.max(v, f32x4.splat(0));
  if (act == ACT_LEAKY_RELU) return f32x4.max(v, f32x4.mul(v, f32x4.splat(LEAKY_SLOPE)));
  return v;
}

/** True when actVec handles the activation (so the epilogue applies it in registers). */
// @ts-ignore: decorator
@inline export function actIsVec(act: i32): bool {
  return act == ACT_IDENTITY || act == ACT_RELU || act == ACT_LEAKY_RELU;
}

// out is (n), inp is (n); out may alias inp
export function f32_act_forward__scalar(out: usize, inp: usize, n: i32, act: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, actScalar(load<f32>(inp + o), act));
  }
}

// dZ is (n), dA is (n), A is (n) (the activation's output); dZ may alias dA
export function f32_act_backward__scalar(dZ: usize, dA: usize, A: usize, n: i32, act: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dZ + o, load<f32>(dA + o) * actGradScalar(load<f32>(A + o), act));
  }
}

// out is (n), inp is (n); out may alias inp. relu and leaky relu in v128, the others scalar.
export function f32_act_forward__simd(out: usize, inp: usize, n: i32, act: i32): void {
  if (!actIsVec(act)) { f32_act_forward__scalar(out, inp, n, act); return; }
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, actVec(v128.load(inp + o), act));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, actScalar(load<f32>(inp + o), act));
  }
}

// dZ is (n), dA is (n), A is (n); dZ may alias dA
export function f32_act_backward__simd(dZ: usize, dA: usize, A: usize, n: i32, act: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dZ + o, f32x4.mul(v128.load(dA + o), actGradVec(v128.load(A + o), act)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dZ + o, load<f32>(dA + o) * actGradScalar(load<f32>(A + o), act));
  }
}

/** Derivative factor from the activation output, four lanes at a time. */
// @ts-ignore: decorator
@inline export function actGradVec(a: v128, act: i32): v128 {
  const one = f32x4.splat(1);
  if (act == ACT_RELU) return v128.and(f32x4.gt(a, f32x4.splat(0)), one);
  if (act == ACT_LEAKY_RELU) {
    return v128.bitselect(one, f32x4.splat(LEAKY_SLOPE), f32x4.gt(a, f32x4.splat(0)));
  }
  if (act == ACT_SIGMOID) return f32x4.mul(a, f32x4.sub(one, a));
  if (act == ACT_TANH) return f32x4.sub(one, f32x4.mul(a, a));
  return one;
}
