// ONNX TensorProto reader for the importer: dims and data of a constant (an initializer or a
// Constant node's value), with the data converted to float32 or, for Reshape's shape, integers.
//
// TensorProto fields read (onnx.proto): 1 dims (int64), 2 data_type, 3 segment (refused),
//   4 float_data (packed float), 5 int32_data (packed; FLOAT16/BFLOAT16 bit patterns),
//   7 int64_data (packed), 8 name, 9 raw_data (little-endian), 10 double_data (packed double),
//   13 external_data and 14 data_location (EXTERNAL = 1: refused).
// Element types: FLOAT (1) exactly as stored, bit for bit; FLOAT16 (10) and BFLOAT16 (16) widened
// to float32 (exact: every half and bfloat16 value is a float32); DOUBLE (11) rounded to the
// nearest float32, refused where a finite value overflows float32; INT64 (7) only as integers
// (Reshape's shape). Every value must be finite: a NaN or infinite weight is refused.

import { float32FromLE, type ProtoField, type ProtoReader } from './protobuf.js';
import { bf16ToF32, f16ToF32 } from './half.js';

export const DATA_TYPES = ['UNDEFINED', 'FLOAT', 'UINT8', 'INT8', 'UINT16', 'INT16', 'INT32', 'INT64', 'STRING', 'BOOL',
  'FLOAT16', 'DOUBLE', 'UINT32', 'UINT64', 'COMPLEX64', 'COMPLEX128', 'BFLOAT16'];
const FLOAT = 1, INT64 = 7, FLOAT16 = 10, DOUBLE = 11, BFLOAT16 = 16;

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** the values as float32 (float tensors) */
  floats?: Float32Array;
  /** the values as integers (INT64 tensors) */
  ints?: number[];
  /** byte offset of the TensorProto, for error messages */
  at: number;
}

const typeName = (t: number): string => `${DATA_TYPES[t] ?? 'unknown'} (${t})`;

/** Reads the TensorProto in `f` (a field of a message at `depth`). `what` names it in errors. */
export function readTensor(r: ProtoReader, f: ProtoField, depth: number, what: string): OnnxTensor {
  const fields = r.message(f, depth, what);
  const of = (n: number): ProtoField[] => fields.filter((x) => x.field === n);
  const last = (n: number): ProtoField | undefined => of(n).at(-1);
  const nameField = last(8);
  const name = nameField === undefined ? '' : r.string(nameField, `${what}'s name`);
  const label = name === '' ? what : `tensor "${name}"`;
  const at = f.at;

  const dataLocation = last(14);
  if ((dataLocation !== undefined && r.int(dataLocation, `${label}'s data_location`) === 1) || of(13).length > 0) {
    r.fail(`${label} at byte ${at} keeps its data in an external file (data_location EXTERNAL); wasm-mlp reads self-contained .onnx files: save the model with onnx.save_model(model, path, save_as_external_data=False)`, at);
  }
  if (of(3).length > 0) r.fail(`${label} at byte ${at} is segmented (TensorProto.segment), which this importer does not read`, at);

  const dims = r.ints(of(1), `${label}'s dims`);
  for (const d of dims) if (d < 0) r.fail(`${label} at byte ${at} has a negative dimension in [${dims.join(', ')}]`, at);
  const typeField = last(2);
  const dataType = typeField === undefined ? 0 : r.int(typeField, `${label}'s data_type`);

  const raw = last(9) === undefined ? null : r.payload(last(9)!, `${label}'s raw_data`);
  const typed = (n: number, wire: string): ProtoField[] => {
    const fs = of(n);
    if (raw !== null && fs.length > 0) r.fail(`${label} at byte ${at} holds both raw_data and ${wire}; a tensor stores its values in one of them`, at);
    return fs;
  };
  const elementSize = { [FLOAT]: 4, [INT64]: 8, [FLOAT16]: 2, [DOUBLE]: 8, [BFLOAT16]: 2 }[dataType];
  if (elementSize === undefined) {
    r.fail(`${label} at byte ${at} has data_type ${typeName(dataType)}; wasm-mlp reads FLOAT, FLOAT16, BFLOAT16 and DOUBLE weights (and INT64 shapes)`, at);
  }
  if (raw !== null && raw.length % elementSize !== 0) {
    r.fail(`${label} at byte ${at}: raw_data of ${raw.length} bytes is not a whole number of ${typeName(dataType)} elements (${elementSize} bytes each)`, at);
  }

  let floats: Float32Array | undefined;
  let ints: number[] | undefined;
  let count: number;
  if (dataType === INT64) {
    if (raw !== null) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      ints = [];
      for (let i = 0; i < raw.length; i += 8) {
        const v = view.getBigInt64(i, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER)) r.fail(`${label} at byte ${at}: value ${v} is beyond ±(2^53 - 1)`, at);
        ints.push(Number(v));
      }
    } else ints = r.ints(typed(7, 'int64_data'), `${label}'s int64_data`);
    count = ints.length;
  } else {
    if (dataType === FLOAT) floats = float32FromLE(raw ?? r.fixed32s(typed(4, 'float_data'), `${label}'s float_data`));
    else if (dataType === DOUBLE) {
      const bytes = raw ?? r.fixed64s(typed(10, 'double_data'), `${label}'s double_data`);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      floats = new Float32Array(bytes.length / 8);
      for (let i = 0; i < floats.length; i++) {
        const v = view.getFloat64(i * 8, true);
        floats[i] = v;
        if (Number.isFinite(v) && !Number.isFinite(floats[i])) r.fail(`${label} at byte ${at}: DOUBLE value ${v} at index ${i} overflows float32`, at);
      }
    } else {
      let bits: Uint16Array;
      if (raw !== null) {
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        bits = Uint16Array.from({ length: raw.length / 2 }, (_, i) => view.getUint16(i * 2, true));
      } else {
        const values = r.ints(typed(5, 'int32_data'), `${label}'s int32_data`);
        const bad = values.findIndex((v) => v < 0 || v > 0xffff);
        if (bad >= 0) r.fail(`${label} at byte ${at}: int32_data[${bad}] = ${values[bad]} is not a 16-bit ${typeName(dataType)} pattern`, at);
        bits = Uint16Array.from(values);
      }
      floats = dataType === FLOAT16 ? f16ToF32(bits) : bf16ToF32(bits);
    }
    count = floats.length;
    const bad = floats.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) r.fail(`${label} at byte ${at}: value ${floats[bad]} at index ${bad} is not finite`, at);
  }

  let expected = 1;
  for (const d of dims) expected *= d;
  if (expected !== count) {
    r.fail(`${label} at byte ${at}: dims [${dims.join(', ')}] need ${expected} values, the tensor holds ${count}`, at);
  }
  return { name, dims, floats, ints, at };
}
