// The epochs of a train run: one line per epoch (text, or with --json one JSON object), a progress
// bar on a terminal, periodic checkpoints, and Ctrl-C, which stops at the next batch boundary and
// writes a checkpoint. Validation is fit's own (FitOptions.validation); the test split is
// evaluated here after each epoch for the "test" column. A streamed epoch (its batch logs carry
// samplesRead/bytesRead) shows them on the bar, and its epoch line ends with the bytes read (--json:
// fields samplesRead and bytesRead); a resident one prints as it always did.

import type { BatchLog, EpochLog, FitResult } from '../network/types.js';
import type { EpochRecord } from '../report/html.js';
import { createProgress, formatBytes, type StreamRead } from './progress.js';
import { writeCheckpoint } from './train-outputs.js';
import { handOverTrainingX, type TrainingRun } from './train-prepare.js';

const out = (s: string): void => { process.stdout.write(s + '\n'); };
/** A learning rate in 4 significant digits, without trailing zeros (0.1, 0.09755, 3.2e-7). */
const fmtLr = (v: number): string => String(Number(v.toPrecision(4)));
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '   —  ' : `${(100 * v).toFixed(2)}%`);
/** What a streamed epoch has read by this batch, or undefined for a resident training set. */
const readOf = (log: BatchLog, total: number): StreamRead | undefined =>
  (log.samplesRead === undefined ? undefined : { samples: log.samplesRead, total, bytes: log.bytesRead });

/** Trains to the run's total epochs. Returns false when Ctrl-C stopped it (checkpoint written). */
export async function runTraining(run: TrainingRun): Promise<boolean> {
  const { opts, net, parts: { train, validation } } = run;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) { process.stderr.write('\nwasm-mlp: interrupted twice: exiting without a checkpoint\n'); process.exit(130); }
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  if (!opts.json) printHeader(run);

  const progress = createProgress(!opts.json);
  const batches = Math.ceil(train.n / Math.min(opts.batchSize, train.n));
  let barEpoch = run.start.epoch; // epochs done when the current bar began
  progress.begin(barEpoch + 1, opts.epochs, batches, run.start.batch);
  let read: StreamRead | undefined; // the current epoch's, when it streams
  let result;
  try {
    result = await net.fit(handOverTrainingX(run), run.source ? null : train.y, {
      epochs: Math.max(0, opts.epochs - run.start.epoch), batchSize: opts.batchSize, shuffle: true, signal: controller.signal,
      ...(opts.maxMemory !== undefined ? { maxMemory: opts.maxMemory } : {}),
      ...opts.stepRecipe,
      validation: validation ? { x: validation.x, y: validation.y } : undefined,
      ...opts.recipe,
      // the bar only draws the batches: jobs of many steps, the bar catches up after each
      stepsPerExecution: 'auto',
      onBatchEnd(log) {
        if (log.epoch !== barEpoch + 1) { progress.end(); barEpoch = log.epoch - 1; progress.begin(log.epoch, opts.epochs, log.batches, 0); }
        read = readOf(log, train.n);
        progress.batch(log.batch, log.loss, read);
      },
      onEpochEnd(log) {
        progress.end();
        endEpoch(run, log, read);
        read = undefined;
        if (log.epoch < opts.epochs && !controller.signal.aborted) { barEpoch = log.epoch; progress.begin(log.epoch + 1, opts.epochs, batches, 0); }
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    progress.end();
  }
  const state = net.getTrainingState();
  if (opts.recipe.earlyStopping) reportEarlyStopping(run, result);
  if (!result.stopped || state.epoch >= opts.epochs) return true;
  const path = opts.interruptPath;
  writeCheckpoint(run, path);
  const where = state.batch > 0 ? `in epoch ${state.epoch + 1}/${opts.epochs} after batch ${state.batch}/${batches}` : `after epoch ${state.epoch}/${opts.epochs}`;
  const q = /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
  process.stderr.write(`\nwasm-mlp: interrupted ${where}; checkpoint saved to ${path}\nwasm-mlp: resume with: wasm-mlp train --resume ${q}\n`);
  return false;
}

function printHeader(run: TrainingRun): void {
  const { opts, net, data, parts: { train, validation, test, normalizer } } = run;
  const o = net.optimizer;
  out(`wasm-mlp: ${net.architecture.layers.join('-')} ${net.architecture.hidden}/softmax, ${o.name} lr ${o.learningRate}, batch ${opts.batchSize}, backend ${net.backend}${net.threads > 1 ? `, ${net.threads} threads` : ''}`);
  out(`data: ${data.name}: ${train.n} train${validation ? `, ${validation.n} validation` : ''}, ${test?.n ?? 0} test${normalizer ? `, ${normalizer.kind} normalised` : ''}`);
  const r = opts.stepRecipe;
  if (r.dropout !== undefined || r.clipNorm !== undefined || r.clipValue !== undefined) {
    out(`recipe: ${[r.dropout !== undefined ? `dropout ${String(r.dropout)}` : '', r.clipNorm !== undefined ? `clip norm ${r.clipNorm}` : '', r.clipValue !== undefined ? `clip value ${r.clipValue}` : ''].filter(Boolean).join(', ')}`);
  }
  if (opts.resume) out(`resuming ${opts.resume.path} at epoch ${run.start.epoch}${run.start.batch ? `, batch ${run.start.batch}` : ''} of ${opts.epochs}`);
}

/** After each epoch: the test column, the history record, the epoch's line, a periodic checkpoint.
 * `read`: what a streamed epoch read, as its last batch log said. */
function endEpoch(run: TrainingRun, log: EpochLog, read: StreamRead | undefined): void {
  const { opts, net, parts: { validation, test } } = run;
  const t = test ? net.evaluate(test.x, test.y) : null;
  const rec: EpochRecord = { epoch: log.epoch, loss: log.loss, trainAccuracy: log.trainAccuracy ?? 0, samplesPerSecond: log.samplesPerSecond, seconds: log.seconds, learningRate: log.learningRate };
  if (validation) { rec.validationLoss = log.validationLoss; rec.validationAccuracy = log.validationAccuracy ?? undefined; }
  if (t) rec.testAccuracy = t.accuracy ?? undefined;
  run.history.push(rec);
  if (opts.json) {
    const line: Record<string, unknown> = { epoch: log.epoch, loss: log.loss, trainAccuracy: log.trainAccuracy, testAccuracy: t?.accuracy ?? null, samplesPerSecond: log.samplesPerSecond, seconds: log.seconds, learningRate: log.learningRate };
    if (validation) { line.validationLoss = log.validationLoss; line.validationAccuracy = log.validationAccuracy; }
    if (read) { line.samplesRead = read.samples; if (read.bytes !== undefined) line.bytesRead = read.bytes; }
    out(JSON.stringify(line));
  } else {
    out(`epoch ${String(log.epoch).padStart(2)}/${opts.epochs}  lr ${fmtLr(log.learningRate)}  loss ${log.loss.toFixed(4)}  train ${pct(log.trainAccuracy)}${validation ? `  validation ${pct(log.validationAccuracy)}` : ''}  test ${pct(t?.accuracy)}  ${Math.round(log.samplesPerSecond).toLocaleString('en-US')} samples/s  ${log.seconds.toFixed(2)} s${read?.bytes !== undefined ? `  ${formatBytes(read.bytes)} read` : ''}`);
  }
  const every = opts.checkpoint?.every;
  if (opts.checkpoint && every && log.epoch % every === 0 && log.epoch < opts.epochs) writeCheckpoint(run, opts.checkpoint.path);
}

/** After the fit: the early-stopping outcome, as a line (or with --json one object). */
function reportEarlyStopping(run: TrainingRun, result: FitResult): void {
  const es = run.net.getTrainingState().earlyStopping;
  if (!es) return;
  const { monitor, patience, restoreBestWeights } = es.config;
  const kept = result.keptEpoch ?? run.net.getTrainingState().epoch;
  const best = es.bestEpoch > 0 ? es.best : null;
  if (run.opts.json) {
    out(JSON.stringify({ earlyStopping: { stopped: result.stoppedEarly === true, stoppedEpoch: result.stoppedEarly ? es.stoppedEpoch : null, monitor, best, bestEpoch: es.bestEpoch, keptEpoch: kept, restoreBestWeights } }));
    return;
  }
  const value = (v: number | null): string => (v === null ? '—' : monitor === 'val_accuracy' ? pct(v) : v.toFixed(4));
  if (result.stoppedEarly) {
    out(`early stopping: ${monitor} did not improve for ${patience} epoch${patience === 1 ? '' : 's'}: stopped after epoch ${es.stoppedEpoch}; kept epoch ${kept}'s parameters (best ${monitor} ${value(best)} at epoch ${es.bestEpoch}${restoreBestWeights ? '' : '; --no-restore-best'})`);
  } else if (result.stopped !== true) {
    out(`early stopping: did not stop; best ${monitor} ${value(best)} at epoch ${es.bestEpoch}, kept epoch ${kept}'s parameters (the last)`);
  }
}
