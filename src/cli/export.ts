// `wasm-mlp export --model FILE --onnx OUT`: the model as ONNX (opset 13), normaliser included.

import { readFileSync } from 'node:fs';
import { parseFlags, strFlag, UsageError } from './args.js';
import { COMMON_FLAGS } from './options.js';
import { exportOnnx } from '../io/onnx.js';
import { writeFileAtomic } from '../node/atomic.js';
import { readModel } from './model.js';

const HELP = `usage: wasm-mlp export --model FILE --onnx OUT.onnx

  writes the model as an ONNX graph (opset 13, input "input" (batch, inputs), output "output"
  (batch, classes) of probabilities); a saved normaliser becomes Sub and Mul nodes`;

const FLAGS = { model: 'string', onnx: 'string', ...COMMON_FLAGS } as const;

function packageVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

export async function exportCommand(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, FLAGS, { command: 'export' });
  if (flags.help) { process.stdout.write(HELP + '\n'); return 0; }
  const modelPath = strFlag(flags, 'model');
  const onnxPath = strFlag(flags, 'onnx');
  if (modelPath === undefined || onnxPath === undefined) throw new UsageError('export needs --model FILE and --onnx OUT');
  const model = readModel(modelPath);
  const version = packageVersion();
  const bytes = exportOnnx(model.architecture, model.parameters, { normalizer: model.normalizer, ...(version ? { producerVersion: version } : {}) });
  writeFileAtomic(onnxPath, bytes);
  process.stdout.write(`wrote ${onnxPath} (${bytes.length.toLocaleString('en-US')} bytes)\n`);
  return 0;
}
