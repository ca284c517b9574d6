// `wasm-mlp export --model FILE --onnx OUT`: the model as ONNX (opset 13), normaliser included.
// `wasm-mlp export --model FILE --wasm OUT`: the model as one standalone .wasm (src/io/standalone.ts):
// the package's prebuilt template build/standalone-{simd,scalar}.wasm with the model added as a
// data segment; no compiler runs. Both outputs may be asked for at once.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { intFlag, parseFlags, strFlag, UsageError } from './args.js';
import { COMMON_FLAGS } from './options.js';
import { exportOnnx } from '../io/onnx.js';
import { exportStandaloneWasm, STANDALONE_DEFAULT_MAX_ROWS } from '../io/standalone.js';
import { readFileChecked, writeFileAtomic } from '../node/atomic.js';
import { readModel } from './model.js';

const HELP = `usage: wasm-mlp export --model FILE (--onnx OUT.onnx | --wasm OUT.wasm) [flags]

  --onnx OUT       the model as an ONNX graph (opset 13, input "input" (batch, inputs), output
                   "output" (batch, classes) of probabilities); a saved normaliser becomes Sub and
                   Mul nodes
  --wasm OUT       the model as one standalone WebAssembly module with the weights inside and no
                   imports (docs/ABI.md "A standalone model module"): write rows at input_ptr(),
                   call predict(rows), read the probabilities at output_ptr(); the saved
                   normaliser is applied inside. Its outputs equal 'wasm-mlp predict' on the same
                   backend (--simd: --backend simd, --scalar: --backend scalar) to the bit
  --simd           the module uses WebAssembly SIMD (default)
  --scalar         the module uses no SIMD (for runtimes without it)
  --max-rows N     rows one predict call takes (default ${STANDALONE_DEFAULT_MAX_ROWS})`;

const FLAGS = { model: 'string', onnx: 'string', wasm: 'string', simd: 'boolean', scalar: 'boolean', 'max-rows': 'string', ...COMMON_FLAGS } as const;

function packageVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The package's prebuilt template (shipped in build/, beside dist/). */
function standaloneTemplate(isa: 'simd' | 'scalar'): Uint8Array {
  return readFileChecked(fileURLToPath(new URL(`../../build/standalone-${isa}.wasm`, import.meta.url)), 'data');
}

export async function exportCommand(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, FLAGS, { command: 'export' });
  if (flags.help) { process.stdout.write(HELP + '\n'); return 0; }
  const modelPath = strFlag(flags, 'model');
  const onnxPath = strFlag(flags, 'onnx');
  const wasmPath = strFlag(flags, 'wasm');
  if (modelPath === undefined || (onnxPath === undefined && wasmPath === undefined)) {
    throw new UsageError('export needs --model FILE and --onnx OUT or --wasm OUT (or both)');
  }
  if (flags.simd && flags.scalar) throw new UsageError('--simd and --scalar exclude each other');
  if (wasmPath === undefined) {
    for (const f of ['simd', 'scalar', 'max-rows']) if (flags[f] !== undefined) throw new UsageError(`--${f} applies to --wasm`);
  }
  const maxRows = intFlag(flags, 'max-rows', STANDALONE_DEFAULT_MAX_ROWS);
  const model = readModel(modelPath);
  const outputs: [string, Uint8Array][] = [];
  if (onnxPath !== undefined) {
    const version = packageVersion();
    outputs.push([onnxPath, exportOnnx(model.architecture, model.parameters, { normalizer: model.normalizer, ...(version ? { producerVersion: version } : {}) })]);
  }
  if (wasmPath !== undefined) {
    outputs.push([wasmPath, exportStandaloneWasm(standaloneTemplate(flags.scalar ? 'scalar' : 'simd'), model, { maxRows })]);
  }
  for (const [path, bytes] of outputs) {
    writeFileAtomic(path, bytes);
    process.stdout.write(`wrote ${path} (${bytes.length.toLocaleString('en-US')} bytes)\n`);
  }
  return 0;
}
