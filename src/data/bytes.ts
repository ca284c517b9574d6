// Byte features: samples whose features are bytes (IDX images, browser ImageData) kept as bytes,
// widened only where a row is read. Feature j of a row is v = f32(b / divisor), then with a
// normaliser f32((v − offset[j]) · scale[j]) in doubles: to the bit what widening the whole set to
// float32 (idx.ts idxImagesToFloat32) and applyNormalizer (normalize.ts) give. The wasm gather
// (assembly/data.ts u8_gather_rows) computes the same; docs/MATH.md "Byte features".

/** Widens `count` rows of `cols` bytes from src[from …] into dst[at …] (f32). */
export function widenRows(
  dst: Float32Array, at: number, src: ArrayLike<number>, from: number, count: number, cols: number,
  divisor: number, offset?: Float32Array, scale?: Float32Array,
): void {
  const n = count * cols;
  if (!offset || !scale) {
    for (let i = 0; i < n; i++) dst[at + i] = src[from + i] / divisor;
    return;
  }
  for (let i = 0, j = 0; i < n; i++, j = j + 1 === cols ? 0 : j + 1) {
    dst[at + i] = (Math.fround(src[from + i] / divisor) - offset[j]) * scale[j];
  }
}
