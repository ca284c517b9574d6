// ONNX export: writes a trained network as an ONNX ModelProto with a small hand-written protobuf
// (proto3 wire format) encoder (protobuf.ts); no dependency and no Node built-ins, so it also runs in a browser.
//
// Graph (opset 13), for layers [n_0, ..., n_L]; batch is the symbolic dimension "batch":
//   input (batch, n_0)
//   [Sub normalizer.offset (n_0), Mul normalizer.scale (n_0)]      only with a normalizer
//   per layer l: Gemm(A, layers.{l}.weight (n_out, n_in), layers.{l}.bias (n_out), transB = 1)
//                then Relu | LeakyRelu(alpha 0.01) | Sigmoid | Tanh on hidden layers,
//                Softmax(axis 1) | Sigmoid | nothing (identity) on the output layer
//   output (batch, n_L)
// The model depends only on the architecture, the parameters and the optional normalizer.
//
// Field numbers used, with their names in onnx.proto (github.com/onnx/onnx/blob/main/onnx/onnx.proto):
//   ModelProto          1 ir_version (int64)    2 producer_name   3 producer_version
//                       6 doc_string            7 graph           8 opset_import
//   OperatorSetIdProto  1 domain                2 version (int64)
//   GraphProto          1 node                  2 name            5 initializer
//                      11 input                12 output
//   NodeProto           1 input                 2 output          3 name
//                       4 op_type               5 attribute
//   AttributeProto      1 name                  2 f (float)       3 i (int64)
//                      20 type (AttributeType: FLOAT = 1, INT = 2)
//   TensorProto         1 dims (packed int64)   2 data_type (FLOAT = 1)
//                       8 name                  9 raw_data (little-endian bytes)
//   ValueInfoProto      1 name                  2 type
//   TypeProto           1 tensor_type
//   TypeProto.Tensor    1 elem_type             2 shape
//   TensorShapeProto    1 dim
//   Dimension           1 dim_value (int64)     2 dim_param

import type { Architecture, Normalizer, Parameters } from '../types.js';
import { ConfigError, InputError } from '../errors.js';
import { LEAKY_RELU_SLOPE, architectureProblem, type Hidden } from '../vocabulary.js';
import { bytesField, concat, floatField, intField, messageField, packedIntsField, stringField } from './protobuf.js';

export interface OnnxExportOptions {
  /** input transform to bake into the graph (Sub then Mul), as saved with the model */
  normalizer?: Normalizer;
  /** written to ModelProto.producer_version */
  producerVersion?: string;
  /** graph input name, default "input" */
  inputName?: string;
  /** graph output name, default "output" */
  outputName?: string;
}

const IR_VERSION = 8;
const OPSET_VERSION = 13;
const FLOAT = 1;              // TensorProto.DataType.FLOAT
const ATTR_FLOAT = 1;         // AttributeProto.AttributeType.FLOAT
const ATTR_INT = 2;           // AttributeProto.AttributeType.INT
const MAX_PROTO_BYTES = 2 ** 31 - 1; // protobuf messages are limited to 2 GiB

/** The ONNX operator of each hidden activation (LeakyRelu takes the slope as its alpha). */
const HIDDEN_OPS: Record<Hidden, string> = { relu: 'Relu', leaky_relu: 'LeakyRelu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

// ---- ONNX messages ------------------------------------------------------------------------

/** TensorProto holding float32 data as raw little-endian bytes, whatever the host's byte order. */
function floatTensor(name: string, dims: number[], data: Float32Array): Uint8Array {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return concat([packedIntsField(1, dims), intField(2, FLOAT), stringField(8, name), bytesField(9, raw)]);
}

type Attribute = { name: string; int: number } | { name: string; float: number };

function attribute(a: Attribute): Uint8Array {
  return 'int' in a
    ? concat([stringField(1, a.name), intField(3, a.int), intField(20, ATTR_INT)])
    : concat([stringField(1, a.name), floatField(2, a.float), intField(20, ATTR_FLOAT)]);
}

function node(opType: string, name: string, inputs: string[], outputs: string[], attributes: Attribute[] = []): Uint8Array {
  return concat([
    ...inputs.map((s) => stringField(1, s)),
    ...outputs.map((s) => stringField(2, s)),
    stringField(3, name),
    stringField(4, opType),
    ...attributes.map((a) => messageField(5, [attribute(a)])),
  ]);
}

/** ValueInfoProto of a float tensor of shape ("batch", features). */
function batchedFloatValue(name: string, features: number): Uint8Array {
  const shape = [messageField(1, [stringField(2, 'batch')]), messageField(1, [intField(1, features)])];
  const tensorType = [intField(1, FLOAT), messageField(2, shape)];
  return concat([stringField(1, name), messageField(2, [messageField(1, tensorType)])]);
}

// ---- validation ---------------------------------------------------------------------------

function checkArchitecture(architecture: Architecture): void {
  const problem = architectureProblem(architecture);
  if (problem !== null) throw new ConfigError(`exportOnnx: invalid architecture: ${problem}`);
}

/** Throws InputError unless `data` is a Float32Array of exactly the product of `dims` values. */
function checkTensor(name: string, dims: number[], data: unknown): asserts data is Float32Array {
  const expected = dims.reduce((a, b) => a * b, 1);
  const shape = `(${dims.join(', ')})`;
  if (!(data instanceof Float32Array)) {
    const found = data === undefined ? 'nothing' : data === null ? 'null' : (data as object).constructor?.name ?? typeof data;
    throw new InputError(`${name} must be a Float32Array of shape ${shape} (${expected} values), found ${found}`);
  }
  if (data.length !== expected) {
    throw new InputError(`${name} must have shape ${shape} (${expected} values), found ${data.length} values`);
  }
}

function checkParameters(layers: number[], parameters: Parameters): void {
  const count = layers.length - 1;
  for (const kind of ['weights', 'biases'] as const) {
    const list: unknown = parameters?.[kind];
    if (!Array.isArray(list) || list.length !== count) {
      const found = Array.isArray(list) ? `${list.length}` : 'none';
      throw new InputError(`parameters.${kind} must hold ${count} tensors for layers [${layers.join(', ')}], found ${found}`);
    }
  }
  for (let l = 0; l < count; l++) {
    checkTensor(`layers.${l}.weight`, [layers[l + 1], layers[l]], parameters.weights[l]);
    checkTensor(`layers.${l}.bias`, [layers[l + 1]], parameters.biases[l]);
  }
}

function checkName(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(`options.${option} must be a non-empty string, found ${JSON.stringify(value)}`);
  }
  return value;
}

// ---- export -------------------------------------------------------------------------------

/** Encodes the network as a serialized ONNX ModelProto (ir_version 8, opset 13). */
export function exportOnnx(architecture: Architecture, parameters: Parameters, options: OnnxExportOptions = {}): Uint8Array {
  checkArchitecture(architecture);
  const { layers, hidden, output } = architecture;
  checkParameters(layers, parameters);
  let floats = 2 * layers[0];
  for (let l = 0; l + 1 < layers.length; l++) floats += (layers[l] + 1) * layers[l + 1];
  if (floats * 4 > MAX_PROTO_BYTES) {
    throw new ConfigError(`layers [${layers.join(', ')}] hold ${floats} floats, more than the 2 GiB a protobuf message (an ONNX model) can carry`);
  }
  const { normalizer } = options;
  const inputName = checkName('inputName', options.inputName ?? 'input');
  const outputName = checkName('outputName', options.outputName ?? 'output');
  if (inputName === outputName) throw new ConfigError(`options.inputName and options.outputName must differ, both are "${inputName}"`);
  if (options.producerVersion !== undefined && typeof options.producerVersion !== 'string') {
    throw new ConfigError(`options.producerVersion must be a string, found ${JSON.stringify(options.producerVersion)}`);
  }

  const nodes: Uint8Array[] = [];
  const initializers: Uint8Array[] = [];
  const internalNames = new Set<string>();
  const internal = (name: string): string => {
    internalNames.add(name);
    return name;
  };

  let current = inputName; // name of the tensor flowing into the next node
  if (normalizer !== undefined) {
    const n0 = [layers[0]];
    checkTensor('normalizer.offset', n0, normalizer.offset);
    checkTensor('normalizer.scale', n0, normalizer.scale);
    initializers.push(floatTensor(internal('normalizer.offset'), n0, normalizer.offset));
    initializers.push(floatTensor(internal('normalizer.scale'), n0, normalizer.scale));
    nodes.push(node('Sub', 'normalizer.sub', [current, 'normalizer.offset'], [internal('normalizer.centered')]));
    nodes.push(node('Mul', 'normalizer.mul', ['normalizer.centered', 'normalizer.scale'], [internal('normalizer.output')]));
    current = 'normalizer.output';
  }

  const last = layers.length - 2;
  for (let l = 0; l <= last; l++) {
    const [nIn, nOut] = [layers[l], layers[l + 1]];
    const weight = internal(`layers.${l}.weight`);
    const bias = internal(`layers.${l}.bias`);
    initializers.push(floatTensor(weight, [nOut, nIn], parameters.weights[l]));
    initializers.push(floatTensor(bias, [nOut], parameters.biases[l]));

    const activation = l < last ? hidden : output;
    const z = l === last && activation === 'linear' ? outputName : internal(`layers.${l}.z`);
    nodes.push(node('Gemm', `layers.${l}.gemm`, [current, weight, bias], [z], [{ name: 'transB', int: 1 }]));
    current = z;
    if (activation === 'linear') continue;

    const a = l === last ? outputName : internal(`layers.${l}.a`);
    const name = `layers.${l}.${activation}`;
    if (activation === 'softmax') nodes.push(node('Softmax', name, [current], [a], [{ name: 'axis', int: 1 }]));
    else if (activation === 'leaky_relu') nodes.push(node('LeakyRelu', name, [current], [a], [{ name: 'alpha', float: LEAKY_RELU_SLOPE }]));
    else nodes.push(node(HIDDEN_OPS[activation as Hidden], name, [current], [a]));
    current = a;
  }
  for (const name of [inputName, outputName]) {
    if (internalNames.has(name)) throw new ConfigError(`"${name}" names a tensor inside the exported graph; choose another input or output name`);
  }

  const graph = [
    ...nodes.map((n) => messageField(1, [n])),
    stringField(2, 'wasm-mlp'),
    ...initializers.map((t) => messageField(5, [t])),
    messageField(11, [batchedFloatValue(inputName, layers[0])]),
    messageField(12, [batchedFloatValue(outputName, layers[layers.length - 1])]),
  ];
  const model = concat([
    intField(1, IR_VERSION),
    stringField(2, 'wasm-mlp'),
    ...(options.producerVersion !== undefined ? [stringField(3, options.producerVersion)] : []),
    stringField(6, `dense network [${layers.join(', ')}], hidden ${hidden}, output ${output}`),
    messageField(7, graph),
    messageField(8, [stringField(1, ''), intField(2, OPSET_VERSION)]),
  ]);
  return model;
}
