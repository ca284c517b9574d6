// `wasm-mlp import MODEL --save OUT`: another framework's model as a wasm-mlp model file. The format
// is recognised by the first bytes (importBytes): a PyTorch state_dict in safetensors, else ONNX.

import { parseFlags, choice, strFlag, UsageError } from './args.js';
import { COMMON_FLAGS } from './options.js';
import { HIDDEN, OUTPUTS, type Hidden, type Output } from '../vocabulary.js';
import { importTorch } from '../io/import-torch.js';
import { importOnnx } from '../io/onnx-import.js';
import { encodeModel, type ModelContents } from '../io/model-file.js';
import { readFileChecked, writeFileAtomic } from '../node/atomic.js';

const HELP = `usage: wasm-mlp import MODEL.safetensors|MODEL.onnx --save OUT.safetensors [flags]

  reads a PyTorch state_dict saved with safetensors.torch.save_file (an nn.Sequential of
  nn.Linear layers: keys 0.weight, 0.bias, 2.weight, … under any one prefix such as net.; F32, F16
  or BF16) and writes it as a wasm-mlp model file. A state_dict holds no activations: name them.

  or an ONNX dense network (torch.onnx.export, tf2onnx, skl2onnx, wasm-mlp export): a chain of
  Gemm or MatMul+Add layers, one hidden activation (Relu, LeakyRelu 0.01, Sigmoid, Tanh), an
  optional final Softmax or Sigmoid, and an optional Sub/Add then Mul/Div normaliser before the
  first layer, which is saved with the model. The graph names its activations: --hidden and
  --output are for state_dicts only.

  --save OUT           the wasm-mlp model file to write
  --hidden relu        activation between the layers: ${HIDDEN.join(' | ')}
                       (nn.ReLU, nn.LeakyReLU(0.01), nn.Sigmoid, nn.Tanh)
  --output softmax     output: ${OUTPUTS.join(' | ')} (nn.Softmax(dim=1) or
                       logits with CrossEntropyLoss, nn.Sigmoid, none)
  --verbose            stack traces on errors

  docs/pytorch.md shows both directions in Python`;

const FLAGS = { save: 'string', hidden: 'string', output: 'string', ...COMMON_FLAGS } as const;

/** The safetensors format's flags (a state_dict holds no activations); `given` when the user
 * passed either, which an ONNX graph (it names its own activations) refuses. */
export interface ImportFlags { hidden: Hidden; output: Output; given?: boolean }

/** What one input format made of the bytes, and a few words on it for the summary line. */
export interface Imported {
  model: ModelContents;
  /** e.g. "PyTorch state_dict (net.0, net.2, net.4)" */
  source: string;
}

/** True when `bytes` look like safetensors: a u64 LE header length, then the header's '{'. */
export function isSafetensors(bytes: Uint8Array): boolean {
  return bytes.length >= 9 && bytes[8] === 0x7b;
}

// ---- importBytes: the one place that picks an input format by its first bytes. An ONNX
// ModelProto has no magic number, so whatever is not safetensors is read as ONNX, whose
// bounds-checked decoder refuses anything else with the byte offset.
export function importBytes(bytes: Uint8Array, file: string, { hidden, output, given }: ImportFlags): Imported {
  if (isSafetensors(bytes)) {
    const { model, modules } = importTorch(bytes, { hidden, output, file });
    const names = modules.map((m) => m || 'top-level weight, bias'); // '' is a bare nn.Linear
    const named = names.length <= 4 ? names.join(', ') : `${names.slice(0, 2).join(', ')}, …, ${names.at(-1)}`;
    return { model, source: `PyTorch state_dict (${named})` };
  }
  if (given) throw new UsageError(`${file} is not a safetensors state_dict, so it is read as ONNX, whose graph names its activations: drop --hidden and --output`);
  const model = importOnnx(bytes, { file });
  return { model, source: `ONNX graph (${model.parameters.weights.length} dense layers${model.normalizer ? ', a normaliser' : ''})` };
}

export async function importCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv, FLAGS, { command: 'import', positionals: true });
  if (flags.help) { process.stdout.write(HELP + '\n'); return 0; }
  const save = strFlag(flags, 'save');
  if (positional.length !== 1 || save === undefined) throw new UsageError('import needs one input file and --save OUT');
  // checked before the file is read: a typo is a usage error whatever the file holds
  const options = {
    hidden: choice(flags, 'hidden', HIDDEN, 'relu'), output: choice(flags, 'output', OUTPUTS, 'softmax'),
    given: strFlag(flags, 'hidden') !== undefined || strFlag(flags, 'output') !== undefined,
  };
  const input = positional[0];
  const { model, source } = importBytes(readFileChecked(input, 'model'), input, options);
  const bytes = encodeModel(model);
  writeFileAtomic(save, bytes);
  const { layers, hidden, output } = model.architecture;
  process.stdout.write(`wrote ${save} (${bytes.length.toLocaleString('en-US')} bytes): ${layers.join('-')}, hidden ${hidden}, output ${output}, from ${source} in ${input}\n`);
  return 0;
}
