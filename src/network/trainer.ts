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
import type { BatchLog, EpochLog, FitOptions, FitResult, TrainingState } from './types.js';
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

/** Where a fit starts: the state given to resume, or where the last fit() left off on data of
 * this size (so fit({epochs: 1}) twice trains exactly like fit({epochs: 2})), or a fresh start. */
function startingPoint(c: Core, resume: TrainingState | undefined, n: number, bs: number) {
  const st = resume ?? c.trainState;
  if (resume?.order && resume.order.length !== n) {
    throw new InputError(`resume.order has ${resume.order.length} entries but the dataset has ${n} samples: resume with the same data`);
  }
  const continuing = st.order !== null && st.order.length === n;
  if (resume) c.rng = new Rng(resume.rngState);
  return {
    order: continuing ? Int32Array.from(st.order!) : Int32Array.from({ length: n }, (_, i) => i),
    firstEpoch: st.epoch,
    firstSample: continuing ? Math.min(st.sample ?? st.batch * bs, n) : 0,
  };
}

/** Throws the DivergenceError of a step whose loss or update was not finite, after recording where
 * training stands (a non-finite loss stops before the update; refused updates after it). */
function checkFinite(c: Core, step: StepOutcome, e: number, b: number, batches: number, start: number, B: number): void {
  const lr = c.opt.learningRate;
  if (!Number.isFinite(step.loss)) {
    c.trainState.batch = b; c.trainState.sample = start;
    throw new DivergenceError(`training diverged at epoch ${e + 1}, batch ${b + 1}/${batches}: the loss is ${step.loss}. The parameters keep their last finite values; lower the learning rate (now ${lr}) or normalise the inputs`, e + 1, b + 1);
  }
  if (step.refused > 0) {
    c.trainState.batch = b + 1; c.trainState.sample = start + B;
    throw new DivergenceError(`training diverged at epoch ${e + 1}, batch ${b + 1}/${batches}: the update of ${step.refused} parameters was not finite and was not applied. Lower the learning rate (now ${lr})`, e + 1, b + 1);
  }
}

/** What the batches of a fit reuse: no allocation per batch (onBatchEnd gets the same object). */
interface Loop { step: StepOutcome; batchLog: BatchLog; lastYield: number }

/** One epoch's batches from `firstSample` on; false when the signal stopped it at a batch boundary. */
async function runBatches(c: Core, e: number, firstSample: number, n: number, bs: number, options: FitOptions, loop: Loop, sums: { loss: number; correct: number; seen: number }): Promise<boolean> {
  const { step, batchLog } = loop;
  const batches = batchLog.batches;
  batchLog.epoch = e + 1;
  for (let b = Math.ceil(firstSample / bs), start = firstSample; start < n; b++, start += bs) {
    const B = Math.min(bs, n - start);
    trainBatch(c, start, B, step);
    checkFinite(c, step, e, b, batches, start, B);
    sums.loss += step.loss; sums.correct += step.correct; sums.seen += B;
    if (options.onBatchEnd) {
      const m = c.summarize(step.loss, step.correct, B);
      batchLog.batch = b + 1; batchLog.loss = m.loss; batchLog.accuracy = m.accuracy; batchLog.size = B;
      options.onBatchEnd(batchLog);
    }
    // yield to the event loop now and then: signals (Ctrl-C) and timers stay responsive
    if (performance.now() - loop.lastYield > 100) {
      await yieldToEventLoop();
      loop.lastYield = performance.now();
    }
    if (options.signal?.aborted && start + B < n) {
      c.trainState.batch = b + 1; c.trainState.sample = start + B;
      return false;
    }
  }
  return true;
}

async function runEpochs(c: Core, net: Network, x: Float32Array, y: ArrayLike<number>, options: FitOptions): Promise<FitResult> {
  const epochs = checkPositiveInt('epochs', options.epochs ?? 1, 0);
  const batchSize = checkPositiveInt('batchSize', options.batchSize ?? 32, 1);
  const shuffle = options.shuffle ?? true;
  const d = c.checkData(x, y, '');
  const val = options.validation ? c.checkData(options.validation.x, options.validation.y, 'validation.') : null;
  const n = d.n, bs = Math.min(batchSize, n);
  const data = residentData(c, d.x, d.y, n, bs);
  const { order, firstEpoch, firstSample: resumeAt } = startingPoint(c, options.resume, n, bs);
  let firstSample = resumeAt;
  const history: FitResult = [];
  const loop: Loop = {
    step: { loss: 0, correct: 0, refused: 0 },
    batchLog: { epoch: 0, batch: 0, batches: Math.ceil(n / bs), loss: 0, accuracy: null, size: 0 },
    lastYield: performance.now(),
  };
  c.callsPerBatch = callsPerStep(c);

  for (let e = firstEpoch; e < firstEpoch + epochs; e++) {
    // stopped before this epoch drew its order: the state stays at the end of the last one
    if (options.signal?.aborted) { history.stopped = true; return history; }
    // a fresh epoch reshuffles the previous order; a resumed one keeps the order it was cut in
    if (firstSample === 0 && shuffle) c.rng.shuffle(order);
    c.i32(data.order, n).set(order);
    c.trainState = trainingState(e, Math.ceil(firstSample / bs), firstSample, order, c.rng.state);
    const sums = { loss: 0, correct: 0, seen: 0 };
    const t0 = performance.now();
    if (!(await runBatches(c, e, firstSample, n, bs, options, loop, sums))) { history.stopped = true; return history; }
    const seconds = (performance.now() - t0) / 1000;
    const s = c.summarize(sums.loss, sums.correct, sums.seen);
    const log: EpochLog = { epoch: e + 1, loss: s.loss, trainAccuracy: s.accuracy, samplesPerSecond: sums.seen / seconds, seconds };
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
