// Training: `fit` is the epoch loop (resume, shuffling, stopping, divergence, validation, logs)
// around `trainBatch`, one step on one batch, which is the whole of the numeric work.
//
// The training set is copied into the arena once per fit (plan.data) and each epoch's order with
// it, so a step gathers its rows inside the backend and the loop allocates nothing per batch.

import { DivergenceError, InputError } from '../errors.js';
import { Rng } from '../rng.js';
import { checkPositiveInt } from '../validate.js';
import type { Core } from './core.js';
import { EVAL_CHUNK } from './core.js';
import { backwardAndUpdate, callsPerStep, countCorrect, forward, outputLoss } from './passes.js';
import { trainingState } from './state.js';
import type { BatchLog, EpochLog, FitOptions, FitResult } from './types.js';
import type { Network } from './network.js';

/** What one step did; one object is reused for every step of a fit. */
export interface StepOutcome {
  /** summed loss over the batch (before the update) */
  loss: number;
  correct: number;
  /** elements whose update was not finite and was not applied */
  refused: number;
}

/** One step on rows [start, start + B) of the epoch's order: gather, forward, loss and accuracy,
 * backward and update. When the loss is not finite it stops before the backward pass, so the
 * parameters keep their values. */
export function trainBatch(c: Core, start: number, B: number, out: StepOutcome): StepOutcome {
  const p = c.plan, k = c.k, data = p.data!;
  const idx = data.order + 4 * start;
  k.gather_rows(p.acts[0], data.x, idx, B, c.inputs);
  if (c.head.labels) k.gather_i32(p.targets, data.y, idx, B);
  else k.gather_rows(p.targets, data.y, idx, B, data.targetWidth);
  forward(c, B);
  out.loss = outputLoss(c, B, true);
  out.correct = 0;
  out.refused = 0;
  if (!Number.isFinite(out.loss)) return out;
  out.correct = countCorrect(c, B);
  out.refused = backwardAndUpdate(c, B);
  return out;
}

/** Mean loss and accuracy over a dataset already checked, in chunks of the plan's capacity. */
export function evaluateChecked(c: Core, x: Float32Array, y: Int32Array | Float32Array, n: number): { loss: number; accuracy: number | null } {
  let loss = 0, correct = 0;
  const cap = c.plan.capacity;
  for (let s = 0; s < n; s += cap) {
    const B = Math.min(cap, n - s);
    c.loadRows(x, y, s, B);
    forward(c, B);
    loss += outputLoss(c, B, true);
    correct += countCorrect(c, B);
  }
  return c.summarize(loss, correct, n);
}

/** Copies the training set into the arena (planned for it and for the batch size). */
function residentData(c: Core, x: Float32Array, y: Int32Array | Float32Array, n: number, bs: number) {
  const plan = c.replan(Math.max(bs, EVAL_CHUNK, c.plan.capacity), n);
  const data = plan.data!;
  c.f32(data.x, n * c.inputs).set(x);
  if (y instanceof Int32Array) c.i32(data.y, n).set(y); else c.f32(data.y, n * c.targetWidth).set(y);
  return data;
}

const yieldToEventLoop = () => new Promise((r) => setTimeout(r, 0));

/** Trains on (x, y); see Network.fit. The kernels' workers (if any) are started before and
 * released after, however the fit ends. */
export async function fit(c: Core, net: Network, x: Float32Array, y: ArrayLike<number>, options: FitOptions | null = {}): Promise<FitResult> {
  await c.k.prepare?.();
  try {
    return await runEpochs(c, net, x, y, options ?? {});
  } finally {
    await c.k.release?.();
  }
}

async function runEpochs(c: Core, net: Network, x: Float32Array, y: ArrayLike<number>, options: FitOptions): Promise<FitResult> {
  const epochs = checkPositiveInt('epochs', options.epochs ?? 1, 0);
  const batchSize = checkPositiveInt('batchSize', options.batchSize ?? 32, 1);
  const shuffle = options.shuffle ?? true;
  const d = c.checkData(x, y, '');
  const val = options.validation ? c.checkData(options.validation.x, options.validation.y, 'validation.') : null;
  const n = d.n;
  const bs = Math.min(batchSize, n);
  const data = residentData(c, d.x, d.y, n, bs);

  // Continue from the given state, or from where the last fit() left off on data of this size:
  // fit({epochs: 1}) twice trains exactly like fit({epochs: 2}).
  const st = options.resume ?? c.trainState;
  if (options.resume?.order && options.resume.order.length !== n) {
    throw new InputError(`resume.order has ${options.resume.order.length} entries but the dataset has ${n} samples: resume with the same data`);
  }
  const continuing = st.order !== null && st.order.length === n;
  const order = continuing ? Int32Array.from(st.order!) : Int32Array.from({ length: n }, (_, i) => i);
  if (options.resume) c.rng = new Rng(options.resume.rngState);
  const firstEpoch = st.epoch;
  let firstSample = continuing ? Math.min(st.sample ?? st.batch * bs, n) : 0;

  const batches = Math.ceil(n / bs);
  const history: FitResult = [];
  const batchLog: BatchLog = { epoch: 0, batch: 0, batches, loss: 0, accuracy: null, size: 0 };
  const step: StepOutcome = { loss: 0, correct: 0, refused: 0 };
  const lr = c.opt.learningRate;
  let lastYield = performance.now();
  c.callsPerBatch = callsPerStep(c);

  for (let e = firstEpoch; e < firstEpoch + epochs; e++) {
    // stopped before this epoch drew its order: the state stays at the end of the last one
    if (options.signal?.aborted) { history.stopped = true; return history; }
    // a fresh epoch reshuffles the previous order; a resumed one keeps the order it was cut in
    if (firstSample === 0 && shuffle) c.rng.shuffle(order);
    c.i32(data.order, n).set(order);
    const firstBatch = Math.ceil(firstSample / bs);
    c.trainState = trainingState(e, firstBatch, firstSample, order, c.rng.state);
    let lossSum = 0, correct = 0, seen = 0;
    const t0 = performance.now();
    for (let b = firstBatch, start = firstSample; start < n; b++, start += bs) {
      const B = Math.min(bs, n - start);
      trainBatch(c, start, B, step);
      if (!Number.isFinite(step.loss)) {
        c.trainState.batch = b;
        c.trainState.sample = start;
        throw new DivergenceError(`training diverged at epoch ${e + 1}, batch ${b + 1}/${batches}: the loss is ${step.loss}. The parameters keep their last finite values; lower the learning rate (now ${lr}) or normalise the inputs`, e + 1, b + 1);
      }
      if (step.refused > 0) {
        c.trainState.batch = b + 1;
        c.trainState.sample = start + B;
        throw new DivergenceError(`training diverged at epoch ${e + 1}, batch ${b + 1}/${batches}: the update of ${step.refused} parameters was not finite and was not applied. Lower the learning rate (now ${lr})`, e + 1, b + 1);
      }
      lossSum += step.loss;
      correct += step.correct;
      seen += B;
      if (options.onBatchEnd) {
        const m = c.summarize(step.loss, step.correct, B);
        batchLog.epoch = e + 1; batchLog.batch = b + 1; batchLog.loss = m.loss; batchLog.accuracy = m.accuracy; batchLog.size = B;
        options.onBatchEnd(batchLog);
      }
      // yield to the event loop now and then: signals (Ctrl-C) and timers stay responsive
      const now = performance.now();
      if (now - lastYield > 100) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (options.signal?.aborted && start + B < n) {
        c.trainState.batch = b + 1;
        c.trainState.sample = start + B;
        history.stopped = true;
        return history;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const s = c.summarize(lossSum, correct, seen);
    const log: EpochLog = { epoch: e + 1, loss: s.loss, trainAccuracy: s.accuracy, samplesPerSecond: seen / seconds, seconds };
    if (val) {
      const v = evaluateChecked(c, val.x, val.y, val.n);
      log.validationLoss = v.loss;
      log.validationAccuracy = v.accuracy;
    }
    firstSample = 0;
    c.trainState = trainingState(e + 1, 0, 0, order, c.rng.state);
    history.push(log);
    if (options.onEpochEnd) await options.onEpochEnd(log, net);
    if (options.signal?.aborted) { history.stopped = true; return history; }
  }
  return history;
}
