// Update rules, chosen once per network: how many state blocks each needs in the arena, whether it
// is fused into the weight-gradient kernels, and the flat update over the parameter block.
//   sgd       p −= lr·(g + wd·p)                  fused into dense_backward_weights_sgd in training
//   momentum  v = μv + g;  p −= lr·(v + wd·p)
//   adam      bias-corrected moments m, v (biasCorrections: bc1 = 1 − β1^t, bc2 = 1 − β2^t); decoupled weight decay
// Weight decay covers [0, nDecay) of the block: the weights, not the biases.

import type { Kernels } from '../backend/kernels.js';
import type { ArenaPlan } from '../arena.js';
import type { OptimizerConfig } from '../types.js';
import { OPTIMIZER_STATE, type OptimizerName } from '../vocabulary.js';

export interface UpdateRule {
  readonly name: OptimizerName;
  /** state blocks in the arena, each shaped like the parameters, named by OPTIMIZER_STATE */
  readonly stateBlocks: number;
  /** plain SGD runs inside each layer's weight-gradient kernel: no gradient block, no update pass */
  readonly fused: boolean;
  /** applies plan.grads to plan.params with learning rate lr (and Adam's bias corrections); returns
   * refused elements */
  update(k: Kernels, p: ArenaPlan, o: Required<OptimizerConfig>, lr: number, bc1: number, bc2: number): number;
}

export const UPDATE_RULES: Record<OptimizerName, UpdateRule> = {
  sgd: {
    name: 'sgd', stateBlocks: OPTIMIZER_STATE.sgd.length, fused: true,
    update: (k, p, o, lr) => k.sgd_update(p.params, p.grads, p.paramFloats, p.nDecay, lr, o.weightDecay),
  },
  momentum: {
    name: 'momentum', stateBlocks: OPTIMIZER_STATE.momentum.length, fused: false,
    update: (k, p, o, lr) => k.momentum_update(p.params, p.state[0], p.grads, p.paramFloats, p.nDecay, lr, o.momentum, o.weightDecay),
  },
  adam: {
    name: 'adam', stateBlocks: OPTIMIZER_STATE.adam.length, fused: false,
    update: (k, p, o, lr, bc1, bc2) => k.adam_update(p.params, p.state[0], p.state[1], p.grads, p.paramFloats, p.nDecay, lr, o.beta1, o.beta2, o.epsilon, o.weightDecay, bc1, bc2),
  },
};

/** Adam's bias corrections of update t (1-based) into bc1[s], bc2[s] (the kernels take them as f32;
 * written in place: the training loop allocates nothing per step). */
export function writeBiasCorrections(o: Required<OptimizerConfig>, t: number, bc1: Float32Array, bc2: Float32Array, s: number): void {
  bc1[s] = 1 - Math.pow(o.beta1, t);
  bc2[s] = 1 - Math.pow(o.beta2, t);
}
