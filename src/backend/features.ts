// Feature probes: tiny hand-assembled modules that validate only where the engine supports the
// instruction set (the same approach as tfjs-backend-wasm). Run once, at backend selection.

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
// one type: () -> v128; one function of that type
const TYPE_AND_FUNC = [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00];
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0

function moduleWithBody(body: number[]): Uint8Array<ArrayBuffer> {
  const fn = [0x00, ...body, 0x0b]; // no locals, body, end
  const code = [0x01, fn.length, ...fn];
  return new Uint8Array([...HEADER, ...TYPE_AND_FUNC, 0x0a, code.length, ...code]);
}

/** (func (result v128) v128.const 0) */
const SIMD_PROBE = moduleWithBody(V128_ZERO);
/** (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))) */
const RELAXED_PROBE = moduleWithBody([...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02]);

export function hasWasm(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
}

export function hasSimd(): boolean {
  return hasWasm() && WebAssembly.validate(SIMD_PROBE);
}

/** Relaxed SIMD: on by default in Chromium; Node 20 needs --experimental-wasm-relaxed-simd. */
export function hasRelaxedSimd(): boolean {
  return hasWasm() && WebAssembly.validate(RELAXED_PROBE);
}
