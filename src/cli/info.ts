// `wasm-mlp info --model FILE` (or `info FILE`): what a model or checkpoint file holds. The file is
// read and decoded once; its metadata says whether to read it as a checkpoint.

import { parseFlags, strFlag, UsageError } from './args.js';
import { COMMON_FLAGS } from './options.js';
import { decodeSafetensors } from '../io/safetensors.js';
import { checkpointFromSafetensors, type CheckpointState } from '../io/checkpoint.js';
import { MODEL_FORMAT_VERSION, modelFromSafetensors, type DecodedModel } from '../io/model-file.js';
import { parameterCount } from './model.js';
import { readFileChecked } from '../node/atomic.js';

const HELP = `usage: wasm-mlp info --model FILE [--json]

  prints the architecture, parameter count, normaliser, metadata and file size of a model or
  checkpoint file (a checkpoint also shows its epoch and optimiser)`;

const FLAGS = { model: 'string', json: 'boolean', ...COMMON_FLAGS } as const;

/** The model in `path`, and the checkpoint state when the file is a checkpoint. */
function readModelFile(path: string): { model: DecodedModel; checkpoint: CheckpointState | null; bytes: number } {
  const bytes = readFileChecked(path, 'model');
  const st = decodeSafetensors(bytes, path);
  if (st.metadata.kind !== 'checkpoint') return { model: modelFromSafetensors(st, path), checkpoint: null, bytes: bytes.length };
  const ck = checkpointFromSafetensors(st, path);
  return { model: ck.model, checkpoint: ck.state, bytes: bytes.length };
}

export async function infoCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv, FLAGS, { command: 'info', positionals: true });
  if (flags.help) { process.stdout.write(HELP + '\n'); return 0; }
  const path = strFlag(flags, 'model') ?? (positional.length === 1 ? positional[0] : undefined);
  if (path === undefined || positional.length > 1 || (positional.length && flags.model)) throw new UsageError('info needs one model file: --model FILE');
  const { model, checkpoint, bytes } = readModelFile(path);
  const { layers, hidden, output } = model.architecture;
  const norm = model.normalizer;
  const info = {
    file: path,
    bytes,
    kind: checkpoint ? 'checkpoint' : 'model',
    // decoding succeeded, so the file is of the version this build reads
    formatVersion: MODEL_FORMAT_VERSION,
    architecture: model.architecture,
    parameters: parameterCount(layers),
    normalizer: norm ? { kind: norm.kind, features: norm.offset.length } : null,
    metadata: model.metadata,
    ...(checkpoint ? { checkpoint: { epoch: checkpoint.epoch, optimizer: checkpoint.optimizer, optimizerStep: checkpoint.optimizerStep, epochsInHistory: checkpoint.history?.length ?? 0 } } : {}),
  };
  if (flags.json) { process.stdout.write(JSON.stringify(info) + '\n'); return 0; }
  const lines = [
    `file          ${path} (${bytes.toLocaleString('en-US')} bytes)`,
    `kind          wasm-mlp ${info.kind}, format version ${info.formatVersion}`,
    `architecture  ${layers.join('-')}, hidden ${hidden}, output ${output}`,
    `parameters    ${info.parameters.toLocaleString('en-US')}`,
    `normalizer    ${norm ? `${norm.kind} over ${norm.offset.length} features` : 'none'}`,
  ];
  if (checkpoint) {
    const o = checkpoint.optimizer;
    lines.push(`checkpoint    ${checkpoint.epoch} epoch${checkpoint.epoch === 1 ? '' : 's'} done, ${o.name} lr ${o.learningRate}, ${checkpoint.optimizerStep} steps`);
  }
  const meta = Object.entries(model.metadata);
  lines.push(meta.length ? 'metadata' : 'metadata      none');
  for (const [k, v] of meta) lines.push(`  ${k}: ${v.length > 200 ? v.slice(0, 200) + '…' : v}`);
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
