// The messages between trainInWorker (the caller) and its worker (train-worker.ts), and errors
// across the boundary: a WasmMlpError thrown in the worker arrives as the same class with the same
// message and fields (epoch and batch of a DivergenceError, file and offset of a ModelFileError, …).

import {
  ConfigError, DataFormatError, DivergenceError, InputError, ModelFileError, WasmAbortError, WasmMlpError, WorkerError,
} from '../errors.js';
import type { Checkpoint } from '../network/checkpoint.js';
import type { EpochLog, FitOptions, FitResult, NetworkOptions } from '../network/types.js';
import type { Features } from '../types.js';

/** Progress of a job: after batches (at most `progressRate` a second) and after every epoch. */
export interface TrainProgress {
  kind: 'batch' | 'epoch';
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** the last batch's mean loss, or at the end of an epoch the epoch's */
  loss: number;
  /** running accuracy over the epoch's batches so far (null for a linear output) */
  accuracy: number | null;
  /** samples per second over the epoch so far */
  samplesPerSecond: number;
  /** the epoch's log, when kind is 'epoch' */
  log?: EpochLog;
}

type Labels = Uint8Array | Int32Array | Float32Array;

export interface StartMessage {
  type: 'start';
  options: Omit<NetworkOptions, 'onNotice' | 'wasm'>;
  x: Features;
  y: Labels;
  validation?: { x: Features; y: Labels };
  fit: Omit<FitOptions, 'onEpochEnd' | 'onBatchEnd' | 'signal' | 'validation'>;
  checkpoint?: Checkpoint;
  progressRate: number;
}

export type ToWorker = StartMessage | { type: 'cancel' };

export interface SerializedError { name: string; message: string; code?: string; fields: Record<string, unknown> }

export type FromWorker =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'notice'; message: string }
  | { type: 'ready'; backend: string; threads: number }
  | { type: 'done'; history: EpochLog[]; stopped: boolean; checkpoint: Checkpoint; earlyStopping?: Pick<FitResult, 'stoppedEarly' | 'bestEpoch' | 'keptEpoch'> }
  | { type: 'error'; error: SerializedError };

const FIELDS = ['epoch', 'batch', 'worker', 'kernel', 'file', 'offset', 'line', 'column'];

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const fields: Record<string, unknown> = {};
    for (const f of FIELDS) if ((e as unknown as Record<string, unknown>)[f] !== undefined) fields[f] = (e as unknown as Record<string, unknown>)[f];
    return { name: e.name, message: e.message, code: (e as WasmMlpError).code, fields };
  }
  return { name: 'Error', message: String(e), fields: {} };
}

/** The error as the class it was thrown as (plain Error for anything not ours). */
export function deserializeError(s: SerializedError): Error {
  const f = s.fields as Record<string, never>;
  let e: Error;
  switch (s.name) {
    case 'ConfigError': e = new ConfigError(s.message); break;
    case 'InputError': e = new InputError(s.message); break;
    case 'DivergenceError': e = new DivergenceError(s.message, f.epoch, f.batch); break;
    case 'DataFormatError': e = new DataFormatError(s.message, { file: f.file, offset: f.offset, line: f.line, column: f.column }); break;
    case 'ModelFileError': e = new ModelFileError(s.message, { file: f.file, offset: f.offset }); break;
    case 'WasmAbortError': e = new WasmAbortError(s.message); break;
    case 'WorkerError': e = new WorkerError(s.message, f.worker, f.kernel); break;
    case 'WasmMlpError': e = new WasmMlpError(s.code ?? 'E_UNKNOWN', s.message); break;
    default: {
      e = new Error(s.message);
      e.name = s.name;
    }
  }
  return e;
}

/** The ArrayBuffers a message can hand over instead of copying (not shared memory, not twice). */
export function transferables(...arrays: (ArrayBufferView | undefined)[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  return [...out];
}

/** Every ArrayBuffer a checkpoint holds (to transfer it back to the caller). */
export function checkpointBuffers(ck: Checkpoint): ArrayBuffer[] {
  const m = ck.model, s = ck.state;
  return transferables(
    ...m.parameters.weights, ...m.parameters.biases, m.normalizer?.offset, m.normalizer?.scale,
    ...Object.values(s.optimizerTensors), s.rngState, s.order,
  );
}
