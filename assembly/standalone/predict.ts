// A standalone model module: the inference half of wasm-mlp with one model inside. This file is
// compiled, without any model, into the templates build/standalone-simd.wasm and
// build/standalone-scalar.wasm; `wasm-mlp export --wasm` (src/io/standalone.ts) adds the model as
// one data segment at MODEL_BASE and sets the memory's size. No imports: the module instantiates
// with an empty import object anywhere.
//
// The exporter plans the memory and writes the plan into the header; this code only follows it.
// Header: i32 words at MODEL_BASE (docs/ABI.md "A standalone model module"):
//   0 magic 'wmlp'  1 version  2 L (dense layers)  3 hidden activation code  4 head (0 softmax,
//   1 sigmoid, 2 linear)  5 max_rows  6 inputs  7 classes  8 input rows  9 output rows
//   10, 11 activation buffers (ping-pong)  12 scratch  13 normaliser offsets (0: none)
//   14 normaliser scales  15 bytes the plan needs
//   then per layer l, at word 16 + 5·l: K, N, W (N,K) row-major, bias (N), Wp (packed, zeroed memory)
// W and the biases sit in the data segment; the start function packs each W into its Wp with the
// training binaries' own f32_pack_weights, so predict runs the very kernels `wasm-mlp predict` runs.

import { f32_dense_forward__scalar, f32_dense_forward_4x8__simd } from '../dense';
import { f32_softmax_xent_forward__scalar, f32_sigmoid_bce_forward__scalar, f32_mse_forward__scalar } from '../loss';
import { f32_pack_weights } from '../pack';
import { ACT_IDENTITY } from '../activation';

const MODEL_BASE: usize = 1024;
const MAGIC: i32 = 0x706c6d77; // "wmlp" little-endian
const VERSION: i32 = 1;
const HEAD_SOFTMAX: i32 = 0;
const HEAD_SIGMOID: i32 = 1;
const LAYER_WORDS: usize = 5;

const H_MAGIC = 0, H_VERSION = 1, H_LAYERS = 2, H_HIDDEN = 3, H_HEAD = 4, H_MAX_ROWS = 5, H_INPUTS = 6,
  H_CLASSES = 7, H_INPUT = 8, H_OUTPUT = 9, H_ACT0 = 10, H_ACT1 = 11, H_SCRATCH = 12, H_NORM_OFFSET = 13,
  H_NORM_SCALE = 14, H_LAYER0 = 16;
const L_K = 0, L_N = 1, L_W = 2, L_BIAS = 3, L_WP = 4;

/** Returned by predict when rows is not in [1, max_rows]. */
const E_ROWS: i32 = -1;
/** Returned by predict when the module holds no model (a bare template, or an unknown version). */
const E_NO_MODEL: i32 = -2;

// @ts-ignore: decorator
@inline function word(i: i32): i32 { return load<i32>(MODEL_BASE + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function layerWord(l: i32, i: i32): i32 { return word(H_LAYER0 + l * <i32>LAYER_WORDS + i); }
// @ts-ignore: decorator
@inline function hasModel(): bool { return word(H_MAGIC) == MAGIC && word(H_VERSION) == VERSION; }

export function inputs(): i32 { return hasModel() ? word(H_INPUTS) : 0; }
export function classes(): i32 { return hasModel() ? word(H_CLASSES) : 0; }
export function max_rows(): i32 { return hasModel() ? word(H_MAX_ROWS) : 0; }
/** Byte offset of the input rows: (max_rows, inputs) f32, raw features (the normaliser is applied inside). */
export function input_ptr(): i32 { return hasModel() ? word(H_INPUT) : 0; }
/** Byte offset of the outputs: (max_rows, classes) f32, what `wasm-mlp predict` prints. */
export function output_ptr(): i32 { return hasModel() ? word(H_OUTPUT) : 0; }

/** Probabilities (or values, for a linear output) of the first `rows` input rows, written at
 * output_ptr. Returns rows, or E_ROWS / E_NO_MODEL having written nothing. */
export function predict(rows: i32): i32 {
  if (!hasModel()) return E_NO_MODEL;
  if (rows <= 0 || rows > word(H_MAX_ROWS)) return E_ROWS;
  const L = word(H_LAYERS), hidden = word(H_HIDDEN), out = <usize>word(H_OUTPUT);
  const act0 = <usize>word(H_ACT0), act1 = <usize>word(H_ACT1), scratch = <usize>word(H_SCRATCH);
  let X = <usize>word(H_INPUT);
  const offset = <usize>word(H_NORM_OFFSET);
  if (offset != 0) {
    normalize(act0, X, offset, <usize>word(H_NORM_SCALE), rows, word(H_INPUTS));
    X = act0;
  }
  for (let l = 0; l < L; l++) {
    const K = layerWord(l, L_K), N = layerWord(l, L_N);
    const A = l == L - 1 ? out : (l & 1) == 0 ? act1 : act0;
    const Wp = <usize>layerWord(l, L_WP), bias = <usize>layerWord(l, L_BIAS);
    const act = l == L - 1 ? ACT_IDENTITY : hidden;
    if (ASC_FEATURE_SIMD) f32_dense_forward_4x8__simd(A, X, Wp, bias, scratch, rows, K, N, act, 0, rows, 0, (N + 7) >> 3);
    else f32_dense_forward__scalar(A, X, Wp, bias, rows, K, N, act, 0, rows, 0, (N + 7) >> 3);
    X = A;
  }
  // the head in place over the logits, with no targets (the loss is not wanted)
  const head = word(H_HEAD), C = word(H_CLASSES);
  if (head == HEAD_SOFTMAX) f32_softmax_xent_forward__scalar(out, out, 0, rows, C);
  else if (head == HEAD_SIGMOID) f32_sigmoid_bce_forward__scalar(out, out, 0, rows, C);
  else f32_mse_forward__scalar(out, out, 0, rows, C);
  return rows;
}

// dst (B,n) = (x − offset) · scale per feature, computed as the host's applyNormalizer computes it
// in JavaScript: both operands widened to f64, f64 subtract and multiply, one rounding to f32.
// dst is (B,n), x is (B,n), offset and scale are (n)
function normalize(dst: usize, x: usize, offset: usize, scale: usize, B: i32, n: i32): void {
  for (let r = 0; r < B; r++) {
    const row = <usize>r * <usize>n << 2;
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      const v = (<f64>load<f32>(x + row + o) - <f64>load<f32>(offset + o)) * <f64>load<f32>(scale + o);
      store<f32>(dst + row + o, <f32>v);
    }
  }
}

// The start function: each layer's W packed into its zeroed Wp, once, at instantiation.
if (hasModel()) {
  const L = word(H_LAYERS);
  for (let l = 0; l < L; l++) {
    f32_pack_weights(<usize>layerWord(l, L_WP), <usize>layerWord(l, L_W), layerWord(l, L_N), layerWord(l, L_K));
  }
}
