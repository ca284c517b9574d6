// The arena plan: where every tensor lives in the backend's linear memory. A plan is a plain value
// (numbers only), so it can be logged, compared, or handed to another thread with the memory.
//
// Layout, each tensor 64-byte aligned, from `base` up:
//   params   W_0 … W_{L-1}, then b_0 … b_{L-1}  (weights first: weight decay covers [0, nDecay))
//   grads    the same layout as params, at a fixed distance, so the update is one flat loop
//   state    0 (sgd), 1 (momentum: velocity) or 2 (adam: m, v) blocks of the same layout
//   acts     A_0 (the input batch) … A_L, each (capacity, n_l)
//   delta    two ping-pong buffers (capacity, max n_l) for dZ of the layer being back-propagated
//   targets  (capacity) i32 labels, or (capacity, n_L) f32 targets
//   scratch  kernel scratch: interleaved input rows (threads split them by rows), or a re-packed
//            weight matrix and dZ interleaved once per thread
//   data     optional resident training set: x (rows, n_0), y, and the epoch's order (rows) i32
// The params region depends only on the layers and the layout, so it never moves when the
// capacity or the data change: a re-plan keeps the parameters where they are.

import { inputGradScratchFloats, weightFloats, type WeightLayout } from './backend/layout.js';
import { FORWARD_ROWS } from './backend/threads/protocol.js';

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
  readonly delta: [number, number];
  readonly targets: number;
  /** kernel scratch (see the layout above); no kernel keeps anything here between calls */
  readonly scratch: number;
  readonly data: null | { rows: number; x: number; y: number; order: number; targetWidth: number };
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
  /** threads the kernels split over (the input gradient's scratch holds one dZ copy per thread) */
  threads?: number;
}

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
  const widest = Math.max(...layers.slice(1));
  const d0 = at; at = align(at + 4 * capacity * widest);
  const d1 = at; at = align(at + 4 * capacity * widest);
  const targets = at; at = align(at + 4 * capacity * targetWidth);
  // the forward kernel interleaves its input rows (capacity·n_l); the input-gradient kernel
  // re-packs one hidden weight matrix and interleaves dZ (ceil(n_l/8)·8·n_{l+1} + capacity·n_{l+1})
  let scratchFloats = 0;
  // (a thread of a split forward pass interleaves FORWARD_ROWS rows at a time in its own part)
  for (let l = 0; l < L; l++) scratchFloats = Math.max(scratchFloats, capacity * layers[l], (req.threads ?? 1) * FORWARD_ROWS * layers[l]);
  for (let l = 1; l < L; l++) scratchFloats = Math.max(scratchFloats, inputGradScratchFloats(capacity, layers[l], layers[l + 1], req.threads ?? 1));
  const scratch = at; at = align(at + 4 * scratchFloats);
  let data: ArenaPlan['data'] = null;
  if (req.dataRows && req.dataRows > 0) {
    const rows = req.dataRows;
    const x = at; at = align(at + 4 * rows * layers[0]);
    const y = at; at = align(at + 4 * rows * targetWidth);
    const order = at; at = align(at + 4 * rows);
    data = { rows, x, y, order, targetWidth };
  }
  const shift = grads - params;
  return {
    layers: [...layers], layout, capacity, base: req.base,
    weights, biases,
    gradWeights: weights.map((o) => o + shift), gradBiases: biases.map((o) => o + shift),
    params, paramFloats: blockBytes / 4, nDecay, grads, state, acts, delta: [d0, d1], targets, scratch, data,
    bytes: at,
  };
}
