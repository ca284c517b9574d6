// The flags of the training recipe's in-step part (network/recipe.ts): dropout and gradient
// clipping (the schedule and early stopping: recipe-options.ts).
// They fix a run's trajectory, so a resumed run keeps them (resume-flags.ts LOCKED).

import { UsageError, type Flags } from './args.js';
import type { RecipeOptions } from '../network/recipe.js';

export const STEP_FLAGS = { dropout: 'string', 'clip-norm': 'string', 'clip-value': 'string' } as const;
export const STEP_LOCKED = ['dropout', 'clip-norm', 'clip-value'] as const;

export const STEP_HELP = `  --dropout 0.2        dropout on the hidden layers' outputs while training: one rate for all, or
                       one per hidden layer (0.2,0.1); inverted (kept outputs × 1/(1−p)), off in
                       predict, evaluate and exports
  --clip-norm X        clip the gradients to global L2 norm X before each update (clip_grad_norm_)
  --clip-value X       clip each gradient element to [−X, X] (Keras clipvalue); not with --clip-norm`;

/** The recipe of the flags, for a network with `hidden` hidden layers. */
export function parseStepFlags(flags: Flags, hidden: number): RecipeOptions {
  const r: RecipeOptions = {};
  const d = flags.dropout;
  if (typeof d === 'string') {
    const rates = d.split(',').map((t) => Number(t.trim()));
    rates.forEach((p, i) => {
      if (d.split(',')[i].trim() === '' || !(p >= 0 && p < 1)) throw new UsageError(`--dropout takes rates in [0, 1), one for all hidden layers or one per hidden layer (e.g. 0.2 or 0.2,0.1); got '${d}'`);
    });
    if (hidden === 0) throw new UsageError('--dropout needs a hidden layer (--layers is empty)');
    if (rates.length !== 1 && rates.length !== hidden) throw new UsageError(`--dropout has ${rates.length} rates for ${hidden} hidden layers: give one, or one per hidden layer`);
    r.dropout = rates.length === 1 ? rates[0] : rates;
  }
  for (const [flag, key] of [['clip-norm', 'clipNorm'], ['clip-value', 'clipValue']] as const) {
    const v = flags[flag];
    if (typeof v !== 'string') continue;
    const x = Number(v);
    if (v.trim() === '' || !(x > 0) || !Number.isFinite(x)) throw new UsageError(`--${flag} must be a number > 0; got '${v}'`);
    r[key] = x;
  }
  if (r.clipNorm !== undefined && r.clipValue !== undefined) throw new UsageError('--clip-norm and --clip-value are exclusive: give one');
  return r;
}
