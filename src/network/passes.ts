// Forward in layer order, backward in exact reverse, over rows already in acts[0] and the targets
// block. Notation of the seed chapter: Z_l = W_l·A_{l-1} + B_l, A_l = g(Z_l); stored sample-major,
// a batch is A (B, n_l) and the forward product is A_{l-1} · W_lᵀ. The output layer's Z is turned
// into the head's outputs in place (A_L), so its loss comes from the logits.

// Dropout (training only, `dropStep` the step whose masks apply): a dropped hidden layer's forward
// writes its pre-dropout buffer when it has one (sigmoid, tanh) and the mask makes A_l from it,
// or the mask applies in place; the backward takes act' from the same buffer and applies the mask
// to dZ. Clipping runs on the gradient block between the backward and the update.

import { ACT } from '../vocabulary.js';
import type { Core } from './core.js';
import { drops } from '../backend/engine/types.js';
import { dropoutScale, dropoutThreshold } from '../backend/dropout-bits.js';

/** Where layer l writes its forward: the pre-dropout buffer, or A_{l+1} itself. */
const source = (c: Core, l: number, drop: boolean): number => (drop && c.plan.preActs[l]) || c.plan.acts[l + 1];

/** Layer l's mask of step `step` over (B, n_{l+1}): on the forward from `src` into A_{l+1}, or on dZ in place. */
function mask(c: Core, l: number, step: number, B: number, src: number, backward: boolean): void {
  const r = c.recipe, k = c.k, N = c.arch.layers[l + 1], p = r.dropout[l];
  const key = k.dropout_key(r.seed, step, l);
  if (backward) k.dropout_backward(c.plan.deltas[l], c.plan.deltas[l], B, N, key, dropoutThreshold(p), dropoutScale(p));
  else k.dropout_forward(c.plan.acts[l + 1], src, B, N, key, dropoutThreshold(p), dropoutScale(p));
}

export function forward(c: Core, B: number, dropStep: number | null = null): void {
  const { layers } = c.arch;
  const p = c.plan, k = c.k, L = c.depth;
  const act = ACT[c.arch.hidden];
  for (let l = 0; l < L; l++) {
    const drop = dropStep !== null && l < L - 1 && drops(c.recipe, l), out = source(c, l, drop);
    k.dense_forward(out, p.acts[l], p.weights[l], p.biases[l], p.scratch, B, layers[l], layers[l + 1], l < L - 1 ? act : ACT.identity);
    if (drop) mask(c, l, dropStep, B, out, false);
  }
}

/** The output activation in place over A_L; the summed loss when the targets block is loaded. */
export function outputLoss(c: Core, B: number, withTargets: boolean): number {
  const p = c.plan;
  return c.head.forward(c.k, p.acts[c.depth], withTargets ? p.targets : 0, B, c.outputs);
}

export function countCorrect(c: Core, B: number): number {
  return c.head.correct(c.k, c.plan.acts[c.depth], c.plan.targets, B, c.outputs);
}

/** dZ of every layer's output, top down: the head's, then each input gradient (the first layer's
 * input is data: no gradient needed). Reads W before any update. */
function backInputs(c: Core, B: number, dropStep: number | null): void {
  const { layers } = c.arch;
  const p = c.plan, k = c.k, L = c.depth;
  c.head.delta(k, p.deltas[L - 1], p.acts[L], p.targets, B, c.outputs);
  const act = ACT[c.arch.hidden];
  for (let l = L - 1; l > 0; l--) {
    const drop = dropStep !== null && drops(c.recipe, l - 1);
    k.dense_backward_input(p.deltas[l - 1], p.deltas[l], p.weights[l], source(c, l - 1, drop), p.scratch, B, layers[l], layers[l + 1], act);
    if (drop) mask(c, l - 1, dropStep, B, 0, true);
  }
}

/** Gradients of the batch-mean loss into the grads block (overwritten). */
export function backward(c: Core, B: number, dropStep: number | null = null): void {
  const { layers } = c.arch;
  const p = c.plan;
  backInputs(c, B, dropStep);
  for (let l = 0; l < c.depth; l++) c.k.dense_backward_weights(p.gradWeights[l], p.gradBiases[l], p.deltas[l], p.acts[l], B, layers[l], layers[l + 1]);
}

/** The norm clip's scale from the squared norm: min(1, max/(‖g‖ + 1e-6)), as PyTorch's
 * clip_grad_norm_ (the engine computes it the same way from its per-unit sums). */
export function normScale(sumSquares: number, max: number): number {
  const s = max / (Math.sqrt(sumSquares) + 1e-6);
  return s < 1 ? Math.fround(s) : 1;
}

/** The recipe's clipping over the whole gradient block (summed in index order). */
function clip(c: Core): void {
  const { clipNorm, clipValue } = c.recipe, p = c.plan, k = c.k;
  if (clipValue > 0) k.clip_values(p.grads, p.paramFloats, clipValue);
  if (clipNorm > 0) {
    const s = normScale(k.sum_squares(p.grads, p.paramFloats), clipNorm);
    if (s !== 1) k.scale_values(p.grads, p.paramFloats, s);
  }
}

/** Back-propagation and the update with learning rate lr (Adam's bias corrections bc1, bc2): plain
 * SGD fused into each layer's weight gradient (no gradient block, no update pass), the others as
 * gradients then the rule over the flat block. Returns the count of refused (non-finite) updates. */
export function backwardAndUpdate(c: Core, B: number, lr: number, bc1: number, bc2: number, dropStep: number | null = null): number {
  const clipping = c.recipe.clipNorm > 0 || c.recipe.clipValue > 0;
  if (!c.rule.fused || clipping) {
    backward(c, B, dropStep);
    if (clipping) clip(c);
    return c.rule.update(c.k, c.plan, c.opt, lr, bc1, bc2);
  }
  const { layers } = c.arch;
  const p = c.plan;
  backInputs(c, B, dropStep);
  let bad = 0;
  for (let l = 0; l < c.depth; l++) {
    bad += c.k.dense_backward_weights_sgd(p.weights[l], p.biases[l], p.deltas[l], p.acts[l], B, layers[l], layers[l + 1], lr, c.opt.weightDecay);
  }
  return bad;
}
