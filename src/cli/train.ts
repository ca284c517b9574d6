// `wasm-mlp train`: trains on the embedded digits (or a dataset), printing one line per epoch, or
// with --json one JSON object per epoch and nothing else on stdout.

import { parseArgs, intFlag, numFlag, strFlag, UsageError } from './args.js';
import { createNetwork } from '../network.js';
import type { BackendName, Hidden, OptimizerName } from '../types.js';
import { loadDigits } from '../node/digits.js';

const HELP = `usage: wasm-mlp train [flags]

  --layers 128,64      hidden layer sizes (input and output sizes come from the data; default 128)
  --hidden relu        relu | leaky_relu | sigmoid | tanh
  --optimizer sgd      sgd | momentum | adam
  --lr 0.1             learning rate (default 0.1 for sgd, 0.01 momentum, 0.001 adam)
  --weight-decay 0     decoupled weight decay on the weights
  --epochs 10          --batch 64      --seed 1
  --backend auto       auto | relaxed | simd | scalar | js
  --json               one JSON object per epoch on stdout, nothing else
  --verbose            stack traces on errors`;

export const TRAIN_FLAGS = {
  layers: 'string', hidden: 'string', optimizer: 'string', lr: 'string', 'weight-decay': 'string',
  epochs: 'string', batch: 'string', seed: 'string', backend: 'string', json: 'boolean',
  verbose: 'boolean', help: 'boolean',
} as const;

export function parseHidden(s: string | undefined): number[] {
  if (s === undefined) return [128];
  if (s.trim() === '') return [];
  return s.split(',').map((t) => {
    const n = Number(t.trim());
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--layers must be comma-separated positive integers (hidden sizes), e.g. 128,64; got '${s}'`);
    return n;
  });
}

export async function trainCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, TRAIN_FLAGS);
  if (flags.help) { process.stdout.write(HELP + '\n'); return 0; }
  if (positional.length) throw new UsageError(`train takes no positional arguments; got '${positional[0]}'`);
  const json = flags.json === true;
  const data = loadDigits();
  const layers = [data.features, ...parseHidden(strFlag(flags, 'layers')), data.classes];
  const epochs = intFlag(flags, 'epochs', 10);
  const batchSize = intFlag(flags, 'batch', 64);
  const net = await createNetwork({
    layers,
    hidden: (strFlag(flags, 'hidden') ?? 'relu') as Hidden,
    output: 'softmax',
    optimizer: { name: (strFlag(flags, 'optimizer') ?? 'sgd') as OptimizerName, learningRate: numFlag(flags, 'lr', undefined) ?? NaN, weightDecay: numFlag(flags, 'weight-decay', 0) },
    seed: intFlag(flags, 'seed', 1, 0),
    backend: (strFlag(flags, 'backend') ?? 'auto') as BackendName | 'auto',
  });
  const out = (s: string) => process.stdout.write(s + '\n');
  if (!json) {
    out(`wasm-mlp: ${layers.join('-')} ${net.architecture.hidden}/softmax, ${net.optimizer.name} lr ${net.optimizer.learningRate}, batch ${batchSize}, backend ${net.backend}`);
    out(`data: ${data.name}: ${data.train.n} train, ${data.test?.n ?? 0} test`);
  }
  const test = data.test;
  await net.fit(data.train.x, data.train.y, {
    epochs, batchSize, shuffle: true,
    validation: test ? { x: test.x, y: test.y } : undefined,
    onEpochEnd(log) {
      if (json) {
        out(JSON.stringify({ epoch: log.epoch, loss: log.loss, trainAccuracy: log.trainAccuracy, testAccuracy: log.validationAccuracy ?? null, samplesPerSecond: log.samplesPerSecond, seconds: log.seconds }));
      } else {
        const pct = (v: number | null | undefined) => (v === null || v === undefined ? '   —  ' : `${(100 * v).toFixed(2)}%`);
        out(`epoch ${String(log.epoch).padStart(2)}/${epochs}  loss ${log.loss.toFixed(4)}  train ${pct(log.trainAccuracy)}  test ${pct(log.validationAccuracy)}  ${Math.round(log.samplesPerSecond).toLocaleString('en-US')} samples/s  ${log.seconds.toFixed(2)} s`);
      }
    },
  });
  return 0;
}
