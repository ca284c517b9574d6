// The one home of the weight layouts. The documented layout is W (N, K) row-major (N = n_out,
// K = n_in). The wasm kernels store W packed in panels of 8 outputs: NP = ceil(N/8) panels of
// (K, 8), W[o][k] at float ((o >> 3)·K + k)·8 + (o & 7); lanes of the last panel past N are zero
// and stay zero (docs/ABI.md "Packed weights"; assembly/pack.ts is the same formula in wasm).

/** How a backend stores W (N,K): the documented row-major layout, or panels of 8 outputs. */
export type WeightLayout = 'rowmajor' | 'packed8';

/** Outputs per panel of the packed layout: the width of the 4×8 register tile. */
export const PANEL = 8;

/** Floats one weight matrix (N outputs, K inputs) occupies in a layout. */
export function weightFloats(layout: WeightLayout, N: number, K: number): number {
  return layout === 'packed8' ? Math.ceil(N / PANEL) * PANEL * K : N * K;
}

/** Float index of W[o][k] inside a matrix stored in `layout`. */
export function weightIndex(layout: WeightLayout, o: number, k: number, K: number): number {
  return layout === 'packed8' ? ((o >> 3) * K + k) * PANEL + (o & 7) : o * K + k;
}

/** dst (layout) = src (N,K) row-major. Padding lanes of dst are left as they are (zero). */
export function packWeights(dst: Float32Array, src: Float32Array, N: number, K: number, layout: WeightLayout): void {
  if (layout === 'rowmajor') { dst.set(src); return; }
  for (let o = 0; o < N; o++) for (let k = 0; k < K; k++) dst[weightIndex(layout, o, k, K)] = src[o * K + k];
}

/** dst (N,K) row-major = src (layout). */
export function unpackWeights(dst: Float32Array, src: Float32Array, N: number, K: number, layout: WeightLayout): void {
  if (layout === 'rowmajor') { dst.set(src.subarray(0, N * K)); return; }
  for (let o = 0; o < N; o++) for (let k = 0; k < K; k++) dst[o * K + k] = src[weightIndex(layout, o, k, K)];
}

/** Scratch floats dense_backward_input needs for a layer of K inputs and N outputs, batch B:
 * W re-packed by inputs (ceil(K/8)·8·N), then dZ interleaved (B·N), once per thread (each
 * thread of a split interleaves all of dZ for its own input panels). */
export function inputGradScratchFloats(B: number, K: number, N: number, threads = 1): number {
  return Math.ceil(K / PANEL) * PANEL * N + threads * B * N;
}
