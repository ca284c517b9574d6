// `wasm-mlp train`: trains on the embedded digits (or --dataset), printing one line per epoch, or
// with --json one JSON object per epoch and nothing else on stdout. Saves models (--save),
// checkpoints (--checkpoint, every --checkpoint-every epochs, and on Ctrl-C), resumes (--resume)
// bit-identically, and writes an HTML report (--report).
//
// A checkpoint remembers the flags of its run (metadata `train_config`), so `train --resume FILE`
// alone continues it; --epochs is the total to reach. Flags that fix the model or the data
// (layers, optimizer, seed, batch, dataset, ...) may be repeated on resume but not changed.

import { resolve } from 'node:path';
import { parseArgs, intFlag, numFlag, strFlag, UsageError, type Parsed } from './args.js';
import { createNetwork, type Network } from '../network/network.js';
import type { EpochLog, TrainingState } from '../network/types.js';
import type { BackendName, Hidden, Normalizer, OptimizerName } from '../types.js';
import { ModelFileError } from '../errors.js';
import { encodeModel } from '../io/model-file.js';
import { decodeCheckpoint, encodeCheckpoint, type DecodedCheckpoint } from '../io/checkpoint.js';
import { readFileChecked, writeFileAtomic } from '../node/atomic.js';
import { writeReport } from '../node/report-file.js';
import type { EpochRecord } from '../report/html.js';
import { confusionMatrix } from '../report/metrics.js';
import { loadDataset, parseFraction, parseLabelColumn, parseNormalize, prepareTraining, resolveDatasetSource, type LabeledData } from './data.js';
import { argmaxRows } from './model.js';
import { createProgress } from './progress.js';

const HELP = `usage: wasm-mlp train [flags]

model and optimiser
  --layers 128,64      hidden layer sizes (input and output sizes come from the data; default 128)
  --hidden relu        relu | leaky_relu | sigmoid | tanh
  --optimizer sgd      sgd | momentum | adam
  --lr 0.1             learning rate (default 0.1 for sgd, 0.01 momentum, 0.001 adam)
  --weight-decay 0     decoupled weight decay on the weights
  --epochs 10          total epochs (with --resume: the total to reach)
  --batch 64           --seed 1 (initialisation, shuffling and the validation split)
  --backend auto       auto | relaxed | simd | scalar | js
data
  --dataset DIR|FILE   'digits' (default, embedded), an IDX folder (train-/t10k- files, e.g.
                       /usr/share/datasets/fashion-mnist or 'fashion-mnist'), or a .csv file
  --label-column C     CSV label column: header name or 0-based index (default the last)
  --normalize none     none | minmax | zscore: fitted on the training split, saved with the model
  --validation F       hold out fraction F of the training data, reported per epoch
files
  --save FILE          write the model (safetensors, with its normaliser) at the end
  --checkpoint FILE    write a resumable checkpoint every --checkpoint-every epochs (default 1)
  --checkpoint-every N
  --resume FILE        continue from a checkpoint (its flags are remembered)
  --report FILE.html   HTML report: curves, confusion matrix, hyper-parameters, throughput
output
  --json               one JSON object per epoch on stdout, nothing else
  --verbose            stack traces on errors

Ctrl-C stops at the next batch, writes a checkpoint (--checkpoint FILE, else <save>.checkpoint
.safetensors, else ./wasm-mlp-interrupted.checkpoint.safetensors) and exits with code 130.`;

export const TRAIN_FLAGS = {
  layers: 'string', hidden: 'string', optimizer: 'string', lr: 'string', 'weight-decay': 'string',
  epochs: 'string', batch: 'string', seed: 'string', backend: 'string', json: 'boolean',
  dataset: 'string', 'label-column': 'string', normalize: 'string', validation: 'string',
  save: 'string', checkpoint: 'string', 'checkpoint-every': 'string', resume: 'string', report: 'string',
  verbose: 'boolean', help: 'boolean',
} as const;

/** Flags that fix the trajectory: a resumed run must use the checkpoint's values. */
const LOCKED = ['layers', 'hidden', 'optimizer', 'lr', 'weight-decay', 'seed', 'batch', 'dataset', 'label-column', 'normalize', 'validation'] as const;
/** Flags a resumed run inherits unless given again. */
const INHERITED = ['epochs', 'save', 'checkpoint', 'checkpoint-every', 'report'] as const;
const DEFAULTS: Record<string, string | undefined> = { layers: '128', hidden: 'relu', optimizer: 'sgd', seed: '1', batch: '64', dataset: 'digits', normalize: 'none' };

const HIDDEN_NAMES = ['relu', 'leaky_relu', 'sigmoid', 'tanh'];
const OPTIMIZER_NAMES = ['sgd', 'momentum', 'adam'];
export const BACKEND_NAMES = ['auto', 'relaxed', 'simd', 'scalar', 'js'];
export const INTERRUPTED_CHECKPOINT = 'wasm-mlp-interrupted.checkpoint.safetensors';

export function parseHidden(s: string | undefined): number[] {
  if (s === undefined) return [128];
  if (s.trim() === '') return [];
  return s.split(',').map((t) => {
    const n = Number(t.trim());
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--layers must be comma-separated positive integers (hidden sizes), e.g. 128,64; got '${s}'`);
    return n;
  });
}

export function choice<T extends string>(flags: Parsed['flags'], name: string, names: string[], def: T): T {
  const v = strFlag(flags, name) ?? def;
  if (!names.includes(v)) throw new UsageError(`--${name} must be one of ${names.join(', ')}; got '${v}'`);
  return v as T;
}

/** Where Ctrl-C (or --checkpoint-every without --checkpoint) writes: model.safetensors → model.checkpoint.safetensors. */
export function defaultCheckpointPath(save: string | undefined): string {
  if (save === undefined) return resolve(INTERRUPTED_CHECKPOINT);
  return save.replace(/\.safetensors$/i, '') + '.checkpoint.safetensors';
}

type Flags = Record<string, string | boolean>;

/** Merges a checkpoint's remembered flags under the explicit ones; rejects changed locked flags. */
function mergeResumeFlags(explicit: Flags, stored: Record<string, string>, ck: DecodedCheckpoint): Flags {
  const merged: Flags = { ...explicit };
  for (const name of LOCKED) {
    const given = explicit[name];
    const was = name === 'lr' ? String(ck.state.optimizer.learningRate)
      : name === 'weight-decay' ? String(ck.state.optimizer.weightDecay ?? 0)
      : stored[name] ?? DEFAULTS[name];
    if (typeof given === 'string') {
      let same = given === was;
      if (name === 'dataset') same = resolveDatasetSource(given).source === (stored.dataset ?? 'digits');
      else if (name === 'lr') same = Number(given) === ck.state.optimizer.learningRate;
      else if (name === 'weight-decay') same = Number(given) === (ck.state.optimizer.weightDecay ?? 0);
      else if (name === 'validation' || name === 'seed' || name === 'batch') same = Number(given) === Number(was);
      if (!same) {
        throw new UsageError(`--${name} ${given} differs from the checkpoint's ${was === undefined ? '(not set)' : was}: a resumed run keeps the data, model and optimiser it was started with (drop --${name})`);
      }
    }
    if (stored[name] !== undefined) merged[name] = stored[name];
  }
  for (const name of INHERITED) if (merged[name] === undefined && stored[name] !== undefined) merged[name] = stored[name];
  return merged;
}

function parseStoredFlags(ck: DecodedCheckpoint, file: string): Record<string, string> {
  const raw = ck.model.metadata.train_config;
  if (raw === undefined) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).filter(([, s]) => typeof s === 'string')) as Record<string, string>;
  } catch { /* reported below */ }
  throw new ModelFileError(`checkpoint file ${file}: __metadata__.train_config is not a JSON object of flags`, { file });
}

const pick = (flags: Flags, names: readonly string[]): Record<string, string> =>
  Object.fromEntries(names.filter((n) => typeof flags[n] === 'string').map((n) => [n, flags[n] as string]));

export async function trainCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, TRAIN_FLAGS);
  if (parsed.flags.help) { process.stdout.write(HELP + '\n'); return 0; }
  if (parsed.positional.length) throw new UsageError(`train takes no positional arguments; got '${parsed.positional[0]}'`);
  const json = parsed.flags.json === true;
  const out = (s: string) => process.stdout.write(s + '\n');

  // ---- the run's flags, with a checkpoint's remembered ones under the explicit ones
  const resumePath = strFlag(parsed.flags, 'resume');
  let ck: DecodedCheckpoint | null = null;
  let flags: Flags = parsed.flags;
  if (resumePath !== undefined) {
    ck = decodeCheckpoint(readFileChecked(resumePath, 'model'), resumePath);
    flags = mergeResumeFlags(parsed.flags, parseStoredFlags(ck, resumePath), ck);
  }
  const epochs = intFlag(flags, 'epochs', 10, ck ? 0 : 1);
  const batchSize = intFlag(flags, 'batch', 64);
  const seed = intFlag(flags, 'seed', 1, 0);
  const backend = choice<BackendName | 'auto'>(flags, 'backend', BACKEND_NAMES, 'auto');
  const hidden = choice<Hidden>(flags, 'hidden', HIDDEN_NAMES, 'relu');
  const optimizerName = choice<OptimizerName>(flags, 'optimizer', OPTIMIZER_NAMES, 'sgd');
  const hiddenSizes = parseHidden(strFlag(flags, 'layers'));
  const validationFraction = parseFraction(strFlag(flags, 'validation'));
  const normalize = parseNormalize(strFlag(flags, 'normalize'));
  const labelColumn = parseLabelColumn(strFlag(flags, 'label-column'));
  const save = strFlag(flags, 'save');
  const reportPath = strFlag(flags, 'report');
  const everyFlag = flags['checkpoint-every'] !== undefined ? intFlag(flags, 'checkpoint-every', 1) : undefined;
  const checkpointPath = strFlag(flags, 'checkpoint') ?? (everyFlag !== undefined ? defaultCheckpointPath(save) : undefined);
  const checkpointEvery = checkpointPath !== undefined ? everyFlag ?? 1 : undefined;
  const lr = numFlag(flags, 'lr', undefined);
  const weightDecay = numFlag(flags, 'weight-decay', 0) ?? 0;
  if (lr !== undefined && !(lr > 0)) throw new UsageError(`--lr must be a number > 0; got '${String(flags.lr)}'`);
  if (!(weightDecay >= 0)) throw new UsageError(`--weight-decay must be a number ≥ 0; got '${String(flags['weight-decay'])}'`);

  // ---- data and network
  const data = loadDataset(strFlag(flags, 'dataset'), { labelColumn });
  let net: Network;
  let resumeState: TrainingState | undefined;
  let normalizer: Normalizer | undefined;
  let history: EpochRecord[] = [];
  if (ck) {
    const arch = ck.model.architecture;
    if (arch.layers[0] !== data.features) {
      throw new ModelFileError(`checkpoint file ${resumePath}: the model has ${arch.layers[0]} inputs but ${data.name} has ${data.features} features: resume with the same data`, { file: resumePath });
    }
    net = await createNetwork({ ...arch, optimizer: ck.state.optimizer, seed, backend });
    net.setParameters(ck.model.parameters);
    net.setOptimizerState({ step: ck.state.optimizerStep, tensors: ck.state.optimizerTensors });
    const batch = Number(ck.model.metadata.train_batch ?? '0');
    resumeState = { epoch: ck.state.epoch, batch: Number.isInteger(batch) && batch >= 0 ? batch : 0, order: ck.state.order ?? null, rngState: ck.state.rngState };
    normalizer = ck.model.normalizer;
    history = ((ck.state.history ?? []) as EpochRecord[]).filter((h) => h && h.epoch <= ck!.state.epoch);
  } else {
    net = await createNetwork({
      layers: [data.features, ...hiddenSizes, data.classes], hidden, output: 'softmax',
      optimizer: { name: optimizerName, learningRate: lr ?? NaN, weightDecay }, seed, backend,
    });
  }
  const split = prepareTraining(data, { validation: validationFraction, seed, normalize, given: normalizer });
  normalizer = split.normalizer;
  const { train, validation, test } = split;
  const layers = net.architecture.layers;
  const startEpoch = resumeState?.epoch ?? 0;

  // what gets remembered: the trajectory (model files) plus the outputs (checkpoints)
  const lockedFlags = pick({ ...flags, dataset: data.source }, LOCKED); // fixed key order: same bytes on resume
  const trainConfig = { ...lockedFlags, epochs: String(epochs) };
  const outputs = pick(flags, INHERITED.filter((n) => n !== 'epochs'));
  for (const k of ['save', 'checkpoint', 'report']) if (outputs[k] !== undefined) outputs[k] = resolve(outputs[k]);
  const checkpointConfig = { ...trainConfig, ...outputs, ...(checkpointPath ? { checkpoint: resolve(checkpointPath) } : {}) };

  // Ctrl-C from here on stops at the next batch boundary and writes a checkpoint
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) { process.stderr.write('\nwasm-mlp: interrupted twice: exiting without a checkpoint\n'); process.exit(130); }
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  const o = net.optimizer;
  if (!json) {
    out(`wasm-mlp: ${layers.join('-')} ${net.architecture.hidden}/softmax, ${o.name} lr ${o.learningRate}, batch ${batchSize}, backend ${net.backend}`);
    out(`data: ${data.name}: ${train.n} train${validation ? `, ${validation.n} validation` : ''}, ${test?.n ?? 0} test${normalizer ? `, ${normalizer.kind} normalised` : ''}`);
    if (ck) out(`resuming ${resumePath} at epoch ${startEpoch}${resumeState!.batch ? `, batch ${resumeState!.batch}` : ''} of ${epochs}`);
  }

  const writeCheckpoint = (path: string): void => {
    const st = net.getTrainingState();
    const opt = net.getOptimizerState();
    const bytes = encodeCheckpoint(
      { architecture: net.architecture, parameters: net.getParameters(), normalizer, metadata: { dataset: data.name, train_config: JSON.stringify(checkpointConfig), train_batch: String(st.batch) } },
      { epoch: st.epoch, optimizer: { ...net.optimizer }, optimizerStep: opt.step, optimizerTensors: opt.tensors, rngState: st.rngState, ...(st.order ? { order: st.order } : {}), history },
    );
    writeFileAtomic(path, bytes);
  };

  // ---- training
  const progress = createProgress(!json);
  const batches = Math.ceil(train.n / Math.min(batchSize, train.n));
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? '   —  ' : `${(100 * v).toFixed(2)}%`);
  let startedEpoch = startEpoch;
  progress.begin(startedEpoch + 1, epochs, batches, resumeState?.batch ?? 0);
  let result;
  try {
    result = await net.fit(train.x, train.y, {
      epochs: Math.max(0, epochs - startEpoch), batchSize, shuffle: true, signal: controller.signal, resume: resumeState,
      onBatchEnd(log) {
        if (log.epoch !== startedEpoch + 1) { progress.end(); startedEpoch = log.epoch - 1; progress.begin(log.epoch, epochs, log.batches, 0); }
        progress.batch(log.batch, log.loss);
      },
      onEpochEnd(log: EpochLog) {
        progress.end();
        const v = validation ? net.evaluate(validation.x, validation.y) : null;
        const t = test ? net.evaluate(test.x, test.y) : null;
        const rec: EpochRecord = { epoch: log.epoch, loss: log.loss, trainAccuracy: log.trainAccuracy ?? 0, samplesPerSecond: log.samplesPerSecond, seconds: log.seconds };
        if (v) { rec.validationLoss = v.loss; rec.validationAccuracy = v.accuracy ?? undefined; }
        if (t) rec.testAccuracy = t.accuracy ?? undefined;
        history.push(rec);
        if (json) {
          const line: Record<string, unknown> = { epoch: log.epoch, loss: log.loss, trainAccuracy: log.trainAccuracy, testAccuracy: t?.accuracy ?? null, samplesPerSecond: log.samplesPerSecond, seconds: log.seconds };
          if (v) { line.validationLoss = v.loss; line.validationAccuracy = v.accuracy; }
          out(JSON.stringify(line));
        } else {
          out(`epoch ${String(log.epoch).padStart(2)}/${epochs}  loss ${log.loss.toFixed(4)}  train ${pct(log.trainAccuracy)}${v ? `  validation ${pct(v.accuracy)}` : ''}  test ${pct(t?.accuracy)}  ${Math.round(log.samplesPerSecond).toLocaleString('en-US')} samples/s  ${log.seconds.toFixed(2)} s`);
        }
        if (checkpointPath && checkpointEvery && log.epoch % checkpointEvery === 0 && log.epoch < epochs) writeCheckpoint(checkpointPath);
        if (log.epoch < epochs && !controller.signal.aborted) { startedEpoch = log.epoch; progress.begin(log.epoch + 1, epochs, batches, 0); }
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    progress.end();
  }

  const state = net.getTrainingState();
  if (result.stopped && state.epoch < epochs) {
    const path = strFlag(flags, 'checkpoint') ?? defaultCheckpointPath(save);
    writeCheckpoint(path);
    const where = state.batch > 0 ? `in epoch ${state.epoch + 1}/${epochs} after batch ${state.batch}/${batches}` : `after epoch ${state.epoch}/${epochs}`;
    const q = /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
    process.stderr.write(`\nwasm-mlp: interrupted ${where}; checkpoint saved to ${path}\nwasm-mlp: resume with: wasm-mlp train --resume ${q}\n`);
    return 130;
  }

  // ---- results
  const last = history[history.length - 1];
  if (checkpointPath) writeCheckpoint(checkpointPath);
  if (save) {
    const metadata: Record<string, string> = { created_by: 'wasm-mlp train', dataset: data.name, train_config: JSON.stringify(trainConfig), trained_epochs: String(state.epoch) };
    if (last?.testAccuracy !== undefined) metadata.test_accuracy = String(last.testAccuracy);
    if (last?.validationAccuracy !== undefined) metadata.validation_accuracy = String(last.validationAccuracy);
    if (data.featureNames) metadata.feature_names = JSON.stringify(data.featureNames);
    writeFileAtomic(save, encodeModel({ architecture: net.architecture, parameters: net.getParameters(), normalizer, metadata }));
    if (!json) out(`saved ${save}`);
  }
  if (reportPath) {
    const [set, which]: [LabeledData, string] = test ? [test, 'test set'] : validation ? [validation, 'validation set'] : [train, 'training set'];
    const classes = layers[layers.length - 1];
    const predicted = argmaxRows(net.predict(set.x), set.n, classes);
    const seconds = history.reduce((s, h) => s + h.seconds, 0);
    const summary: Record<string, string | number> = { 'epochs': state.epoch, 'confusion matrix of': which };
    if (last?.testAccuracy !== undefined) summary['test accuracy'] = last.testAccuracy;
    if (last?.validationAccuracy !== undefined) summary['validation accuracy'] = last.validationAccuracy;
    if (history.length) summary['samples/s (mean)'] = Math.round(history.reduce((s, h) => s + h.samplesPerSecond, 0) / history.length);
    summary['training time (s)'] = seconds;
    writeReport(reportPath, {
      title: `wasm-mlp train: ${layers.join('-')} on ${data.name}`,
      kind: 'train',
      architecture: net.architecture,
      hyperparameters: {
        optimizer: o.name, 'learning rate': o.learningRate, 'weight decay': o.weightDecay, 'batch size': batchSize, epochs,
        seed, backend: net.backend, normalize: normalizer?.kind ?? 'none', validation: validationFraction ?? 0,
      },
      dataset: `${data.name}: ${train.n} train${validation ? `, ${validation.n} validation` : ''}${test ? `, ${test.n} test` : ''}`,
      history,
      confusion: { labels: Array.from({ length: classes }, (_, i) => String(i)), matrix: confusionMatrix(predicted, set.y, classes) },
      summary,
    });
    if (!json) out(`report ${reportPath}`);
  }
  return 0;
}
