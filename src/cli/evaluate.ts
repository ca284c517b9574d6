// `wasm-mlp evaluate --model FILE`: loss and accuracy of a saved model on a dataset (default the
// digits test split; an IDX folder's t10k files; all rows of a CSV), with the model's normaliser.

import { parseArgs, strFlag, UsageError } from './args.js';
import type { BackendName } from '../types.js';
import { InputError } from '../errors.js';
import { writeReport } from '../node/report-file.js';
import { confusionMatrix, perClassMetrics } from '../report/metrics.js';
import { loadDataset, modelInputs, parseLabelColumn } from './data.js';
import { argmaxRows, modelNetwork, readModel } from './model.js';
import { BACKEND_NAMES, choice } from './train.js';

const HELP = `usage: wasm-mlp evaluate --model FILE [flags]

  --model FILE         a model (or checkpoint) written by 'wasm-mlp train --save'
  --dataset DIR|FILE   'digits' (default), an IDX folder, or a .csv file
  --label-column C     CSV label column: header name or 0-based index (default the last)
  --split test         test | train | all: which part to evaluate (default: the test split where the
                       data has one, otherwise all of it)
  --report FILE.html   HTML report: confusion matrix, per-class precision / recall / F1
  --backend auto       auto | relaxed | simd | scalar | js
  --json               one JSON object on stdout: {loss, accuracy, samples, dataset, split}
  --verbose            stack traces on errors`;

const FLAGS = {
  model: 'string', dataset: 'string', 'label-column': 'string', split: 'string', report: 'string',
  backend: 'string', json: 'boolean', verbose: 'boolean', help: 'boolean',
} as const;

export async function evaluateCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.help) { process.stdout.write(HELP + '\n'); return 0; }
  if (positional.length) throw new UsageError(`evaluate takes no positional arguments; got '${positional[0]}'`);
  const modelPath = strFlag(flags, 'model');
  if (modelPath === undefined) throw new UsageError('evaluate needs --model FILE');
  const splitFlag = strFlag(flags, 'split');
  if (splitFlag !== undefined && !['test', 'train', 'all'].includes(splitFlag)) throw new UsageError(`--split must be test, train or all; got '${splitFlag}'`);
  const backend = choice<BackendName | 'auto'>(flags, 'backend', BACKEND_NAMES, 'auto');

  const model = readModel(modelPath);
  const data = loadDataset(strFlag(flags, 'dataset'), { labelColumn: parseLabelColumn(strFlag(flags, 'label-column')) });
  const split = splitFlag ?? (data.test ? 'test' : 'all');
  let part = data.train;
  if (split === 'test') {
    if (!data.test) throw new InputError(`${data.name} has no test split; use --split all or --split train`);
    part = data.test;
  } else if (split === 'all' && data.test) {
    const f = data.features;
    const x = new Float32Array((data.train.n + data.test.n) * f);
    x.set(data.train.x); x.set(data.test.x, data.train.n * f);
    const y = new Int32Array(data.train.n + data.test.n);
    y.set(data.train.y); y.set(data.test.y, data.train.n);
    part = { x, y, n: data.train.n + data.test.n };
  }
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
    const matrix = confusionMatrix(predicted, part.y, classes);
    const m = perClassMetrics(matrix);
    writeReport(reportPath, {
      title: `wasm-mlp evaluate: ${modelPath} on ${data.name}`,
      kind: 'evaluate',
      architecture: model.architecture,
      hyperparameters: { model: modelPath, split, normalizer: model.normalizer?.kind ?? 'none', backend: net.backend },
      dataset: `${data.name} (${split}, ${part.n} samples)`,
      confusion: { labels: Array.from({ length: classes }, (_, i) => String(i)), matrix },
      summary: { loss, accuracy: accuracy ?? '—', 'macro F1': m.macroF1 ?? '—', samples: part.n },
    });
    if (!flags.json) process.stdout.write(`report ${reportPath}\n`);
  }
  return 0;
}
