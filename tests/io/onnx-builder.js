// Builds small ONNX ModelProto bytes for the import tests: graphs the exporter never writes
// (MatMul, Constant nodes, float_data, FLOAT16, external data, branches, unknown operators),
// written with the project's protobuf field writers. Field numbers are onnx.proto's.
import { bytesField, concat, floatField, intField, messageField, packedIntsField, stringField } from '../../dist/io/protobuf.js';

export const TYPE = { FLOAT: 1, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16 };

/** TensorProto. `storage` 'raw' (raw_data) or 'typed' (float_data, int32_data, int64_data,
 * double_data). FLOAT16/BFLOAT16 `data` are 16-bit patterns. `extra` appends raw fields. */
export function tensor({ name, dims, data, type = TYPE.FLOAT, storage = 'raw', extra = [] }) {
  const fields = [packedIntsField(1, dims), intField(2, type), stringField(8, name)];
  const values = [...data];
  if (storage === 'raw') {
    const size = { [TYPE.FLOAT]: 4, [TYPE.INT32]: 4, [TYPE.INT64]: 8, [TYPE.FLOAT16]: 2, [TYPE.BFLOAT16]: 2, [TYPE.DOUBLE]: 8 }[type];
    const raw = new Uint8Array(values.length * size);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => {
      if (type === TYPE.FLOAT) view.setFloat32(i * 4, v, true);
      else if (type === TYPE.INT32) view.setInt32(i * 4, v, true);
      else if (type === TYPE.INT64) view.setBigInt64(i * 8, BigInt(v), true);
      else if (type === TYPE.DOUBLE) view.setFloat64(i * 8, v, true);
      else view.setUint16(i * 2, v, true);
    });
    fields.push(bytesField(9, raw));
  } else if (type === TYPE.FLOAT) {
    const packed = new Uint8Array(values.length * 4);
    values.forEach((v, i) => new DataView(packed.buffer).setFloat32(i * 4, v, true));
    fields.push(bytesField(4, packed));
  } else if (type === TYPE.DOUBLE) {
    const packed = new Uint8Array(values.length * 8);
    values.forEach((v, i) => new DataView(packed.buffer).setFloat64(i * 8, v, true));
    fields.push(bytesField(10, packed));
  } else if (type === TYPE.INT64) fields.push(packedIntsField(7, values));
  else fields.push(packedIntsField(5, values));
  return concat([...fields, ...extra]);
}

/** AttributeProto from a value: an integer → INT, {f} → FLOAT, a Uint8Array (a tensor) → TENSOR. */
function attribute(name, value) {
  if (value instanceof Uint8Array) return concat([stringField(1, name), messageField(5, [value]), intField(20, 4)]);
  if (typeof value === 'object') return concat([stringField(1, name), floatField(2, value.f), intField(20, 1)]);
  return concat([stringField(1, name), intField(3, value), intField(20, 2)]);
}

export function node(op, inputs, outputs, attributes = {}, name = `${op.toLowerCase()}.${outputs[0]}`, domain) {
  return concat([
    ...inputs.map((s) => stringField(1, s)),
    ...outputs.map((s) => stringField(2, s)),
    stringField(3, name),
    stringField(4, op),
    ...Object.entries(attributes).map(([k, v]) => messageField(5, [attribute(k, v)])),
    ...(domain === undefined ? [] : [stringField(7, domain)]),
  ]);
}

/** ValueInfoProto of a tensor; a string dim is a dim_param. */
export function valueInfo(name, dims, elemType = TYPE.FLOAT) {
  const shape = dims.map((d) => messageField(1, [typeof d === 'string' ? stringField(2, d) : intField(1, d)]));
  return concat([stringField(1, name), messageField(2, [messageField(1, [intField(1, elemType), messageField(2, shape)])])]);
}

/** ModelProto around a graph of node and tensor bytes; inputs/outputs are valueInfo bytes. */
export function model({ nodes, initializers = [], inputs, outputs, graphExtra = [] }) {
  const graph = [
    ...nodes.map((n) => messageField(1, [n])),
    stringField(2, 'test'),
    ...initializers.map((t) => messageField(5, [t])),
    ...inputs.map((v) => messageField(11, [v])),
    ...outputs.map((v) => messageField(12, [v])),
    ...graphExtra,
  ];
  return concat([intField(1, 8), stringField(2, 'onnx-builder'), messageField(7, graph), messageField(8, [stringField(1, ''), intField(2, 13)])]);
}

/** Counting numbers 0.01, 0.02, … (distinct, so a transposition or a shift shows). */
export const ramp = (n, start = 1) => Float32Array.from({ length: n }, (_, i) => Math.fround((start + i) / 100));

/** A valid 4-3-2 network input → Gemm → Relu → Gemm → output, for tests to vary one part of. */
export function smallGemmNet({ activation = 'Relu', activationAttrs = {}, outputOp = null } = {}) {
  const nodes = [
    node('Gemm', ['input', 'w0', 'b0'], ['z0'], { transB: 1 }, 'gemm0'),
    node(activation, ['z0'], ['a0'], activationAttrs, 'act0'),
    node('Gemm', ['a0', 'w1', 'b1'], [outputOp === null ? 'output' : 'z1'], { transB: 1 }, 'gemm1'),
    ...(outputOp === null ? [] : [node(outputOp, ['z1'], ['output'], {}, 'out')]),
  ];
  return model({
    nodes,
    initializers: [
      tensor({ name: 'w0', dims: [3, 4], data: ramp(12) }),
      tensor({ name: 'b0', dims: [3], data: ramp(3, 50) }),
      tensor({ name: 'w1', dims: [2, 3], data: ramp(6, 20) }),
      tensor({ name: 'b1', dims: [2], data: ramp(2, 60) }),
    ],
    inputs: [valueInfo('input', ['batch', 4])],
    outputs: [valueInfo('output', ['batch', 2])],
  });
}
