// trainInWorker: training off the calling thread, so a page never freezes and a server's event
// loop stays free. One worker per job (a Web Worker, or Node's worker_threads); progress arrives
// as events and through an optional callback, throttled; cancel() stops at the next batch and the
// job resolves with what was done; errors arrive as the classes they were thrown as.
//
// Data crosses by transfer, not by copy: the ArrayBuffers behind x and y (and the validation
// arrays) move to the worker and are detached in the caller (length 0) — pass `copy: true` to
// keep them. The result's parameters and checkpoint are transferred back.

import { InputError } from '../errors.js';
import type { Checkpoint } from '../network/checkpoint.js';
import type { EpochLog, FitOptions, FitResult, NetworkOptions } from '../network/types.js';
import type { BackendName } from '../vocabulary.js';
import type { Features, Parameters } from '../types.js';
import { isByteFeatures } from '../validate.js';
import { nodeWorkerTarget } from '../backend/threads/spawn.js';
import { deserializeError, transferables, type FromWorker, type StartMessage, type ToWorker, type TrainProgress } from './messages.js';
import { trainWorkerUrl } from './urls.js';
import { importNode, isNode } from '../runtime.js';

export type { TrainProgress };

type Labels = Uint8Array | Int32Array | Float32Array;

export interface TrainData {
  /** (n, inputs) sample-major: float32 values, or bytes with their divisor (ByteFeatures) */
  x: Features;
  /** class labels (softmax) or (n, outputs) targets */
  y: Labels;
  validation?: { x: Features; y: Labels };
}

export interface WorkerFitOptions extends Omit<FitOptions, 'onEpochEnd' | 'onBatchEnd' | 'signal' | 'validation' | 'resume'> {
  /** called with every progress event */
  onProgress?: (p: TrainProgress) => void;
  /** batch progress messages per second, at most (default 30; Infinity: after every batch). The
   * first batch always reports; epochs always report. */
  progressRate?: number;
  /** copy the data instead of transferring (and detaching) its buffers */
  copy?: boolean;
  /** continue this run (toCheckpoint, or a decoded checkpoint file) instead of starting afresh */
  checkpoint?: Checkpoint;
  /** stops the job like cancel() */
  signal?: AbortSignal;
}

export interface TrainResult {
  /** one log per epoch; `stopped` when cancelled */
  history: FitResult;
  /** the trained parameters, W as (n_out, n_in) row-major */
  parameters: Parameters;
  /** everything to continue the run: restoreNetwork(checkpoint), or encodeCheckpoint to save it */
  checkpoint: Checkpoint;
  backend: BackendName;
  threads: number;
}

export interface TrainJob {
  /** 'progress' events (CustomEvent, detail: TrainProgress) and 'notice' events (detail: string) */
  readonly events: EventTarget;
  /** resolves when training ends (cancelled included); rejects with the error thrown in the worker */
  readonly done: Promise<TrainResult>;
  /** stops at the next batch; `done` then resolves with the epochs so far */
  cancel(): void;
}

interface Port {
  post(m: ToWorker, transfer: ArrayBuffer[]): void;
  terminate(): void;
}

async function openPort(onMessage: (m: FromWorker) => void, onFailure: (e: Error) => void): Promise<Port> {
  const url = trainWorkerUrl();
  if (isNode) {
    const { Worker } = await importNode<typeof import('node:worker_threads')>('node:worker_threads');
    const w = new Worker(nodeWorkerTarget(url), { execArgv: [] });
    w.on('message', onMessage);
    w.on('error', onFailure);
    w.on('exit', (code) => onFailure(new Error(`the training worker exited (code ${code}) before it finished`)));
    return { post: (m, t) => w.postMessage(m, t), terminate: () => { void w.terminate(); } };
  }
  const W = (globalThis as { Worker?: new (u: URL | string, o: { type: 'module' }) => Worker }).Worker;
  if (!W) throw new Error('trainInWorker needs Worker (a browser) or worker_threads (Node)');
  const w = new W(url, { type: 'module' });
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  w.onerror = (e) => onFailure(new Error(`the training worker failed: ${e.message || 'could not load its script'}`));
  return { post: (m, t) => w.postMessage(m, t), terminate: () => w.terminate() };
}

/** A Float32Array, or bytes in a typed array: what can cross to the worker (the worker's fit
 * checks the rest, and its errors come back as the same classes). */
const isFeatures = (x: unknown): x is Features => x instanceof Float32Array || (isByteFeatures(x) && ArrayBuffer.isView(x.bytes));

function checkData(d: TrainData): void {
  if (!d || !isFeatures(d.x)) throw new InputError('trainInWorker: data.x must be a Float32Array (n × inputs, sample-major) or { bytes, divisor, normalizer? }');
  if (!ArrayBuffer.isView(d.y)) throw new InputError('trainInWorker: data.y must be a typed array (Uint8Array or Int32Array labels, or Float32Array targets)');
  if (d.validation && (!isFeatures(d.validation.x) || !ArrayBuffer.isView(d.validation.y))) {
    throw new InputError('trainInWorker: data.validation must be { x: Float32Array or { bytes, divisor }, y: typed array }');
  }
}

/** The typed arrays behind features: the floats, or the bytes and the normaliser's vectors. */
const featureViews = (x: Features | undefined): (ArrayBufferView | undefined)[] =>
  x === undefined ? [] : isByteFeatures(x) ? [x.bytes, x.normalizer?.offset, x.normalizer?.scale] : [x];

/** A copy of features that shares no buffer with the caller's. */
function copyFeatures(x: Features): Features {
  if (!isByteFeatures(x)) return x.slice();
  const n = x.normalizer;
  return { bytes: x.bytes.slice(), divisor: x.divisor, ...(n ? { normalizer: { ...n, offset: n.offset.slice(), scale: n.scale.slice() } } : {}) };
}

/** Trains a network like createNetwork(options) + fit(x, y, fitOptions), in a worker. */
export function trainInWorker(options: NetworkOptions, data: TrainData, fitOptions: WorkerFitOptions = {}): TrainJob {
  const events = new EventTarget();
  let port: Port | null = null;
  let settled = false;
  let cancelled = false;
  const cancel = () => { cancelled = true; port?.post({ type: 'cancel' }, []); };
  const done = new Promise<TrainResult>((resolve, reject) => {
    const finish = (f: () => void) => { if (settled) return; settled = true; port?.terminate(); f(); };
    let meta = { backend: 'js' as BackendName, threads: 1 };
    const onMessage = (m: FromWorker) => {
      switch (m.type) {
        case 'ready': meta = { backend: m.backend as BackendName, threads: m.threads }; break;
        case 'progress':
          fitOptions.onProgress?.(m.progress);
          events.dispatchEvent(new CustomEvent('progress', { detail: m.progress }));
          break;
        case 'notice':
          if (!events.dispatchEvent(new CustomEvent('notice', { detail: m.message, cancelable: true }))) break;
          if (options.onNotice) options.onNotice(m.message); else console.warn(m.message);
          break;
        case 'done': {
          const history: FitResult = Object.assign([...m.history] as EpochLog[], m.stopped ? { stopped: true } : {}, m.earlyStopping ?? {});
          finish(() => resolve({ history, parameters: m.checkpoint.model.parameters, checkpoint: m.checkpoint, ...meta }));
          break;
        }
        case 'error': finish(() => reject(deserializeError(m.error))); break;
      }
    };
    // Take the data now: transferred (the caller's buffers are detached when this returns; views
    // sharing a buffer stay together) or, with copy, sliced.
    checkData(data);
    const payload = { x: data.x, y: data.y, validation: data.validation };
    const slice = <T extends ArrayBufferView>(v: T): T => (v as unknown as { slice(): T }).slice();
    const { x, y, validation } = fitOptions.copy === true
      ? { x: copyFeatures(data.x), y: slice(data.y), validation: data.validation && { x: copyFeatures(data.validation.x), y: slice(data.validation.y) } }
      : structuredClone(payload, { transfer: transferables(...featureViews(data.x), data.y, ...featureViews(data.validation?.x), data.validation?.y) });
    const start = async () => {
      const { onProgress: _p, progressRate, copy: _c, checkpoint, signal, ...fit } = fitOptions;
      const { onNotice: _n, wasm: _w, ...netOptions } = options;
      const msg: StartMessage = { type: 'start', options: netOptions, x, y, validation, fit, checkpoint, progressRate: progressRate ?? 30 };
      port = await openPort(onMessage, (e) => finish(() => reject(e)));
      port.post(msg, transferables(...featureViews(x), y, ...featureViews(validation?.x), validation?.y));
      if (signal) {
        if (signal.aborted) cancel();
        else signal.addEventListener('abort', cancel, { once: true });
      }
      if (cancelled) port.post({ type: 'cancel' }, []);
    };
    start().catch((e) => finish(() => reject(e)));
  });
  return { events, done, cancel };
}
