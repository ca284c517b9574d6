// Backend selection: 'auto' takes the fastest binary the engine validates (relaxed SIMD, then SIMD,
// then scalar); a named backend is honoured or refused with a reason. Binaries are embedded in the
// library (base64), so no file or network access is needed; `wasm` overrides where each comes from.

import { BACKENDS, type BackendName } from '../vocabulary.js';
import type { Kernels } from './kernels.js';
import { JsKernels } from './js.js';
import { ConfigError } from '../errors.js';
import { hasRelaxedSimd, hasSimd, hasWasm } from './features.js';
import { compileWasm, instantiateKernels, type WasmSource } from './wasm.js';
import { scalarWasm, simdWasm, relaxedWasm, relaxedThreadsWasm, simdThreadsWasm } from './binaries.generated.js';
import { ThreadedKernels } from './threaded.js';

export { BACKENDS };

export interface WasmSources {
  relaxed?: WasmSource; simd?: WasmSource; scalar?: WasmSource;
  /** the threaded builds (shared memory), used when threads > 1 */
  relaxedThreads?: WasmSource; simdThreads?: WasmSource;
}

export interface KernelOptions {
  /** threads to split the products over (1: the single-thread binary) */
  threads?: number;
  /** more threads than cores: workers park between jobs instead of spinning */
  oversubscribed?: boolean;
}

/** Spins of an idle engine thread before it waits on the control block (assembly/sync.ts): on
 * the order of 100 µs, long enough to bridge the host's part between two steps and a short serial
 * stretch, short enough that an idle pool frees its cores at once. */
export const SPINS = 50_000;

/** Which backend 'auto' resolves to in this engine. */
export function bestBackend(): BackendName {
  if (!hasWasm()) return 'js';
  if (hasRelaxedSimd()) return 'relaxed';
  if (hasSimd()) return 'simd';
  return 'scalar';
}

/** The backend `backend` names ('auto' resolved), or a ConfigError for an unknown name. */
export function resolveBackend(backend: BackendName | 'auto' = 'auto'): BackendName {
  if (backend !== 'auto' && !BACKENDS.includes(backend)) {
    throw new ConfigError(`unknown backend '${String(backend)}': expected one of auto, ${BACKENDS.join(', ')}`);
  }
  return backend === 'auto' ? bestBackend() : backend;
}

export async function createKernels(backend: BackendName | 'auto' = 'auto', wasm: WasmSources = {}, options: KernelOptions = {}): Promise<Kernels> {
  const name = resolveBackend(backend);
  if (name === 'js') return new JsKernels();
  if (!hasWasm()) throw new ConfigError(`backend '${name}' needs WebAssembly, which this engine lacks; use backend 'js'`);
  if (name === 'simd' && !hasSimd()) throw new ConfigError(`backend 'simd' needs WebAssembly SIMD, which this engine lacks; use 'scalar' or 'auto'`);
  if (name === 'relaxed' && !hasRelaxedSimd()) {
    throw new ConfigError(`backend 'relaxed' needs WebAssembly relaxed SIMD, which this engine lacks (Node 20: run node with --experimental-wasm-relaxed-simd); use 'simd' or 'auto'`);
  }
  const threads = options.threads ?? 1;
  if (threads > 1 && (name === 'relaxed' || name === 'simd')) {
    const source = name === 'relaxed' ? wasm.relaxedThreads ?? relaxedThreadsWasm : wasm.simdThreads ?? simdThreadsWasm;
    return ThreadedKernels.create(name, await compileWasm(source, `${name}-threads`), { threads, spin: options.oversubscribed ? 0 : SPINS });
  }
  const source = wasm[name] ?? (name === 'relaxed' ? relaxedWasm : name === 'simd' ? simdWasm : scalarWasm);
  return instantiateKernels(name, source);
}
