// Training state: where a run is (epoch, progress in the epoch, the epoch's order or a streamed
// run's geometry, the PRNG), kept as copies so that nothing a caller holds aliases the network's
// own arrays.

import type { TrainingState } from './types.js';
import { copyEarlyStopping } from './early-stopping.js';

/** A TrainingState whose arrays are fresh copies. */
export function trainingState(epoch: number, batch: number, sample: number, order: Int32Array | null, rngState: Uint32Array): TrainingState {
  return { epoch, batch, sample, order: order ? Int32Array.from(order) : null, rngState: Uint32Array.from(rngState) };
}

/** A deep copy of `s` (a missing `sample` stays missing: the resuming fit derives it from `batch`). */
export function copyTrainingState(s: TrainingState): TrainingState {
  const c = trainingState(s.epoch, s.batch, s.sample ?? 0, s.order, s.rngState);
  if (s.sample === undefined) delete c.sample;
  if (s.stream) c.stream = { chunkRows: s.stream.chunkRows, windowChunks: s.stream.windowChunks };
  return withRecipe(c, s);
}

/** `t` with copies of the learning-rate schedule's and early stopping's state of `from`. */
export function withRecipe(t: TrainingState, from: Pick<TrainingState, 'lrSchedule' | 'earlyStopping'>): TrainingState {
  if (from.lrSchedule) t.lrSchedule = { schedule: { ...from.lrSchedule.schedule }, stepsPerEpoch: from.lrSchedule.stepsPerEpoch, totalSteps: from.lrSchedule.totalSteps };
  if (from.earlyStopping) t.earlyStopping = copyEarlyStopping(from.earlyStopping);
  return t;
}
