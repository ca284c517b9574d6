// PyTorch state_dict → wasm-mlp model. Pure (no Node built-ins): usable in a browser.
// Input: a safetensors file of an nn.Sequential of nn.Linear layers, as
// `safetensors.torch.save_file(model.state_dict(), path)` writes it: per layer
//   <prefix><i>.weight (out, in) and <prefix><i>.bias (out), F32, F16 or BF16,
// where <prefix> is shared by every key ("" for a bare nn.Sequential, "net." for an attribute
// `self.net`) and <i> the module's index (0, 2, 4: the gaps are the activation modules, which
// hold no tensors). Keys whose last part is a name rather than an index (fc1, fc2, out) are
// ordered as their data lies in the file (the reference writer sorts them alphabetically).
// nn.Linear's weight is (out, in), as the model file's layers.{l}.weight: no transpose.
// A state_dict holds no activations: the caller names them (default relu / softmax).

import { ConfigError, ModelFileError } from '../errors.js';
import type { Hidden, Output } from '../types.js';
import { HIDDEN, OUTPUTS, architectureProblem, nameProblem } from '../vocabulary.js';
import { decodeSafetensors, type TensorOut } from './safetensors.js';
import { MODEL_FORMAT, type ModelContents } from './model-file.js';
import { bf16ToF32, f16ToF32 } from './half.js';

export interface TorchImportOptions {
  /** activation between the layers (default relu) */
  hidden?: Hidden;
  /** output activation and loss (default softmax) */
  output?: Output;
  /** the file's name, for error messages */
  file?: string;
}

/** The model, and the module path of each layer in order ("net.0", "net.2", …). */
export interface TorchImport {
  model: ModelContents;
  modules: string[];
}

/** Caller metadata the imported model carries. */
export const IMPORTED_FROM = 'PyTorch state_dict (safetensors)';

interface Layer { module: string; weight?: [string, TensorOut]; bias?: [string, TensorOut] }

/** "net.2.weight" → module "net.2", prefix "net.", name "2", part "weight"; null for other keys. */
function parseKey(key: string): { module: string; prefix: string; name: string; part: 'weight' | 'bias' } | null {
  const m = /^(?:(.*)\.)?(weight|bias)$/.exec(key);
  if (m === null) return null;
  const module = m[1] ?? '';
  const dot = module.lastIndexOf('.');
  return { module, prefix: module.slice(0, dot + 1), name: module.slice(dot + 1), part: m[2] as 'weight' | 'bias' };
}

const shapeText = (t: TensorOut): string => `[${t.shape.join(', ')}]`;

/** Imports a PyTorch state_dict; see the file header for what it accepts. */
export function importSafetensors(bytes: Uint8Array, options: TorchImportOptions = {}): ModelContents {
  return importTorch(bytes, options).model;
}

/** importSafetensors, also naming the PyTorch module of each layer (for the CLI's summary). */
export function importTorch(bytes: Uint8Array, options: TorchImportOptions = {}): TorchImport {
  const { file } = options;
  const hidden = options.hidden ?? 'relu';
  const output = options.output ?? 'softmax';
  const bad = nameProblem('hidden activation', hidden, HIDDEN) ?? nameProblem('output (activation and loss)', output, OUTPUTS);
  if (bad !== null) throw new ConfigError(`importSafetensors: ${bad}`);

  const w = file === undefined ? 'PyTorch state_dict' : `PyTorch state_dict ${file}`;
  const fail = (msg: string, offset = 8): never => {
    throw new ModelFileError(`${w}: ${msg}`, { file, offset });
  };
  const st = decodeSafetensors(bytes, file);
  if (st.metadata.format === MODEL_FORMAT) {
    fail('this is already a wasm-mlp model file (__metadata__.format "wasm-mlp"): use it directly instead of importing it');
  }
  if (st.tensors.size === 0) fail('the file holds no tensors; expected the weight and bias of nn.Linear layers (keys like "0.weight", "0.bias")');

  // Group the keys by module; every key must be a weight or a bias under one shared prefix.
  const layers = new Map<string, Layer>();
  let first: { key: string; prefix: string; numbered: boolean } | undefined;
  for (const [key, t] of st.tensors) {
    const k = parseKey(key);
    if (k === null) {
      fail(`unexpected tensor "${key}": only the weight and bias of nn.Linear layers can be imported (keys like "0.weight", "net.2.bias")`, t.offset);
    }
    const { module, prefix, name, part } = k!;
    const numbered = /^\d+$/.test(name);
    first ??= { key, prefix, numbered };
    if (prefix !== first.prefix) {
      fail(`tensor "${key}" has prefix "${prefix}" but "${first.key}" has "${first.prefix}": mixed prefixes, expected one nn.Sequential`, t.offset);
    }
    if (numbered !== first.numbered) {
      fail(`tensor "${key}" is ${numbered ? 'numbered' : 'named'} but "${first.key}" is ${first.numbered ? 'numbered' : 'named'}: expected one nn.Sequential (keys <prefix><index>.weight)`, t.offset);
    }
    const layer = layers.get(module) ?? { module };
    layers.set(module, layer);
    if (layer[part] !== undefined) fail(`tensor "${key}" repeats the ${part} of module "${module}" (also "${layer[part]![0]}")`, t.offset);
    layer[part] = [key, t];
  }

  // Numbered modules by index (the gaps are activations); named ones as their data lies.
  const ordered = [...layers.values()];
  if (first!.numbered) {
    const index = (l: Layer): number => Number(l.module.slice(first!.prefix.length));
    ordered.sort((a, b) => index(a) - index(b));
    for (let i = 1; i < ordered.length; i++) {
      if (index(ordered[i]) === index(ordered[i - 1])) fail(`modules "${ordered[i - 1].module}" and "${ordered[i].module}" have the same index`);
    }
  } else {
    const at = (l: Layer): number => (l.weight ?? l.bias)![1].offset;
    ordered.sort((a, b) => at(a) - at(b));
  }

  const sizes: number[] = [];
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  let prev: [string, TensorOut] | undefined;
  for (const layer of ordered) {
    const m = layer.module === '' ? '' : `${layer.module}.`;
    if (layer.weight === undefined) return fail(`tensor "${layer.bias![0]}" has no weight: missing tensor "${m}weight"`, layer.bias![1].offset);
    if (layer.bias === undefined) return fail(`missing tensor "${m}bias" for "${layer.weight[0]}" ${shapeText(layer.weight[1])}: nn.Linear(bias=False) is not supported`, layer.weight[1].offset);
    const [wk, wt] = layer.weight;
    const [bk, bt] = layer.bias;
    if (wt.shape.length !== 2) fail(`tensor "${wk}" has shape ${shapeText(wt)}, expected 2-D (out, in): only nn.Linear layers can be imported`, wt.offset);
    const [nOut, nIn] = wt.shape;
    if (nOut < 1 || nIn < 1) fail(`tensor "${wk}" has shape ${shapeText(wt)}: a layer needs at least one input and one output`, wt.offset);
    if (bt.shape.length !== 1 || bt.shape[0] !== nOut) fail(`tensor "${bk}" has shape ${shapeText(bt)}, expected [${nOut}] (the outputs of "${wk}" ${shapeText(wt)})`, bt.offset);
    if (prev === undefined) sizes.push(nIn);
    else if (prev[1].shape[0] !== nIn) {
      fail(`tensor "${wk}" has shape ${shapeText(wt)}: its ${nIn} inputs do not match the ${prev[1].shape[0]} outputs of "${prev[0]}" ${shapeText(prev[1])}`, wt.offset);
    }
    sizes.push(nOut);
    weights.push(toF32(wk, wt, fail));
    biases.push(toF32(bk, bt, fail));
    prev = layer.weight;
  }

  const architecture = { layers: sizes, hidden, output };
  const problem = architectureProblem(architecture);
  if (problem !== null) throw new ConfigError(`${w}: the layers ${JSON.stringify(sizes)} (last "${prev![0]}") cannot take this architecture: ${problem}`);
  return {
    model: { architecture, parameters: { weights, biases }, metadata: { imported_from: IMPORTED_FROM } },
    modules: ordered.map((l) => l.module),
  };
}

/** The tensor as f32 (F16 and BF16 widened exactly), refusing any other dtype and non-finite values. */
function toF32(key: string, t: TensorOut, fail: (msg: string, offset?: number) => never): Float32Array {
  let data: Float32Array;
  if (t.dtype === 'F32') data = t.data as Float32Array;
  else if (t.dtype === 'F16') data = f16ToF32(t.data as Uint16Array);
  else if (t.dtype === 'BF16') data = bf16ToF32(t.data as Uint16Array);
  else return fail(`tensor "${key}" has dtype ${t.dtype}, expected F32, F16 or BF16`, t.offset);
  const size = t.dtype === 'F32' ? 4 : 2;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const at = t.shape.length === 2 ? `[${Math.floor(i / t.shape[1])}, ${i % t.shape[1]}]` : `[${i}]`;
      fail(`tensor "${key}" ${at} is ${data[i]}: a model with non-finite parameters cannot be used`, t.offset + i * size);
    }
  }
  return data;
}
