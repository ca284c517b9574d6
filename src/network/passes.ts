// Forward in layer order, backward in exact reverse, over rows already in acts[0] and the targets
// block. Notation of the seed chapter: Z_l = W_l·A_{l-1} + B_l, A_l = g(Z_l); stored sample-major,
// a batch is A (B, n_l) and the forward product is A_{l-1} · W_lᵀ. The output layer's Z is turned
// into the head's outputs in place (A_L), so its loss comes from the logits.

import { ACT } from '../vocabulary.js';
import type { Core } from './core.js';

export function forward(c: Core, B: number): void {
  const { layers } = c.arch;
  const p = c.plan, k = c.k, L = c.depth;
  const act = ACT[c.arch.hidden];
  for (let l = 0; l < L; l++) {
    k.dense_forward(p.acts[l + 1], p.acts[l], p.weights[l], p.biases[l], p.scratch, B, layers[l], layers[l + 1], l < L - 1 ? act : ACT.identity);
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
function backInputs(c: Core, B: number): void {
  const { layers } = c.arch;
  const p = c.plan, k = c.k, L = c.depth;
  c.head.delta(k, p.deltas[L - 1], p.acts[L], p.targets, B, c.outputs);
  const act = ACT[c.arch.hidden];
  for (let l = L - 1; l > 0; l--) {
    k.dense_backward_input(p.deltas[l - 1], p.deltas[l], p.weights[l], p.acts[l], p.scratch, B, layers[l], layers[l + 1], act);
  }
}

/** Gradients of the batch-mean loss into the grads block (overwritten). */
export function backward(c: Core, B: number): void {
  const { layers } = c.arch;
  const p = c.plan;
  backInputs(c, B);
  for (let l = 0; l < c.depth; l++) c.k.dense_backward_weights(p.gradWeights[l], p.gradBiases[l], p.deltas[l], p.acts[l], B, layers[l], layers[l + 1]);
}

/** Back-propagation and the update with learning rate lr (Adam's bias corrections bc1, bc2): plain
 * SGD fused into each layer's weight gradient (no gradient block, no update pass), the others as
 * gradients then the rule over the flat block. Returns the count of refused (non-finite) updates. */
export function backwardAndUpdate(c: Core, B: number, lr: number, bc1: number, bc2: number): number {
  if (!c.rule.fused) {
    backward(c, B);
    return c.rule.update(c.k, c.plan, c.opt, lr, bc1, bc2);
  }
  const { layers } = c.arch;
  const p = c.plan;
  backInputs(c, B);
  let bad = 0;
  for (let l = 0; l < c.depth; l++) {
    bad += c.k.dense_backward_weights_sgd(p.weights[l], p.biases[l], p.deltas[l], p.acts[l], B, layers[l], layers[l + 1], lr, c.opt.weightDecay);
  }
  return bad;
}
