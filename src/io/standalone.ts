// A trained model as one standalone .wasm: a prebuilt template (assembly/standalone/predict.ts,
// compiled to build/standalone-simd.wasm and build/standalone-scalar.wasm) plus the model as one
// active data segment at STANDALONE_MODEL_BASE, and the memory limits set to what the plan needs.
// No compiler runs at export time; every section of the template except the memory (and the data
// count, if any) is kept byte for byte. Pure (no Node built-ins): it runs in a browser too.
//
// The memory plan (byte offsets; docs/ABI.md "A standalone model module"):
//   MODEL_BASE  header: 16 i32 words, then 5 per layer (K, N, W, bias, Wp)
//               normaliser offset (n0), scale (n0), when the model has one     ┐ the data segment,
//               per layer: W (N,K) row-major, bias (N)                         ┘ 16-byte aligned
//   then, zeroed at instantiation (64-byte aligned): input rows (max_rows, n0), outputs
//   (max_rows, classes), two activation buffers and the scratch (max_rows, widest of n0…n_{L−1}
//   each), and per layer the packed copy of W the start function fills (ceil(N/8)·8·K floats).
// W stays row-major in the segment: packed panels would pad N to a multiple of 8 (784·6 floats
// for a 10-class output), too much for the size budget; the module packs it once at start.

import { ConfigError, InputError, WasmBinaryError } from '../errors.js';
import { ACT, architectureProblem } from '../vocabulary.js';
import type { Architecture, Normalizer, Parameters } from '../types.js';
import {
  SECTION, concat, encodeActiveSegment, encodeMemory, encodeSection, readDataExtents, readExports, readMemory,
  readSections, u32Leb, WasmReader,
} from './wasm-binary.js';

/** Where the model's data segment starts: above the template's own static data (it has none). */
export const STANDALONE_MODEL_BASE = 1024;
/** Version word of the header; predict.ts refuses any other. */
export const STANDALONE_VERSION = 1;
/** Rows one predict call takes by default: a page or a C program classifies a few images at a
 * time, and 64 rows keep the buffers beyond the weights small (784 inputs: 200 KB); more rows are
 * more calls, with the same results. */
export const STANDALONE_DEFAULT_MAX_ROWS = 64;
/** Returned by the module's predict(rows) when rows is not in [1, max_rows()]. */
export const STANDALONE_E_ROWS = -1;
/** Returned by predict when the module holds no model (a bare template). */
export const STANDALONE_E_NO_MODEL = -2;
/** The template's exports, which the exporter checks are there. */
export const STANDALONE_EXPORTS = ['memory', 'inputs', 'classes', 'input_ptr', 'output_ptr', 'max_rows', 'predict'] as const;

const MAGIC = 0x706c6d77; // "wmlp"
const HEADER_WORDS = 16, LAYER_WORDS = 5;
const HEADS = { softmax: 0, sigmoid: 1, linear: 2 } as const;
const PAGE = 65536;
/** Offsets are i32 in the module's exports: the plan stays below 2 GiB. */
const MAX_BYTES = 2 ** 31;

export interface StandaloneModel {
  architecture: Architecture;
  parameters: Parameters;
  normalizer?: Normalizer;
}

export interface StandaloneOptions {
  /** rows one predict call takes (default STANDALONE_DEFAULT_MAX_ROWS) */
  maxRows?: number;
}

/** Byte offsets of the plan. */
export interface StandalonePlan {
  header: number;
  normOffset: number;
  normScale: number;
  weights: number[];
  biases: number[];
  /** end of the data segment */
  segmentEnd: number;
  input: number;
  output: number;
  act0: number;
  act1: number;
  scratch: number;
  packed: number[];
  /** bytes of memory the module needs */
  end: number;
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

export function planStandalone(layers: number[], hasNormalizer: boolean, maxRows: number): StandalonePlan {
  const L = layers.length - 1, n0 = layers[0], classes = layers[L];
  let at = STANDALONE_MODEL_BASE;
  const take = (bytes: number, a: number): number => { at = align(at, a); const p = at; at += bytes; return p; };
  const header = take(4 * (HEADER_WORDS + LAYER_WORDS * L), 16);
  const normOffset = hasNormalizer ? take(4 * n0, 16) : 0;
  const normScale = hasNormalizer ? take(4 * n0, 16) : 0;
  const weights: number[] = [], biases: number[] = [];
  for (let l = 0; l < L; l++) {
    weights.push(take(4 * layers[l] * layers[l + 1], 16));
    biases.push(take(4 * layers[l + 1], 16));
  }
  const segmentEnd = at;
  const widest = Math.max(...layers.slice(0, L));
  const input = take(4 * maxRows * n0, 64);
  const output = take(4 * maxRows * classes, 64);
  const act0 = take(4 * maxRows * widest, 64);
  const act1 = take(4 * maxRows * widest, 64);
  const scratch = take(4 * maxRows * widest, 64);
  const packed = layers.slice(0, L).map((K, l) => take(4 * Math.ceil(layers[l + 1] / 8) * 8 * K, 64));
  return { header, normOffset, normScale, weights, biases, segmentEnd, input, output, act0, act1, scratch, packed, end: align(at, 64) };
}

function checkModel(model: StandaloneModel, maxRows: number): void {
  const problem = architectureProblem(model.architecture);
  if (problem !== null) throw new ConfigError(`exportStandaloneWasm: invalid architecture: ${problem}`);
  const { layers } = model.architecture;
  const { weights, biases } = model.parameters;
  const L = layers.length - 1;
  if (weights.length !== L || biases.length !== L) {
    throw new InputError(`exportStandaloneWasm: layers ${JSON.stringify(layers)} need ${L} weight and ${L} bias arrays, found ${weights.length} and ${biases.length}`);
  }
  const tensors: [string, unknown, number][] = [];
  for (let l = 0; l < L; l++) {
    tensors.push([`layers.${l}.weight`, weights[l], layers[l] * layers[l + 1]], [`layers.${l}.bias`, biases[l], layers[l + 1]]);
  }
  if (model.normalizer) tensors.push(['normalizer.offset', model.normalizer.offset, layers[0]], ['normalizer.scale', model.normalizer.scale, layers[0]]);
  for (const [name, t, n] of tensors) {
    if (!(t instanceof Float32Array) || t.length !== n) {
      throw new InputError(`exportStandaloneWasm: ${name} must be a Float32Array of ${n}, found ${t instanceof Float32Array ? `length ${t.length}` : typeof t}`);
    }
    const bad = t.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InputError(`exportStandaloneWasm: ${name}[${bad}] is ${t[bad]}, expected a finite number`);
  }
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new InputError(`exportStandaloneWasm: maxRows must be an integer ≥ 1; got ${maxRows}`);
}

/** The data segment's bytes (from STANDALONE_MODEL_BASE to plan.segmentEnd): header and tensors. */
function segmentBytes(model: StandaloneModel, plan: StandalonePlan, maxRows: number): Uint8Array {
  const { layers, hidden, output } = model.architecture;
  const L = layers.length - 1;
  const seg = new Uint8Array(plan.segmentEnd - STANDALONE_MODEL_BASE);
  const view = new DataView(seg.buffer);
  const words = [MAGIC, STANDALONE_VERSION, L, ACT[hidden], HEADS[output], maxRows, layers[0], layers[L], plan.input,
    plan.output, plan.act0, plan.act1, plan.scratch, plan.normOffset, plan.normScale, plan.end];
  for (let l = 0; l < L; l++) words.push(layers[l], layers[l + 1], plan.weights[l], plan.biases[l], plan.packed[l]);
  words.forEach((w, i) => view.setInt32(plan.header - STANDALONE_MODEL_BASE + 4 * i, w, true));
  const put = (at: number, t: Float32Array): void => {
    for (let i = 0; i < t.length; i++) view.setFloat32(at - STANDALONE_MODEL_BASE + 4 * i, t[i], true);
  };
  if (model.normalizer) { put(plan.normOffset, model.normalizer.offset); put(plan.normScale, model.normalizer.scale); }
  for (let l = 0; l < L; l++) { put(plan.weights[l], model.parameters.weights[l]); put(plan.biases[l], model.parameters.biases[l]); }
  return seg;
}

/** One module: `template` (build/standalone-simd.wasm or build/standalone-scalar.wasm) with
 * `model` inside. Throws WasmBinaryError for a template that is not a standalone template (or is
 * truncated, or already holds a model), ConfigError/InputError for a malformed model. */
export function exportStandaloneWasm(template: Uint8Array, model: StandaloneModel, options: StandaloneOptions = {}): Uint8Array {
  const maxRows = options.maxRows ?? STANDALONE_DEFAULT_MAX_ROWS;
  checkModel(model, maxRows);
  const what = 'standalone template';
  const sections = readSections(template, what);
  const find = (id: number) => sections.find((s) => s.id === id);
  const fail = (message: string, at = 0): never => new WasmReader(template, at, what).fail(message);
  if (find(SECTION.import)) fail('has an import section: a standalone module imports nothing', find(SECTION.import)!.start);
  const exportSection = find(SECTION.export) ?? fail('has no export section');
  const names = readExports(template, exportSection, what);
  for (const name of STANDALONE_EXPORTS) {
    if (!names.has(name)) fail(`does not export "${name}": not a wasm-mlp standalone template (build/standalone-*.wasm)`, exportSection.start);
  }
  const memory = find(SECTION.memory) ?? fail('has no memory section');
  readMemory(template, memory, what);
  const data = find(SECTION.data), code = find(SECTION.code) ?? fail('has no code section');
  const existing = data ? readDataExtents(template, data, what) : { count: 0, extents: [] };
  for (const [lo, hi] of existing.extents) {
    if (hi > STANDALONE_MODEL_BASE) {
      fail(`has data at [${lo}, ${hi}), above the model's base ${STANDALONE_MODEL_BASE}: a module that already holds a model, or a template built with more static data`, data!.start);
    }
  }

  const plan = planStandalone(model.architecture.layers, model.normalizer !== undefined, maxRows);
  if (plan.end > MAX_BYTES) {
    throw new InputError(`exportStandaloneWasm: the model with maxRows ${maxRows} needs ${plan.end} bytes of memory, above 2 GiB: lower maxRows`);
  }
  const pages = Math.ceil(plan.end / PAGE);
  const segment = encodeActiveSegment(STANDALONE_MODEL_BASE, segmentBytes(model, plan, maxRows));
  let kept = template.subarray(0, 0); // the template's own segments, after their count
  if (data) { const r = new WasmReader(template, data.payload, what); r.u32(); kept = template.subarray(r.pos, data.end); }
  const dataSection = encodeSection(SECTION.data, concat([u32Leb(existing.count + 1), kept, segment]));

  const parts: Uint8Array[] = [template.subarray(0, 8)];
  for (const s of sections) {
    const bytes = template.subarray(s.start, s.end);
    if (s.id === SECTION.memory) parts.push(encodeSection(SECTION.memory, encodeMemory(pages, pages)));
    else if (s.id === SECTION.dataCount) parts.push(encodeSection(SECTION.dataCount, Uint8Array.from(u32Leb(existing.count + 1))));
    else if (s.id === SECTION.data) parts.push(dataSection);
    else parts.push(bytes);
    if (s === code && !data) parts.push(dataSection);
  }
  return concat(parts);
}
