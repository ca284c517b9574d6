// The flags of a resumed run. A checkpoint remembers the flags of its run (metadata `train_config`),
// so `train --resume FILE` alone continues it. Flags that fix the model or the data may be repeated
// on resume but not changed; the outputs and the epoch total are inherited unless given again.

import { ModelFileError } from '../errors.js';
import type { DecodedCheckpoint } from '../io/checkpoint.js';
import { UsageError, type Flags } from './args.js';
import { resolveDatasetSource } from './data.js';
import { RECIPE_LOCKED, RECIPE_NUMERIC } from './recipe-options.js';
import { STEP_LOCKED } from './recipe-flags.js';

/** Flags that fix the trajectory: a resumed run must use the checkpoint's values. */
export const LOCKED = ['layers', 'hidden', 'optimizer', 'lr', 'weight-decay', 'seed', 'batch', 'dataset', 'label-column', 'normalize', 'validation', 'classes', ...RECIPE_LOCKED, ...STEP_LOCKED] as const;
/** Flags a resumed run inherits unless given again. --max-memory among them: a resumed streamed run
 * cuts its epochs as before (the chunk size and window come from the checkpoint, state.stream, so a
 * changed bound does not change the order; it bounds the arena of the run from here on). */
export const INHERITED = ['epochs', 'save', 'checkpoint', 'checkpoint-every', 'report', 'max-memory'] as const;
const DEFAULTS: Record<string, string | undefined> = { layers: '128', hidden: 'relu', optimizer: 'sgd', seed: '1', batch: '64', dataset: 'digits', normalize: 'none' };
const NUMERIC = ['validation', 'seed', 'batch', 'lr', 'weight-decay', 'classes', ...RECIPE_NUMERIC, 'clip-norm', 'clip-value'];

/** The string flags among `names` (a boolean flag that is set as 'true'), in the order of `names`
 * (a fixed key order: same bytes on resume). */
export const pick = (flags: Flags, names: readonly string[]): Record<string, string> =>
  Object.fromEntries(names.filter((n) => typeof flags[n] === 'string' || flags[n] === true).map((n) => [n, String(flags[n])]));

/** The checkpoint's value of a locked flag, as the user would have written it. */
function checkpointValue(name: string, stored: Record<string, string>, ck: DecodedCheckpoint): string | undefined {
  const { optimizer } = ck.state;
  const { layers } = ck.model.architecture;
  if (name === 'lr') return String(optimizer.learningRate);
  if (name === 'weight-decay') return String(optimizer.weightDecay ?? 0);
  if (name === 'classes') return String(layers[layers.length - 1]);
  return stored[name] ?? DEFAULTS[name];
}

/** Merges a checkpoint's remembered flags under the explicit ones; rejects changed locked flags. */
export function mergeResumeFlags(explicit: Flags, ck: DecodedCheckpoint, file: string): Flags {
  const stored = storedFlags(ck, file);
  const merged: Flags = { ...explicit };
  for (const name of LOCKED) {
    const given = explicit[name] === true ? 'true' : explicit[name];
    const was = checkpointValue(name, stored, ck);
    if (typeof given === 'string') {
      const same = name === 'dataset' ? resolveDatasetSource(given).source === (stored.dataset ?? 'digits')
        : NUMERIC.includes(name) ? Number(given) === Number(was)
        : given === was;
      if (!same) {
        throw new UsageError(`--${name}${explicit[name] === true ? '' : ` ${given}`} differs from the checkpoint's ${was === undefined ? '(not set)' : was}: a resumed run keeps the data, model, optimiser and recipe it was started with (drop --${name})`);
      }
    }
    if (stored[name] !== undefined) merged[name] = stored[name];
  }
  for (const name of INHERITED) if (merged[name] === undefined && stored[name] !== undefined) merged[name] = stored[name];
  return merged;
}

function storedFlags(ck: DecodedCheckpoint, file: string): Record<string, string> {
  const raw = ck.model.metadata.train_config;
  if (raw === undefined) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).filter(([, s]) => typeof s === 'string')) as Record<string, string>;
  } catch { /* reported below */ }
  throw new ModelFileError(`checkpoint file ${file}: __metadata__.train_config is not a JSON object of flags`, { file });
}
