// Learning-rate schedules, evaluated per optimizer step (the global step the optimizer counts, so a
// resumed run continues where it was: its position falls out of the optimizer step). Pure.
//
//   constant     lr
//   step         PyTorch StepLR:        lr · gamma^⌊epoch / stepEpochs⌋            (gamma default 0.1)
//   exponential  PyTorch ExponentialLR: lr · gamma^epoch, changed at epoch boundaries
//   cosine       Keras CosineDecay:     lr · ((1 − alpha)·½(1 + cos(π·min(t, D)/D)) + alpha), D = total − warm-up
//   onecycle     PyTorch OneCycleLR (anneal 'cos', two phases): maxLr/divFactor up to maxLr over
//                pctStart of the run, then down to maxLr/divFactor/finalDivFactor
//
// `epoch` above is ⌊t / stepsPerEpoch⌋ with t the step counted from the end of the warm-up. The
// optional linear warm-up (warmupSteps, or warmupEpochs × stepsPerEpoch) trains step s < W at
// (s + 1)/W of the rate the schedule starts from (PyTorch LinearLR(start_factor=1/W,
// total_iters=W − 1)); the schedule then runs as if it started after the warm-up (PyTorch
// SequentialLR with the milestone at W). onecycle has its own warm-up (pctStart) and refuses another.

import { ConfigError } from '../errors.js';

export const LR_SCHEDULES = ['constant', 'step', 'exponential', 'cosine', 'onecycle'] as const;
export type LrScheduleName = (typeof LR_SCHEDULES)[number];

export interface LrSchedule {
  name: LrScheduleName;
  /** step: epochs between decays (required) */
  stepEpochs?: number;
  /** step: factor per decay (default 0.1, as PyTorch); exponential: factor per epoch (required) */
  gamma?: number;
  /** cosine: the floor as a fraction of the base rate (default 0, as Keras) */
  alpha?: number;
  /** onecycle: the peak rate (default: the optimizer's learning rate) */
  maxLr?: number;
  /** onecycle: share of the run spent rising (default 0.3) */
  pctStart?: number;
  /** onecycle: initial rate = maxLr / divFactor (default 25) */
  divFactor?: number;
  /** onecycle: final rate = initial rate / finalDivFactor (default 1e4) */
  finalDivFactor?: number;
  /** linear warm-up over this many epochs (or warmupSteps optimizer steps; not both) */
  warmupEpochs?: number;
  warmupSteps?: number;
}

/** Which optional fields each schedule reads (others are refused, so a typo'd recipe is an error). */
const FIELDS: Record<LrScheduleName, readonly (keyof LrSchedule)[]> = {
  constant: ['warmupEpochs', 'warmupSteps'],
  step: ['stepEpochs', 'gamma', 'warmupEpochs', 'warmupSteps'],
  exponential: ['gamma', 'warmupEpochs', 'warmupSteps'],
  cosine: ['alpha', 'warmupEpochs', 'warmupSteps'],
  onecycle: ['maxLr', 'pctStart', 'divFactor', 'finalDivFactor'],
};

/** The fields schedule `name` accepts besides `name` (the CLI's flags check against it). */
export const scheduleFields = (name: LrScheduleName): readonly (keyof LrSchedule)[] => FIELDS[name];

/** Why `s` is not a valid schedule, or null. */
export function scheduleProblem(s: unknown): string | null {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) return `lrSchedule must be an object such as { name: 'cosine' }; got ${String(s)}`;
  const o = s as Record<string, unknown>;
  if (!(LR_SCHEDULES as readonly unknown[]).includes(o.name)) return `lrSchedule.name must be one of ${LR_SCHEDULES.join(', ')}; got ${JSON.stringify(o.name)}`;
  const name = o.name as LrScheduleName;
  for (const k of Object.keys(o)) {
    if (k === 'name' || o[k] === undefined) continue;
    if (!(FIELDS[name] as readonly string[]).includes(k)) {
      const known = ['stepEpochs', 'gamma', 'alpha', 'maxLr', 'pctStart', 'divFactor', 'finalDivFactor', 'warmupEpochs', 'warmupSteps'];
      return known.includes(k) ? `lrSchedule '${name}' does not use ${k}${name === 'onecycle' && k.startsWith('warmup') ? ' (onecycle warms up by itself: set pctStart)' : ''}` : `lrSchedule has an unknown field ${k}`;
    }
  }
  const num = (k: string, ok: (v: number) => boolean, what: string): string | null =>
    o[k] === undefined || (typeof o[k] === 'number' && ok(o[k] as number)) ? null : `lrSchedule.${k} must be ${what}; got ${String(o[k])}`;
  const isInt = (v: number) => Number.isInteger(v);
  const problem = num('stepEpochs', (v) => isInt(v) && v >= 1, 'an integer ≥ 1')
    ?? num('gamma', (v) => v > 0 && v <= 1, 'a number in (0, 1]')
    ?? num('alpha', (v) => v >= 0 && v <= 1, 'a number in [0, 1]')
    ?? num('maxLr', (v) => v > 0 && Number.isFinite(v), 'a number > 0')
    ?? num('pctStart', (v) => v > 0 && v < 1, 'a fraction strictly between 0 and 1')
    ?? num('divFactor', (v) => v > 0 && Number.isFinite(v), 'a number > 0')
    ?? num('finalDivFactor', (v) => v > 0 && Number.isFinite(v), 'a number > 0')
    ?? num('warmupEpochs', (v) => isInt(v) && v >= 0, 'an integer ≥ 0')
    ?? num('warmupSteps', (v) => isInt(v) && v >= 0, 'an integer ≥ 0');
  if (problem) return problem;
  if (o.warmupEpochs !== undefined && o.warmupSteps !== undefined) return 'lrSchedule takes warmupEpochs or warmupSteps, not both';
  if (name === 'step' && o.stepEpochs === undefined) return "lrSchedule 'step' needs stepEpochs (epochs between decays)";
  if (name === 'exponential' && o.gamma === undefined) return "lrSchedule 'exponential' needs gamma (the factor per epoch)";
  return null;
}

/** `s` checked, with only the fields its schedule uses (a fixed key order: checkpoints compare it). */
export function checkSchedule(s: unknown): LrSchedule {
  const problem = scheduleProblem(s);
  if (problem !== null) throw new ConfigError(problem);
  const o = s as LrSchedule;
  const out: LrSchedule = { name: o.name };
  for (const k of FIELDS[o.name]) if (o[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = o[k];
  return out;
}

/** Optimizer steps of warm-up. */
export function warmupSteps(s: LrSchedule, stepsPerEpoch: number): number {
  return s.warmupSteps ?? (s.warmupEpochs ?? 0) * stepsPerEpoch;
}

const cosAnneal = (start: number, end: number, pct: number): number => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);

/** The learning rate of optimizer step `step` (0-based: the rate of the step-th update) of a run of
 * `totalSteps` steps with `stepsPerEpoch` steps an epoch; `baseLr` is the optimizer's rate. Past
 * the run's end the rate stays at its last value. */
export function learningRateAt(s: LrSchedule, step: number, stepsPerEpoch: number, totalSteps: number, baseLr: number): number {
  if (s.name === 'onecycle') {
    const maxLr = s.maxLr ?? baseLr;
    const initial = maxLr / (s.divFactor ?? 25);
    const min = initial / (s.finalDivFactor ?? 1e4);
    // as torch.optim.lr_scheduler.OneCycleLR: phase ends at pct_start·total − 1 and total − 1
    const end1 = (s.pctStart ?? 0.3) * totalSteps - 1, end2 = totalSteps - 1;
    const t = Math.min(step, end2);
    if (t <= end1) return cosAnneal(initial, maxLr, end1 > 0 ? t / end1 : 1);
    return cosAnneal(maxLr, min, end2 > end1 ? (t - end1) / (end2 - end1) : 1);
  }
  const W = warmupSteps(s, stepsPerEpoch);
  if (step < W) return (decayed(s, 0, stepsPerEpoch, totalSteps - W, baseLr) * (step + 1)) / W;
  return decayed(s, step - W, stepsPerEpoch, totalSteps - W, baseLr);
}

/** The schedule without warm-up at step t of a run of `total` steps. */
function decayed(s: LrSchedule, t: number, stepsPerEpoch: number, total: number, lr: number): number {
  switch (s.name) {
    case 'step': return lr * Math.pow(s.gamma ?? 0.1, Math.floor(Math.floor(t / stepsPerEpoch) / s.stepEpochs!));
    case 'exponential': return lr * Math.pow(s.gamma!, Math.floor(t / stepsPerEpoch));
    case 'cosine': {
      if (total <= 0) return lr;
      const alpha = s.alpha ?? 0;
      const cos = 0.5 * (1 + Math.cos((Math.PI * Math.min(t, total)) / total));
      return lr * ((1 - alpha) * cos + alpha);
    }
    default: return lr;
  }
}

/** Where a schedule stands in a run: the schedule, and the run's length fixed when it began (a
 * resumed or continued run keeps it). The position is the optimizer's step. */
export interface LrScheduleState {
  schedule: LrSchedule;
  stepsPerEpoch: number;
  totalSteps: number;
}
