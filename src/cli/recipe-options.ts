// The training-recipe flags of `wasm-mlp train`: the learning-rate schedule (--lr-schedule and the
// few flags each schedule reads) and early stopping (--early-stopping PATIENCE and its options),
// parsed into FitOptions.lrSchedule / earlyStopping. A flag that the chosen recipe does not use is
// a usage error, so a mistyped recipe never trains silently with defaults. All of them are locked
// on --resume (resume-flags.ts).

import { LR_SCHEDULES, scheduleFields, scheduleProblem, type LrSchedule, type LrScheduleName } from '../network/schedule.js';
import { MONITORS, type EarlyStopping } from '../network/early-stopping.js';
import { choice, intFlag, numFlag, strFlag, UsageError, type Flags } from './args.js';

/** Schedule flags → LrSchedule fields; integer ones are parsed as integers. */
const SCHEDULE_FLAGS: Record<string, { field: keyof LrSchedule; int: boolean }> = {
  'lr-step-epochs': { field: 'stepEpochs', int: true },
  'lr-gamma': { field: 'gamma', int: false },
  'lr-alpha': { field: 'alpha', int: false },
  'lr-max': { field: 'maxLr', int: false },
  'lr-pct-start': { field: 'pctStart', int: false },
  'warmup-epochs': { field: 'warmupEpochs', int: true },
  'warmup-steps': { field: 'warmupSteps', int: true },
};
const STOPPING_FLAGS = ['monitor', 'min-delta', 'start-from-epoch', 'no-restore-best'] as const;

export const RECIPE_FLAGS = {
  'lr-schedule': 'string', ...Object.fromEntries(Object.keys(SCHEDULE_FLAGS).map((k) => [k, 'string'])) as Record<string, 'string'>,
  'early-stopping': 'string', monitor: 'string', 'min-delta': 'string', 'start-from-epoch': 'string', 'no-restore-best': 'boolean',
} as const;

/** Every recipe flag: a resumed run keeps them (resume-flags.ts LOCKED). */
export const RECIPE_LOCKED = Object.keys(RECIPE_FLAGS);
/** The numeric ones (compared as numbers on resume). */
export const RECIPE_NUMERIC = [...Object.keys(SCHEDULE_FLAGS), 'early-stopping', 'min-delta', 'start-from-epoch'];

export const RECIPE_HELP = `training recipe
  --lr-schedule NAME   ${LR_SCHEDULES.join(' | ')}, per optimizer step (default
                       constant): step = PyTorch StepLR, exponential = ExponentialLR (per
                       epoch), cosine = Keras CosineDecay over the run, onecycle = OneCycleLR
  --lr-step-epochs N   step: decay every N epochs (required)
  --lr-gamma G         step: factor per decay (default 0.1); exponential: factor per epoch (required)
  --lr-alpha A         cosine: floor as a fraction of --lr (default 0)
  --lr-max X           onecycle: peak rate (default --lr); --lr-pct-start F: share rising (0.3)
  --warmup-epochs N    linear warm-up before the schedule (not onecycle); or --warmup-steps N
  --early-stopping P   stop after P epochs without improvement (needs --validation), Keras
                       EarlyStopping; the best epoch's parameters are kept and saved
  --monitor val_loss   ${MONITORS.join(' | ')}
  --min-delta 0        smallest change that counts as an improvement
  --start-from-epoch 0 epochs left unmonitored at the start (e.g. a warm-up)
  --no-restore-best    keep the last epoch's parameters instead of the best's`;

export interface RecipeOptions {
  lrSchedule?: LrSchedule;
  earlyStopping?: EarlyStopping;
}

const given = (flags: Flags, name: string): boolean => flags[name] !== undefined && flags[name] !== false;

/** The recipe of `flags` (explicit ones merged over a resumed checkpoint's); UsageError on flags
 * that do not fit together. `validation`: whether --validation is set. */
export function parseRecipeOptions(flags: Flags, validation: boolean): RecipeOptions {
  const out: RecipeOptions = {};
  const name = strFlag(flags, 'lr-schedule');
  if (name === undefined) {
    const stray = Object.keys(SCHEDULE_FLAGS).find((f) => given(flags, f));
    if (stray) throw new UsageError(`--${stray} needs --lr-schedule (it is read by ${usersOf(SCHEDULE_FLAGS[stray].field)})`);
  } else {
    const schedule: LrSchedule = { name: choice(flags, 'lr-schedule', LR_SCHEDULES, 'constant') };
    for (const [flag, { field, int }] of Object.entries(SCHEDULE_FLAGS)) {
      if (!given(flags, flag)) continue;
      if (!scheduleFields(schedule.name).includes(field)) {
        throw new UsageError(`--${flag} does not apply to --lr-schedule ${schedule.name}${schedule.name === 'onecycle' && flag.startsWith('warmup') ? ' (onecycle warms up by itself: --lr-pct-start)' : ` (it is read by ${usersOf(field)})`}`);
      }
      (schedule as unknown as Record<string, number>)[field] = int ? intFlag(flags, flag, 0, 0) : numFlag(flags, flag, 0)!;
    }
    const problem = scheduleProblem(schedule);
    if (problem !== null) throw new UsageError(problem.replace(/lrSchedule\.(\w+)/g, (_, f: string) => `--${flagOf(f as keyof LrSchedule)}`).replace(/lrSchedule '(\w+)' needs (\w+)/, (_, s: string, f: string) => `--lr-schedule ${s} needs --${flagOf(f as keyof LrSchedule)}`));
    out.lrSchedule = schedule;
  }
  if (!given(flags, 'early-stopping')) {
    const stray = STOPPING_FLAGS.find((f) => given(flags, f));
    if (stray) throw new UsageError(`--${stray} needs --early-stopping PATIENCE`);
  } else {
    if (!validation) throw new UsageError('--early-stopping needs --validation F: it monitors the held-out split');
    const es: EarlyStopping = { patience: intFlag(flags, 'early-stopping', 0, 0) };
    if (given(flags, 'monitor')) es.monitor = choice(flags, 'monitor', MONITORS, 'val_loss');
    if (given(flags, 'min-delta')) {
      const d = numFlag(flags, 'min-delta', 0)!;
      if (!(d >= 0)) throw new UsageError(`--min-delta must be a number ≥ 0; got '${String(flags['min-delta'])}'`);
      es.minDelta = d;
    }
    if (given(flags, 'start-from-epoch')) es.startFromEpoch = intFlag(flags, 'start-from-epoch', 0, 0);
    if (given(flags, 'no-restore-best')) es.restoreBestWeights = false;
    out.earlyStopping = es;
  }
  return out;
}

const flagOf = (field: keyof LrSchedule): string => Object.entries(SCHEDULE_FLAGS).find(([, v]) => v.field === field)?.[0] ?? field;
const usersOf = (field: keyof LrSchedule): string =>
  LR_SCHEDULES.filter((s: LrScheduleName) => scheduleFields(s).includes(field)).map((s) => `--lr-schedule ${s}`).join(', ');
