// Public types of the network API: options, the per-epoch and per-batch logs, the training and
// optimizer state that checkpoints carry.

import type { BackendName } from '../vocabulary.js';
import type { Features, Hidden, OptimizerConfig, OptimizerName, Output } from '../types.js';
import type { WasmSources } from '../backend/select.js';
import type { Network } from './network.js';
import type { RecipeOptions } from './recipe.js';
import type { LrSchedule, LrScheduleState } from './schedule.js';
import type { EarlyStopping, EarlyStoppingState } from './early-stopping.js';

export interface NetworkOptions {
  /** sizes of all layers, input first, e.g. [784, 128, 10]; any number of hidden layers */
  layers: number[];
  hidden?: Hidden;
  output?: Output;
  optimizer?: OptimizerConfig | OptimizerName;
  /** seeds initialisation and shuffling; the same seed on the same backend gives identical runs (default 1) */
  seed?: number;
  /** 'auto' (default) picks relaxed, simd, scalar in that order of preference */
  backend?: BackendName | 'auto';
  /** override where each wasm binary comes from (bytes, compiled module or base64) */
  wasm?: WasmSources;
  /** cores to train on: 1 (default), a count, or 'auto' (the available cores, capped where
   * scaling stops). More than 1 needs a SIMD wasm backend and SharedArrayBuffer (a browser page
   * must be cross-origin isolated; without it the network runs on 1 thread, with a notice).
   * Results are bit-identical for every thread count. */
  threads?: 'auto' | number;
  /** receives notices such as a fallback to one thread (default: console.warn, once per message) */
  onNotice?: (message: string) => void;
}

export interface EpochLog {
  epoch: number;
  /** mean training loss over the epoch's batches (as trained, so with the weights of each step) */
  loss: number;
  /** running accuracy over the epoch's batches, null for a linear output */
  trainAccuracy: number | null;
  validationLoss?: number;
  validationAccuracy?: number | null;
  samplesPerSecond: number;
  /** training time of the epoch (validation excluded) */
  seconds: number;
  /** the learning rate of the epoch's last step (the schedule's value; the kernels use its f32 rounding) */
  learningRate: number;
}

export interface BatchLog {
  epoch: number;
  batch: number;
  batches: number;
  /** mean loss of the batch */
  loss: number;
  /** accuracy on the batch (before its update), null for a linear output */
  accuracy: number | null;
  size: number;
  /** a streamed epoch: samples and bytes read from the source so far in this epoch (absent when
   * the training set is resident) */
  samplesRead?: number;
  bytesRead?: number;
}

export interface FitOptions extends RecipeOptions {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  validation?: { x: Features; y: ArrayLike<number> };
  onEpochEnd?: (log: EpochLog, net: Network) => void | Promise<void>;
  /** called after every batch with one reused object: copy what you keep */
  onBatchEnd?: (log: BatchLog) => void;
  /** batches per engine job (Keras `steps_per_execution`): a count from 1 to 256, or 'auto' (jobs
   * grown until one takes about 10 ms). Default 'auto', or 1 when onBatchEnd is given. With more
   * than 1, onBatchEnd is called for each batch of a job, in order, once the job ends: the network
   * has then trained up to the job's last batch. A signal stops at a job's end. */
  stepsPerExecution?: number | 'auto';
  /** stop at the next batch boundary; the training state then says where to resume */
  signal?: AbortSignal;
  /** bounds the arena (wasm memory) in bytes: a training set that does not fit with the network
   * streams through a window of chunks instead (docs/STREAMING.md); default: no bound but wasm32's */
  maxMemory?: number;
  /** rows per chunk of a streamed training set (default: about 1 MiB of features, at least a
   * batch); the window holds whole chunks */
  chunkRows?: number;
  /** continue a run: the state from getTrainingState() (epoch, batch, order) */
  resume?: TrainingState;
  /** the learning rate per optimizer step (schedule.ts): 'constant' | 'step' (PyTorch StepLR) |
   * 'exponential' (PyTorch ExponentialLR) | 'cosine' (Keras CosineDecay) | 'onecycle' (PyTorch
   * OneCycleLR), with an optional linear warm-up. The base rate is the optimizer's learning rate;
   * the run's length is fixed by the fit that starts the schedule (its last epoch × steps per
   * epoch) and kept by resumed and continued fits with the same schedule. */
  lrSchedule?: LrSchedule;
  /** stop when the validation figure stops improving (Keras EarlyStopping; needs `validation`) */
  earlyStopping?: EarlyStopping;
}

export interface FitResult extends Array<EpochLog> {
  /** the signal stopped the fit */
  stopped?: boolean;
  /** with earlyStopping: whether it stopped the run */
  stoppedEarly?: boolean;
  /** with earlyStopping: the 1-based epoch with the best monitored value (0: none monitored yet) */
  bestEpoch?: number;
  /** with earlyStopping: the epoch whose parameters the network holds at the end (the best one
   * when it stopped with restoreBestWeights, else the last one trained) */
  keptEpoch?: number;
}

/** Where a run is: completed epochs, progress within the current epoch, that epoch's order, PRNG. */
export interface TrainingState {
  epoch: number;
  /** batches of the current epoch done (for messages) */
  batch: number;
  /** samples of the current epoch done: where a resumed epoch continues, whatever the batch size
   * (when absent, batch × the batch size of the resuming fit) */
  sample?: number;
  order: Int32Array | null;
  rngState: Uint32Array;
  /** a streamed run: its chunk size and window (in chunks). order is then null and rngState is
   * the PRNG at the start of the current epoch, from which the epoch's order is drawn again */
  stream?: StreamGeometry;
  /** the learning-rate schedule in force and the run's length in steps (its position is the optimizer step) */
  lrSchedule?: LrScheduleState;
  /** early stopping's best value, epoch, wait and best parameters */
  earlyStopping?: EarlyStoppingState;
}

/** How a streamed epoch is cut: chunks of chunkRows rows, windowChunks chunks resident at a time. */
export interface StreamGeometry { chunkRows: number; windowChunks: number }

export interface OptimizerState {
  step: number;
  /** state tensors in the documented layout, e.g. 'velocity.layers.0.weight', 'm.layers.1.bias' */
  tensors: Record<string, Float32Array>;
}
