// `wasm-mlp evaluate --model FILE`: loss and accuracy of a saved model on a dataset (default the
// digits test split; an IDX folder's t10k files; all rows of a CSV), with the model's normaliser.

import { parseFlags, strFlag, UsageError } from './args.js';
import { COMMON_FLAGS, DATASET_FLAGS, HELP_LINES, backendFlag, labelColumnFlag } from './options.js';
import { InputError } from '../errors.js';
import type { ByteFeatures, Dataset, Features } from '../types.js';
import { modelInputs } from '../data/prepare.js';
import { writeReport } from '../node/report-file.js';
import { confusionMatrix } from '../report/metrics.js';
import { loadDataset, type LoadedData } from './data.js';
import { argmaxRows, modelNetwork, readModel } from './model.js';

const HELP = `usage: wasm-mlp evaluate --model FILE [flags]

  --model FILE         a model (or checkpoint) written by 'wasm-mlp train --save'
  --dataset DIR|FILE   'digits' (default), an IDX folder, or a .csv file
${HELP_LINES.labelColumn}
  --split test         test | train | all: which part to evaluate (default: the test split where the
                       data has one, otherwise all of it)
  --report FILE.html   HTML report: confusion matrix, per-class precision / recall / F1
${HELP_LINES.backend}
  --json               one JSON object on stdout: {loss, accuracy, samples, dataset, split}
${HELP_LINES.verbose}`;

const FLAGS = {
  model: 'string', ...DATASET_FLAGS, split: 'string', report: 'string', backend: 'string', json: 'boolean', ...COMMON_FLAGS,
} as const;

const SPLITS = ['test', 'train', 'all'] as const;
type Split = (typeof SPLITS)[number];

/** The part of `data` that `split` names; 'all' joins train and test. */
function pickSplit(data: LoadedData, split: Split): Dataset<Uint8Array | Int32Array, Features> {
  if (split === 'test') {
    if (!data.test) throw new InputError(`${data.name} has no test split; use --split all or --split train`);
    return data.test;
  }
  if (split === 'train' || !data.test) return data.train;
  const { train, test, features: f } = data;
  const x = joinRows(train.x, test.x); // (train.n + test.n, f)
  const y = new Int32Array(train.n + test.n);
  y.set(train.y); y.set(test.y, train.n);
  return { x, y, n: train.n + test.n, features: f };
}

/** a's rows then b's, of one kind (both float32, or both bytes with a's divisor). */
function joinRows(a: Features, b: Features): Features {
  const A = a instanceof Float32Array ? a : a.bytes, B = b instanceof Float32Array ? b : b.bytes;
  const out = a instanceof Float32Array ? new Float32Array(A.length + B.length) : new Uint8Array(A.length + B.length);
  out.set(A); out.set(B, A.length);
  return out instanceof Float32Array ? out : { ...(a as ByteFeatures), bytes: out };
}

export async function evaluateCommand(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, FLAGS, { command: 'evaluate' });
  if (flags.help) { process.stdout.write(HELP + '\n'); return 0; }
  const modelPath = strFlag(flags, 'model');
  if (modelPath === undefined) throw new UsageError('evaluate needs --model FILE');
  const splitFlag = strFlag(flags, 'split');
  if (splitFlag !== undefined && !(SPLITS as readonly string[]).includes(splitFlag)) throw new UsageError(`--split must be test, train or all; got '${splitFlag}'`);
  const backend = backendFlag(flags);

  const model = readModel(modelPath);
  const data = await loadDataset(strFlag(flags, 'dataset'), { labelColumn: labelColumnFlag(flags) });
  const split = (splitFlag as Split | undefined) ?? (data.test ? 'test' : 'all');
  const part = pickSplit(data, split);
  const { layers } = model.architecture;
  const classes = layers[layers.length - 1];
  const x = modelInputs(part.x, part.n, data.features, layers[0], model.normalizer, data.name);
  for (let i = 0; i < part.n; i++) {
    if (part.y[i] >= classes) throw new InputError(`${data.name}: sample ${i} has label ${part.y[i]}, but the model has ${classes} classes (0..${classes - 1})`);
  }
  const net = await modelNetwork(model, backend);
  const { loss, accuracy } = net.evaluate(x, part.y);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ loss, accuracy, samples: part.n, dataset: data.name, split }) + '\n');
  } else {
    process.stdout.write(`${modelPath} on ${data.name} (${split}, ${part.n} samples): loss ${loss.toFixed(4)}  accuracy ${accuracy === null ? '—' : `${(100 * accuracy).toFixed(2)}%`}\n`);
  }
  const reportPath = strFlag(flags, 'report');
  if (reportPath) {
    const predicted = argmaxRows(net.predict(x), part.n, classes);
    writeReport(reportPath, {
      title: `wasm-mlp evaluate: ${modelPath} on ${data.name}`,
      kind: 'evaluate',
      architecture: model.architecture,
      hyperparameters: { model: modelPath, split, normalizer: model.normalizer?.kind ?? 'none', backend: net.backend },
      dataset: `${data.name} (${split}, ${part.n} samples)`,
      confusion: { labels: Array.from({ length: classes }, (_, i) => String(i)), matrix: confusionMatrix(predicted, part.y, classes) },
      // accuracy, macro F1 and the sample count are shown from the confusion matrix
      summary: { loss },
    });
    if (!flags.json) process.stdout.write(`report ${reportPath}\n`);
  }
  return 0;
}
