// Backend selection: 'auto' takes the fastest binary the engine validates (relaxed SIMD, then SIMD,
// then scalar); a named backend is honoured or refused with a reason. Binaries are embedded in the
// library (base64), so no file or network access is needed; `wasm` overrides where each comes from.

import { BACKENDS, type BackendName } from '../vocabulary.js';
import type { Kernels } from './kernels.js';
import { JsKernels } from './js.js';
import { ConfigError } from '../errors.js';
import { hasRelaxedSimd, hasSimd, hasWasm } from './features.js';
import { instantiateKernels, type WasmSource } from './wasm.js';
import { scalarWasm, simdWasm, relaxedWasm } from './binaries.generated.js';

export { BACKENDS };

export interface WasmSources { relaxed?: WasmSource; simd?: WasmSource; scalar?: WasmSource }

/** Which backend 'auto' resolves to in this engine. */
export function bestBackend(): BackendName {
  if (!hasWasm()) return 'js';
  if (hasRelaxedSimd()) return 'relaxed';
  if (hasSimd()) return 'simd';
  return 'scalar';
}

export async function createKernels(backend: BackendName | 'auto' = 'auto', wasm: WasmSources = {}): Promise<Kernels> {
  if (backend !== 'auto' && !BACKENDS.includes(backend)) {
    throw new ConfigError(`unknown backend '${String(backend)}': expected one of auto, ${BACKENDS.join(', ')}`);
  }
  const name = backend === 'auto' ? bestBackend() : backend;
  if (name === 'js') return new JsKernels();
  if (!hasWasm()) throw new ConfigError(`backend '${name}' needs WebAssembly, which this engine lacks; use backend 'js'`);
  if (name === 'simd' && !hasSimd()) throw new ConfigError(`backend 'simd' needs WebAssembly SIMD, which this engine lacks; use 'scalar' or 'auto'`);
  if (name === 'relaxed' && !hasRelaxedSimd()) {
    throw new ConfigError(`backend 'relaxed' needs WebAssembly relaxed SIMD, which this engine lacks (Node 20: run node with --experimental-wasm-relaxed-simd); use 'simd' or 'auto'`);
  }
  const source = wasm[name] ?? (name === 'relaxed' ? relaxedWasm : name === 'simd' ? simdWasm : scalarWasm);
  return instantiateKernels(name, source);
}
