// Training state: where a run is (epoch, progress in the epoch, the epoch's order, the PRNG), kept
// as copies so that nothing a caller holds aliases the network's own arrays.

import type { TrainingState } from './types.js';

/** A TrainingState whose arrays are fresh copies. */
export function trainingState(epoch: number, batch: number, sample: number, order: Int32Array | null, rngState: Uint32Array): TrainingState {
  return { epoch, batch, sample, order: order ? Int32Array.from(order) : null, rngState: Uint32Array.from(rngState) };
}

/** A deep copy of `s` (a missing `sample` stays missing: the resuming fit derives it from `batch`). */
export function copyTrainingState(s: TrainingState): TrainingState {
  const c = trainingState(s.epoch, s.batch, s.sample ?? 0, s.order, s.rngState);
  if (s.sample === undefined) delete c.sample;
  return c;
}
