// wasm-mlp: the library's public entry. Nothing here imports a Node built-in, so the same module
// runs in Node, browsers and workers; file and dataset loaders live under src/node/.

export { createNetwork, Network } from './network.js';
export type { NetworkOptions, FitOptions, FitResult, EpochLog, BatchLog, TrainingState, OptimizerState } from './network.js';
export type { Architecture, Parameters, Hidden, Output, BackendName, OptimizerName, OptimizerConfig, Normalizer } from './types.js';
export { createKernels, bestBackend, BACKENDS } from './backend/select.js';
export type { Kernels, WeightLayout } from './backend/kernels.js';
export { JsKernels } from './backend/js.js';
export { hasSimd, hasRelaxedSimd } from './wasm/features.js';
export { planArena } from './arena.js';
export type { ArenaPlan } from './arena.js';
export { Rng } from './rng.js';
export * from './errors.js';
