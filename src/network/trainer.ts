// Training: `fit` is the epoch loop (resume, shuffling, stopping, divergence, validation, logs)
// around the engine's training jobs (backend/engine), which do the whole of the numeric work.
//
// The training set is copied into the arena once per fit (plan.data) and each epoch's order with
// it, so a step gathers its rows inside the engine and the loop allocates nothing per batch. A set
// given as a DataSource is read straight into it; one that exceeds maxMemory streams through two
// windows of it instead (stream.ts), the next read while the current one trains. A job
// runs `stepsPerExecution` steps: by default one when the caller watches every batch (onBatchEnd),
// else as many as take about 10 ms ('auto'). A job of many steps synchronises the threads far
// less often than one per batch, and returns to the event loop far less often.

import { DivergenceError, InputError } from '../errors.js';
import { Rng } from '../rng.js';
import { checkPositiveInt } from '../validate.js';
import type { Core } from './core.js';
import { EVAL_CHUNK } from './core.js';
import type { JobOutcome } from '../backend/engine/types.js';
import { MAX_STEPS } from '../arena.js';
import { writeBiasCorrections } from './optimizers.js';
import { trainingState } from './state.js';
import { recipeOf } from './recipe.js';
import { NO_RECIPE } from '../backend/engine/types.js';
import { checkSchedule, learningRateAt, type LrScheduleState } from './schedule.js';
import { checkEarlyStopping, copyEarlyStopping, earlyStoppingStep, initialEarlyStopping, monitored, sameEarlyStopping, type EarlyStoppingState } from './early-stopping.js';
import type { BatchLog, EpochLog, FitOptions, FitResult, TrainingState } from './types.js';
import type { Network } from './network.js';
import type { Features, Normalizer } from '../types.js';
import { isDataSource, type DataSource } from '../data/source.js';
import { arraySource } from '../data/sources.js';
import { checkFeatures, checkFinite, nonFiniteInput } from '../validate.js';
import { chooseHolding, fillResident, StreamFeed } from './stream.js';
import { SourceRows } from './source-rows.js';
import type { DataBytes } from '../arena.js';

/** Mean loss and accuracy over a dataset already checked, in chunks of the plan's capacity.
 * `finite`: but for its float values, which are checked as each chunk is copied in (loadRows). */
export function evaluateChecked(c: Core, x: Features, y: Int32Array | Float32Array, n: number, finite = false): { loss: number; accuracy: number | null } {
  let loss = 0, correct = 0;
  const cap = c.plan.capacity;
  for (let s = 0; s < n; s += cap) {
    const B = Math.min(cap, n - s);
    c.loadRows(x, y, s, B, finite);
    const r = c.engine.infer(B, true);
    loss += r.loss;
    correct += r.correct;
  }
  return c.summarize(loss, correct, n);
}

/** Copies the training set into the arena (planned for it and for the batch size): float32 rows,
 * or bytes (and their normaliser) that the gather widens. */
function residentData(c: Core, x: Features, y: Int32Array | Float32Array, n: number, bs: number) {
  const bytes = x instanceof Float32Array ? null : { divisor: x.divisor, normalized: x.normalizer !== undefined };
  const plan = c.replan(Math.max(bs, EVAL_CHUNK, c.plan.capacity), n, bytes);
  const data = plan.data!;
  if (x instanceof Float32Array) c.f32(data.x, n * c.inputs).set(x);
  else {
    new Uint8Array(c.k.buffer(), data.x, n * c.inputs).set(x.bytes);
    writeNormalizer(c, x.normalizer);
  }
  if (y instanceof Int32Array) c.i32(data.y, n).set(y); else c.f32(data.y, n * c.targetWidth).set(y);
  return data;
}

/** One turn of the event loop without a timer's delay, so that I/O callbacks, signals (Ctrl-C),
 * queued messages and due timers run (a timer that fell due may wait one turn more: fit yields
 * again 100 ms later). Node: setImmediate. Browsers (and workers) have none: a message to a
 * MessageChannel of its own, since setTimeout(0) there waits at least 4 ms once timers nest five
 * deep, as a fit's successive yields do (4 % of a fit that yields every 100 ms, and the pool's
 * workers park meanwhile); setTimeout(0) only where neither exists. Node's setTimeout(0) costs
 * about 1 ms, which it cost every 100 ms of training before. */
export const yieldNow = (): Promise<void> => new Promise((resolve) => {
  if (typeof setImmediate === 'function') setImmediate(resolve);
  else if (typeof MessageChannel === 'function') {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => { ch.port1.close(); resolve(); };
    ch.port2.postMessage(null);
  } else setTimeout(resolve, 0);
});

/** Trains on (x, y); see Network.fit. The kernels' workers (if any) are started before and
 * released after, however the fit ends. */
export async function fit(c: Core, net: Network, input: TrainingInput, options: FitOptions | null = {}): Promise<FitResult> {
  const recipe = recipeOf(options ?? {}, c.depth);
  if (c.fitting) throw new InputError('fit is already running on this network: await it before starting another');
  c.fitting = true;
  let feed: StreamFeed | null = null;
  try {
    await c.k.prepare?.();
    c.setRecipe(recipe);
    return await runEpochs(c, net, input, options ?? {}, (f) => { feed = f; });
  } finally {
    // no read of a streamed set may still write into the arena once fit has returned
    await (feed as StreamFeed | null)?.close();
    c.setRecipe(NO_RECIPE);
    c.fitting = false;
    await c.k.release?.();
  }
}

/** Where a fit starts: the state given to resume, or where the last fit() left off on data of
 * this size (so fit({epochs: 1}) twice trains exactly like fit({epochs: 2})), or a fresh start. */
function startingPoint(c: Core, resume: TrainingState | undefined, n: number, bs: number, streamed: boolean) {
  const st = resume ?? c.trainState;
  if (streamed) {
    if (st.order !== null && st.order.length === n && (st.sample ?? st.batch * bs) > 0) {
      throw new InputError(`the training state is part-way through an epoch trained resident (its order of ${n} samples), but this fit streams the set: resume that epoch without a maxMemory too small for the set, or from an epoch's end`);
    }
    // a streamed epoch is drawn again from the PRNG state at its start, which the state keeps: a
    // fit that stopped after the draw (a failed source or a divergence, even before the epoch's
    // first batch) left the PRNG past it; after a whole epoch the two are the same
    const mid = st.stream !== undefined && st.order === null && (st.sample ?? st.batch * bs) > 0;
    if (resume || (st.stream !== undefined && st.order === null)) c.rng = new Rng(st.rngState);
    return { order: null, firstEpoch: st.epoch, firstSample: mid ? Math.min(st.sample ?? st.batch * bs, n) : 0 };
  }
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

/** The state of a streamed run: no order, the PRNG state the epoch's order is drawn from, the geometry. */
function streamedState(epoch: number, batch: number, sample: number, rngState: Uint32Array, feed: StreamFeed): TrainingState {
  const t = trainingState(epoch, batch, sample, null, rngState);
  t.stream = { ...feed.geometry };
  return t;
}

/** Throws the DivergenceError of a step whose loss or update was not finite, after recording where
 * training stands (a non-finite loss stops before the update; refused updates after it). */
function divergence(c: Core, o: JobOutcome, s: number, e: number, b: number, batches: number, start: number, B: number): never {
  const lr = c.opt.learningRate;
  if (o.status === 'loss') {
    c.trainState.batch = b; c.trainState.sample = start;
    throw new DivergenceError(`training diverged at epoch ${e + 1}, batch ${b + 1}/${batches}: the loss is ${o.loss[s]}. The parameters keep their last finite values; lower the learning rate (now ${lr}) or normalise the inputs`, e + 1, b + 1);
  }
  c.trainState.batch = b + 1; c.trainState.sample = start + B;
  throw new DivergenceError(`training diverged at epoch ${e + 1}, batch ${b + 1}/${batches}: the update of ${o.refused[s]} parameters was not finite and was not applied. Lower the learning rate (now ${lr})`, e + 1, b + 1);
}

/** What the batches of a fit reuse: no allocation per batch (onBatchEnd gets the same object). */
interface Loop {
  batchLog: BatchLog;
  lastYield: number;
  /** steps per job: fixed (stepsPerExecution), or grown until a job takes ~10 ms ('auto') */
  stepsPerJob: number;
  auto: boolean;
  lr: Float32Array; bc1: Float32Array; bc2: Float32Array;
  /** the learning-rate schedule, null for the optimizer's constant rate */
  schedule: LrScheduleState | null;
}

/** The rate of optimizer step `step` (0-based). */
function rateAt(c: Core, loop: Loop, step: number): number {
  const s = loop.schedule;
  return s ? learningRateAt(s.schedule, step, s.stepsPerEpoch, s.totalSteps, c.opt.learningRate) : c.opt.learningRate;
}

/** The schedule of this fit: a resumed or continued run with the same schedule and epoch length
 * keeps its total; otherwise the run ends with this fit's last epoch. */
function scheduleState(options: FitOptions, from: TrainingState, spe: number, lastEpoch: number): LrScheduleState | null {
  if (options.lrSchedule === undefined) return null;
  const schedule = checkSchedule(options.lrSchedule);
  const prior = from.lrSchedule;
  if (prior && prior.stepsPerEpoch === spe && JSON.stringify(checkSchedule(prior.schedule)) === JSON.stringify(schedule)) return { schedule, stepsPerEpoch: spe, totalSteps: prior.totalSteps };
  return { schedule, stepsPerEpoch: spe, totalSteps: lastEpoch * spe };
}

/** Early stopping of this fit: a resumed or continued run with the same options keeps its best,
 * wait and parameters; otherwise it starts afresh. */
function earlyStoppingState(c: Core, options: FitOptions, from: TrainingState, hasValidation: boolean): EarlyStoppingState | null {
  if (options.earlyStopping === undefined) return null;
  const config = checkEarlyStopping(options.earlyStopping);
  if (!hasValidation) throw new InputError('earlyStopping needs validation data: pass FitOptions.validation (the CLI: --validation F)');
  // before any training: a linear output has no accuracy to monitor
  if (config.monitor === 'val_accuracy') monitored(config.monitor, { loss: 0, accuracy: c.arch.output === 'linear' ? null : 0 });
  const prior = from.earlyStopping;
  if (prior && sameEarlyStopping(prior.config, config)) return { ...copyEarlyStopping(prior), stoppedEpoch: 0 };
  return initialEarlyStopping(config);
}

/** One epoch's batches from `firstSample` on; false when the signal stopped it at a batch boundary. */
async function runBatches(c: Core, e: number, firstSample: number, n: number, bs: number, options: FitOptions, loop: Loop, sums: { loss: number; correct: number; seen: number }, feed: StreamFeed | null): Promise<boolean> {
  const { batchLog } = loop;
  const batches = batchLog.batches;
  batchLog.epoch = e + 1;
  for (let b = Math.ceil(firstSample / bs), start = firstSample; start < n;) {
    let steps = Math.min(loop.stepsPerJob, Math.ceil((n - start) / bs));
    if (feed) {
      try {
        steps = await feed.ready(start, steps, bs);
      } catch (err) {
        // the source failed: training stands after the last batch done
        c.trainState.batch = b; c.trainState.sample = start;
        throw err;
      }
      batchLog.samplesRead = feed.rows.rows; batchLog.bytesRead = feed.rows.bytesRead;
    }
    for (let s = 0; s < steps; s++) {
      loop.lr[s] = rateAt(c, loop, c.step + s);
      writeBiasCorrections(c.opt, c.step + s + 1, loop.bc1, loop.bc2, s);
    }
    const t0 = performance.now();
    const o = c.engine.train(start, bs, n, steps, loop.lr, loop.bc1, loop.bc2, c.step + 1);
    if (loop.auto && performance.now() - t0 < 10 && steps === loop.stepsPerJob) loop.stepsPerJob = Math.min(MAX_STEPS, 2 * steps);
    c.step += o.done;
    for (let s = 0; s < steps; s++, b++, start += bs) {
      const B = Math.min(bs, n - start);
      if (s === o.done && o.status === 'loss') divergence(c, o, s, e, b, batches, start, B);
      if (s === o.done - 1 && o.status === 'refused') divergence(c, o, s, e, b, batches, start, B);
      sums.loss += o.loss[s]; sums.correct += o.correct[s]; sums.seen += B;
      if (options.onBatchEnd) {
        const m = c.summarize(o.loss[s], o.correct[s], B);
        batchLog.batch = b + 1; batchLog.loss = m.loss; batchLog.accuracy = m.accuracy; batchLog.size = B;
        options.onBatchEnd(batchLog);
      }
    }
    // yield to the event loop now and then: signals (Ctrl-C) and timers stay responsive; after
    // every job while a window is being read, so that its reads progress
    if (feed?.busy || performance.now() - loop.lastYield > 100) {
      await yieldNow();
      loop.lastYield = performance.now();
    }
    if (options.signal?.aborted && start < n) {
      c.trainState.batch = b; c.trainState.sample = start;
      return false;
    }
  }
  return true;
}

/** What fit trains on: arrays (x is let go, set to null, once its rows are in the arena), or a
 * DataSource (y is then null). */
export interface TrainingInput { x: Features | DataSource | null; y: ArrayLike<number> | null }

/** A source checked against the network: its rows, inputs, divisor and normaliser. */
function checkSource(c: Core, src: DataSource, y: unknown): { n: number; bytes: DataBytes | null } {
  if (y !== null && y !== undefined) throw new InputError('fit(source, y): a DataSource carries its own targets; pass null for y');
  const n = src.rows;
  if (!(Number.isInteger(n) && n >= 1)) throw new InputError(`the data source's rows must be a positive integer; got ${String(n)}`);
  if (src.inputs !== c.inputs) throw new InputError(`the data source has ${src.inputs} features per row but the network has ${c.inputs} inputs`);
  if (src.divisor === undefined) {
    if (src.normalizer) throw new InputError('the data source has a normalizer but no divisor: a normalizer goes with byte features (float features are given normalised)');
    return { n, bytes: null };
  }
  // the divisor and normaliser are checked as those of ByteFeatures are
  checkFeatures({ bytes: new Uint8Array(c.inputs), divisor: src.divisor, normalizer: src.normalizer }, c.inputs, 'source');
  return { n, bytes: { divisor: src.divisor, normalized: src.normalizer !== undefined } };
}

/** Writes the resident bytes' normaliser (if any) into the plan's data block: offsets, then scales. */
function writeNormalizer(c: Core, normalizer: Normalizer | undefined): void {
  const norm = c.plan.data!.norm;
  if (!normalizer || !norm) return;
  c.f32(norm, c.inputs).set(normalizer.offset);
  c.f32(norm + 4 * c.inputs, c.inputs).set(normalizer.scale);
}

/** The training data checked and put where fit trains from: resident in the arena (copied from
 * arrays, or read from a source straight into it), or streamed through it (a StreamFeed). The
 * validation data checked. Nothing here keeps x once it is in the arena: the caller's input drops
 * it too, so a caller that holds no other reference leaves one copy of the training set, the arena's. */
async function loadTraining(c: Core, input: TrainingInput, batchSize: number, options: FitOptions) {
  const val = options.validation ? c.checkData(options.validation.x, options.validation.y, 'validation.') : null;
  const source = isDataSource(input.x) ? input.x : null;
  // float features are checked to be finite once in the arena, by the wasm (f32_first_nonfinite:
  // 0.02 s for Fashion-MNIST, where the JavaScript loop took 0.15 s), or below before streaming
  const d = source ? null : c.checkData(input.x, input.y, '', false);
  const { n, bytes } = source ? checkSource(c, source, input.y) : { n: d!.n, bytes: d!.x instanceof Float32Array ? null : { divisor: d!.x.divisor, normalized: d!.x.normalizer !== undefined } };
  const bs = Math.min(batchSize, n);
  const capacity = Math.max(bs, EVAL_CHUNK, c.plan.capacity);
  const st = options.resume ?? c.trainState;
  const midEpoch = st.order === null && (st.sample ?? st.batch * bs) > 0;
  const holding = chooseHolding(c, n, bytes, bs, capacity, options, st.stream, midEpoch);
  let feed: StreamFeed | null = null;
  if (holding.resident && d) {
    const data = residentData(c, d.x, d.y, n, bs);
    if (d.x instanceof Float32Array) {
      const bad = c.k.first_nonfinite(data.x, n * c.inputs);
      if (bad >= 0) throw nonFiniteInput('x', bad, d.x[bad], c.inputs);
    }
  } else if (holding.resident) {
    c.replan(capacity, n, bytes);
    writeNormalizer(c, source!.normalizer);
    await fillResident(new SourceRows(c, source!, n), n, Math.max(bs, 4096));
  } else {
    if (d && d.x instanceof Float32Array) checkFinite(d.x, c.inputs);
    const g = holding.geometry;
    c.replan(capacity, 2 * g.chunkRows * g.windowChunks, bytes, n);
    const src = source ?? arraySource(d!.x, d!.y, c.targetWidth);
    writeNormalizer(c, src.normalizer);
    feed = new StreamFeed(c, src, n, g);
  }
  input.x = null;
  return { n, bs, data: c.plan.data!, val, feed };
}

async function runEpochs(c: Core, net: Network, input: TrainingInput, options: FitOptions, onFeed: (f: StreamFeed) => void): Promise<FitResult> {
  const epochs = checkPositiveInt('epochs', options.epochs ?? 1, 0);
  const batchSize = checkPositiveInt('batchSize', options.batchSize ?? 32, 1);
  const shuffle = options.shuffle ?? true;
  const spe = options.stepsPerExecution ?? (options.onBatchEnd ? 1 : 'auto');
  if (spe !== 'auto' && !(Number.isInteger(spe) && spe >= 1 && spe <= MAX_STEPS)) {
    throw new InputError(`stepsPerExecution must be 'auto' or an integer from 1 to ${MAX_STEPS}, got ${typeof spe === 'string' ? JSON.stringify(spe) : String(spe)}`);
  }
  const { n, bs, data, val, feed } = await loadTraining(c, input, batchSize, options);
  if (feed) onFeed(feed);
  const from = options.resume ?? c.trainState;
  const es = earlyStoppingState(c, options, from, val !== null);
  const { order, firstEpoch, firstSample: resumeAt } = startingPoint(c, options.resume, n, bs, feed !== null);
  let firstSample = resumeAt;
  const history: FitResult = [];
  const loop: Loop = {
    batchLog: { epoch: 0, batch: 0, batches: Math.ceil(n / bs), loss: 0, accuracy: null, size: 0 },
    lastYield: performance.now(), stepsPerJob: spe === 'auto' ? 1 : spe, auto: spe === 'auto',
    lr: new Float32Array(MAX_STEPS), bc1: new Float32Array(MAX_STEPS), bc2: new Float32Array(MAX_STEPS),
    schedule: scheduleState(options, from, Math.ceil(n / bs), firstEpoch + epochs),
  };
  // the trainer owns these two; getTrainingState hands out copies
  const recipe = (t: TrainingState): TrainingState => {
    if (loop.schedule) t.lrSchedule = loop.schedule;
    if (es) t.earlyStopping = es;
    return t;
  };
  if (es) { history.stoppedEarly = false; history.bestEpoch = es.bestEpoch; history.keptEpoch = firstEpoch; }
  c.callsPerBatch = c.engine.callsPerStep;

  for (let e = firstEpoch; e < firstEpoch + epochs; e++) {
    // stopped before this epoch drew its order: the state stays at the end of the last one
    if (options.signal?.aborted) { history.stopped = true; return history; }
    if (feed) {
      // a streamed epoch's order is drawn anew from the PRNG state at its start, resumed or not
      const rngAtStart = Uint32Array.from(c.rng.state);
      await feed.beginEpoch(shuffle);
      c.trainState = recipe(streamedState(e, Math.ceil(firstSample / bs), firstSample, rngAtStart, feed));
    } else {
      // a fresh epoch reshuffles the previous order; a resumed one keeps the order it was cut in
      if (firstSample === 0 && shuffle) c.rng.shuffle(order!);
      c.i32(data.order, n).set(order!);
      c.trainState = recipe(trainingState(e, Math.ceil(firstSample / bs), firstSample, order, c.rng.state));
    }
    const sums = { loss: 0, correct: 0, seen: 0 };
    const t0 = performance.now();
    if (!(await runBatches(c, e, firstSample, n, bs, options, loop, sums, feed))) { history.stopped = true; return history; }
    const seconds = (performance.now() - t0) / 1000;
    const s = c.summarize(sums.loss, sums.correct, sums.seen);
    const log: EpochLog = { epoch: e + 1, loss: s.loss, trainAccuracy: s.accuracy, samplesPerSecond: sums.seen / seconds, seconds, learningRate: rateAt(c, loop, c.step - 1) };
    let verdict = 'skip';
    if (val) {
      const v = evaluateChecked(c, val.x, val.y, val.n);
      log.validationLoss = v.loss;
      log.validationAccuracy = v.accuracy;
      if (es) {
        verdict = earlyStoppingStep(es, e + 1, monitored(es.config.monitor, v));
        if (verdict === 'best' && es.config.restoreBestWeights) es.bestParameters = net.getParameters();
        history.bestEpoch = es.bestEpoch;
        history.keptEpoch = e + 1;
      }
    }
    firstSample = 0;
    c.trainState = recipe(feed ? streamedState(e + 1, 0, 0, c.rng.state, feed) : trainingState(e + 1, 0, 0, order, c.rng.state));
    history.push(log);
    if (options.onEpochEnd) await options.onEpochEnd(log, net);
    if (verdict === 'stop') {
      // the epoch's own log and callback saw its parameters; the network keeps the best epoch's
      if (es!.config.restoreBestWeights && es!.bestParameters) { net.setParameters(es!.bestParameters); history.keptEpoch = es!.bestEpoch; }
      history.stoppedEarly = true;
      return history;
    }
    if (options.signal?.aborted) { history.stopped = true; return history; }
  }
  return history;
}
