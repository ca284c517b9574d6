// A network as a checkpoint and back: the model (architecture, parameters, normaliser, metadata)
// with everything a stopped run needs to continue bit for bit (optimizer state and step, epoch,
// samples done in the epoch, its order, the PRNG, the learning-rate schedule's run length, early
// stopping's best value, wait and best parameters; a streamed run's chunk size and window). io/checkpoint.ts encodes and decodes the file.

import type { CheckpointState } from '../io/checkpoint.js';
import type { ModelContents } from '../io/model-file.js';
import type { Normalizer } from '../types.js';
import type { WasmSources } from '../backend/select.js';
import type { BackendName } from '../vocabulary.js';
import { createNetwork, type Network } from './network.js';
import type { TrainingState } from './types.js';

export interface Checkpoint {
  model: ModelContents;
  state: CheckpointState;
}

export interface CheckpointExtras {
  normalizer?: Normalizer;
  /** caller metadata (strings), e.g. the dataset's name */
  metadata?: Record<string, string>;
  /** the run's per-epoch logs, kept with the checkpoint */
  history?: unknown[];
}

/** Everything needed to continue `net`'s run later: pass it to encodeCheckpoint to write a file. */
export function toCheckpoint(net: Network, extras: CheckpointExtras = {}): Checkpoint {
  const st = net.getTrainingState();
  const opt = net.getOptimizerState();
  const model: ModelContents = { architecture: net.architecture, parameters: net.getParameters() };
  if (extras.normalizer) model.normalizer = extras.normalizer;
  if (extras.metadata) model.metadata = extras.metadata;
  const state: CheckpointState = {
    epoch: st.epoch,
    batch: st.batch,
    optimizer: { ...net.optimizer },
    optimizerStep: opt.step,
    optimizerTensors: opt.tensors,
    rngState: st.rngState,
    seed: net.seed,
  };
  if (st.sample !== undefined) state.sample = st.sample;
  if (st.order) state.order = st.order;
  if (st.lrSchedule) state.lrSchedule = st.lrSchedule;
  if (st.earlyStopping) state.earlyStopping = st.earlyStopping;
  if (st.stream) state.stream = st.stream;
  if (extras.history) state.history = extras.history;
  return { model, state };
}

export interface RestoreOptions {
  backend?: BackendName | 'auto';
  wasm?: WasmSources;
  /** as in createNetwork: any thread count continues a run bit for bit */
  threads?: 'auto' | number;
  onNotice?: (message: string) => void;
}

/** A network in the checkpoint's state: parameters, optimizer state and step, and where training
 * stands, so that its next fit() on the same data continues the run exactly. */
export async function restoreNetwork(ck: Checkpoint, options: RestoreOptions = {}): Promise<Network> {
  const { model, state } = ck;
  const net = await createNetwork({ ...model.architecture, optimizer: state.optimizer, seed: state.seed, backend: options.backend, wasm: options.wasm, threads: options.threads, onNotice: options.onNotice });
  net.setParameters(model.parameters);
  net.setOptimizerState({ step: state.optimizerStep, tensors: state.optimizerTensors });
  const training: TrainingState = { epoch: state.epoch, batch: state.batch ?? 0, order: state.order ?? null, rngState: state.rngState };
  if (state.sample !== undefined) training.sample = state.sample;
  if (state.lrSchedule) training.lrSchedule = state.lrSchedule;
  if (state.earlyStopping) training.earlyStopping = state.earlyStopping;
  if (state.stream) training.stream = state.stream;
  net.setTrainingState(training);
  return net;
}
