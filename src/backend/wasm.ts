// Instantiates a kernel binary and wraps its exports as a Kernels backend. Only the host uses
// this; the binary itself needs nothing but an optional `env.abort` (debug builds), and the
// threaded binaries their shared `env.memory`.

import type { BackendName } from '../vocabulary.js';
import type { Kernels } from './kernels.js';
import { WasmAbortError, WasmBinaryError, WasmMlpError } from '../errors.js';
import { DESC_BYTES } from './engine/wasm-engine.js';
import { isNode } from '../runtime.js';

/** The ABI this host speaks (assembly/index.ts abi_version). 2: scratch for the input gradient,
 * fused SGD; 3: scratch for the forward product; 4: range-taking product kernels (*_range);
 * 5: the training engine (engine_check, engine_run, engine_worker); 6: the engine descriptor's
 * D_XQ and D_ZQ (the weight gradient's regrouped operands, required in SIMD builds); 7: dropout and gradient
 * clipping (dropout_*, sum_squares, clip_values, scale_values; descriptor words D_DROPOUT,
 * D_NORM_SUMS, J_STEP, J_CLIP_NORM, J_CLIP_VALUE); 8: byte features (gather_rows_u8; descriptor words
 * D_DATA_BYTES, D_DATA_DIVISOR, D_DATA_NORM); 9: the threaded control block's claim counters (C_CLAIM;
 * CTL_BYTES 5,120); 10: first_nonfinite. */
export const ABI_VERSION = 10;

/** Where a binary can come from: raw bytes, a compiled module, or a base64 string. */
export type WasmSource = BufferSource | WebAssembly.Module | string;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof atob === 'function') {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  throw new WasmBinaryError('no base64 decoder (atob) in this JavaScript environment: pass the binaries as bytes (the wasm option)');
}

/** Reads an AssemblyScript string (UTF-16LE, byte length at ptr - 4) out of memory. */
export function readAsString(buffer: ArrayBuffer, ptr: number): string {
  if (!ptr || ptr < 4 || ptr > buffer.byteLength) return '';
  const len = new Uint32Array(buffer, ptr - 4, 1)[0];
  if (ptr + len > buffer.byteLength) return '';
  return String.fromCharCode(...new Uint16Array(buffer.slice(ptr, ptr + (len & ~1))));
}

/** Node compiles and instantiates synchronously: a pending promise of the wasm engine can leave
 * Node's event loop idle while a background compile job waits for a garbage collection that only
 * the main thread runs (nodejs/node#54918: a hang, seen about once in 100 test runs). Node has no
 * size limit on synchronous compilation; a browser's main thread has one (4 KB in Chromium), so
 * browsers keep the asynchronous calls. */
const SYNC = isNode;

export async function compileWasm(source: WasmSource, name = 'wasm'): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  const bytes = typeof source === 'string' ? decodeBase64(source) : source;
  try {
    return SYNC ? new WebAssembly.Module(bytes) : await WebAssembly.compile(bytes);
  } catch (e) {
    throw new WasmBinaryError(`the ${name} binary does not compile: ${(e as Error).message} (is it a wasm-mlp build for this engine?)`);
  }
}

/** An instance of `module`: synchronously in Node (see SYNC), asynchronously elsewhere. */
export async function instantiateModule(module: WebAssembly.Module, imports: WebAssembly.Imports): Promise<WebAssembly.Instance> {
  return SYNC ? new WebAssembly.Instance(module, imports) : await WebAssembly.instantiate(module, imports);
}

/** The binary as a Kernels backend. `imported`: the memory a threaded binary imports (shared);
 * the others export their own. */
export async function instantiateKernels(name: BackendName, source: WasmSource, imported?: WebAssembly.Memory): Promise<Kernels> {
  return (await instantiateWasm(name, source, imported)).kernels;
}

/** The Kernels backend and the raw exports (the range kernels the thread pool calls). */
export async function instantiateWasm(name: BackendName, source: WasmSource, imported?: WebAssembly.Memory): Promise<{ kernels: Kernels; exports: Record<string, (...a: number[]) => number> }> {
  const module = await compileWasm(source, name);
  let memory: WebAssembly.Memory | undefined = imported;
  const imports = {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        const buf = memory ? memory.buffer : new ArrayBuffer(0);
        throw new WasmAbortError(`wasm kernel aborted: ${readAsString(buf, msg) || 'assertion failed'} at ${readAsString(buf, file)}:${line}:${col}`);
      },
      // the clock of the profiling binary (the bench's only): no release binary imports it
      now: (): number => performance.now(),
    },
  };
  let instance: WebAssembly.Instance;
  try {
    instance = await instantiateModule(module, imported ? { env: { ...imports.env, memory: imported } } : imports);
  } catch (e) {
    throw new WasmBinaryError(`the ${name} binary cannot be instantiated: ${(e as Error).message}${imported ? ' (a threaded build needs a shared memory)' : ''}`);
  }
  const ex = instance.exports as Record<string, unknown>;
  memory = imported ?? (ex.memory as WebAssembly.Memory);
  const mem = memory;
  const fn = (n: string) => {
    const f = ex[n];
    if (typeof f !== 'function') throw new WasmBinaryError(`the wasm binary for backend '${name}' lacks the export '${n}': a wrong or stale build (run npm run build)`);
    return f as (...a: number[]) => number;
  };
  const abi = (fn('abi_version') as () => number)();
  if (abi !== ABI_VERSION) throw new WasmBinaryError(`the wasm binary for backend '${name}' has ABI version ${abi}; this host speaks ${ABI_VERSION}: a wrong or stale build (run npm run build)`);
  // Direct references to the exports: the hot loop calls them with no wrapper in between.
  // the engine's descriptor first, then the arena: the descriptor never moves
  const desc = (fn('arena_base') as () => number)();
  const engineRun = fn('engine_run');
  const kernels: Kernels = {
    name,
    weightLayout: 'packed8',
    arenaBase: desc + DESC_BYTES,
    engine: { descriptor: desc, ctl: 0, threads: 1, buffer: () => mem.buffer as ArrayBuffer, run: () => engineRun(desc) },
    buffer: () => mem.buffer,
    ensureBytes(bytes: number) {
      const have = mem.buffer.byteLength;
      if (bytes <= have) return;
      const pages = Math.ceil((bytes - have) / 65536);
      try {
        mem.grow(pages);
      } catch (e) {
        throw new WasmMlpError('E_MEMORY', `cannot grow wasm memory to ${(bytes / 2 ** 20).toFixed(1)} MiB (the arena holds the parameters, the activations of one batch and the training set; wasm32 memory ends at 4096 MiB): ${(e as Error).message}`);
      }
    },
    dense_forward: fn('dense_forward'),
    dense_backward_weights: fn('dense_backward_weights'),
    dense_backward_weights_sgd: fn('dense_backward_weights_sgd'),
    dense_backward_input: fn('dense_backward_input'),
    softmax_xent_forward: fn('softmax_xent_forward'),
    softmax_xent_backward: fn('softmax_xent_backward'),
    sigmoid_bce_forward: fn('sigmoid_bce_forward'),
    sigmoid_bce_backward: fn('sigmoid_bce_backward'),
    mse_forward: fn('mse_forward'),
    mse_backward: fn('mse_backward'),
    count_correct_argmax: fn('count_correct_argmax'),
    count_correct_binary: fn('count_correct_binary'),
    sgd_update: fn('sgd_update'),
    momentum_update: fn('momentum_update'),
    adam_update: fn('adam_update'),
    gather_rows: fn('gather_rows'),
    gather_i32: fn('gather_i32'),
    gather_rows_u8: fn('gather_rows_u8'),
    first_nonfinite: fn('first_nonfinite'),
    dropout_key: fn('dropout_key'),
    dropout_forward: fn('dropout_forward'),
    dropout_backward: fn('dropout_backward'),
    sum_squares: fn('sum_squares'),
    clip_values: fn('clip_values'),
    scale_values: fn('scale_values'),
  };
  return { kernels, exports: ex as Record<string, (...a: number[]) => number> };
}
