// ONNX import: reads a dense network from an ONNX ModelProto into wasm-mlp's ModelContents. Pure:
// no dependency and no Node built-ins, so it also runs in a browser.
//
// Accepted graph: a single chain from the one graph input to the one graph output, each tensor
// read by exactly one node, every other node input a constant (an initializer or a Constant node):
//   [Sub | Add offset] [Mul | Div scale]     optional normaliser, before the first layer: (x - offset) * scale
//   per layer: Gemm(A, B, C?) with alpha = beta = 1, transA = 0, transB 0 or 1 (no C: zero bias),
//              or MatMul(A, B (K, N)) [Add bias (N)] (no Add: zero bias),
//              then on hidden layers Relu | LeakyRelu(alpha 0.01) | Sigmoid | Tanh, one kind throughout,
//              and on the last layer Softmax(axis 1 or -1) | Sigmoid | nothing (linear)
//   Identity anywhere; Flatten(axis 1) anywhere (it keeps the row-major layout, so a (batch, 1, 28, 28)
//   input imports as 784 features); Reshape to (batch, n) by a constant shape [-1 or 0, n] or [0, -1].
// Weights become (n_out, n_in) row-major (transposed where the graph stores (n_in, n_out)), copied
// bit for bit. The normaliser is bit-exact for Sub/Add and Mul (Add c is stored as offset -c, an
// exact negation); Div by d becomes scale fround(1/d), which can differ from dividing by d in the
// last bit. Its kind is a label: zscore when there is an offset, minmax for a pure rescale (e.g. x/255).
//
// Fields read (onnx.proto): ModelProto 2 producer_name, 6 doc_string, 7 graph; GraphProto 1 node,
// 5 initializer, 11 input, 12 output; NodeProto 1 input, 2 output, 3 name, 4 op_type, 5 attribute,
// 7 domain; AttributeProto 1 name, 2 f, 3 i, 5 t; ValueInfoProto 1 name, 2 type; TypeProto
// 1 tensor_type; TypeProto.Tensor 1 elem_type, 2 shape; TensorShapeProto 1 dim; Dimension
// 1 dim_value, 2 dim_param. Everything else is skipped.

import { InputError } from '../errors.js';
import type { Architecture, Normalizer } from '../types.js';
import { HIDDEN, LEAKY_RELU_SLOPE, architectureProblem, isOneOf, type Hidden, type Output } from '../vocabulary.js';
import type { ModelContents } from './model-file.js';
import { readTensor, DATA_TYPES, type OnnxTensor } from './onnx-tensor.js';
import { ProtoReader, type ProtoField } from './protobuf.js';

export interface OnnxImportOptions {
  /** the file's name, for error messages */
  file?: string;
}

const SUPPORTED = 'wasm-mlp imports dense networks (Gemm or MatMul+Add, Relu/LeakyRelu/Sigmoid/Tanh, Softmax/Sigmoid, Sub/Mul/Div normaliser)';
const ACTIVATIONS: Record<string, Hidden | 'softmax'> = { Relu: 'relu', LeakyRelu: 'leaky_relu', Sigmoid: 'sigmoid', Tanh: 'tanh', Softmax: 'softmax' };
const ATTRIBUTES: Record<string, string[]> = {
  Identity: [], Flatten: ['axis'], Reshape: ['allowzero'], Sub: [], Add: [], Mul: [], Div: [],
  Gemm: ['alpha', 'beta', 'transA', 'transB'], MatMul: [], Relu: [], LeakyRelu: ['alpha'], Sigmoid: [], Tanh: [], Softmax: ['axis'],
};
const FLOAT = 1;

interface Attribute { f?: number; i?: number; t?: ProtoField; at: number }

interface Node {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, Attribute>;
  at: number;
  /** "node "/1/Gemm" (Gemm)" */
  label: string;
}

interface Layer {
  weight: Float32Array;
  bias: Float32Array | null;
  nIn: number;
  nOut: number;
  node: Node;
  activation?: { kind: Hidden | 'softmax'; node: Node };
}

/** Reads a dense network from the bytes of an ONNX model. Throws ModelFileError naming the byte
 * offset (and `options.file`) for malformed bytes and for graphs wasm-mlp cannot represent. */
export function importOnnx(bytes: Uint8Array, options: OnnxImportOptions = {}): ModelContents {
  if (!(bytes instanceof Uint8Array)) throw new InputError(`importOnnx: bytes must be a Uint8Array, found ${bytes === null ? 'null' : typeof bytes}`);
  const { file } = options ?? {};
  if (file !== undefined && typeof file !== 'string') throw new InputError(`importOnnx: options.file must be a string, found ${typeof file}`);
  const r = new ProtoReader(bytes, file === undefined ? 'ONNX data' : `ONNX file ${file}`, file);

  const model = r.fields();
  const graphFields = model.filter((f) => f.field === 7);
  if (graphFields.length !== 1) r.fail(`not an ONNX model: expected one graph (ModelProto field 7), found ${graphFields.length}`, 0);
  const text = (n: number): string => {
    const f = model.filter((x) => x.field === n).at(-1);
    return f === undefined ? '' : r.string(f, `ModelProto field ${n}`);
  };
  const graph = readGraph(r, graphFields[0]);
  const chain = walkChain(r, graph);
  return toModel(r, chain, graphFields[0].at, text(2) === 'wasm-mlp' ? text(6) : '');
}

/** "a, b, c and 7 more": error messages stay short whatever the file holds. */
function listed(items: string[], max = 4): string {
  if (items.length === 0) return 'none';
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

// ---- graph --------------------------------------------------------------------------------

interface ValueInfo { name: string; elemType?: number; dims?: (number | null)[]; at: number }

interface Graph {
  nodes: Node[];
  constants: Map<string, { field: ProtoField; depth: number; what: string; tensor?: OnnxTensor }>;
  input: ValueInfo;
  output: ValueInfo;
}

function readGraph(r: ProtoReader, g: ProtoField): Graph {
  const fields = r.message(g, 0, 'the graph');
  const constants: Graph['constants'] = new Map();
  for (const f of fields.filter((x) => x.field === 5)) {
    const t = r.message(f, 1, 'an initializer').filter((x) => x.field === 8).at(-1);
    const name = t === undefined ? '' : r.string(t, 'an initializer name');
    if (name === '') r.fail(`the initializer at byte ${f.at} has no name`, f.at);
    if (constants.has(name)) r.fail(`two initializers are named "${name}" (the second at byte ${f.at})`, f.at);
    constants.set(name, { field: f, depth: 1, what: `initializer "${name}"` });
  }
  const nodes: Node[] = [];
  for (const f of fields.filter((x) => x.field === 1)) {
    const node = readNode(r, f, nodes.length);
    if (node.op === 'Constant') {
      const value = node.attributes.get('value');
      if (value?.t === undefined || node.attributes.size !== 1 || node.outputs.length !== 1) {
        r.fail(`${node.label} at byte ${node.at}: only Constant nodes with a tensor "value" attribute are supported, found attributes ${listed([...node.attributes.keys()])}`, node.at);
      }
      if (constants.has(node.outputs[0])) r.fail(`${node.label} at byte ${node.at} writes "${node.outputs[0]}", which is already a constant`, node.at);
      constants.set(node.outputs[0], { field: value.t, depth: 3, what: `the value of ${node.label}` });
    } else nodes.push(node);
  }
  const valueInfos = (n: number, what: string): ValueInfo[] =>
    fields.filter((x) => x.field === n).map((f) => readValueInfo(r, f, what)).filter((v) => !constants.has(v.name));
  const inputs = valueInfos(11, 'a graph input');
  const outputs = valueInfos(12, 'a graph output');
  if (inputs.length !== 1) {
    r.fail(`the graph has ${inputs.length} inputs besides its initializers (${listed(inputs.map((v) => `"${v.name}"`))}); wasm-mlp imports networks with exactly one input`, g.at);
  }
  if (outputs.length !== 1) {
    r.fail(`the graph has ${outputs.length} outputs (${listed(outputs.map((v) => `"${v.name}"`))}); wasm-mlp imports networks with exactly one output`, g.at);
  }
  return { nodes, constants, input: inputs[0], output: outputs[0] };
}

function readNode(r: ProtoReader, f: ProtoField, index: number): Node {
  const fields = r.message(f, 1, 'a node');
  const strings = (n: number, what: string): string[] => fields.filter((x) => x.field === n).map((x) => r.string(x, what));
  const name = strings(3, 'a node name').at(-1) ?? '';
  const op = strings(4, 'a node op_type').at(-1) ?? '';
  const label = name === '' ? `node #${index} (${op || 'no op_type'})` : `node "${name}" (${op || 'no op_type'})`;
  const domain = strings(7, 'a node domain').at(-1) ?? '';
  if (domain !== '' && domain !== 'ai.onnx') r.fail(`${label} at byte ${f.at} is from operator domain "${domain}"; ${SUPPORTED} from the standard domain`, f.at);
  const attributes = new Map<string, Attribute>();
  for (const a of fields.filter((x) => x.field === 5)) {
    const af = r.message(a, 2, `an attribute of ${label}`);
    const one = (n: number): ProtoField | undefined => af.filter((x) => x.field === n).at(-1);
    const nameField = one(1);
    const attr: Attribute = { at: a.at };
    const fField = one(2), iField = one(3);
    if (fField !== undefined) attr.f = r.float(fField, `an attribute's f`);
    if (iField !== undefined) attr.i = r.int(iField, `an attribute's i`);
    attr.t = one(5);
    attributes.set(nameField === undefined ? '' : r.string(nameField, 'an attribute name'), attr);
  }
  return { name, op, inputs: strings(1, 'a node input'), outputs: strings(2, 'a node output'), attributes, at: f.at, label };
}

/** Name, element type and shape of a graph input or output; a dim without a positive dim_value is null. */
function readValueInfo(r: ProtoReader, f: ProtoField, what: string): ValueInfo {
  const fields = r.message(f, 1, what);
  const one = (fs: ProtoField[], n: number): ProtoField | undefined => fs.filter((x) => x.field === n).at(-1);
  const nameField = one(fields, 1);
  const info: ValueInfo = { name: nameField === undefined ? '' : r.string(nameField, `${what}'s name`), at: f.at };
  const type = one(fields, 2);
  const tensorType = type === undefined ? undefined : one(r.message(type, 2, `${what}'s type`), 1);
  if (tensorType === undefined) return info;
  const tt = r.message(tensorType, 3, `${what}'s tensor type`);
  const elem = one(tt, 1);
  if (elem !== undefined) info.elemType = r.int(elem, `${what}'s elem_type`);
  const shape = one(tt, 2);
  if (shape !== undefined) {
    info.dims = r.message(shape, 4, `${what}'s shape`).filter((x) => x.field === 1).map((d) => {
      const value = one(r.message(d, 5, `a dimension of ${what}`), 1);
      const n = value === undefined ? 0 : r.int(value, `a dim_value of ${what}`);
      return n > 0 ? n : null;
    });
  }
  return info;
}

// ---- the chain ----------------------------------------------------------------------------

interface Chain {
  layers: Layer[];
  offset?: { values: Float32Array | number; node: Node };
  scale?: { values: Float32Array | number; node: Node };
}

/** Follows the chain of nodes from the graph input to the graph output, folding each into layers. */
function walkChain(r: ProtoReader, g: Graph): Chain {
  const fail = (node: Node, message: string): never => r.fail(`${node.label} at byte ${node.at} ${message}`, node.at);
  for (const info of [g.input, g.output]) {
    if (info.elemType !== undefined && info.elemType !== FLOAT) {
      r.fail(`graph ${info === g.input ? 'input' : 'output'} "${info.name}" at byte ${info.at} has element type ${DATA_TYPES[info.elemType] ?? info.elemType}, expected FLOAT`, info.at);
    }
  }
  const users = new Map<string, Node[]>();
  for (const node of g.nodes) {
    for (const name of node.inputs) {
      if (name === '' || g.constants.has(name)) continue;
      const list = users.get(name);
      if (list === undefined) users.set(name, [node]);
      else list.push(node);
    }
  }
  const constant = (node: Node, name: string | undefined, role: string): OnnxTensor => {
    const c = name === undefined || name === '' ? undefined : g.constants.get(name);
    if (c === undefined) {
      return fail(node, `reads ${name ? `"${name}"` : 'nothing'} as its ${role}, which is not an initializer or a Constant: wasm-mlp imports layers whose weights are constants`);
    }
    c.tensor ??= readTensor(r, c.field, c.depth, c.what);
    return c.tensor;
  };
  const floats = (node: Node, t: OnnxTensor): Float32Array => t.floats ?? fail(node, `reads tensor "${t.name}" of integers where it needs floats`);

  const inputDims = g.input.dims;
  if (inputDims !== undefined && inputDims.length < 2) {
    r.fail(`graph input "${g.input.name}" at byte ${g.input.at} has shape (${inputDims.join(', ')}); wasm-mlp networks take (batch, features)`, g.input.at);
  }
  // feature dims of the tensor flowing along the chain (all but the batch dim); null when unknown
  let dims: number[] | null = inputDims === undefined || inputDims.slice(1).some((d) => d === null) ? null : (inputDims.slice(1) as number[]);
  const shape = (): string => (dims === null ? '(batch, ?)' : `(batch, ${dims.join(', ')})`);
  /** Checks a vector constant against the current width (setting it when unknown). */
  const vector = (node: Node, t: OnnxTensor, role: string, n?: number): Float32Array | number => {
    const v = floats(node, t);
    if (v.length === 1 && t.dims.length <= 2) return v[0]; // a scalar, shape (), (1) or (1, 1): broadcast
    const width = n ?? (dims !== null && dims.length === 1 ? dims[0] : dims === null ? v.length : null);
    if (width === null) fail(node, `applies a ${role} of shape (${t.dims.join(', ')}) to a tensor of shape ${shape()}; add a Flatten before it`);
    const ok = (t.dims.length === 1 || (t.dims.length === 2 && t.dims[0] === 1)) && v.length === width;
    if (!ok) fail(node, `has a ${role} "${t.name}" of shape (${t.dims.join(', ')}), expected (${width}) or (1, ${width}) for a tensor of shape ${n === undefined ? shape() : `(batch, ${n})`}`);
    dims = [width!];
    return v;
  };

  const chain: Chain = { layers: [] };
  let phase: 'input' | 'layer' | 'activated' | 'output' = 'input';
  let current = g.input.name;
  const seen = new Set<Node>();
  while (current !== g.output.name) {
    const next = users.get(current) ?? [];
    if (next.length === 0) r.fail(`tensor "${current}" is read by no node and is not the graph output "${g.output.name}": the graph is not a chain from input to output`, g.input.at);
    if (next.length > 1) {
      r.fail(`tensor "${current}" is read ${next.length} times (by ${listed([...new Set(next.map((n) => n.label))])}): wasm-mlp imports a single chain of layers, without branches`, next[1].at);
    }
    const node = next[0];
    if (seen.has(node)) fail(node, 'is reached twice: the graph has a cycle');
    seen.add(node);
    const allowed = ATTRIBUTES[node.op];
    if (allowed === undefined) fail(node, `uses ${node.op || 'no operator'}: ${SUPPORTED}`);
    for (const name of node.attributes.keys()) {
      if (!allowed.includes(name)) fail(node, `has attribute "${name}", which this importer does not read for ${node.op}`);
    }
    if (node.outputs.length !== 1) fail(node, `has ${node.outputs.length} outputs, expected 1`);
    const others = node.inputs.filter((_, i) => i > 0);
    const position = node.inputs.indexOf(current);
    const commutative = node.op === 'Add' || node.op === 'Mul';
    if (position !== 0 && !(commutative && position === 1 && node.inputs.length === 2)) {
      fail(node, `reads the chain's tensor "${current}" as its input ${position + 1}; it must be the first input (the data, not the weights)`);
    }
    const operand = position === 0 ? others[0] : node.inputs[0];
    const attr = (name: string, fallback: number, kind: 'f' | 'i'): number => {
      const a = node.attributes.get(name);
      if (a === undefined) return fallback;
      const v = a[kind];
      return v ?? fail(node, `has attribute "${name}" without its ${kind === 'f' ? 'float' : 'integer'} value`);
    };
    const arity = (n: number): void => {
      if (node.inputs.length !== n) fail(node, `has ${node.inputs.length} inputs, expected ${n}`);
    };

    switch (node.op) {
      case 'Identity':
        arity(1);
        break;
      case 'Flatten': {
        arity(1);
        const axis = attr('axis', 1, 'i');
        if (axis !== 1) fail(node, `has axis ${axis}; wasm-mlp reads Flatten(axis 1), which keeps the batch dimension`);
        if (dims !== null) dims = [dims.reduce((a, b) => a * b, 1)];
        break;
      }
      case 'Reshape': {
        arity(2);
        const target = constant(node, operand, 'shape').ints ?? fail(node, 'has a shape that is not INT64');
        const width = dims !== null && dims.length === 1 ? dims[0] : null;
        const keeps = target.length === 2 && width !== null
          && ((target[0] === -1 || target[0] === 0) && target[1] === width || (target[0] === 0 && target[1] === -1));
        if (!keeps || attr('allowzero', 0, 'i') !== 0) {
          fail(node, `reshapes ${shape()} to [${target.join(', ')}]; wasm-mlp reads only a Reshape that keeps (batch, n)`);
        }
        break;
      }
      case 'Sub':
      case 'Add':
      case 'Mul':
      case 'Div': {
        arity(2);
        const t = constant(node, operand, 'operand');
        const layer = chain.layers.at(-1);
        if (node.op === 'Add' && phase === 'layer' && layer !== undefined && layer.bias === null) {
          const b = vector(node, t, 'bias', layer.nOut);
          layer.bias = typeof b === 'number' ? new Float32Array(layer.nOut).fill(b) : b.slice();
          break;
        }
        if (phase !== 'input') {
          fail(node, `comes after ${layer!.node.label}: wasm-mlp reads elementwise ${node.op} only as the input normaliser before the first layer, and Add as a layer's bias`);
        }
        const values = vector(node, t, node.op === 'Sub' || node.op === 'Add' ? 'offset' : 'scale');
        if (node.op === 'Sub' || node.op === 'Add') {
          const earlier = chain.offset?.node ?? chain.scale?.node;
          if (earlier !== undefined) fail(node, `follows ${earlier.label}: wasm-mlp's normaliser is (x - offset) * scale, one offset (Sub) then one scale (Mul or Div)`);
          chain.offset = { values: node.op === 'Sub' ? values : negate(values), node };
        } else {
          if (chain.scale !== undefined) fail(node, `follows ${chain.scale.node.label}: wasm-mlp's normaliser is (x - offset) * scale, one offset (Sub) then one scale (Mul or Div)`);
          chain.scale = { values: node.op === 'Mul' ? values : reciprocal(node, values, fail), node };
        }
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        if (phase === 'layer') fail(node, `follows ${chain.layers.at(-1)!.node.label} with no activation between them: wasm-mlp's hidden layers each end in Relu, LeakyRelu, Sigmoid or Tanh`);
        if (phase === 'output') fail(node, `comes after the output activation (${chain.layers.at(-1)!.activation!.node.label}); Softmax may only end the network`);
        const gemm = node.op === 'Gemm';
        if (gemm && node.inputs.length !== 2 && node.inputs.length !== 3) fail(node, `has ${node.inputs.length} inputs, expected 2 or 3`);
        if (!gemm) arity(2);
        if (gemm) {
          for (const name of ['alpha', 'beta']) {
            const v = attr(name, 1, 'f');
            if (v !== 1) fail(node, `has ${name} ${v}; wasm-mlp reads Gemm with alpha = beta = 1`);
          }
          if (attr('transA', 0, 'i') !== 0) fail(node, 'has transA = 1; wasm-mlp reads Gemm with transA = 0');
        }
        const transB = gemm ? attr('transB', 0, 'i') : 0;
        if (transB !== 0 && transB !== 1) fail(node, `has transB ${transB}, expected 0 or 1`);
        const b = constant(node, node.inputs[1], 'weight');
        if (b.dims.length !== 2) fail(node, `has a weight "${b.name}" of shape (${b.dims.join(', ')}), expected a matrix`);
        const [nOut, nIn] = transB === 1 ? b.dims : [b.dims[1], b.dims[0]];
        if (dims !== null && (dims.length !== 1 || dims[0] !== nIn)) {
          fail(node, `expects ${nIn} inputs (weight "${b.name}" of shape (${b.dims.join(', ')})${gemm ? `, transB ${transB}` : ''}), but the tensor flowing in has shape ${shape()}: the shapes do not chain`);
        }
        const data = floats(node, b);
        const weight = transB === 1 ? data.slice() : transpose(data, nIn, nOut);
        let bias: Float32Array | null = null;
        if (gemm && node.inputs.length === 3 && node.inputs[2] !== '') {
          const c = vector(node, constant(node, node.inputs[2], 'bias'), 'bias', nOut);
          bias = typeof c === 'number' ? new Float32Array(nOut).fill(c) : c.slice();
        }
        chain.layers.push({ weight, bias, nIn, nOut, node });
        dims = [nOut];
        phase = 'layer';
        break;
      }
      default: {
        // activations
        arity(1);
        const kind = ACTIVATIONS[node.op];
        if (phase === 'input') fail(node, 'comes before the first layer; wasm-mlp applies activations after layers');
        const layer = chain.layers.at(-1)!;
        if (phase !== 'layer') fail(node, `follows ${layer.activation!.node.label}: wasm-mlp applies one activation per layer`);
        if (kind === 'leaky_relu') {
          const alpha = attr('alpha', LEAKY_RELU_SLOPE, 'f');
          if (Math.abs(alpha - LEAKY_RELU_SLOPE) > 1e-7) fail(node, `has alpha ${alpha}; wasm-mlp's leaky_relu has slope ${LEAKY_RELU_SLOPE}`);
        }
        if (kind === 'softmax') {
          const axis = attr('axis', 1, 'i');
          if (axis !== 1 && axis !== -1) fail(node, `has axis ${axis}; wasm-mlp's softmax runs over the features (axis 1 or -1)`);
        }
        layer.activation = { kind, node };
        phase = kind === 'softmax' ? 'output' : 'activated';
      }
    }
    current = node.outputs[0];
  }
  const readers = users.get(current) ?? [];
  if (readers.length > 0) r.fail(`the graph output "${current}" is also read by ${readers[0].label}: wasm-mlp imports a single chain, without branches`, readers[0].at);
  const stray = g.nodes.find((n) => !seen.has(n));
  if (stray !== undefined) r.fail(`${stray.label} at byte ${stray.at} is not on the chain from the graph input to the output`, stray.at);
  if (chain.layers.length === 0) r.fail(`the graph has no dense layer (Gemm or MatMul): ${SUPPORTED}`, g.input.at);
  const outDims = g.output.dims;
  const classes = chain.layers.at(-1)!.nOut;
  if (outDims !== undefined && (outDims.length !== 2 || (outDims[1] !== null && outDims[1] !== classes))) {
    r.fail(`graph output "${g.output.name}" at byte ${g.output.at} has shape (${outDims.map((d, i) => d ?? (i === 0 ? 'batch' : '?')).join(', ')}), but the last layer gives (batch, ${classes})`, g.output.at);
  }
  return chain;
}

function negate(v: Float32Array | number): Float32Array | number {
  return typeof v === 'number' ? -v : v.map((x) => -x);
}

/** 1/d rounded to float32: a Div becomes a Mul, possibly one ulp away from dividing. */
function reciprocal(node: Node, v: Float32Array | number, fail: (node: Node, message: string) => never): Float32Array | number {
  const one = (d: number, i: number): number => {
    const s = Math.fround(1 / d);
    if (!Number.isFinite(s) || s === 0) fail(node, `divides by ${d}${typeof v === 'number' ? '' : ` at index ${i}`}, whose reciprocal is not a finite non-zero float32`);
    return s;
  };
  return typeof v === 'number' ? one(v, 0) : v.map(one);
}

/** (rows, cols) row-major → (cols, rows) row-major. */
function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j];
  return out;
}

// ---- the model ----------------------------------------------------------------------------

function toModel(r: ProtoReader, chain: Chain, at: number, wasmMlpDoc: string): ModelContents {
  const { layers } = chain;
  // the walk has checked that every layer but the last ends in a hidden activation
  const hiddenLayers = layers.slice(0, -1);
  const first = hiddenLayers[0]?.activation;
  const mixed = hiddenLayers.find((layer) => layer.activation!.kind !== first!.kind);
  if (mixed !== undefined) {
    const a = mixed.activation!;
    r.fail(`hidden layers mix activations: ${first!.node.label} and ${a.node.label}; a wasm-mlp network has one hidden activation`, a.node.at);
  }
  const last = layers.at(-1)!;
  const outAct = last.activation;
  if (outAct !== undefined && outAct.kind !== 'softmax' && outAct.kind !== 'sigmoid') {
    r.fail(`the output layer ends in ${outAct.node.label}; wasm-mlp outputs are Softmax, Sigmoid or linear (no activation)`, outAct.node.at);
  }
  const output: Output = outAct === undefined ? 'linear' : (outAct.kind as Output);
  // A single layer has no hidden activation: keep the one wasm-mlp's exporter names in its
  // doc_string ("…, hidden tanh, …"), so its own models round-trip; otherwise relu (unused).
  const named = /, hidden ([a-z_]+),/.exec(wasmMlpDoc)?.[1];
  const hidden: Hidden = first !== undefined ? (first.kind as Hidden) : isOneOf(HIDDEN, named) ? named : 'relu';

  const architecture: Architecture = { layers: [layers[0].nIn, ...layers.map((l) => l.nOut)], hidden, output };
  const problem = architectureProblem(architecture);
  if (problem !== null) r.fail(`the graph is not a network wasm-mlp can run: ${problem}`, at);
  const parameters = {
    weights: layers.map((l) => l.weight),
    biases: layers.map((l) => l.bias ?? new Float32Array(l.nOut)),
  };
  if (chain.offset === undefined && chain.scale === undefined) return { architecture, parameters };
  const n = layers[0].nIn;
  const full = (v: Float32Array | number | undefined, fill: number): Float32Array =>
    v === undefined ? new Float32Array(n).fill(fill) : typeof v === 'number' ? new Float32Array(n).fill(v) : v.slice();
  const normalizer: Normalizer = {
    kind: chain.offset !== undefined ? 'zscore' : 'minmax',
    offset: full(chain.offset?.values, 0),
    scale: full(chain.scale?.values, 1),
  };
  return { architecture, parameters, normalizer };
}
