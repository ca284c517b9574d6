// The parts of the training recipe that run inside each step: dropout and gradient clipping (the
// learning-rate schedule and early stopping run around the steps, in the epoch loop). Checks the
// fit options and turns them into the engine's Recipe (backend/engine/types.ts).

import { InputError } from '../errors.js';
import type { Recipe } from '../backend/engine/types.js';

export interface RecipeOptions {
  /** inverted dropout on the hidden layers' outputs while training: one rate for every hidden
   * layer, or one per hidden layer; each in [0, 1). Identity in predict and evaluate. Default 0. */
  dropout?: number | readonly number[];
  /** clip the gradients to this global L2 norm before each update (PyTorch clip_grad_norm_, Keras
   * global_clipnorm). Default off. */
  clipNorm?: number;
  /** clip each gradient element to [−clipValue, clipValue] (Keras clipvalue, PyTorch
   * clip_grad_value_). Default off; not together with clipNorm. */
  clipValue?: number;
}

/** The recipe of these options for a network of `depth` layers of weights (depth − 1 hidden). */
export function recipeOf(o: RecipeOptions, depth: number): Omit<Recipe, 'seed'> {
  const hidden = depth - 1;
  let dropout: number[] = [];
  if (o.dropout !== undefined) {
    const given = typeof o.dropout === 'number' ? Array.from({ length: hidden }, () => o.dropout as number) : o.dropout;
    if (!Array.isArray(given)) throw new InputError(`dropout must be a rate in [0, 1) or an array of one per hidden layer; got ${String(o.dropout)}`);
    if (given.length !== hidden) throw new InputError(`dropout has ${given.length} rates but the network has ${hidden} hidden layers: give one per hidden layer, or one number for all`);
    given.forEach((p, i) => {
      if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new InputError(`dropout rate of hidden layer ${i + 1} must be in [0, 1); got ${String(p)}`);
    });
    dropout = [...given, 0];
  }
  const clip = (name: string, v: number | undefined): number => {
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || Math.fround(v) <= 0 || !Number.isFinite(Math.fround(v))) {
      throw new InputError(`${name} must be a positive finite number; got ${String(v)}`);
    }
    return v;
  };
  const clipNorm = clip('clipNorm', o.clipNorm), clipValue = clip('clipValue', o.clipValue);
  if (clipNorm > 0 && clipValue > 0) throw new InputError('clipNorm and clipValue are exclusive (as in Keras): give one');
  return { dropout, clipNorm, clipValue };
}
