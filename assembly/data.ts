// Batch assembly inside the wasm: rows of the resident dataset are copied in the order of a
// shuffled index, so the host makes one call per batch instead of one per sample.

// dst is (count, cols) f32, src is (n, cols) f32, idx is (count) i32 row numbers into src
export function f32_gather_rows(dst: usize, src: usize, idx: usize, count: i32, cols: i32): void {
  if (ASC_FEATURE_SIMD) f32_gather_rows_4__simd(dst, src, idx, count, cols);
  else f32_gather_rows__scalar(dst, src, idx, count, cols);
}

/** One row at a time (the reference). */
export function f32_gather_rows__scalar(dst: usize, src: usize, idx: usize, count: i32, cols: i32): void {
  const row = <usize>cols << 2;
  for (let i = 0; i < count; i++) {
    const r = <usize>load<i32>(idx + (<usize>i << 2));
    memory.copy(dst + <usize>i * row, src + r * row, row);
  }
}

/** Four rows at once, 32 bytes of each per round. The rows are scattered over the dataset (a
 * shuffled order), so each starts with a cache miss; a one-row copy lets the core wait for one
 * row at a time, four interleaved streams keep four misses in flight (a 784-wide row, 3 KB, takes
 * more instructions than the core looks ahead). Then the rows' last bytes and the last rows. */
export function f32_gather_rows_4__simd(dst: usize, src: usize, idx: usize, count: i32, cols: i32): void {
  const row = <usize>cols << 2, body = row & ~(<usize>31);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const s0 = src + <usize>load<i32>(idx + (<usize>i << 2)) * row;
    const s1 = src + <usize>load<i32>(idx + (<usize>i << 2), 4) * row;
    const s2 = src + <usize>load<i32>(idx + (<usize>i << 2), 8) * row;
    const s3 = src + <usize>load<i32>(idx + (<usize>i << 2), 12) * row;
    const d0 = dst + <usize>i * row, d1 = d0 + row, d2 = d1 + row, d3 = d2 + row;
    for (let c: usize = 0; c < body; c += 32) {
      const a0 = v128.load(s0 + c), a1 = v128.load(s0 + c, 16);
      const b0 = v128.load(s1 + c), b1 = v128.load(s1 + c, 16);
      const c0 = v128.load(s2 + c), c1 = v128.load(s2 + c, 16);
      const e0 = v128.load(s3 + c), e1 = v128.load(s3 + c, 16);
      v128.store(d0 + c, a0); v128.store(d0 + c, a1, 16);
      v128.store(d1 + c, b0); v128.store(d1 + c, b1, 16);
      v128.store(d2 + c, c0); v128.store(d2 + c, c1, 16);
      v128.store(d3 + c, e0); v128.store(d3 + c, e1, 16);
    }
    if (body < row) {
      const t = row - body;
      memory.copy(d0 + body, s0 + body, t); memory.copy(d1 + body, s1 + body, t);
      memory.copy(d2 + body, s2 + body, t); memory.copy(d3 + body, s3 + body, t);
    }
  }
  f32_gather_rows__scalar(dst + <usize>i * row, src, idx + (<usize>i << 2), count - i, cols);
}

// dst is (count) i32, src is (n) i32, idx is (count) i32
export function i32_gather(dst: usize, src: usize, idx: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const r = <usize>load<i32>(idx + (<usize>i << 2));
    store<i32>(dst + (<usize>i << 2), load<i32>(src + (r << 2)));
  }
}
