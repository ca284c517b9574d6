// The wasm-mlp model file: a safetensors file with F32 tensors
//   layers.{l}.weight (n_out, n_in) row-major, layers.{l}.bias (n_out),
//   normalizer.offset / normalizer.scale (n_in of layer 0), when a normalizer is saved,
// and __metadata__ { format: "wasm-mlp", format_version: "1", architecture: JSON of
// {layers, hidden, output}, normalizer_kind?, ...caller metadata }. Pure.

import { ConfigError, InputError, ModelFileError } from '../errors.js';
import type { Architecture, Normalizer, Parameters } from '../types.js';
import { NORMALIZERS, architectureProblem, isOneOf } from '../vocabulary.js';
import { decodeSafetensors, encodeSafetensors, type DecodedSafetensors, type TensorIn } from './safetensors.js';

export const MODEL_FORMAT = 'wasm-mlp';
export const MODEL_FORMAT_VERSION = '1';

export interface ModelContents {
  architecture: Architecture;
  parameters: Parameters;
  normalizer?: Normalizer;
  /** caller metadata: strings only (the safetensors format allows nothing else) */
  metadata?: Record<string, string>;
}

export interface DecodedModel {
  architecture: Architecture;
  parameters: Parameters;
  normalizer?: Normalizer;
  metadata: Record<string, string>;
}

/** Metadata keys the model format owns ('kind' marks checkpoints); checkpoint.ts adds its own. */
export const MODEL_METADATA_KEYS = ['format', 'format_version', 'architecture', 'normalizer_kind', 'kind'];

export { architectureProblem };

/** The tensors of a model, checked against its architecture. */
export function modelTensors(model: ModelContents): TensorIn[] {
  const problem = architectureProblem(model.architecture);
  if (problem !== null) throw new ConfigError(`encodeModel: invalid architecture: ${problem}`);
  const { layers } = model.architecture;
  const { weights, biases } = model.parameters;
  const L = layers.length - 1;
  if (weights.length !== L || biases.length !== L) {
    throw new InputError(`encodeModel: layers ${JSON.stringify(layers)} need ${L} weight and ${L} bias arrays, found ${weights.length} and ${biases.length}`);
  }
  const tensors: TensorIn[] = [];
  for (let l = 0; l < L; l++) {
    const [nIn, nOut] = [layers[l], layers[l + 1]];
    if (!(weights[l] instanceof Float32Array) || weights[l].length !== nOut * nIn) {
      throw new InputError(`encodeModel: layers.${l}.weight must be a Float32Array of ${nOut} × ${nIn} = ${nOut * nIn}, found length ${weights[l]?.length}`);
    }
    if (!(biases[l] instanceof Float32Array) || biases[l].length !== nOut) {
      throw new InputError(`encodeModel: layers.${l}.bias must be a Float32Array of ${nOut}, found length ${biases[l]?.length}`);
    }
    tensors.push({ name: `layers.${l}.weight`, dtype: 'F32', shape: [nOut, nIn], data: weights[l] });
    tensors.push({ name: `layers.${l}.bias`, dtype: 'F32', shape: [nOut], data: biases[l] });
  }
  const norm = model.normalizer;
  if (norm !== undefined) {
    if (!isOneOf(NORMALIZERS, norm.kind)) throw new InputError(`encodeModel: normalizer kind ${JSON.stringify(norm.kind)}, expected minmax or zscore`);
    for (const part of ['offset', 'scale'] as const) {
      if (!(norm[part] instanceof Float32Array) || norm[part].length !== layers[0]) {
        throw new InputError(`encodeModel: normalizer.${part} must be a Float32Array of ${layers[0]} (the input size), found length ${norm[part]?.length}`);
      }
      tensors.push({ name: `normalizer.${part}`, dtype: 'F32', shape: [layers[0]], data: norm[part] });
    }
  }
  return tensors;
}

/** The __metadata__ of a model; `reserved` are keys callers may not set. */
export function modelMetadata(model: ModelContents, reserved: string[] = MODEL_METADATA_KEYS): Record<string, string> {
  const { layers, hidden, output } = model.architecture;
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(model.metadata ?? {})) {
    if (reserved.includes(k)) throw new InputError(`encodeModel: metadata key "${k}" is reserved by the file format`);
    if (typeof v !== 'string') throw new InputError(`encodeModel: metadata "${k}" must be a string, found ${typeof v}`);
    meta[k] = v;
  }
  meta.format = MODEL_FORMAT;
  meta.format_version = MODEL_FORMAT_VERSION;
  meta.architecture = JSON.stringify({ layers, hidden, output });
  if (model.normalizer !== undefined) meta.normalizer_kind = model.normalizer.kind;
  return meta;
}

export function encodeModel(model: ModelContents): Uint8Array {
  return encodeSafetensors(modelTensors(model), modelMetadata(model));
}

/** Validates and extracts the model part of decoded safetensors. Tensors named in `extra` (by
 * exact name or by a prefix ending in '.') are left for the caller; any other unknown tensor is an error. */
export function modelFromSafetensors(st: DecodedSafetensors, file: string | undefined, extra: string[] = [], reserved: string[] = MODEL_METADATA_KEYS): DecodedModel {
  const w = file === undefined ? 'model data' : `model file ${file}`;
  const fail = (msg: string, offset = 8): never => {
    throw new ModelFileError(`${w}: ${msg}`, { file, offset });
  };
  const meta = st.metadata;
  if (meta.format !== MODEL_FORMAT) {
    fail(`not a wasm-mlp model: __metadata__.format is ${meta.format === undefined ? 'missing' : JSON.stringify(meta.format)}, expected "${MODEL_FORMAT}"`);
  }
  if (meta.format_version !== MODEL_FORMAT_VERSION) {
    fail(`unsupported format_version ${meta.format_version === undefined ? '(missing)' : JSON.stringify(meta.format_version)}: this build reads version ${MODEL_FORMAT_VERSION}`);
  }
  let arch: unknown;
  try {
    arch = JSON.parse(meta.architecture ?? '');
  } catch {
    fail(`__metadata__.architecture is not valid JSON: ${JSON.stringify((meta.architecture ?? '(missing)').slice(0, 80))}`);
  }
  const problem = architectureProblem(arch);
  if (problem !== null) fail(`invalid architecture: ${problem}`);
  const { layers, hidden, output } = arch as Architecture;
  const architecture: Architecture = { layers: [...layers], hidden, output };

  const used = new Set<string>();
  const take = (name: string, shape: number[]): Float32Array => {
    const t = st.tensors.get(name);
    if (t === undefined) return fail(`missing tensor "${name}" (expected F32 of shape [${shape.join(', ')}])`);
    if (t.dtype !== 'F32') fail(`tensor "${name}" has dtype ${t.dtype}, expected F32`, t.offset);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      fail(`tensor "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] for layers ${JSON.stringify(layers)}`, t.offset);
    }
    used.add(name);
    return t.data as Float32Array;
  };
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    weights.push(take(`layers.${l}.weight`, [layers[l + 1], layers[l]]));
    biases.push(take(`layers.${l}.bias`, [layers[l + 1]]));
  }
  let normalizer: Normalizer | undefined;
  const kind = meta.normalizer_kind;
  if (kind !== undefined) {
    if (!isOneOf(NORMALIZERS, kind)) fail(`__metadata__.normalizer_kind is ${JSON.stringify(kind)}, expected "minmax" or "zscore"`);
    normalizer = {
      kind: kind as Normalizer['kind'],
      offset: take('normalizer.offset', [layers[0]]),
      scale: take('normalizer.scale', [layers[0]]),
    };
  }
  for (const [name, t] of st.tensors) {
    if (used.has(name) || extra.some((e) => (e.endsWith('.') ? name.startsWith(e) : name === e))) continue;
    if (name.startsWith('normalizer.')) fail(`tensor "${name}" is present but __metadata__.normalizer_kind is not`, t.offset);
    fail(`unexpected tensor "${name}" (layers ${JSON.stringify(layers)} imply layers.0 to layers.${layers.length - 2})`, t.offset);
  }
  const metadata = Object.fromEntries(Object.entries(meta).filter(([k]) => !reserved.includes(k)));
  return normalizer === undefined
    ? { architecture, parameters: { weights, biases }, metadata }
    : { architecture, parameters: { weights, biases }, normalizer, metadata };
}

/** Tensors a checkpoint adds; a model reader accepts them so a checkpoint can be used to predict. */
export const CHECKPOINT_TENSORS = ['optimizer.', 'rng.state', 'data.order', 'early_stopping.'];
export const CHECKPOINT_METADATA_KEYS = ['epoch', 'optimizer', 'optimizer_step', 'sample', 'batch', 'history', 'lr_schedule', 'early_stopping', 'seed', 'stream_chunk_rows', 'stream_window_chunks'];

export function decodeModel(bytes: Uint8Array, file?: string): DecodedModel {
  const st = decodeSafetensors(bytes, file);
  const isCheckpoint = st.metadata.kind === 'checkpoint';
  return modelFromSafetensors(
    st,
    file,
    isCheckpoint ? CHECKPOINT_TENSORS : [],
    isCheckpoint ? [...MODEL_METADATA_KEYS, ...CHECKPOINT_METADATA_KEYS] : MODEL_METADATA_KEYS,
  );
}
