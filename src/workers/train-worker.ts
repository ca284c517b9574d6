// trainInWorker's worker: builds the network (or restores it from a checkpoint), trains with the
// caller's fit options, sends progress (throttled), notices and the result, and stops at the next
// batch when told to cancel. Runs under Node's worker_threads and as a browser module worker; in
// a worker the multi-core engine may block in Atomics.wait, so `threads` works here even where a
// page's main thread could only spin.

import { createNetwork } from '../network/network.js';
import { restoreNetwork, toCheckpoint } from '../network/checkpoint.js';
import type { BatchLog, EpochLog } from '../network/types.js';
import type { Network } from '../network/network.js';
import { checkpointBuffers, serializeError, type FromWorker, type StartMessage, type ToWorker, type TrainProgress } from './messages.js';
import { importNode, isNode } from '../runtime.js';
import { Throttle } from './throttle.js';

type Post = (m: FromWorker, transfer?: ArrayBuffer[]) => void;

async function run(start: StartMessage, post: Post, signal: AbortSignal): Promise<void> {
  const onNotice = (message: string) => post({ type: 'notice', message });
  let net: Network | null = null;
  try {
    net = start.checkpoint
      ? await restoreNetwork(start.checkpoint, { backend: start.options.backend, threads: start.options.threads, onNotice })
      : await createNetwork({ ...start.options, onNotice });
    post({ type: 'ready', backend: net.backend, threads: net.threads });
    const epochs = start.fit.epochs ?? 1;
    const firstEpoch = net.getTrainingState().epoch;
    const throttle = new Throttle(start.progressRate);
    // the epoch's clock starts when fit starts and again when an epoch ends (the next one starts
    // right after onEpochEnd), so even the first batch's progress has a true samples/s
    let seen = 0, correct = 0, epochStart = performance.now(), epochOf = -1;
    const progress = (kind: TrainProgress['kind'], b: BatchLog | null, log?: EpochLog): TrainProgress => ({
      kind, epoch: b?.epoch ?? log!.epoch, epochs: firstEpoch + epochs, batch: b?.batch ?? 0, batches: b?.batches ?? 0,
      loss: log ? log.loss : b!.loss, accuracy: log ? log.trainAccuracy : b!.accuracy === null ? null : correct / seen,
      samplesPerSecond: log ? log.samplesPerSecond : seen / ((performance.now() - epochStart) / 1000), ...(log ? { log } : {}),
    });
    const history = await net.fit(start.x, start.y, {
      ...start.fit,
      // progress is posted per batch but nothing acts on a batch: let jobs run many steps
      stepsPerExecution: start.fit.stepsPerExecution ?? 'auto',
      validation: start.validation,
      signal,
      onBatchEnd(b) {
        if (b.epoch !== epochOf) { epochOf = b.epoch; seen = 0; correct = 0; }
        seen += b.size;
        if (b.accuracy !== null) correct += b.accuracy * b.size;
        if (throttle.pass(performance.now())) post({ type: 'progress', progress: progress('batch', b) });
      },
      onEpochEnd(log) {
        post({ type: 'progress', progress: progress('epoch', null, log) });
        epochStart = performance.now();
      },
    });
    const checkpoint = toCheckpoint(net, { history: [...history] });
    const { stoppedEarly, bestEpoch, keptEpoch } = history;
    const earlyStopping = stoppedEarly === undefined ? undefined : { stoppedEarly, bestEpoch, keptEpoch };
    post({ type: 'done', history: [...history], stopped: history.stopped === true, checkpoint, earlyStopping }, checkpointBuffers(checkpoint));
  } catch (e) {
    post({ type: 'error', error: serializeError(e) });
  } finally {
    await net?.dispose();
  }
}

/** Wires the worker to its messages: one 'start', then any number of 'cancel'. */
function serve(post: Post, listen: (handler: (m: ToWorker) => void) => void): void {
  const controller = new AbortController();
  let started = false;
  listen((m) => {
    if (m.type === 'cancel') controller.abort();
    else if (m.type === 'start' && !started) {
      started = true;
      void run(m, post, controller.signal);
    }
  });
}

if (isNode) {
  const { parentPort } = await importNode<typeof import('node:worker_threads')>('node:worker_threads');
  if (parentPort) {
    const port = parentPort;
    serve((m, transfer) => port.postMessage(m, transfer ?? []), (h) => port.on('message', h));
  }
} else {
  const scope = globalThis as unknown as { postMessage(m: unknown, t?: Transferable[]): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
  serve((m, transfer) => scope.postMessage(m, transfer ?? []), (h) => { scope.onmessage = (e) => h(e.data); });
}
