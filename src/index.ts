// wasm-mlp: the library's public entry. Nothing here imports a Node built-in, so the same module
// runs in Node, browsers and workers; file and dataset loaders live under src/node/.

export { createNetwork, Network } from './network/network.js';
export type { NetworkOptions, FitOptions, FitResult, EpochLog, BatchLog, TrainingState, OptimizerState, StreamGeometry } from './network/types.js';
export type { DataSource, SourcePiece } from './data/source.js';
export { isDataSource } from './data/source.js';
export { arraySource, iterableSource, readableStreamSource } from './data/sources.js';
export type { SourceInfo } from './data/sources.js';
export { idxStreamSource } from './data/idx-stream.js';
export type { IdxStreamOptions, ByteStreamFactory } from './data/idx-stream.js';
export { toCheckpoint, restoreNetwork } from './network/checkpoint.js';
export { LR_SCHEDULES, learningRateAt, scheduleProblem } from './network/schedule.js';
export type { LrSchedule, LrScheduleName, LrScheduleState } from './network/schedule.js';
export { MONITORS } from './network/early-stopping.js';
export type { EarlyStopping, EarlyStoppingState, Monitor } from './network/early-stopping.js';
export { trainInWorker } from './workers/train-in-worker.js';
export type { TrainJob, TrainData, TrainResult, TrainProgress, WorkerFitOptions } from './workers/train-in-worker.js';
export { configureWorkers } from './workers/urls.js';
export type { WorkerUrls } from './workers/urls.js';
export type { Checkpoint, CheckpointExtras, RestoreOptions } from './network/checkpoint.js';
export type { Architecture, Parameters, Hidden, Output, BackendName, OptimizerName, OptimizerConfig, Normalizer, NormalizerKind, Dataset, DatasetSplits, Targets, ByteFeatures, Features } from './types.js';
export { HIDDEN, OUTPUTS, OPTIMIZERS, NORMALIZERS, ACT, LEAKY_RELU_SLOPE, architectureProblem, optimizerProblem } from './vocabulary.js';
export { createKernels, bestBackend, BACKENDS } from './backend/select.js';
export type { WasmSources, KernelOptions } from './backend/select.js';
export { ThreadedKernels } from './backend/threaded.js';
export { AUTO_THREADS_CAP } from './backend/threads/choose.js';
export type { Kernels } from './backend/kernels.js';
export type { WeightLayout } from './backend/layout.js';
export { JsKernels } from './backend/js.js';
export { hasSimd, hasRelaxedSimd } from './backend/features.js';
export { planArena } from './arena.js';
export type { ArenaPlan } from './arena.js';
export { Rng } from './rng.js';
export * from './errors.js';
export type { RecipeOptions } from './network/recipe.js';
export { dropoutKey, dropoutRowKey, dropoutBits, dropoutThreshold, dropoutScale } from './backend/dropout-bits.js';
