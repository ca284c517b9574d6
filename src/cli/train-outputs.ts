// The files a train run writes: checkpoints (toCheckpoint, so the library decides what resuming
// needs), the model (--save) and the HTML report (--report).

import { encodeCheckpoint } from '../io/checkpoint.js';
import { encodeModel } from '../io/model-file.js';
import { toCheckpoint } from '../network/checkpoint.js';
import { writeFileAtomic } from '../node/atomic.js';
import { writeReport } from '../node/report-file.js';
import type { ReportInput } from '../report/html.js';
import { confusionMatrix } from '../report/metrics.js';
import { argmaxRows } from './model.js';
import type { TrainingRun } from './train-prepare.js';

/** A checkpoint of the run as it stands, remembering its flags so that `--resume` alone continues it. */
export function writeCheckpoint(run: TrainingRun, path: string): void {
  const ck = toCheckpoint(run.net, {
    normalizer: run.parts.normalizer,
    metadata: { dataset: run.data.name, train_config: JSON.stringify(run.config.checkpoint) },
    history: run.history,
  });
  writeFileAtomic(path, encodeCheckpoint(ck.model, ck.state));
}

/** After the last epoch: the final checkpoint, the model and the report, each where asked. */
export function writeOutputs(run: TrainingRun): void {
  const { opts } = run;
  const out = (s: string): void => { if (!opts.json) process.stdout.write(s + '\n'); };
  if (opts.checkpoint) writeCheckpoint(run, opts.checkpoint.path);
  if (opts.save) {
    writeFileAtomic(opts.save, encodeModel({ architecture: run.net.architecture, parameters: run.net.getParameters(), normalizer: run.parts.normalizer, metadata: modelMetadata(run) }));
    out(`saved ${opts.save}`);
  }
  if (opts.report) {
    writeReport(opts.report, trainReport(run));
    out(`report ${opts.report}`);
  }
}

/** The epoch whose parameters the network holds after early stopping (undefined without it). */
function keptEpoch(run: TrainingRun): number | undefined {
  const st = run.net.getTrainingState();
  const es = st.earlyStopping;
  if (!es) return undefined;
  return es.stoppedEpoch > 0 && es.config.restoreBestWeights && es.bestEpoch > 0 ? es.bestEpoch : st.epoch;
}

function modelMetadata(run: TrainingRun): Record<string, string> {
  const kept = keptEpoch(run);
  // the figures of the epoch whose parameters are saved
  const last = (kept !== undefined ? run.history.find((h) => h.epoch === kept) : undefined) ?? run.history[run.history.length - 1];
  const metadata: Record<string, string> = {
    created_by: 'wasm-mlp train', dataset: run.data.name, train_config: JSON.stringify(run.config.model),
    trained_epochs: String(run.net.getTrainingState().epoch),
  };
  if (kept !== undefined) metadata.kept_epoch = String(kept);
  if (last?.testAccuracy !== undefined) metadata.test_accuracy = String(last.testAccuracy);
  if (last?.validationAccuracy !== undefined) metadata.validation_accuracy = String(last.validationAccuracy);
  if (run.data.featureNames) metadata.feature_names = JSON.stringify(run.data.featureNames);
  return metadata;
}

/** The report of a finished run. Its confusion matrix is of the test set, else the validation set,
 * else the training set. The summary holds only what the report does not already show from the
 * history (accuracies, throughput, training time, epochs). */
export function trainReport(run: TrainingRun): ReportInput {
  const { opts, net, data, parts: { train, validation, test, normalizer } } = run;
  const [set, which] = test ? [test, 'test set'] : validation ? [validation, 'validation set'] : [train, 'training set'];
  const layers = net.architecture.layers;
  const classes = layers[layers.length - 1];
  const predicted = argmaxRows(net.predict(set.x), set.n, classes);
  const o = net.optimizer;
  return {
    title: `wasm-mlp train: ${layers.join('-')} on ${data.name}`,
    kind: 'train',
    architecture: net.architecture,
    hyperparameters: {
      optimizer: o.name, 'learning rate': o.learningRate, 'weight decay': o.weightDecay, 'batch size': opts.batchSize, epochs: opts.epochs,
      seed: opts.seed, backend: net.backend, normalize: normalizer?.kind ?? 'none', validation: opts.validation ?? 0,
      ...recipeParameters(run),
    },
    keptEpoch: keptEpoch(run),
    dataset: `${data.name}: ${train.n} train${validation ? `, ${validation.n} validation` : ''}${test ? `, ${test.n} test` : ''}`,
    history: run.history,
    confusion: { labels: Array.from({ length: classes }, (_, i) => String(i)), matrix: confusionMatrix(predicted, set.y, classes) },
    summary: { 'confusion matrix of': which },
  };
}

/** The recipe's hyper-parameters as report rows: the schedule and early stopping, as configured. */
function recipeParameters(run: TrainingRun): Record<string, string> {
  const { lrSchedule, earlyStopping } = run.opts.recipe;
  const rows: Record<string, string> = {};
  const fields = (o: object) => Object.entries(o).filter(([k]) => k !== 'name').map(([k, v]) => `${k} ${String(v)}`).join(', ');
  if (lrSchedule) rows['learning-rate schedule'] = `${lrSchedule.name}${fields(lrSchedule) ? ` (${fields(lrSchedule)})` : ''}`;
  const es = run.net.getTrainingState().earlyStopping;
  if (earlyStopping && es) {
    rows['early stopping'] = fields(es.config);
    rows['stopped early'] = es.stoppedEpoch > 0 ? `after epoch ${es.stoppedEpoch}` : 'no';
  }
  return rows;
}
