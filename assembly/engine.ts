// The training engine: a whole job (training steps, gradients or inference over a batch) run
// inside the wasm by every thread at once, from the descriptor the host planned (plan.ts). A step
// has two phases and two barriers, however deep the network (on more than one thread, a third
// phase and two more barriers for the first layer: below):
//
//   rows     units of R rows (R a multiple of 4): gather the rows, forward through every layer,
//            the loss and correct count of each row, dZ of the output, and back through every
//            layer's input gradient. Rows are independent in all of this, so a unit needs no one
//            else's results. W of the layers above the first is read re-packed by inputs (L_WT).
//   — barrier —
//   weights  units of (layer, 8 outputs, KC inputs): the weight gradient summed over the whole
//            batch, then the update of those parameters (SGD fused into the product; momentum and
//            Adam applied to the block while it is in L1), then the block re-packed by inputs
//            for the next step's rows phase. The bias gradient goes with the unit at input 0.
//   — barrier —
//
// On T > 1 threads (SIMD builds) the first layer goes by output panels each thread owns
// (firstLayerPhase): the rows gathered, a barrier, the forward of the panels over every row, a
// barrier; the rows phase then starts at the second layer, and the weights phase begins with the
// thread's own first-layer panels. While the cores keep pace, W_0 is read and written by one core
// only. A core that falls behind (a virtual machine's neighbour, a laptop's efficiency core) does
// not hold the others at the barrier: its units are claimed one at a time (claimUnit), and a
// thread with nothing left takes the next unclaimed ones of the others' panels. Four barriers a
// step: fewer cannot keep W_0 on one core, since its forward needs every row gathered and the
// rows phase needs every panel of its output. Three when each thread has a copy of the first
// layer's input (D_INPUT_COPIES, the host's choice for 2 … 4 threads: schedule.ts inputCopyRows):
// each gathers the whole batch into its own copy, which its first-layer forward and weight units
// then read, so no barrier waits for the others' rows and no core reads rows another core wrote
// (the batch is read twice a step: 2 threads step 2–6 % faster for it on an Intel Xeon host,
// BENCHMARKS.md); the gather no longer shrinks with the threads, which is why more threads share A_0.
//
// Wide hidden layers above the first go the same way (D_PANEL_LAYERS = F, the host's choice:
// src/backend/engine/schedule.ts panelLayers): layers 0 … F−1 forward by owned output panels, a
// barrier after each (the next needs every column); the rows phase from layer F, down to dZ of
// layer F − 1; then dZ of layers F − 2 … 0 by the same owned panels (panelPass backward: dZ_{l−1}'s
// columns from W_l's, re-packed by inputs), a barrier after each; the weights phase begins with
// the thread's own panels of every one of them. By rows, every thread would read all of a wide
// layer's weights each step (three 1024-wide layers are 12 MB) and its rows would be coarse units
// (a row of 784-1024-1024-1024 is 0.2 ms of work); by panels each reads and updates its own share,
// and the units are fine. 2F + 2 barriers a step.
//
// Bit-identity for every thread count: a unit's result depends only on the unit, never on which
// thread computes it or on how many there are. Row units start at multiples of 4, the register
// tile, so every row takes the same path as in one call over the batch; every weight-gradient
// element is summed over the batch in row order by one thread. Threads take guided runs of units
// from a shared counter (sync.ts claimRun: long runs first, single units at the end; a faster
// core takes more), and the per-row losses are summed in row order by thread 0.
//
// Dropout (FLAG_DROPOUT, dropout.ts): in the rows phase, after a hidden layer's forward and on its
// dZ in the backward, with masks keyed by (seed, step, layer, row, unit): per element, so no split
// changes them. Clipping: by value inside each weight unit before its update; by global norm with
// a second pass over the weight units after a barrier (MODE_NORM, then MODE_UPDATE), the norm summed
// from per-unit slots in unit order. Either clip runs SGD unfused (gradient block, then update).
//
// Divergence: a row whose loss is not finite stops the job before the update (everyone sees the
// flag after the barrier); updates that would not be finite are refused element by element and
// stop the job after that step.

import {
  C_ERROR_AT, C_INJECT_KIND, C_INJECT_PHASE, C_INJECT_TID, C_NEXT_ROW, C_NEXT_UNIT, C_PHASE,
  D_BETA1, D_BETA2, D_CAPACITY, D_CTL, D_DATA_BYTES, D_DATA_DIVISOR, D_DATA_NORM, D_DATA_ROWS, D_DATA_X, D_DATA_Y, D_EPS, D_HEAD, D_KC, D_LAYERS, D_MAGIC, D_MAX_STEPS,
  D_MU, D_OPTIMIZER, D_ORDER, D_ROWS_MAX, D_ROW_CORRECT, D_ROW_LOSS, D_SCRATCH, D_SCRATCH_STRIDE, D_STEP_ARGS,
  D_STEP_RESULTS, D_TARGETS, D_TARGET_WIDTH, D_THREADS, D_WD, D_WEIGHT_UNITS, D_XQ, D_ZQ, ENGINE_MAGIC, FLAG_REPACK, FLAG_TARGETS,
  J_BATCH, J_DONE, J_END, J_FLAGS, J_KIND, J_NONFINITE, J_ROWS, J_START, J_STATUS, J_STEPS, JOB_GRADS, JOB_INFER,
  JOB_REPACK, JOB_TRAIN, L_ACT, L_B, L_BASE, L_DZ, L_GB, L_GW, L_IN, L_K, L_N, L_OUT, L_S0B, L_S0W, L_S1B, L_S1W,
  L_UNITS_BEFORE, L_W, L_WORDS, L_WT, MAX_LAYERS, PHASE_REPACK, PHASE_ROWS, PHASE_WEIGHTS, STATUS_FAULT, STATUS_LOSS,
  STATUS_OK, STATUS_REFUSED, P_WAKE, P_FIRST, P_FIRST_WAIT, P_GATHER, P_GATHER_WAIT, P_ROWS, P_ROWS_WAIT, P_WEIGHTS, P_WEIGHTS_WAIT, P_REPACK,
  D_DROPOUT, D_INPUT_COPIES, D_COPY_STRIDE, D_COPY_ROWS, D_CLIP_NORM, D_CLIP_VALUE, D_NORM_SUMS, J_STEP, FLAG_DROPOUT, D_PANEL_LAYERS,
} from './plan';
import { barrier, claimRun, claimUnit, countTaken, failed, nextUnit, openingRun, runLength } from './sync';
import { profileBegin, profileMark, profileStep } from './profile';
import {
  f32_dense_forward__scalar, f32_dense_forward_4x8__simd, f32_dense_backward_weights__scalar,
  f32_dense_backward_weights_sgd__scalar,
  f32_dense_backward_input__scalar, f32_dense_backward_input_rows_4x8__simd, f32_dense_backward_input_panels_4x8__simd, f32_transpose_packed__simd,
  f32_dense_backward_weights_packed_4x8__simd, f32_dense_backward_weights_sgd_packed_chunked_4x8__simd, sumsInChunks,
} from './dense';
import { f32_pack_rows_by4, f32_pack_rows_by8 } from './pack';
import {
  f32_softmax_xent_forward__scalar, f32_softmax_xent_forward_4__simd, f32_softmax_xent_backward__scalar, f32_softmax_xent_backward_4__simd, f32_sigmoid_bce_forward__scalar,
  f32_sigmoid_bce_backward__scalar, f32_mse_forward__scalar, f32_mse_backward__scalar,
  i32_count_correct_argmax__scalar, i32_count_correct_binary__scalar,
} from './loss';
import { f32_sgd__scalar, f32_sgd__simd, f32_momentum__scalar, f32_momentum__simd, f32_adam__scalar, f32_adam__simd } from './optimizer';
import { f32_gather_rows, i32_gather, u8_gather_rows, u8_widen_reciprocal } from './data';
import { dropoutKey, f32_dropout_forward, f32_dropout_backward } from './dropout';
import { f64_sum_squares, f32_clip, f32_scale } from './clip';

const HEAD_SOFTMAX = 0, HEAD_SIGMOID = 1;
const OPT_SGD = 0, OPT_MOMENTUM = 1;

// @ts-ignore: decorator
@inline function w32(desc: usize, w: i32): i32 { return load<i32>(desc + (<usize>w << 2)); }
// @ts-ignore: decorator
@inline function f32w(desc: usize, w: i32): f32 { return load<f32>(desc + (<usize>w << 2)); }
// @ts-ignore: decorator
@inline function ptr(desc: usize, w: i32): usize { return <usize>load<u32>(desc + (<usize>w << 2)); }
// @ts-ignore: decorator
@inline function lw(desc: usize, l: i32, w: i32): i32 { return load<i32>(desc + (<usize>(L_BASE + L_WORDS * l + w) << 2)); }
// @ts-ignore: decorator
@inline function lp(desc: usize, l: i32, w: i32): usize { return <usize>load<u32>(desc + (<usize>(L_BASE + L_WORDS * l + w) << 2)); }

/** Checks a descriptor before any job runs on it: 0 if sound, else 1 + the index of the first bad
 * word. It checks the counts, shapes, chaining and alignment a job relies on; it does not check
 * that the buffers the words point at are large enough: that is the host's plan (src/arena.ts). */
export function engineCheck(desc: usize): i32 {
  if ((desc & 3) != 0 || desc + (<usize>(L_BASE + L_WORDS * MAX_LAYERS) << 2) > <usize>memory.size() << 16) return 1;
  if (w32(desc, D_MAGIC) != ENGINE_MAGIC) return 1 + D_MAGIC;
  const L = w32(desc, D_LAYERS);
  if (L < 1 || L > MAX_LAYERS) return 1 + D_LAYERS;
  const T = w32(desc, D_THREADS);
  if (T < 1 || T > 64 || (T > 1 && !ASC_FEATURE_THREADS)) return 1 + D_THREADS;
  if (<u32>w32(desc, D_HEAD) > 2) return 1 + D_HEAD;
  if (<u32>w32(desc, D_OPTIMIZER) > 2) return 1 + D_OPTIMIZER;
  if (w32(desc, D_CAPACITY) < 1) return 1 + D_CAPACITY;
  if (T > 1 && (w32(desc, D_CTL) <= 0 || (w32(desc, D_CTL) & 63) != 0)) return 1 + D_CTL;
  const rmax = w32(desc, D_ROWS_MAX);
  if (rmax < 4 || (rmax & 3) != 0) return 1 + D_ROWS_MAX;
  const KC = w32(desc, D_KC);
  if (KC < 8 || (KC & 7) != 0) return 1 + D_KC;
  // the weight gradient's regrouped operands (SIMD builds): header words, checked once
  if (ASC_FEATURE_SIMD && (ptr(desc, D_XQ) == 0 || (ptr(desc, D_XQ) & 15) != 0)) return 1 + D_XQ;
  if (ASC_FEATURE_SIMD && (ptr(desc, D_ZQ) == 0 || (ptr(desc, D_ZQ) & 15) != 0)) return 1 + D_ZQ;
  let units = 0;
  for (let l = 0; l < L; l++) {
    const base = L_BASE + L_WORDS * l;
    const K = lw(desc, l, L_K), N = lw(desc, l, L_N);
    if (K < 1) return 1 + base + L_K;
    if (N < 1) return 1 + base + L_N;
    if (l > 0 && K != lw(desc, l - 1, L_N)) return 1 + base + L_K;
    if (lw(desc, l, L_UNITS_BEFORE) != units) return 1 + base + L_UNITS_BEFORE;
    if (<u32>lw(desc, l, L_ACT) > 4) return 1 + base + L_ACT;
    if (ASC_FEATURE_SIMD && l > 0 && lw(desc, l, L_WT) == 0) return 1 + base + L_WT;
    for (let w = L_W; w <= L_DZ; w++) if ((lw(desc, l, w) & 3) != 0) return 1 + base + w;
    units += ((N + 7) >> 3) * ((K + KC - 1) / KC);
  }
  if (w32(desc, D_WEIGHT_UNITS) != units) return 1 + D_WEIGHT_UNITS;
  if (w32(desc, D_MAX_STEPS) < 1) return 1 + D_MAX_STEPS;
  if (w32(desc, D_DATA_BYTES) != 0 && !(load<f32>(desc + (<usize>D_DATA_DIVISOR << 2)) > 0)) return 1 + D_DATA_DIVISOR;
  if ((ptr(desc, D_DATA_NORM) & 3) != 0) return 1 + D_DATA_NORM;
  if (<u32>w32(desc, D_PANEL_LAYERS) > <u32>L) return 1 + D_PANEL_LAYERS;
  const copies = ptr(desc, D_INPUT_COPIES), K0 = lw(desc, 0, L_K);
  if ((copies & 63) != 0) return 1 + D_INPUT_COPIES;
  if (copies != 0 && w32(desc, D_COPY_ROWS) < 4) return 1 + D_COPY_ROWS;
  if (copies != 0 && <u64>w32(desc, D_COPY_STRIDE) < (<u64>w32(desc, D_COPY_ROWS) * <u64>K0 << (regroupsInput(K0) ? 3 : 2))) return 1 + D_COPY_STRIDE;
  if (copies != 0 && (w32(desc, D_COPY_STRIDE) & 63) != 0) return 1 + D_COPY_STRIDE;
  return 0;
}

/** The job's checks that depend on the job words: 0, or 1 + the index of the bad word. */
function jobCheck(desc: usize): i32 {
  const kind = w32(desc, J_KIND);
  if (kind < JOB_TRAIN || kind > JOB_REPACK) return 1 + J_KIND;
  const R = w32(desc, J_ROWS);
  if (R < 4 || (R & 3) != 0 || R > w32(desc, D_ROWS_MAX)) return 1 + J_ROWS;
  const B = w32(desc, J_BATCH);
  if (kind != JOB_REPACK && (B < 1 || B > w32(desc, D_CAPACITY))) return 1 + J_BATCH;
  if (kind == JOB_TRAIN) {
    const n = w32(desc, D_DATA_ROWS);
    if (w32(desc, D_DATA_X) == 0 || n < 1) return 1 + D_DATA_X;
    const s = w32(desc, J_STEPS);
    if (s < 1 || s > w32(desc, D_MAX_STEPS)) return 1 + J_STEPS;
    const start = w32(desc, J_START), end = w32(desc, J_END);
    if (end < 1 || end > n) return 1 + J_END;
    if (start < 0 || <i64>start + <i64>(s - 1) * <i64>B >= <i64>end) return 1 + J_START;
    const cn = f32w(desc, D_CLIP_NORM), cv = f32w(desc, D_CLIP_VALUE);
    if (!(cn >= 0) || !isFinite(cn)) return 1 + D_CLIP_NORM;
    if (!(cv >= 0) || !isFinite(cv) || (cv > 0 && cn > 0)) return 1 + D_CLIP_VALUE;
    const sums = ptr(desc, D_NORM_SUMS);
    if (cn > 0 && (sums == 0 || (sums & 7) != 0)) return 1 + D_NORM_SUMS;
  }
  if ((w32(desc, J_FLAGS) & FLAG_DROPOUT) != 0 && kind != JOB_INFER && kind != JOB_REPACK) {
    const t = ptr(desc, D_DROPOUT);
    if (t == 0 || (t & 15) != 0) return 1 + D_DROPOUT;
    for (let l = 0; l < w32(desc, D_LAYERS); l++) {
      const pre = <usize>load<u32>(t + (<usize>(4 + 4 * l + 2) << 2));
      if (load<u32>(t + (<usize>(4 + 4 * l) << 2)) != 0 && (l == w32(desc, D_LAYERS) - 1 || (pre & 15) != 0)) return 1 + D_DROPOUT;
    }
  }
  return 0;
}

// ---- dropout (dropout.ts): after each hidden layer's forward, and on its dZ in the backward

/** Layer l's dropout threshold in this job (0: no dropout). */
// @ts-ignore: decorator
@inline function dropThreshold(desc: usize, l: i32): u32 {
  if ((w32(desc, J_FLAGS) & FLAG_DROPOUT) == 0) return 0;
  return load<u32>(ptr(desc, D_DROPOUT) + (<usize>(4 + 4 * l) << 2));
}

/** Where layer l's forward writes: its pre-dropout buffer when it has one (sigmoid and tanh,
 * whose derivative needs the value before dropout), else its output (dropout in place). */
// @ts-ignore: decorator
@inline function dropSource(desc: usize, l: i32, thr: u32): usize {
  const pre = thr != 0 ? <usize>load<u32>(ptr(desc, D_DROPOUT) + (<usize>(4 + 4 * l + 2) << 2)) : 0;
  return pre != 0 ? pre : lp(desc, l, L_OUT);
}

/** Layer l's output from its forward at `src` with the mask of training step `step`: rows
 * [r0, r1), units [c0, c1). backward: the same mask on dZ of that output, in place. */
function dropApply(desc: usize, l: i32, thr: u32, src: usize, step: u32, r0: i32, r1: i32, c0: i32, c1: i32, backward: bool): void {
  const t = ptr(desc, D_DROPOUT);
  const key = dropoutKey(load<u32>(t), step, <u32>l);
  const scale = load<f32>(t + (<usize>(4 + 4 * l + 1) << 2));
  const N = lw(desc, l, L_N);
  const out = backward ? lp(desc, l, L_DZ) : lp(desc, l, L_OUT);
  if (backward) f32_dropout_backward(out, out, N, key, thr, scale, r0, r1, c0, c1);
  else f32_dropout_forward(out, src, N, key, thr, scale, r0, r1, c0, c1);
}

// ---- the rows phase

/** Thread tid's scratch: rowsMax·max(layer width) floats (arena.ts scratchStride), which the
 * forward tiles and the input-gradient rows use in turn. */
// @ts-ignore: decorator
@inline function scratchOf(desc: usize, tid: i32): usize {
  return ptr(desc, D_SCRATCH) + <usize>tid * <usize>w32(desc, D_SCRATCH_STRIDE);
}

// What the weights phase reads, regrouped by the rows phase as each unit's rows are ready (pack.ts):
// every reduction over the batch then streams contiguous memory, whatever the widths.

/** Layer l's input by groups of 4 inputs, (K_l/4, B, 4), in a block sized for the capacity; only
 * the layers whose input is regrouped (regroupsInput) have one, in layer order. */
function xqOf(desc: usize, l: i32): usize {
  let groups: usize = 0;
  for (let j = 0; j < l; j++) {
    const K = lw(desc, j, L_K);
    if (regroupsInput(K)) groups += <usize>(K >> 2);
  }
  return ptr(desc, D_XQ) + ((groups * <usize>w32(desc, D_CAPACITY)) << 4);
}

/** Training with T > 1 threads (SIMD builds): the first layer's output panels are shared out
 * statically, thread t owning panels [NP·t/T, NP·(t+1)/T). Its owner runs the forward of those
 * panels over every row of the batch and later their weight gradient and update, so W_0 (the
 * largest block of a typical MLP, 400 KB for 784-128) stays in one core's cache from step to step
 * instead of being read by both cores in the forward and written by either in the update. */
// @ts-ignore: decorator
@inline function ownedPanel(NP: i32, tid: i32, T: i32): i32 { return <i32>(<i64>NP * <i64>tid / <i64>T); }

/** This thread's u8_widen_reciprocal of the byte data's divisor, for the job it runs (0: divide).
 * A wasm global is per instance, so per thread: each checks the divisor once a job (256 divisions)
 * instead of once a gather. */
let widenRecip: f64 = 0;

/** Where this thread reads the first layer's input in a threaded training job when it has a copy
 * of its own (D_INPUT_COPIES: thread 0's is A_0), and the copy regrouped by 4 inputs when the
 * layer's input is regrouped (thread 0's is xqOf(desc, 0)); 0 when the threads share A_0. */
let myInput: usize = 0;
let myInputQ: usize = 0;

/** Sets myInput and myInputQ for a training job of batches of up to B rows (left at 0: shared A_0). */
function chooseInput(desc: usize, tid: i32, owned: bool, B: i32): void {
  const copies = ptr(desc, D_INPUT_COPIES), K = lw(desc, 0, L_K);
  // (engineJob has zeroed myInput and myInputQ for the job)
  if (!owned || copies == 0 || B > w32(desc, D_COPY_ROWS)) return;
  if (tid == 0) {
    myInput = lp(desc, 0, L_IN);
    if (regroupsInput(K)) myInputQ = xqOf(desc, 0);
  } else {
    myInput = copies + <usize>(tid - 1) * ptr(desc, D_COPY_STRIDE);
    if (regroupsInput(K)) myInputQ = myInput + ((<usize>w32(desc, D_COPY_ROWS) * <usize>K) << 2);
  }
}

/** Layer l's input as this thread reads it. */
// @ts-ignore: decorator
@inline function inputOf(desc: usize, l: i32): usize { return l == 0 && myInput != 0 ? myInput : lp(desc, l, L_IN); }

/** `count` input rows of the resident data in the order at `idx` into dst (count, K) f32: copied, or
 * widened from bytes (and normalised) when the data is bytes (D_DATA_BYTES). */
function gatherInputs(desc: usize, dst: usize, idx: usize, count: i32, K: i32): void {
  if (w32(desc, D_DATA_BYTES) != 0) u8_gather_rows(dst, ptr(desc, D_DATA_X), idx, count, K, <f64>load<f32>(desc + (<usize>D_DATA_DIVISOR << 2)), ptr(desc, D_DATA_NORM), widenRecip);
  else f32_gather_rows(dst, ptr(desc, D_DATA_X), idx, count, K);
}

/** Rows per unit of the first layer's gather (a multiple of 4: the regrouping packs 4 rows). */
const GATHER_ROWS = 8;

/** Phase A of a threaded training step: the threads gather the batch's input rows by units (and
 * regroup them by 4 inputs when the weight gradient reads them so), a barrier, then the first
 * layer's forward over every row, by units of one output panel and one row block: this thread's
 * own panels first, then whatever units of the other threads' panels are left. False when the
 * barrier faulted. */
function firstLayerPhase(desc: usize, F: i32, tid: i32, T: i32, B: i32, start: i32, step: u32, mine: bool): bool {
  const K = lw(desc, 0, L_K);
  const X = lp(desc, 0, L_IN), ctl = ptr(desc, D_CTL);
  if (myInput != 0) {
    // each thread gathers the whole batch into its own copy: no barrier, and no core reads rows
    // another core wrote. Each starts at its own 1/T of the batch and wraps around, so that the
    // threads fetch different rows from memory first and later find the rest in the cache the
    // others brought them to (a W1 gather on 2 threads: 19–21 µs a step against 22–25 from row 0)
    const G = (B + GATHER_ROWS - 1) / GATHER_ROWS, first = <i32>(<i64>G * <i64>tid / <i64>T);
    for (let c = 0; c < G; c++) {
      const g = c + first < G ? c + first : c + first - G;
      const g0 = g * GATHER_ROWS, g1 = min(B, g0 + GATHER_ROWS);
      gatherInputs(desc, myInput + (<usize>g0 * <usize>K << 2), ptr(desc, D_ORDER) + (<usize>(start + g0) << 2), g1 - g0, K);
      if (myInputQ != 0) f32_pack_rows_by4(myInputQ, myInput, B, K, g0, g1);
    }
    profileMark(desc, tid, P_GATHER);
    profileMark(desc, tid, P_GATHER_WAIT);
    panelPass(desc, 0, F, tid, T, B, step, mine, false);
    return true;
  }
  // the rows by units of GATHER_ROWS from the row counter (which the barrier then zeroes for the
  // rows phase): a slower core gathers fewer
  for (let g0 = nextUnit(ctl, C_NEXT_ROW) * GATHER_ROWS; g0 < B; g0 = nextUnit(ctl, C_NEXT_ROW) * GATHER_ROWS) {
    const g1 = min(B, g0 + GATHER_ROWS);
    gatherInputs(desc, X + (<usize>g0 * <usize>K << 2), ptr(desc, D_ORDER) + (<usize>(start + g0) << 2), g1 - g0, K);
    if (regroupsInput(K)) f32_pack_rows_by4(xqOf(desc, 0), X, B, K, g0, g1);
  }
  profileMark(desc, tid, P_GATHER);
  if (!barrier(ctl, tid, T, C_NEXT_ROW)) return false;
  profileMark(desc, tid, P_GATHER_WAIT);
  panelPass(desc, 0, F, tid, T, B, step, mine, false);
  return true;
}

/** Layers 0 … F−1 go by panels on T > 1 threads (SIMD builds): the host's D_PANEL_LAYERS, at least
 * the first layer and at most every layer below the head (the head's loss needs whole rows); the
 * whole network when it is one layer. */
function panelLayers(desc: usize): i32 {
  const L = w32(desc, D_LAYERS);
  return max(1, min(w32(desc, D_PANEL_LAYERS), L > 1 ? L - 1 : 1));
}

/** The units of one panel layer's pass over every row: one panel of 8 of layer j's outputs over one
 * row block each. This thread takes its own panels' units first, then, once they are all taken,
 * whatever units of the other threads' panels are left. The forward (panelForwardUnit) and the input
 * gradient below layer j + 1 (panelBackwardUnit) share layer j's outputs out the same way, so a thread
 * computes the dZ columns of the activation columns it computed. F: the panel layers (a forward unit
 * below layer F − 1 regroups its output for the next layer's weight gradient). */
function panelPass(desc: usize, j: i32, F: i32, tid: i32, T: i32, B: i32, step: u32, mine: bool, backward: bool): void {
  const P = (lw(desc, j, L_N) + 7) >> 3, ctl = ptr(desc, D_CTL);
  const R = w32(desc, D_ROWS_MAX), scratch = scratchOf(desc, tid), blocks = (B + R - 1) / R;
  // the row block whose rows this thread's scratch holds interleaved (the first panel of a block
  // interleaves them; the panels after it, this thread's own or taken, reuse them)
  let have = -1;
  for (let v = mine ? 0 : 1; ASC_FEATURE_SIMD && v < T; v++) {
    const owner = (tid + v) % T, q0 = ownedPanel(P, owner, T), n = ownedPanel(P, owner + 1, T) - q0;
    if (n == 0) continue;
    // unit i: the owner's panel q0 + i mod n over row block i / n (every panel of a block, then the next)
    for (let i = claimUnit(ctl, owner); i < blocks * n; i = claimUnit(ctl, owner)) {
      const rb = i / n, p = q0 + i % n, r0 = rb * R, r1 = min(B, r0 + R);
      if (backward) panelBackwardUnit(desc, j + 1, B, step, scratch, r0, r1, p, rb == have);
      else panelForwardUnit(desc, j, F, B, step, scratch, r0, r1, p, rb == have);
      have = rb;
      if (owner != tid) countTaken(ctl, tid);
    }
  }
}

/** One forward unit of layer l: output panel p over rows [r0, r1), with the dropout mask over the
 * unit (a mask bit depends only on (row, unit)). The unit also regroups its columns of the output
 * for the next layer's weight gradient when that layer goes by panels too (l + 1 < F: the rows
 * phase regroups the input of the first layer it runs). */
// @ts-ignore: decorator
@inline function panelForwardUnit(desc: usize, l: i32, F: i32, B: i32, step: u32, scratch: usize, r0: i32, r1: i32, p: i32, interleaved: bool): void {
  const K = lw(desc, l, L_K), N = lw(desc, l, L_N);
  const thr = l < w32(desc, D_LAYERS) - 1 ? dropThreshold(desc, l) : 0, out = dropSource(desc, l, thr);
  f32_dense_forward_4x8__simd(out, inputOf(desc, l), lp(desc, l, L_W), lp(desc, l, L_B), scratch, B, K, N, lw(desc, l, L_ACT), r0, r1, p, p + 1, interleaved);
  if (thr != 0) dropApply(desc, l, thr, out, step, r0, r1, p << 3, min(N, (p + 1) << 3), false);
  if (ASC_FEATURE_SIMD && l + 1 < F && regroupsInput(N)) f32_pack_rows_by4(xqOf(desc, l + 1), lp(desc, l, L_OUT), B, N, r0, r1, p << 1, (p + 1) << 1);
}

/** One input-gradient unit below layer l: the columns of dZ of layer l − 1's output in its panel q
 * over rows [r0, r1), from the same columns of the activation and the matching columns of Wᵀ
 * (layer l's weights re-packed by inputs, L_WT), then the dropout mask and the regrouping for the
 * owner's weight units. */
// @ts-ignore: decorator
@inline function panelBackwardUnit(desc: usize, l: i32, B: i32, step: u32, scratch: usize, r0: i32, r1: i32, q: i32, interleaved: bool): void {
  const K = lw(desc, l, L_K), N = lw(desc, l, L_N);
  const thr = dropThreshold(desc, l - 1), dX = lp(desc, l - 1, L_DZ);
  f32_dense_backward_input_panels_4x8__simd(dX, lp(desc, l, L_DZ), lp(desc, l, L_WT), dropSource(desc, l - 1, thr), scratch, B, K, N, lw(desc, l - 1, L_ACT), r0, r1, q, q + 1, interleaved);
  if (thr != 0) dropApply(desc, l - 1, thr, 0, step, r0, r1, q << 3, min(K, (q + 1) << 3), true);
  f32_pack_rows_by8(zqOf(desc, l - 1), dX, B, K, r0, r1, q, q + 1);
}

/** The weight gradient (and update) of layers 0 … F−1 over the panels of thread `owner`, by units
 * of KC inputs of one layer, each over all of the owner's panels of that layer while the block of
 * its input is in L1: the owner takes them in order (layer by layer), an idle thread the owner's
 * next one. Returns refused updates. */
function panelWeights(desc: usize, F: i32, owner: i32, tid: i32, T: i32, B: i32, mode: i32, lr: f32, bc1: f32, bc2: f32, scale: f32): i32 {
  const KC = w32(desc, D_KC), ctl = ptr(desc, D_CTL);
  let refused = 0;
  // the owner's units: layer 0's blocks of inputs, then layer 1's, …; `before` counts the units of
  // the layers below l
  let l = 0, before = 0;
  for (let i = claimUnit(ctl, owner); l < F; i = claimUnit(ctl, owner)) {
    let K = 0, p0 = 0, p1 = 0, units = 0;
    while (l < F) {
      const NP = (lw(desc, l, L_N) + 7) >> 3;
      K = lw(desc, l, L_K); p0 = ownedPanel(NP, owner, T); p1 = ownedPanel(NP, owner + 1, T);
      units = p1 > p0 ? (K + KC - 1) / KC : 0;
      if (i < before + units) break;
      before += units;
      l++;
    }
    if (l >= F) break;
    const k0 = (i - before) * KC;
    refused += weightBlock(desc, l, B, mode, lr, bc1, bc2, scale, p0, p1, k0, min(K, k0 + KC));
    if (owner != tid) countTaken(ctl, tid);
  }
  return refused;
}

/** Whether layer l's input is regrouped: when its rows are a multiple of 256 bytes apart (K a
 * multiple of 64), the B rows a weight tile walks fall into at most 16 of L1's 64 sets and evict
 * each other; other widths spread over the sets and are read in place, saving the copy (6% of a
 * 784-32-10 step). The copy is 1/N of the layer's weight-gradient work; dZ's, 1/K, is always made. */
// @ts-ignore: decorator
@inline function regroupsInput(K: i32): bool { return (K & 63) == 0; }

/** dZ of layer l's output by panels of 8 outputs, (ceil(N_l/8), B, 8), sized for the capacity. */
function zqOf(desc: usize, l: i32): usize {
  let panels: usize = 0;
  for (let j = 0; j < l; j++) panels += <usize>((lw(desc, j, L_N) + 7) >> 3);
  return ptr(desc, D_ZQ) + ((panels * <usize>w32(desc, D_CAPACITY)) << 5);
}

/** Rows [r0, r1) of batch B from its gathered input to dZ of every layer (backward) or to the
 * output and the row losses (forward only). */
function rowUnit(desc: usize, tid: i32, B: i32, r0: i32, r1: i32, backward: bool, withLoss: bool, first: i32, step: u32): void {
  const L = w32(desc, D_LAYERS);
  const scratch = scratchOf(desc, tid);
  for (let l = first; l < L; l++) {
    const K = lw(desc, l, L_K), N = lw(desc, l, L_N);
    // the weight gradient reads this layer's input regrouped by 4 inputs (pack.ts)
    if (ASC_FEATURE_SIMD && backward && regroupsInput(K)) f32_pack_rows_by4(xqOf(desc, l), lp(desc, l, L_IN), B, K, r0, r1);
    // (profiling build) the first layer's regrouping is the gather's, as in firstLayerPhase
    if (l == 0) profileMark(desc, tid, P_GATHER);
    const thr = l < L - 1 ? dropThreshold(desc, l) : 0, out = dropSource(desc, l, thr);
    if (ASC_FEATURE_SIMD) f32_dense_forward_4x8__simd(out, lp(desc, l, L_IN), lp(desc, l, L_W), lp(desc, l, L_B), scratch, B, K, N, lw(desc, l, L_ACT), r0, r1, 0, (N + 7) >> 3);
    else f32_dense_forward__scalar(out, lp(desc, l, L_IN), lp(desc, l, L_W), lp(desc, l, L_B), B, K, N, lw(desc, l, L_ACT), r0, r1, 0, (N + 7) >> 3);
    if (thr != 0) dropApply(desc, l, thr, out, step, r0, r1, 0, N, false);
    // (profiling build) the layers that go by panels on more threads are the "first" phase there
    if (isDefined(ENGINE_PROFILE) && l == panelLayers(desc) - 1) profileMark(desc, tid, P_FIRST);
  }
  // the head over the output rows, in place: each row's loss and correct count
  const top = L - 1;
  const N = lw(desc, top, L_N);
  const head = w32(desc, D_HEAD);
  const A = lp(desc, top, L_OUT), row = <usize>N << 2;
  const T = ptr(desc, D_TARGETS), tw = w32(desc, D_TARGET_WIDTH);
  const loss = ptr(desc, D_ROW_LOSS), correct = ptr(desc, D_ROW_CORRECT);
  let bad = false;
  // softmax: the rows four at a time (SIMD builds), each row's loss and correct count into its slots
  const rows4 = ASC_FEATURE_SIMD && head == HEAD_SOFTMAX;
  if (ASC_FEATURE_SIMD && rows4) {
    // the row losses' sum: not finite exactly when a row's loss is not (each is ≥ 0, +Infinity or NaN, and
    // a batch of them cannot overflow an f64)
    const sum = f32_softmax_xent_forward_4__simd(A + <usize>r0 * row, withLoss ? loss + (<usize>r0 << 3) : 0, withLoss ? correct + (<usize>r0 << 2) : 0,
      A + <usize>r0 * row, withLoss ? T + (<usize>r0 * <usize>tw << 2) : 0, r1 - r0, N);
    if (withLoss && sum - sum != 0) bad = true;
  }
  for (let r = r0; !rows4 && r < r1; r++) {
    const a = A + <usize>r * row;
    const t = withLoss ? T + (<usize>r * <usize>tw << 2) : 0;
    let sum: f64;
    if (head == HEAD_SOFTMAX) sum = f32_softmax_xent_forward__scalar(a, a, t, 1, N);
    else if (head == HEAD_SIGMOID) sum = f32_sigmoid_bce_forward__scalar(a, a, t, 1, N);
    else sum = f32_mse_forward__scalar(a, a, t, 1, N);
    if (withLoss) {
      store<f64>(loss + (<usize>r << 3), sum);
      if (sum - sum != 0) bad = true;
      const c = head == HEAD_SOFTMAX ? i32_count_correct_argmax__scalar(a, t, 1, N) : head == HEAD_SIGMOID ? i32_count_correct_binary__scalar(a, t, 1, N) : 0;
      store<i32>(correct + (<usize>r << 2), c);
    }
  }
  if (bad) {
    if (ASC_FEATURE_THREADS) atomic.store<i32>(desc + (<usize>J_NONFINITE << 2), 1);
    else store<i32>(desc + (<usize>J_NONFINITE << 2), 1);
  }
  if (!backward) return;
  // dZ of the output: the gradient of the batch-mean loss (1/B, or 1/(B·N) for element-wise losses)
  const n = r1 - r0;
  const dZ = lp(desc, top, L_DZ) + <usize>r0 * row, P = A + <usize>r0 * row, Tr = T + (<usize>r0 * <usize>tw << 2);
  if (ASC_FEATURE_SIMD && head == HEAD_SOFTMAX) f32_softmax_xent_backward_4__simd(dZ, P, Tr, n, N, <f32>(1.0 / <f64>B));
  else if (head == HEAD_SOFTMAX) f32_softmax_xent_backward__scalar(dZ, P, Tr, n, N, <f32>(1.0 / <f64>B));
  else if (head == HEAD_SIGMOID) f32_sigmoid_bce_backward__scalar(dZ, P, Tr, n, N, <f32>(1.0 / (<f64>B * <f64>N)));
  else f32_mse_backward__scalar(dZ, P, Tr, n, N, <f32>(1.0 / (<f64>B * <f64>N)));
  if (ASC_FEATURE_SIMD) f32_pack_rows_by8(zqOf(desc, top), lp(desc, top, L_DZ), B, N, r0, r1);
  // input gradients down to the first hidden layer: dZ_{l−1} = (dZ_l · W_l) ⊙ act'(A_l), then
  // with dropout ⊙ keep·scale (act' from the pre-dropout values, or from the dropped ones in place:
  // relu-like and identity derivatives read only the sign, which a positive scale keeps); from a
  // panel layer's output (first > 1) down, by panels after the barrier (panelPass)
  for (let l = top; l > 0 && l >= first; l--) {
    const K = lw(desc, l, L_K), Nl = lw(desc, l, L_N);
    const act = lw(desc, l - 1, L_ACT);
    const thr = dropThreshold(desc, l - 1), Xa = dropSource(desc, l - 1, thr);
    if (ASC_FEATURE_SIMD) {
      f32_dense_backward_input_rows_4x8__simd(lp(desc, l - 1, L_DZ), lp(desc, l, L_DZ), lp(desc, l, L_WT), Xa, scratch, B, K, Nl, act, r0, r1);
      if (thr != 0) dropApply(desc, l - 1, thr, 0, step, r0, r1, 0, K, true);
      f32_pack_rows_by8(zqOf(desc, l - 1), lp(desc, l - 1, L_DZ), B, K, r0, r1);
    } else {
      f32_dense_backward_input__scalar(lp(desc, l - 1, L_DZ), lp(desc, l, L_DZ), lp(desc, l, L_W), Xa, B, K, Nl, act, r0, r1, 0, (K + 7) >> 3);
      if (thr != 0) dropApply(desc, l - 1, thr, 0, step, r0, r1, 0, K, true);
    }
  }
}

/** Guided hand-outs (sync.ts runLength). Rows: equal opening runs of three quarters of the units
 * between the threads (sync.ts openingRun), then guided runs from half of what is left per thread:
 * the longer a piece of rows, the fewer times the rows phase reads the layers' weights, and equal
 * openings have every thread read them about as often. Weight units share no more than a block of
 * input with their neighbours: runs of a quarter keep the claims few and leave more single units
 * at the end for a thread that fell behind. */
const GUIDE_ROWS = 1, GUIDE_WEIGHTS = 4;

/** This thread's row units of a batch of B rows; `start` ≥ 0 gathers them from the resident data
 * at ORDER[start …] first. */
function rowsPhase(desc: usize, tid: i32, T: i32, B: i32, start: i32, backward: bool, withLoss: bool, step: u32, first: i32 = 0): void {
  const R = w32(desc, J_ROWS);
  const units = (B + R - 1) / R;
  const ctl = ptr(desc, D_CTL);
  const inp = lp(desc, 0, L_IN), K0 = lw(desc, 0, L_K);
  const tw = w32(desc, D_TARGET_WIDTH);
  // one thread: unit by unit; more: equal openings, then guided runs of units (sync.ts
  // openingRun), each run by pieces of up to the scratch's rowsMax rows, so that the layers'
  // weights are read once a piece
  const piece = T > 1 ? w32(desc, D_ROWS_MAX) : R;
  for (let u0 = T > 1 ? claimRun(ctl, C_NEXT_ROW, units, T, GUIDE_ROWS, true) : 0; u0 < units; u0 = T > 1 ? claimRun(ctl, C_NEXT_ROW, units, T, GUIDE_ROWS, true) : u0 + 1) {
    const end = min(B, (T > 1 ? u0 + openingRun(units, units - u0, T, GUIDE_ROWS) : u0 + 1) * R);
    for (let r0 = u0 * R; r0 < end; r0 += piece) {
      const r1 = min(end, r0 + piece);
      if (start >= 0) {
        const idx = ptr(desc, D_ORDER) + (<usize>(start + r0) << 2);
        if (first == 0) gatherInputs(desc, inp + (<usize>r0 * <usize>K0 << 2), idx, r1 - r0, K0);
        const Tr = ptr(desc, D_TARGETS) + (<usize>r0 * <usize>tw << 2);
        if (w32(desc, D_HEAD) == HEAD_SOFTMAX) i32_gather(Tr, ptr(desc, D_DATA_Y), idx, r1 - r0);
        else f32_gather_rows(Tr, ptr(desc, D_DATA_Y), idx, r1 - r0, tw);
        // the profile splits a step as on more threads: the batch's assembly, the first layer's
        // forward (marked in rowUnit), the rest of the rows (bench/threads.js models each)
        profileMark(desc, tid, P_GATHER);
      }
      rowUnit(desc, tid, B, r0, r1, backward, withLoss, first, step);
      profileMark(desc, tid, P_ROWS);
    }
  }
}

// ---- the weights phase

// MODE_GRADS: gradients only. MODE_TRAIN: gradients, (clipped by value,) the update, the re-pack.
// Clipping by global norm takes two passes over the units with a barrier between: MODE_NORM
// (gradients and each unit's Σg² into its NORM_SUMS slot), then MODE_UPDATE (the gradients
// scaled, the update, the re-pack); every thread sums the slots in unit order between them.
const MODE_GRADS = 0, MODE_TRAIN = 1, MODE_NORM = 2, MODE_UPDATE = 3;

/** A first layer whose weights take more than this many bytes (a core's L2 on the Intel Xeon hosts
 * the bench runs on) goes through its queued weight units panel by panel, every block of inputs
 * of one panel before the next, instead of block by block across the panels: its weights then come
 * from beyond L2 as one stream a panel rather than 2 KB a panel 25 KB apart, while the block of
 * input a unit reads (16 KB) comes from L2 instead of L1. One thread, 784-4096-10: the weights
 * phase 10.2–10.3 → 9.6–9.7 ms a step. Layers above the first keep the block order, whose re-pack
 * by inputs writes W_lᵀ in runs (panel by panel it strides N·32 bytes: three 1024-wide layers
 * trained 14 % slower). Any order gives the same bits: each unit sums its own block. */
const PANEL_MAJOR_BYTES: usize = 1 << 21;

/** This thread's weight units in `mode` with step arguments lr, bc1, bc2 (and the norm clip's
 * scale in MODE_UPDATE); keeps W re-packed by inputs. Returns refused updates. */
function weightsPhase(desc: usize, tid: i32, T: i32, B: i32, mode: i32, lr: f32, bc1: f32, bc2: f32, scale: f32, owned: bool = false, mine: bool = true, F: i32 = 0): i32 {
  const ctl = ptr(desc, D_CTL);
  const total = w32(desc, D_WEIGHT_UNITS), KC = w32(desc, D_KC), L = w32(desc, D_LAYERS);
  let refused = 0;
  let l = 0;
  // owned: the units of layers 0 … F−1 are this thread's own panels (panelWeights), the queue
  // hands out the units of the layers above
  const skip = owned ? (F < L ? lw(desc, F, L_UNITS_BEFORE) : total) : 0;
  if (owned && mine) refused += panelWeights(desc, F, tid, tid, T, B, mode, lr, bc1, bc2, scale);
  // the queue by guided runs (sync.ts runLength): unit skip + q for q in [q0, q1)
  const queue = total - skip;
  for (let q0 = T > 1 ? claimRun(ctl, C_NEXT_UNIT, queue, T, GUIDE_WEIGHTS) : 0; q0 < queue; q0 = T > 1 ? claimRun(ctl, C_NEXT_UNIT, queue, T, GUIDE_WEIGHTS) : queue) {
    const q1 = T > 1 ? min(queue, q0 + runLength(queue - q0, T, GUIDE_WEIGHTS)) : queue;
    for (let u = skip + q0; u < skip + q1; u++) {
      while (l + 1 < L && lw(desc, l + 1, L_UNITS_BEFORE) <= u) l++;
      while (lw(desc, l, L_UNITS_BEFORE) > u) l--;
      const K = lw(desc, l, L_K), NP = (lw(desc, l, L_N) + 7) >> 3;
      const i = u - lw(desc, l, L_UNITS_BEFORE);
      const KB = (K + KC - 1) / KC;
      const panelMajor = l == 0 && (<usize>NP * <usize>K << 5) > PANEL_MAJOR_BYTES;
      const p = panelMajor ? i / KB : i % NP, k0 = (panelMajor ? i % KB : i / NP) * KC;
      // a batch summed in chunks (dense.ts WEIGHT_CHUNK_ROWS): the run's next units of the same
      // block of inputs in one call, which reads each chunk of the input once for all of their
      // panels instead of once a panel (one thread, 784-128-10: 1.0–1.7 % faster at batch 256,
      // 0.6–1.7 % at 1024). Smaller batches keep a call a unit: each panel's re-pack by inputs (l ≥ 1)
      // then follows its update while the block is in L1.
      const p1 = panelMajor || !sumsInChunks(regroupsInput(K), B) ? p + 1 : min(NP, p + (skip + q1 - u));
      refused += weightBlock(desc, l, B, mode, lr, bc1, bc2, scale, p, p1, k0, min(K, k0 + KC));
      u += p1 - p - 1;
    }
  }
  // then the other threads' panel units that nobody has taken yet (a slower core's)
  for (let v = 1; owned && v < T; v++) refused += panelWeights(desc, F, (tid + v) % T, tid, T, B, mode, lr, bc1, bc2, scale);
  return refused;
}

/** The norm clip's scale, min(1, max/(‖g‖ + 1e-6)) (PyTorch's clip_grad_norm_), from the units'
 * Σg² summed in unit order: the same bits on every thread and for every thread count. */
function normScale(desc: usize): f32 {
  const sums = ptr(desc, D_NORM_SUMS), n = w32(desc, D_WEIGHT_UNITS);
  let total: f64 = 0;
  for (let u = 0; u < n; u++) total += load<f64>(sums + (<usize>u << 3));
  const s = <f64>f32w(desc, D_CLIP_NORM) / (Math.sqrt(total) + 1e-6);
  return s < 1 ? <f32>s : 1;
}

/** Layer l's weight gradient over panels [p0, p1) and inputs [k0, k1), and in MODE_TRAIN the
 * update of those parameters (SGD fused into the product) and their re-packing by inputs (l ≥ 1).
 * The bias gradient goes with the block at input 0. Returns refused updates. */
function weightBlock(desc: usize, l: i32, B: i32, mode: i32, lr: f32, bc1: f32, bc2: f32, scale: f32, p0: i32, p1: i32, k0: i32, k1: i32): i32 {
  const K = lw(desc, l, L_K), N = lw(desc, l, L_N);
  const opt = w32(desc, D_OPTIMIZER), wd = f32w(desc, D_WD);
  const X = inputOf(desc, l), dZ = lp(desc, l, L_DZ);
  const W = lp(desc, l, L_W), bias = lp(desc, l, L_B);
  // SIMD: dZ and X as the rows phase (or the first layer's phase) regrouped them
  const Zq = ASC_FEATURE_SIMD ? zqOf(desc, l) : 0, xq = regroupsInput(K);
  const Xs = ASC_FEATURE_SIMD && xq ? (l == 0 && myInputQ != 0 ? myInputQ : xqOf(desc, l)) : X;
  const gW = lp(desc, l, L_GW), gb = lp(desc, l, L_GB);
  let refused = 0;
  const clipValue = f32w(desc, D_CLIP_VALUE);
  const updates = mode == MODE_TRAIN || mode == MODE_UPDATE;
  if (mode == MODE_TRAIN && opt == OPT_SGD && clipValue == 0) {
    // (the gradient block holds partial sums when the batch goes in chunks)
    refused += ASC_FEATURE_SIMD
      ? f32_dense_backward_weights_sgd_packed_chunked_4x8__simd(W, bias, gW, gb, Zq, Xs, xq, B, K, N, lr, wd, p0, p1, k0, k1)
      : f32_dense_backward_weights_sgd__scalar(W, bias, dZ, X, B, K, N, lr, wd, p0, p1, k0, k1);
  } else {
    // MODE_UPDATE finds the gradients MODE_NORM left
    if (mode != MODE_UPDATE) {
      if (ASC_FEATURE_SIMD) f32_dense_backward_weights_packed_4x8__simd(gW, gb, Zq, Xs, xq, B, K, N, p0, p1, k0, k1);
      else f32_dense_backward_weights__scalar(gW, gb, dZ, X, B, K, N, p0, p1, k0, k1);
    }
    const NP = (N + 7) >> 3, slot = lw(desc, l, L_UNITS_BEFORE) + (k0 / w32(desc, D_KC)) * NP;
    for (let p = p0; mode != MODE_GRADS && p < p1; p++) {
      // the block's weights: contiguous in the packed layout (rows k0 … k1 of panel p); the
      // panel's 8 biases go with the block at input 0 (lanes past N are padding: zero, and stay so)
      const off = ((<usize>p * <usize>K + <usize>k0) << 3) << 2;
      const n = (k1 - k0) << 3;
      const gbp = gb + (<usize>p << 5), nb = k0 == 0 ? 8 : 0;
      if (mode == MODE_NORM) {
        store<f64>(ptr(desc, D_NORM_SUMS) + (<usize>(slot + p) << 3), f64_sum_squares(gW + off, n) + (nb > 0 ? f64_sum_squares(gbp, nb) : 0));
        continue;
      }
      if (clipValue > 0) { f32_clip(gW + off, n, clipValue); f32_clip(gbp, nb, clipValue); }
      if (mode == MODE_UPDATE && scale != 1) { f32_scale(gW + off, n, scale); f32_scale(gbp, nb, scale); }
      refused += update(desc, l, opt, W + off, gW + off, L_S0W, L_S1W, off, n, n, lr, wd, bc1, bc2);
      if (k0 == 0) refused += update(desc, l, opt, bias + (<usize>p << 5), gbp, L_S0B, L_S1B, <usize>p << 5, 8, 0, lr, wd, bc1, bc2);
    }
  }
  if (ASC_FEATURE_SIMD && l > 0 && updates) {
    f32_transpose_packed__simd(lp(desc, l, L_WT), W, N, K, p0, p1, k0 >> 3, (k1 + 7) >> 3);
  }
  return refused;
}

/** Momentum or Adam over n floats of one tensor (state blocks at the same offset); nDecay of them decay. */
// @ts-ignore: decorator
@inline function update(desc: usize, l: i32, opt: i32, P: usize, G: usize, s0: i32, s1: i32, off: usize, n: i32, nDecay: i32, lr: f32, wd: f32, bc1: f32, bc2: f32): i32 {
  const S0 = lp(desc, l, s0) + off;
  if (opt == OPT_MOMENTUM) {
    const mu = f32w(desc, D_MU);
    return ASC_FEATURE_SIMD ? f32_momentum__simd(P, S0, G, n, nDecay, lr, mu, wd) : f32_momentum__scalar(P, S0, G, n, nDecay, lr, mu, wd);
  }
  if (opt == OPT_SGD) return ASC_FEATURE_SIMD ? f32_sgd__simd(P, G, n, nDecay, lr, wd) : f32_sgd__scalar(P, G, n, nDecay, lr, wd);
  const S1 = lp(desc, l, s1) + off;
  const b1 = f32w(desc, D_BETA1), b2 = f32w(desc, D_BETA2), eps = f32w(desc, D_EPS);
  return ASC_FEATURE_SIMD ? f32_adam__simd(P, S0, S1, G, n, nDecay, lr, b1, b2, eps, wd, bc1, bc2) : f32_adam__scalar(P, S0, S1, G, n, nDecay, lr, b1, b2, eps, wd, bc1, bc2);
}

/** Re-packs every layer above the first by inputs (after the host wrote parameters): units of one
 * output panel. */
function repackPhase(desc: usize, tid: i32, T: i32): void {
  if (!ASC_FEATURE_SIMD) return;
  const ctl = ptr(desc, D_CTL), L = w32(desc, D_LAYERS);
  let total = 0;
  for (let l = 1; l < L; l++) total += (lw(desc, l, L_N) + 7) >> 3;
  let l = 1, before = 0;
  for (let u = T > 1 ? nextUnit(ctl, C_NEXT_UNIT) : 0; u < total; u = T > 1 ? nextUnit(ctl, C_NEXT_UNIT) : u + 1) {
    while (u >= before + ((lw(desc, l, L_N) + 7) >> 3)) { before += (lw(desc, l, L_N) + 7) >> 3; l++; }
    const K = lw(desc, l, L_K), N = lw(desc, l, L_N);
    const p = u - before;
    f32_transpose_packed__simd(lp(desc, l, L_WT), lp(desc, l, L_W), N, K, p, p + 1, 0, (K + 7) >> 3);
  }
}

// ---- a job

/** Test hook (threaded binaries): thread tid fails at the start of `phase` as the control block
 * says. Returns 2 to leave the thread (the host's worker then exits), traps for 1. */
function injected(ctl: usize, tid: i32, phase: i32): i32 {
  if (!ASC_FEATURE_THREADS || ctl == 0) return 0;
  if (atomic.load<i32>(ctl + (<usize>C_INJECT_TID << 2)) != tid || atomic.load<i32>(ctl + (<usize>C_INJECT_PHASE << 2)) != phase) return 0;
  const kind = atomic.load<i32>(ctl + (<usize>C_INJECT_KIND << 2));
  if (kind == 1) unreachable();
  return kind == 2 ? 2 : 0;
}

/** Test hook (threaded binaries): thread tid takes none of its own first-layer units (C_INJECT_KIND
 * 3), so that the others must take every one of them, as they would from a core that fell behind. */
// @ts-ignore: decorator
@inline function shirks(ctl: usize, tid: i32): bool {
  return ASC_FEATURE_THREADS && atomic.load<i32>(ctl + (<usize>C_INJECT_TID << 2)) == tid && atomic.load<i32>(ctl + (<usize>C_INJECT_KIND << 2)) == 3;
}

// @ts-ignore: decorator
@inline function enter(ctl: usize, tid: i32, phase: i32): i32 {
  if (ASC_FEATURE_THREADS && ctl != 0) atomic.store<i32>(ctl + (<usize>(C_PHASE + tid) << 2), phase);
  return injected(ctl, tid, phase);
}

/** Runs thread tid's part of the job in the descriptor; thread 0 also writes the results. Returns
 * 0, or 2 when a test hook asks this thread to leave. */
export function engineJob(desc: usize, tid: i32): i32 {
  const T = w32(desc, D_THREADS);
  const ctl = ptr(desc, D_CTL);
  const kind = w32(desc, J_KIND), flags = w32(desc, J_FLAGS);
  let why = 0;
  myInput = 0; myInputQ = 0;
  profileBegin(desc, tid);
  profileMark(desc, tid, P_WAKE);
  if ((flags & FLAG_REPACK) != 0 || kind == JOB_REPACK) {
    if ((why = enter(ctl, tid, PHASE_REPACK)) != 0) return why;
    repackPhase(desc, tid, T);
    if (!barrier(ctl, tid, T, C_NEXT_UNIT)) return finish(desc, tid, STATUS_FAULT, 0);
    profileMark(desc, tid, P_REPACK);
    if (kind == JOB_REPACK) return finish(desc, tid, STATUS_OK, 0);
  }
  if (kind == JOB_INFER) {
    if ((why = enter(ctl, tid, PHASE_ROWS)) != 0) return why;
    rowsPhase(desc, tid, T, w32(desc, J_BATCH), -1, false, (flags & FLAG_TARGETS) != 0, 0);
    profileMark(desc, tid, P_ROWS);
    if (!barrier(ctl, tid, T, C_NEXT_UNIT)) return finish(desc, tid, STATUS_FAULT, 0);
    profileMark(desc, tid, P_ROWS_WAIT);
    // without targets no row loss was written: the result stays the zeros engineClear left
    if (tid == 0 && (flags & FLAG_TARGETS) != 0) sumRows(desc, 0, w32(desc, J_BATCH), 0);
    profileMark(desc, tid, P_WEIGHTS);
    profileStep(desc, tid);
    return finish(desc, tid, STATUS_OK, 1);
  }
  if (kind == JOB_GRADS) {
    const B = w32(desc, J_BATCH);
    if ((why = enter(ctl, tid, PHASE_ROWS)) != 0) return why;
    rowsPhase(desc, tid, T, B, -1, true, true, <u32>w32(desc, J_STEP));
    profileMark(desc, tid, P_ROWS);
    if (!barrier(ctl, tid, T, C_NEXT_UNIT)) return finish(desc, tid, STATUS_FAULT, 0);
    profileMark(desc, tid, P_ROWS_WAIT);
    if ((why = enter(ctl, tid, PHASE_WEIGHTS)) != 0) return why;
    if (tid == 0) sumRows(desc, 0, B, 0);
    weightsPhase(desc, tid, T, B, MODE_GRADS, 0, 1, 1, 1);
    profileMark(desc, tid, P_WEIGHTS);
    if (!barrier(ctl, tid, T, C_NEXT_ROW)) return finish(desc, tid, STATUS_FAULT, 0);
    profileMark(desc, tid, P_WEIGHTS_WAIT);
    profileStep(desc, tid);
    return finish(desc, tid, STATUS_OK, 1);
  }
  // training steps
  widenRecip = w32(desc, D_DATA_BYTES) != 0 ? u8_widen_reciprocal(<f64>load<f32>(desc + (<usize>D_DATA_DIVISOR << 2))) : 0;
  const steps = w32(desc, J_STEPS), bs = w32(desc, J_BATCH), end = w32(desc, J_END);
  const args = ptr(desc, D_STEP_ARGS), results = ptr(desc, D_STEP_RESULTS);
  const nonfinite = desc + (<usize>J_NONFINITE << 2);
  let start = w32(desc, J_START);
  // two threads or more: layers 0 … F−1 by owned panels (firstLayerPhase, panelPass forward
  // and backward), 2F + 2 barriers a step; one thread: every layer by row units, 2 barriers
  // (no-ops) a step
  const owned = ASC_FEATURE_SIMD && T > 1;
  const F = owned ? panelLayers(desc) : 0;
  chooseInput(desc, tid, owned, bs);
  // whether this thread starts on its own first-layer units (the test hook's shirker does not): read once a job
  const mine = !owned || !shirks(ctl, tid);
  const clipNorm = f32w(desc, D_CLIP_NORM) > 0;
  for (let s = 0; s < steps; s++, start += bs) {
    const B = min(bs, end - start);
    const step = <u32>w32(desc, J_STEP) + <u32>s;
    if ((why = enter(ctl, tid, PHASE_ROWS)) != 0) return why;
    if (owned) {
      if (!firstLayerPhase(desc, F, tid, T, B, start, step, mine)) return finish(desc, tid, STATUS_FAULT, s);
      for (let l = 1; l < F; l++) {
        // layer l reads every column of layer l − 1's output
        profileMark(desc, tid, P_FIRST);
        if (!barrier(ctl, tid, T, -1, true)) return finish(desc, tid, STATUS_FAULT, s);
        profileMark(desc, tid, P_FIRST_WAIT);
        panelPass(desc, l, F, tid, T, B, step, mine, false);
      }
      profileMark(desc, tid, P_FIRST);
      if (!barrier(ctl, tid, T, -1, true)) return finish(desc, tid, STATUS_FAULT, s);
      profileMark(desc, tid, P_FIRST_WAIT);
    }
    rowsPhase(desc, tid, T, B, start, true, true, step, F);
    profileMark(desc, tid, P_ROWS);
    // (the claim counters are free again for the panel layers' input gradients or weights)
    if (!barrier(ctl, tid, T, C_NEXT_UNIT, owned)) return finish(desc, tid, STATUS_FAULT, s);
    profileMark(desc, tid, P_ROWS_WAIT);
    const res = results + (<usize>s << 4);
    if (tid == 0) sumRows(desc, res, B, s);
    if ((ASC_FEATURE_THREADS ? atomic.load<i32>(nonfinite) : load<i32>(nonfinite)) != 0) return finish(desc, tid, STATUS_LOSS, s);
    // the panel layers' input gradients, top down: dZ of layer l − 1 needs every column of layer l's
    for (let l = F - 1; l >= 1; l--) {
      panelPass(desc, l - 1, F, tid, T, B, step, mine, true);
      profileMark(desc, tid, P_ROWS);
      if (!barrier(ctl, tid, T, -1, true)) return finish(desc, tid, STATUS_FAULT, s);
      profileMark(desc, tid, P_ROWS_WAIT);
    }
    if ((why = enter(ctl, tid, PHASE_WEIGHTS)) != 0) return why;
    const a = args + (<usize>s << 4);
    let refused = 0;
    if (clipNorm) {
      // the gradients and their norm, a barrier (which also resets the unit counter), the update
      weightsPhase(desc, tid, T, B, MODE_NORM, 0, 1, 1, 1, owned, mine, F);
      if (!barrier(ctl, tid, T, C_NEXT_UNIT, owned)) return finish(desc, tid, STATUS_FAULT, s);
      refused = weightsPhase(desc, tid, T, B, MODE_UPDATE, load<f32>(a), load<f32>(a, 4), load<f32>(a, 8), normScale(desc), owned, mine, F);
    } else {
      refused = weightsPhase(desc, tid, T, B, MODE_TRAIN, load<f32>(a), load<f32>(a, 4), load<f32>(a, 8), 1, owned, mine, F);
    }
    if (refused != 0) {
      if (ASC_FEATURE_THREADS) atomic.add<i32>(res + 12, refused);
      else store<i32>(res + 12, load<i32>(res + 12) + refused);
    }
    profileMark(desc, tid, P_WEIGHTS);
    if (!barrier(ctl, tid, T, C_NEXT_ROW, owned)) return finish(desc, tid, STATUS_FAULT, s);
    profileMark(desc, tid, P_WEIGHTS_WAIT);
    profileStep(desc, tid);
    if ((ASC_FEATURE_THREADS ? atomic.load<i32>(res + 12) : load<i32>(res + 12)) != 0) return finish(desc, tid, STATUS_REFUSED, s + 1);
  }
  return finish(desc, tid, STATUS_OK, steps);
}

/** Thread 0 sums rows [0, B) of the row losses (in row order: the same bits for any split) and
 * correct counts into the results of step s (res = 0: into the first result slot). */
function sumRows(desc: usize, res: usize, B: i32, s: i32): void {
  const at = res != 0 ? res : ptr(desc, D_STEP_RESULTS) + (<usize>s << 4);
  const loss = ptr(desc, D_ROW_LOSS), correct = ptr(desc, D_ROW_CORRECT);
  let sum: f64 = 0;
  let c = 0;
  for (let r = 0; r < B; r++) {
    sum += load<f64>(loss + (<usize>r << 3));
    c += load<i32>(correct + (<usize>r << 2));
  }
  store<f64>(at, sum);
  store<i32>(at, c, 8);
}

// @ts-ignore: decorator
@inline function finish(desc: usize, tid: i32, status: i32, done: i32): i32 {
  if (tid == 0) {
    store<i32>(desc + (<usize>J_STATUS << 2), status == STATUS_OK && failed(ptr(desc, D_CTL)) ? STATUS_FAULT : status);
    store<i32>(desc + (<usize>J_DONE << 2), done);
  }
  return 0;
}

/** Clears what a job accumulates into before it starts (thread 0, before the others are told). */
export function engineClear(desc: usize): void {
  store<i32>(desc + (<usize>J_NONFINITE << 2), 0);
  store<i32>(desc + (<usize>J_STATUS << 2), STATUS_OK);
  store<i32>(desc + (<usize>J_DONE << 2), 0);
  const kind = w32(desc, J_KIND);
  const steps = kind == JOB_TRAIN ? w32(desc, J_STEPS) : 1;
  memory.fill(ptr(desc, D_STEP_RESULTS), 0, <usize>steps << 4);
}

export { jobCheck, C_ERROR_AT };
