// Everything a train run needs before its first batch: the data, its training view (validation
// split, normaliser), the network (new, or restored from the checkpoint being resumed), the
// history so far, and the flags the run's files will remember.

import { resolve } from 'node:path';
import { InputError, ModelFileError } from '../errors.js';
import { createNetwork, type Network } from '../network/network.js';
import { restoreNetwork } from '../network/checkpoint.js';
import { prepareTraining, type TrainingSplits } from '../data/prepare.js';
import type { EpochRecord } from '../report/html.js';
import { loadDataset, openTrainingSource, type LoadedData, type SourcedData } from './data.js';
import { idxFileSource } from '../node/idx-source.js';
import { collectingPasses, collector } from '../node/collect.js';
import { fitNormalizerFromSource } from '../data/normalize-source.js';
import type { DataSource } from '../data/source.js';
import type { Normalizer } from '../types.js';
import { INHERITED, LOCKED, pick } from './resume-flags.js';
import type { TrainOptions } from './train-options.js';
import type { Features } from '../types.js';

export interface TrainingRun {
  opts: TrainOptions;
  data: LoadedData;
  net: Network;
  parts: TrainingSplits<Uint8Array | Int32Array, Features>;
  /** one record per epoch done, a resumed run's earlier epochs included */
  history: EpochRecord[];
  /** where training starts: epochs done, and batches done in the next one */
  start: { epoch: number; batch: number };
  /** flags remembered by the saved model (the trajectory) and by checkpoints (plus the outputs) */
  config: { model: Record<string, string>; checkpoint: Record<string, string> };
  /** the training set as a DataSource (an IDX set, read straight into the arena or streamed
   * through it); null when its rows are in memory (parts.train.x) */
  source: DataSource | null;
}

export async function prepare(opts: TrainOptions): Promise<TrainingRun> {
  const sourced = await openSourced(opts);
  const data = sourced ? sourcedData(sourced) : await loadDataset(opts.dataset, { labelColumn: opts.labelColumn });
  const classes = classCount(data, opts.classes);
  const ck = opts.resume?.checkpoint;
  if (ck && ck.model.architecture.layers[0] !== data.features) {
    const file = opts.resume!.path;
    throw new ModelFileError(`checkpoint file ${file}: the model has ${ck.model.architecture.layers[0]} inputs but ${data.name} has ${data.features} features: resume with the same data`, { file });
  }
  const onNotice = (m: string) => { process.stderr.write(m + '\n'); };
  const net = ck
    ? await restoreNetwork(ck, { backend: opts.backend, threads: opts.threads, onNotice })
    : await createNetwork({
      layers: [data.features, ...opts.hiddenSizes, classes], hidden: opts.hidden, output: 'softmax',
      optimizer: opts.optimizer, seed: opts.seed, backend: opts.backend, threads: opts.threads, onNotice,
    });
  const parts = sourced
    ? await sourcedParts(sourced, data, opts, ck?.model.normalizer)
    : prepareTraining(data, { validation: opts.validation, seed: opts.seed, normalize: opts.normalize, given: ck?.model.normalizer });
  if (ck?.state.order && ck.state.order.length !== parts.train.n) {
    const file = opts.resume!.path;
    throw new ModelFileError(`checkpoint file ${file}: the run trained on ${ck.state.order.length} samples but ${data.name} gives ${parts.train.n}: resume with the same data`, { file });
  }
  if (!ck && opts.classes === undefined) warnEmptyClasses(parts.train.y, classes);
  const history = ((ck?.state.history ?? []) as EpochRecord[]).filter((h) => h && h.epoch <= ck!.state.epoch);
  return { opts, data, net, parts, history, start: { epoch: ck?.state.epoch ?? 0, batch: ck?.state.batch ?? 0 }, config: runConfig(opts, data), source: sourced?.train ?? null };
}

/** An IDX training set is read as a source — straight into the arena, or streamed through it when
 * it exceeds --max-memory — unless the run needs its rows in memory: a --validation split is drawn
 * from them, and a report without a test set shows the training set's confusion matrix. */
async function openSourced(opts: TrainOptions): Promise<SourcedData | null> {
  if (opts.validation !== undefined) return null;
  const gc = collector();
  const open = async (images: string, labels: string) => {
    const src = await idxFileSource(images, labels);
    return gc ? collectingPasses(src, gc) : src;
  };
  const s = await openTrainingSource(opts.dataset, open, { labelColumn: opts.labelColumn });
  if (s && opts.report !== undefined && !s.test) { await s.train.close?.(); return null; }
  return s;
}

/** The dataset record of a sourced run: its labels (for the class checks), no rows. */
function sourcedData(s: SourcedData): LoadedData {
  return {
    name: s.name, source: s.source, kind: s.kind, features: s.features, classes: s.classes,
    train: { x: { bytes: new Uint8Array(0), divisor: s.train.divisor ?? 255 }, y: s.labels, n: s.train.rows, features: s.features },
    test: s.test,
  };
}

/** A sourced run's parts: the normaliser (given, or fitted in one pass over the source: the bits
 * fitNormalizer gives on the same rows) set on the source and the test set. */
async function sourcedParts(s: SourcedData, data: LoadedData, opts: TrainOptions, given: Normalizer | undefined): Promise<TrainingSplits<Uint8Array | Int32Array, Features>> {
  const normalizer = given ?? (opts.normalize === 'none' ? undefined : await fitNormalizerFromSource(opts.normalize, s.train));
  if (normalizer) s.train.normalizer = normalizer;
  const test = s.test && normalizer ? { ...s.test, x: { ...s.test.x, normalizer } } : s.test;
  return normalizer ? { train: data.train, validation: null, test, normalizer } : { train: data.train, validation: null, test };
}

/** The training rows for fit, handed over: unless the report will read them after training (its
 * confusion matrix is of the training set when there is no test or validation set), the run lets
 * go of them (parts.train.x and data.train.x become empty), so that once fit has copied them into
 * the network's arena nothing in JavaScript holds a second copy. Call it inside fit's argument list:
 * a local variable would keep them alive across the await. */
export function handOverTrainingX(run: TrainingRun): Features | DataSource {
  if (run.source) return run.source;
  const { parts, data, opts } = run;
  const x = parts.train.x;
  if (opts.report !== undefined && !parts.test && !parts.validation) return x;
  const empty = (f: Features): Features => (f instanceof Float32Array ? new Float32Array(0) : { ...f, bytes: new Uint8Array(0) });
  parts.train.x = empty(parts.train.x);
  data.train.x = empty(data.train.x);
  return x;
}

/** --classes N, checked against every label, or the data's largest label + 1. */
function classCount(data: LoadedData, stated: number | undefined): number {
  if (stated === undefined || stated >= data.classes) return stated ?? data.classes;
  for (const [part, what] of [[data.train, 'training'], [data.test, 'test']] as const) {
    const i = part ? part.y.findIndex((label) => label >= stated) : -1;
    if (i >= 0) throw new InputError(`--classes ${stated} is too few: ${data.name} has label ${part!.y[i]} (${what} sample ${i}); labels must lie in 0..${stated - 1}`);
  }
  return stated;
}

/** One stderr line when some classes have no training sample: a class count taken from the largest
 * label (e.g. labels {1, 2, 250}) may not be what the user meant. */
function warnEmptyClasses(y: ArrayLike<number>, classes: number): void {
  const seen = new Uint8Array(classes);
  let present = 0;
  for (let i = 0; i < y.length; i++) if (!seen[y[i]]) { seen[y[i]] = 1; present++; }
  const empty = classes - present;
  if (empty === 0) return;
  process.stderr.write(`wasm-mlp: warning: ${empty} of ${classes} classes ${empty === 1 ? 'has' : 'have'} no training sample (labels run 0..${classes - 1}); pass --classes ${classes} if that is intended\n`);
}

/** The flags a saved model remembers (its trajectory, with the total epochs) and those a checkpoint
 * remembers (plus the outputs, as absolute paths). */
function runConfig(opts: TrainOptions, data: LoadedData): TrainingRun['config'] {
  const { flags } = opts;
  // --max-memory too: whether and how the data streamed shapes the epochs' order
  const model = { ...pick({ ...flags, dataset: data.source }, LOCKED), ...pick(flags, ['max-memory']), epochs: String(opts.epochs) };
  const outputs = pick(flags, INHERITED.filter((n) => n !== 'epochs'));
  for (const k of ['save', 'checkpoint', 'report']) if (outputs[k] !== undefined) outputs[k] = resolve(outputs[k]);
  const checkpoint = { ...model, ...outputs, ...(opts.checkpoint ? { checkpoint: resolve(opts.checkpoint.path) } : {}) };
  return { model, checkpoint };
}
