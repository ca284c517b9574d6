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

/** Gradients of the batch-mean loss into the grads block (overwritten). */
export function backward(c: Core, B: number): void {
  const { layers } = c.arch;
  const p = c.plan, k = c.k, L = c.depth;
  let dZ = p.delta[0], dNext = p.delta[1];
  c.head.delta(k, dZ, p.acts[L], p.targets, B, c.outputs);
  const act = ACT[c.arch.hidden];
  for (let l = L - 1; l >= 0; l--) {
    k.dense_backward_weights(p.gradWeights[l], p.gradBiases[l], dZ, p.acts[l], B, layers[l], layers[l + 1]);
    if (l > 0) { // the first layer's input is data: no gradient needed
      k.dense_backward_input(dNext, dZ, p.weights[l], p.acts[l], p.scratch, B, layers[l], layers[l + 1], act);
      const t = dZ; dZ = dNext; dNext = t;
    }
  }
}

/** Back-propagation with plain SGD fused into each layer's weight gradient: no gradient block,
 * no separate update pass. Each layer's input gradient is taken before its weights change.
 * Returns the count of refused (non-finite) updates. */
export function backwardSgd(c: Core, B: number): number {
  const { layers } = c.arch;
  const p = c.plan, k = c.k, L = c.depth;
  const { learningRate: lr, weightDecay: wd } = c.opt;
  let dZ = p.delta[0], dNext = p.delta[1];
  c.head.delta(k, dZ, p.acts[L], p.targets, B, c.outputs);
  const act = ACT[c.arch.hidden];
  let bad = 0;
  for (let l = L - 1; l >= 0; l--) {
    if (l > 0) k.dense_backward_input(dNext, dZ, p.weights[l], p.acts[l], p.scratch, B, layers[l], layers[l + 1], act);
    bad += k.dense_backward_weights_sgd(p.weights[l], p.biases[l], dZ, p.acts[l], B, layers[l], layers[l + 1], lr, wd);
    const t = dZ; dZ = dNext; dNext = t;
  }
  c.step++;
  return bad;
}

/** Gradients, then the update rule over the flat block; returns the count of refused updates. */
export function backwardAndUpdate(c: Core, B: number): number {
  if (c.rule.fused) return backwardSgd(c, B);
  backward(c, B);
  c.step++;
  return c.rule.update(c.k, c.plan, c.opt, c.step);
}

/** Host→wasm calls of one training step: gathers 2, forward L, loss + accuracy + dZ 3, dW L,
 * dX L−1, and a separate update unless SGD is fused into the weight gradients. */
export function callsPerStep(c: Core): number {
  return 3 * c.depth + 4 + (c.rule.fused ? 0 : 1);
}
