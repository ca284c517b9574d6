// Batch assembly inside the wasm: rows of the resident dataset are copied in the order of a
// shuffled index, so the host makes one call per batch instead of one per sample.

// dst is (count, cols) f32, src is (n, cols) f32, idx is (count) i32 row numbers into src
export function f32_gather_rows(dst: usize, src: usize, idx: usize, count: i32, cols: i32): void {
  const row = <usize>cols << 2;
  for (let i = 0; i < count; i++) {
    const r = <usize>load<i32>(idx + (<usize>i << 2));
    memory.copy(dst + <usize>i * row, src + r * row, row);
  }
}

// dst is (count) i32, src is (n) i32, idx is (count) i32
export function i32_gather(dst: usize, src: usize, idx: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const r = <usize>load<i32>(idx + (<usize>i << 2));
    store<i32>(dst + (<usize>i << 2), load<i32>(src + (r << 2)));
  }
}
