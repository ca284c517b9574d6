// Training checkpoints: a model file (model-file.ts) plus the state needed to resume exactly.
// Extra tensors: optimizer.<name> F32 (moments, velocities), rng.state U32, data.order I32
// (optional). Extra __metadata__: kind "checkpoint", epoch, optimizer (JSON of OptimizerConfig),
// optimizer_step, sample and batch (progress in the epoch, optional), history (JSON array,
// optional). A checkpoint also opens with decodeModel. Pure.
// Checkpoints written before `sample` existed kept the batches done as caller metadata
// `train_batch`; they still load, with that count as `batch`.
// The training recipe (optional; older checkpoints load without it): __metadata__.lr_schedule
// (JSON {schedule, stepsPerEpoch, totalSteps}), __metadata__.early_stopping (JSON {config, best
// (a string: it may be ±Infinity), bestEpoch, wait, stoppedEpoch}) and its best parameters as F32
// tensors early_stopping.layers.{l}.weight (n_out, n_in) and early_stopping.layers.{l}.bias.
// A streamed run (optional; absent for a resident training set and in older files): its geometry
// as __metadata__.stream_chunk_rows and stream_window_chunks, both positive integers, always both.

import { InputError, ModelFileError } from '../errors.js';
import type { OptimizerConfig } from '../types.js';
import type { StreamGeometry } from '../network/types.js';
import { optimizerProblem } from '../vocabulary.js';
import { checkSchedule, type LrScheduleState } from '../network/schedule.js';
import { checkEarlyStopping, type EarlyStoppingState } from '../network/early-stopping.js';
import { decodeSafetensors, encodeSafetensors, type DecodedSafetensors, type TensorIn } from './safetensors.js';
import {
  CHECKPOINT_METADATA_KEYS, CHECKPOINT_TENSORS, MODEL_METADATA_KEYS,
  modelFromSafetensors, modelMetadata, modelTensors, type DecodedModel, type ModelContents,
} from './model-file.js';

export interface CheckpointState {
  /** epochs completed */
  epoch: number;
  optimizer: OptimizerConfig;
  /** optimizer updates done so far (Adam's bias correction needs it) */
  optimizerStep: number;
  optimizerTensors: Record<string, Float32Array>;
  rngState: Uint32Array;
  /** the sample order of the epoch in progress, if any */
  order?: Int32Array;
  /** samples of the epoch in progress done (absent: derive it from `batch` and the batch size) */
  sample?: number;
  /** batches of the epoch in progress done */
  batch?: number;
  history?: unknown[];
  /** the seed the network was created with: the dropout masks derive from it (absent in files
   * written before dropout: such a run resumes with seed 1's masks) */
  seed?: number;
  /** the learning-rate schedule and the run's length (its position is optimizerStep) */
  lrSchedule?: LrScheduleState;
  /** early stopping's progress and best parameters */
  earlyStopping?: EarlyStoppingState;
  /** a streamed run's chunk size and window: resuming cuts the epoch the same way */
  stream?: StreamGeometry;
}

export interface DecodedCheckpoint {
  model: DecodedModel;
  state: CheckpointState;
}

const RESERVED = [...MODEL_METADATA_KEYS, ...CHECKPOINT_METADATA_KEYS];
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
/** StreamGeometry's fields and their metadata keys, in the order they are written. */
const STREAM_KEYS = [['chunkRows', 'stream_chunk_rows'], ['windowChunks', 'stream_window_chunks']] as const;

export function encodeCheckpoint(model: ModelContents, state: CheckpointState): Uint8Array {
  const tensors: TensorIn[] = modelTensors(model);
  const meta = modelMetadata(model, RESERVED);
  if (!isCount(state.epoch)) throw new InputError(`encodeCheckpoint: epoch must be a non-negative integer, found ${state.epoch}`);
  if (!isCount(state.optimizerStep)) throw new InputError(`encodeCheckpoint: optimizerStep must be a non-negative integer, found ${state.optimizerStep}`);
  const problem = optimizerProblem(state.optimizer);
  if (problem !== null) throw new InputError(`encodeCheckpoint: invalid optimizer config: ${problem}`);
  for (const [name, data] of Object.entries(state.optimizerTensors)) {
    if (name === '') throw new InputError('encodeCheckpoint: an optimizer tensor has an empty name');
    if (!(data instanceof Float32Array)) throw new InputError(`encodeCheckpoint: optimizerTensors["${name}"] must be a Float32Array`);
    tensors.push({ name: `optimizer.${name}`, dtype: 'F32', shape: [data.length], data });
  }
  if (!(state.rngState instanceof Uint32Array) || state.rngState.length === 0) {
    throw new InputError('encodeCheckpoint: rngState must be a non-empty Uint32Array');
  }
  tensors.push({ name: 'rng.state', dtype: 'U32', shape: [state.rngState.length], data: state.rngState });
  if (state.order !== undefined) {
    if (!(state.order instanceof Int32Array)) throw new InputError('encodeCheckpoint: order must be an Int32Array');
    tensors.push({ name: 'data.order', dtype: 'I32', shape: [state.order.length], data: state.order });
  }
  meta.kind = 'checkpoint';
  meta.epoch = String(state.epoch);
  meta.optimizer = JSON.stringify(state.optimizer);
  meta.optimizer_step = String(state.optimizerStep);
  for (const key of ['sample', 'batch'] as const) {
    const v = state[key];
    if (v === undefined) continue;
    if (!isCount(v)) throw new InputError(`encodeCheckpoint: ${key} must be a non-negative integer, found ${v}`);
    meta[key] = String(v);
  }
  if (state.seed !== undefined) {
    if (typeof state.seed !== 'number' || !Number.isFinite(state.seed)) throw new InputError(`encodeCheckpoint: seed must be a finite number, found ${state.seed}`);
    meta.seed = JSON.stringify(state.seed);
  }
  if (state.lrSchedule !== undefined) {
    const { schedule, stepsPerEpoch, totalSteps } = state.lrSchedule;
    if (!isCount(stepsPerEpoch) || !isCount(totalSteps)) throw new InputError('encodeCheckpoint: lrSchedule.stepsPerEpoch and totalSteps must be non-negative integers');
    meta.lr_schedule = JSON.stringify({ schedule: checkSchedule(schedule), stepsPerEpoch, totalSteps });
  }
  if (state.stream !== undefined) {
    for (const [field, key] of STREAM_KEYS) {
      const v = state.stream[field];
      if (!isCount(v) || v < 1) throw new InputError(`encodeCheckpoint: stream.${field} must be a positive integer, found ${v}`);
      meta[key] = String(v);
    }
  }
  if (state.earlyStopping !== undefined) {
    const { config, best, bestEpoch, wait, stoppedEpoch, bestParameters } = state.earlyStopping;
    if (![bestEpoch, wait, stoppedEpoch].every(isCount)) throw new InputError('encodeCheckpoint: earlyStopping.bestEpoch, wait and stoppedEpoch must be non-negative integers');
    meta.early_stopping = JSON.stringify({ config: checkEarlyStopping(config), best: String(best), bestEpoch, wait, stoppedEpoch });
    if (bestParameters) {
      const best = modelTensors({ architecture: model.architecture, parameters: bestParameters });
      for (const t of best) tensors.push({ ...t, name: `early_stopping.${t.name}` });
    }
  }
  if (state.history !== undefined) {
    if (!Array.isArray(state.history)) throw new InputError('encodeCheckpoint: history must be an array');
    try {
      meta.history = JSON.stringify(state.history);
    } catch (e) {
      throw new InputError(`encodeCheckpoint: history is not JSON-serialisable: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return encodeSafetensors(tensors, meta);
}

export function decodeCheckpoint(bytes: Uint8Array, file?: string): DecodedCheckpoint {
  return checkpointFromSafetensors(decodeSafetensors(bytes, file), file);
}

/** The checkpoint in decoded safetensors (for a caller that has already decoded the file to look
 * at its metadata, e.g. to tell a checkpoint from a model). */
export function checkpointFromSafetensors(st: DecodedSafetensors, file?: string): DecodedCheckpoint {
  const w = file === undefined ? 'checkpoint data' : `checkpoint file ${file}`;
  const fail = (msg: string, offset = 8): never => {
    throw new ModelFileError(`${w}: ${msg}`, { file, offset });
  };
  const meta = st.metadata;
  if (meta.kind !== 'checkpoint') {
    fail(`not a checkpoint: __metadata__.kind is ${meta.kind === undefined ? 'missing' : JSON.stringify(meta.kind)}, expected "checkpoint" (a model file cannot resume training)`);
  }
  const model = modelFromSafetensors(st, file, CHECKPOINT_TENSORS, RESERVED);
  const count = (key: string): number => {
    const s = meta[key];
    if (s === undefined || !/^\d{1,15}$/.test(s)) fail(`__metadata__.${key} must be a non-negative integer, found ${s === undefined ? '(missing)' : JSON.stringify(s.slice(0, 40))}`);
    return Number(s);
  };
  const epoch = count('epoch');
  const optimizerStep = count('optimizer_step');
  const sample = meta.sample === undefined ? undefined : count('sample');
  const legacyBatch = model.metadata.train_batch; // written by the CLI before `batch` existed
  const batch = meta.batch !== undefined ? count('batch') : legacyBatch !== undefined && /^\d{1,15}$/.test(legacyBatch) ? Number(legacyBatch) : undefined;
  const json = (key: string): unknown => {
    try {
      return JSON.parse(meta[key] ?? '');
    } catch {
      return fail(`__metadata__.${key} is not valid JSON: ${meta[key] === undefined ? '(missing)' : JSON.stringify(meta[key].slice(0, 80))}`);
    }
  };
  const optimizer = json('optimizer');
  const problem = optimizerProblem(optimizer);
  if (problem !== null) fail(`invalid optimizer in __metadata__.optimizer: ${problem}`);

  const optimizerTensors: [string, Float32Array][] = [];
  const bestTensors = new Map<string, Float32Array>();
  let rngState: Uint32Array | undefined;
  let order: Int32Array | undefined;
  for (const [name, t] of st.tensors) {
    const expect = (dtype: string): void => {
      if (t.dtype !== dtype) fail(`tensor "${name}" has dtype ${t.dtype}, expected ${dtype}`, t.offset);
      if (t.shape.length !== 1) fail(`tensor "${name}" has shape [${t.shape.join(', ')}], expected one dimension`, t.offset);
    };
    if (name.startsWith('optimizer.')) {
      expect('F32');
      if (name.length === 'optimizer.'.length) fail('tensor "optimizer." has an empty name after the prefix', t.offset);
      optimizerTensors.push([name.slice('optimizer.'.length), t.data as Float32Array]);
    } else if (name === 'rng.state') {
      expect('U32');
      rngState = t.data as Uint32Array;
    } else if (name === 'data.order') {
      expect('I32');
      order = t.data as Int32Array;
    } else if (name.startsWith('early_stopping.')) {
      if (t.dtype !== 'F32') fail(`tensor "${name}" has dtype ${t.dtype}, expected F32`, t.offset);
      bestTensors.set(name.slice('early_stopping.'.length), t.data as Float32Array);
    }
  }
  if (rngState === undefined || rngState.length === 0) fail('missing tensor "rng.state" (expected non-empty U32)');
  const state: CheckpointState = {
    epoch,
    optimizer: optimizer as OptimizerConfig,
    optimizerStep,
    optimizerTensors: Object.fromEntries(optimizerTensors),
    rngState: rngState as Uint32Array,
  };
  if (order !== undefined) state.order = order;
  if (sample !== undefined) state.sample = sample;
  if (batch !== undefined) state.batch = batch;
  if (meta.seed !== undefined) {
    const seed = json('seed');
    if (typeof seed !== 'number' || !Number.isFinite(seed)) fail(`__metadata__.seed must be a finite number, found ${JSON.stringify(meta.seed.slice(0, 40))}`);
    state.seed = seed as number;
  }
  if (meta.lr_schedule !== undefined) {
    const v = json('lr_schedule') as Partial<LrScheduleState> | null;
    if (!v || typeof v !== 'object' || !isCount(v.stepsPerEpoch) || !isCount(v.totalSteps)) fail('__metadata__.lr_schedule must be a JSON object {schedule, stepsPerEpoch, totalSteps}');
    let schedule;
    try { schedule = checkSchedule(v!.schedule); } catch (e) { fail(`__metadata__.lr_schedule: ${(e as Error).message}`); }
    state.lrSchedule = { schedule: schedule!, stepsPerEpoch: v!.stepsPerEpoch!, totalSteps: v!.totalSteps! };
  }
  const streamKeys = STREAM_KEYS.filter(([, key]) => meta[key] !== undefined);
  if (streamKeys.length > 0) {
    const missing = STREAM_KEYS.find(([, key]) => meta[key] === undefined);
    if (missing) fail(`__metadata__.${missing[1]} is missing but ${streamKeys[0][1]} is present: a streamed run's checkpoint records both`);
    const [chunkRows, windowChunks] = STREAM_KEYS.map(([, key]) => {
      const s = meta[key];
      if (!/^[1-9]\d{0,14}$/.test(s)) fail(`__metadata__.${key} must be a positive integer, found ${JSON.stringify(s.slice(0, 40))}`);
      return Number(s);
    });
    state.stream = { chunkRows, windowChunks };
  }
  if (meta.early_stopping !== undefined) {
    const v = json('early_stopping') as Record<string, unknown> | null;
    const best = typeof v?.best === 'string' ? Number(v.best) : NaN;
    if (!v || typeof v !== 'object' || ![v.bestEpoch, v.wait, v.stoppedEpoch].every(isCount) || (Number.isNaN(best) && v.best !== 'NaN')) {
      fail('__metadata__.early_stopping must be a JSON object {config, best, bestEpoch, wait, stoppedEpoch}');
    }
    let config;
    try { config = checkEarlyStopping(v!.config); } catch (e) { fail(`__metadata__.early_stopping: ${(e as Error).message}`); }
    const es: EarlyStoppingState = { config: config!, best, bestEpoch: v!.bestEpoch as number, wait: v!.wait as number, stoppedEpoch: v!.stoppedEpoch as number };
    if (bestTensors.size > 0) {
      const { layers } = model.architecture;
      const weights: Float32Array[] = [], biases: Float32Array[] = [];
      for (let l = 0; l + 1 < layers.length; l++) {
        const w = bestTensors.get(`layers.${l}.weight`), b = bestTensors.get(`layers.${l}.bias`);
        if (!w || w.length !== layers[l] * layers[l + 1] || !b || b.length !== layers[l + 1]) fail(`tensors early_stopping.layers.${l}.weight/bias are missing or not shaped like layers.${l}`);
        weights.push(w!); biases.push(b!);
      }
      if (bestTensors.size !== 2 * (layers.length - 1)) fail(`early_stopping holds ${bestTensors.size} tensors, expected ${2 * (layers.length - 1)} (a weight and a bias per layer)`);
      es.bestParameters = { weights, biases };
    }
    state.earlyStopping = es;
  } else if (bestTensors.size > 0) {
    fail('tensors early_stopping.* are present but __metadata__.early_stopping is not');
  }
  if (meta.history !== undefined) {
    const history = json('history');
    if (!Array.isArray(history)) fail('__metadata__.history must be a JSON array');
    state.history = history as unknown[];
  }
  return { model, state };
}
