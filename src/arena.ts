// The arena plan: where every tensor lives in the backend's linear memory. A plan is a plain value
// (numbers only), so it can be logged, compared, or handed to another thread with the memory.
//
// Layout, each tensor 64-byte aligned, from `base` up:
//   params   W_0 … W_{L-1}, then b_0 … b_{L-1}  (weights first: weight decay covers [0, nDecay))
//   grads    the same layout as params, at a fixed distance, so the update is one flat loop
//   state    0 (sgd), 1 (momentum: velocity) or 2 (adam: m, v) blocks of the same layout
//   acts     A_0 (the input batch) … A_L, each (capacity, n_l)
//   deltas   dZ of each layer's output, (capacity, n_{l+1}): the rows phase of a step writes them
//            all before the weights phase reads them (backend/engine)
//   repacked W_l re-packed by inputs for l ≥ 1 (packed layout only): the input gradient reads it
//   regrouped (packed layout only) every layer input a multiple of 64 wide by groups of 4 inputs,
//            (n_l/4, capacity, 4), and every dZ by panels of 8 outputs, (ceil(n_{l+1}/8), capacity, 8): the
//            rows phase writes them, the weight gradient streams them
//   targets  (capacity) i32 labels, or (capacity, n_L) f32 targets
//   rows     each row's loss (capacity) f64 and correct count (capacity) i32
//   steps    per training step of a job: arguments (lr, bc1, bc2) and results (loss, correct, refused)
//   recipe   the dropout table (backend/engine/words.ts D_DROPOUT); when asked for, each dropped
//            sigmoid/tanh layer's output before dropout (capacity, n_{l+1}), and one f64 per weight
//            unit for the norm clip's sums (sized for the smallest unit, 8 inputs)
//   scratch  kernel scratch: one block per thread (interleaved rows of a row unit), and what the
//            single kernels of the ABI need (interleaved input rows, a re-packed weight matrix)
//   copies   threaded training (packed layout, schedule.ts inputCopyRows): for each thread t ≥ 1 its
//            own copy of the first layer's input, (copyRows, n_0), followed by the copy regrouped
//            by 4 inputs when n_0 is a multiple of 64 (thread 0's are A_0 and its regrouped block)
//   data     optional resident training set: x (rows, n_0) f32 — or u8 for byte features, with
//            their normaliser (2, n_0) f32 when one is set —, y, and the epoch's order (orderRows)
//            i32 of rows of x. A streamed set (network/stream.ts) holds two windows of chunks in x
//            and y while its order covers the whole epoch (orderRows > rows).
// The params region depends only on the layers and the layout, so it never moves when the
// capacity or the data change: a re-plan keeps the parameters where they are.

import { inputGradScratchFloats, weightFloats, type WeightLayout } from './backend/layout.js';
import { DROPOUT_WORDS } from './backend/engine/words.js';
import { inputCopyRows } from './backend/engine/schedule.js';

/** Whether the engine regroups a layer's input of width K by 4 inputs for the weight gradient (in
 * the regrouped block, and after each thread's copy of the first layer's input): the host's twin of
 * assembly/engine.ts regroupsInput, which the arena must size alike. */
const regroupsInput = (K: number): boolean => K % 64 === 0;

/** Training steps a job may run (the step arguments and results hold this many). */
export const MAX_STEPS = 256;
/** The most rows of a row unit (backend/engine/schedule.ts picks each job's). */
export const ROWS_MAX = 64;

export interface ArenaPlan {
  readonly layers: readonly number[];
  readonly layout: WeightLayout;
  readonly capacity: number;
  readonly base: number;
  readonly weights: number[];
  readonly biases: number[];
  readonly gradWeights: number[];
  readonly gradBiases: number[];
  /** the flat parameter block and its size in floats (padding included; padding stays zero) */
  readonly params: number;
  readonly paramFloats: number;
  /** floats at the start of the block that are weights (decayed) */
  readonly nDecay: number;
  readonly grads: number;
  /** optimizer state blocks, each paramFloats long, same layout as params */
  readonly state: number[];
  readonly acts: number[];
  /** dZ of layer l's output, (capacity, n_{l+1}) */
  readonly deltas: number[];
  /** W_l re-packed by inputs (l ≥ 1, packed layout), else 0 */
  readonly repacked: number[];
  /** the weight gradient's operands, regrouped by the rows phase (packed layout; else 0): the
   * layer inputs a multiple of 64 wide by groups of 4 inputs (the block may be empty), and every dZ
   * by panels of 8 outputs, each block sized for the capacity */
  readonly regrouped: { readonly inputs: number; readonly deltas: number };
  readonly targets: number;
  /** (capacity) f64 row losses, (capacity) i32 row correct counts */
  readonly rowLoss: number;
  readonly rowCorrect: number;
  /** (MAX_STEPS, 4) f32 step arguments; (MAX_STEPS) × 16-byte step results */
  readonly stepArgs: number;
  readonly stepResults: number;
  /** the dropout table (DROPOUT_WORDS i32, the engine's D_DROPOUT) */
  readonly dropout: number;
  /** per layer l < L: its output before dropout, (capacity, n_{l+1}), when planned (else 0) */
  readonly preActs: number[];
  /** (normSlots) f64: the norm clip's sum per weight unit, or 0 when not planned */
  readonly normSums: number;
  readonly normSlots: number;
  /** kernel scratch (see the layout above); no kernel keeps anything here between calls */
  readonly scratch: number;
  /** bytes of scratch per thread of the engine (thread t's at scratch + t·scratchStride) */
  readonly scratchStride: number;
  /** rows of the largest row unit the scratch holds */
  readonly rowsMax: number;
  readonly threads: number;
  /** threaded training's copies of the first layer's input (see the layout above): thread t ≥ 1's
   * at `at + (t − 1)·stride`, for batches of up to `rows` rows; all 0 when there are none */
  readonly inputCopies: { readonly at: number; readonly stride: number; readonly rows: number };
  readonly data: null | {
    rows: number; x: number; y: number; order: number; targetWidth: number;
    /** entries of the order: the epoch's samples (rows, unless the set is streamed) */
    orderRows: number;
    /** byte features: x is (rows, n_0) u8 widened by the gather to f32(b / divisor); 0 for f32 x */
    divisor: number;
    /** byte features with a normaliser: its (2, n_0) f32 offsets then scales; else 0 */
    norm: number;
  };
  readonly bytes: number;
}

const ALIGN = 64;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

export interface PlanRequest {
  layers: readonly number[];
  layout: WeightLayout;
  base: number;
  capacity: number;
  stateBlocks: number;
  /** 1 for integer labels (i32), n_L for float targets */
  targetWidth: number;
  dataRows?: number;
  /** the order's entries, when not dataRows (a streamed set: the samples of an epoch) */
  orderRows?: number;
  /** threads of the engine (each has its own scratch) */
  threads?: number;
  /** layers l whose output gets a pre-dropout buffer (dropped sigmoid or tanh layers) */
  preActs?: readonly boolean[];
  /** room for the norm clip's per-unit sums */
  normSums?: boolean;
  /** the resident x is bytes (src/data/bytes.ts): their divisor, and whether a normaliser goes with them */
  dataBytes?: DataBytes | null;
}

/** How resident byte features are widened: f32(b / divisor), normalised when `normalized`. */
export interface DataBytes { divisor: number; normalized: boolean }

/** Slots the norm clip's sums need: one per weight unit at the smallest unit (8 outputs × 8
 * inputs), so any unit size the engine is tuned to fits. */
export const normSlots = (layers: readonly number[]): number => {
  let n = 0;
  for (let l = 0; l + 1 < layers.length; l++) n += Math.ceil(layers[l + 1] / 8) * Math.ceil(layers[l] / 8);
  return n;
};

export function planArena(req: PlanRequest): ArenaPlan {
  const { layers, layout, capacity, stateBlocks, targetWidth } = req;
  const L = layers.length - 1;
  let at = align(req.base);
  const params = at;
  const weights: number[] = [];
  const biases: number[] = [];
  for (let l = 0; l < L; l++) { weights.push(at); at = align(at + 4 * weightFloats(layout, layers[l + 1], layers[l])); }
  const nDecay = (at - params) / 4;
  for (let l = 0; l < L; l++) { biases.push(at); at = align(at + 4 * layers[l + 1]); }
  const blockBytes = at - params;
  const grads = at;
  at += blockBytes;
  const state: number[] = [];
  for (let s = 0; s < stateBlocks; s++) { state.push(at); at += blockBytes; }
  const acts: number[] = [];
  for (let l = 0; l <= L; l++) { acts.push(at); at = align(at + 4 * capacity * layers[l]); }
  const deltas: number[] = [];
  for (let l = 0; l < L; l++) { deltas.push(at); at = align(at + 4 * capacity * layers[l + 1]); }
  const repacked: number[] = [0];
  for (let l = 1; l < L; l++) {
    if (layout !== 'packed8') { repacked.push(0); continue; }
    repacked.push(at); at = align(at + 4 * weightFloats(layout, layers[l], layers[l + 1]));
  }
  let regrouped = { inputs: 0, deltas: 0 };
  if (layout === 'packed8') {
    // inputs: only those regroupsInput names; the block may be empty, its offset is still given
    let groups = 0, panels = 0;
    for (let l = 0; l < L; l++) { if (regroupsInput(layers[l])) groups += layers[l] / 4; panels += Math.ceil(layers[l + 1] / 8); }
    const inputs = at; at = align(at + 16 * capacity * groups);
    const deltas = at; at = align(at + 32 * capacity * panels);
    regrouped = { inputs, deltas };
  }
  const targets = at; at = align(at + 4 * capacity * targetWidth);
  const rowLoss = at; at = align(at + 8 * capacity);
  const rowCorrect = at; at = align(at + 4 * capacity);
  const stepArgs = at; at = align(at + 16 * MAX_STEPS);
  const stepResults = at; at = align(at + 16 * MAX_STEPS);
  const dropout = at; at = align(at + 4 * DROPOUT_WORDS);
  const preActs: number[] = [];
  for (let l = 0; l < L; l++) {
    if (req.preActs?.[l]) { preActs.push(at); at = align(at + 4 * capacity * layers[l + 1]); } else preActs.push(0);
  }
  const slots = req.normSums ? normSlots(layers) : 0;
  const normSums = slots > 0 ? at : 0; at = align(at + 8 * slots);
  // per engine thread: a row unit's rows interleaved (rowsMax·n_l for the forward tiles, the same
  // for dZ's in the input gradient); and what the ABI's single kernels need when called over the
  // whole capacity: the forward kernel interleaves its input rows (capacity·n_l), the input-gradient
  // kernel re-packs one hidden weight matrix and interleaves dZ
  const threads = req.threads ?? 1;
  const rowsMax = Math.min(ROWS_MAX, Math.ceil(capacity / 4) * 4);
  const scratchStride = align(4 * rowsMax * Math.max(...layers));
  let singleFloats = 0;
  for (let l = 0; l < L; l++) singleFloats = Math.max(singleFloats, capacity * layers[l]);
  for (let l = 1; l < L; l++) singleFloats = Math.max(singleFloats, inputGradScratchFloats(capacity, layers[l], layers[l + 1]));
  const scratch = at; at = align(at + Math.max(threads * scratchStride, 4 * singleFloats));
  const copyRows = layout === 'packed8' ? inputCopyRows(capacity, threads) : 0;
  const copyStride = copyRows > 0 ? align(4 * copyRows * layers[0] * (regroupsInput(layers[0]) ? 2 : 1)) : 0;
  const inputCopies = { at: copyRows > 0 ? at : 0, stride: copyStride, rows: copyRows };
  at += (threads - 1) * copyStride;
  let data: ArenaPlan['data'] = null;
  if (req.dataRows && req.dataRows > 0) {
    const rows = req.dataRows;
    const db = req.dataBytes;
    const x = at; at = align(at + (db ? 1 : 4) * rows * layers[0]);
    const norm = db?.normalized ? at : 0; if (norm) at = align(at + 8 * layers[0]);
    const y = at; at = align(at + 4 * rows * targetWidth);
    const orderRows = req.orderRows ?? rows;
    const order = at; at = align(at + 4 * orderRows);
    data = { rows, x, y, order, orderRows, targetWidth, divisor: db ? db.divisor : 0, norm };
  }
  const shift = grads - params;
  return {
    layers: [...layers], layout, capacity, base: req.base,
    weights, biases,
    gradWeights: weights.map((o) => o + shift), gradBiases: biases.map((o) => o + shift),
    params, paramFloats: blockBytes / 4, nDecay, grads, state, acts, deltas, repacked, regrouped, targets, rowLoss, rowCorrect,
    stepArgs, stepResults, dropout, preActs, normSums, normSlots: slots, scratch, scratchStride, rowsMax, threads, inputCopies, data,
    bytes: at,
  };
}
