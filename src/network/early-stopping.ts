// Early stopping (Keras EarlyStopping): after each epoch, the monitored validation figure is
// compared with the best so far; `patience` epochs without an improvement of more than `minDelta`
// stop the run, and with restoreBestWeights (on by default here; Keras defaults to off) the network
// gets the parameters of its best epoch back. The first `startFromEpoch` epochs are not monitored,
// and, as in Keras, a run never stops after its first epoch. Pure decisions over plain numbers;
// the trainer copies the parameters.

import { ConfigError, InputError } from '../errors.js';
import type { Parameters } from '../types.js';

export const MONITORS = ['val_loss', 'val_accuracy'] as const;
export type Monitor = (typeof MONITORS)[number];

export interface EarlyStopping {
  /** 'val_loss' (default, lower is better) or 'val_accuracy' (higher is better) */
  monitor?: Monitor;
  /** epochs without improvement before stopping (default 0, as Keras) */
  patience?: number;
  /** a change smaller than this is no improvement (default 0) */
  minDelta?: number;
  /** epochs (from the first) left unmonitored, e.g. while a warm-up runs (default 0) */
  startFromEpoch?: number;
  /** put back the best epoch's parameters when stopping (default TRUE; Keras defaults to false) */
  restoreBestWeights?: boolean;
}

/** Where early stopping stands: what is monitored, the best value and epoch, epochs waited since,
 * and the best epoch's parameters (with restoreBestWeights). A checkpoint carries all of it. */
export interface EarlyStoppingState {
  config: Required<EarlyStopping>;
  /** the best monitored value so far (±Infinity before the first monitored epoch) */
  best: number;
  /** 1-based epoch of `best`, 0 before the first monitored epoch */
  bestEpoch: number;
  /** epochs since the best */
  wait: number;
  /** 1-based epoch at which the run stopped, 0 while running */
  stoppedEpoch: number;
  bestParameters?: Parameters;
}

/** The options with their defaults, checked (ConfigError naming the field). */
export function checkEarlyStopping(o: unknown): Required<EarlyStopping> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ConfigError(`earlyStopping must be an object such as { patience: 5 }; got ${String(o)}`);
  const e = o as EarlyStopping;
  const known = ['monitor', 'patience', 'minDelta', 'startFromEpoch', 'restoreBestWeights'];
  for (const k of Object.keys(e)) if (!known.includes(k)) throw new ConfigError(`earlyStopping has an unknown field ${k} (known: ${known.join(', ')})`);
  const monitor = e.monitor ?? 'val_loss';
  if (!(MONITORS as readonly string[]).includes(monitor)) throw new ConfigError(`earlyStopping.monitor must be one of ${MONITORS.join(', ')}; got ${JSON.stringify(monitor)}`);
  const int = (k: 'patience' | 'startFromEpoch') => {
    const v = e[k] ?? 0;
    if (!Number.isInteger(v) || v < 0) throw new ConfigError(`earlyStopping.${k} must be an integer ≥ 0; got ${String(e[k])}`);
    return v;
  };
  const minDelta = e.minDelta ?? 0;
  if (typeof minDelta !== 'number' || !(minDelta >= 0) || !Number.isFinite(minDelta)) throw new ConfigError(`earlyStopping.minDelta must be a number ≥ 0; got ${String(e.minDelta)}`);
  const restore = e.restoreBestWeights ?? true;
  if (typeof restore !== 'boolean') throw new ConfigError(`earlyStopping.restoreBestWeights must be true or false; got ${String(restore)}`);
  return { monitor, patience: int('patience'), minDelta, startFromEpoch: int('startFromEpoch'), restoreBestWeights: restore };
}

export function initialEarlyStopping(config: Required<EarlyStopping>): EarlyStoppingState {
  return { config, best: config.monitor === 'val_loss' ? Infinity : -Infinity, bestEpoch: 0, wait: 0, stoppedEpoch: 0 };
}

export const sameEarlyStopping = (a: Required<EarlyStopping>, b: Required<EarlyStopping>): boolean =>
  a.monitor === b.monitor && a.patience === b.patience && a.minDelta === b.minDelta
  && a.startFromEpoch === b.startFromEpoch && a.restoreBestWeights === b.restoreBestWeights;

/** The monitored figure of an epoch's validation, or an InputError when it has none. */
export function monitored(monitor: Monitor, v: { loss: number; accuracy: number | null }): number {
  if (monitor === 'val_loss') return v.loss;
  if (v.accuracy === null) throw new InputError("earlyStopping.monitor 'val_accuracy' needs a classifier: a linear output has no accuracy (monitor 'val_loss')");
  return v.accuracy;
}

/** What epoch `epoch` (1-based) with monitored `value` does to `s` (updated in place): 'skip'
 * (not monitored), 'best' (a new best: copy the parameters), 'wait' or 'stop'. NaN never improves. */
export function earlyStoppingStep(s: EarlyStoppingState, epoch: number, value: number): 'skip' | 'best' | 'wait' | 'stop' {
  const { monitor, minDelta, patience, startFromEpoch } = s.config;
  if (epoch <= startFromEpoch) return 'skip';
  s.wait++;
  const better = monitor === 'val_loss' ? value + minDelta < s.best : value - minDelta > s.best;
  // the first monitored epoch is the reference even when its value is not finite
  if (better || s.bestEpoch === 0) {
    if (better) s.best = value;
    s.bestEpoch = epoch; s.wait = 0;
    return 'best';
  }
  if (s.wait >= patience && epoch > 1) { s.stoppedEpoch = epoch; return 'stop'; }
  return 'wait';
}

/** A deep copy (parameters included). */
export function copyEarlyStopping(s: EarlyStoppingState): EarlyStoppingState {
  const c: EarlyStoppingState = { config: { ...s.config }, best: s.best, bestEpoch: s.bestEpoch, wait: s.wait, stoppedEpoch: s.stoppedEpoch };
  if (s.bestParameters) c.bestParameters = { weights: s.bestParameters.weights.map((w) => Float32Array.from(w)), biases: s.bestParameters.biases.map((b) => Float32Array.from(b)) };
  return c;
}
