// Batch assembly (assembly/data.ts): f32_gather_rows copies rows of a resident dataset in the
// order of an index, i32_gather does the same for labels. Copies are exact: compared bitwise.

import { f32_gather_rows, f32_gather_rows__scalar, f32_gather_rows_4__simd, i32_gather, u8_gather_rows, u8_gather_rows__scalar, u8_gather_rows__simd } from "../../assembly/data";
import { reseed, rnd, buf, rand, at, copyOf, expectGuard, expectSameBits, cursor, register } from "./harness";

// ---------------------------------------------------------------------------------------------
// Element i as a 32-bit word (copies are compared bitwise).
// @ts-ignore: decorator
@inline function word(p: usize, i: i32): u32 { return load<u32>(p + (<usize>i << 2)); }

// Test cases (harness.ts: register, cursor): each test reads its parameters as cases[cursor].
class Case { constructor(public count: i32, public cols: i32, public variant: i32 = 0) {} }
const cases: Case[] = [];
function add(name: string, count: i32, cols: i32, fn: () => void, variant: i32 = 0): void { register(cases, new Case(count, cols, variant), name, fn); }

// ---------------------------------------------------------------------------------------------

const ROWS = 13;
/** Row numbers in a shuffled order with repeats: last row first, then a stride-7 walk. */
function indices(count: i32): usize {
  const idx = buf(count);
  for (let i = 0; i < count; i++) store<i32>(idx + (<usize>i << 2), i == 0 ? ROWS - 1 : (i * 7 + 3) % ROWS);
  return idx;
}

function gatherRows(): void {
  const count = cases[cursor].count, cols = cases[cursor].cols;
  reseed(<u32>(count * 1009 + cols));
  const src = buf(ROWS * cols);
  for (let i = 0; i < ROWS * cols; i++) store<f32>(src + (<usize>i << 2), rnd());
  const srcKeep = copyOf(src, ROWS * cols);
  const idx = indices(count);
  const dst = buf(count * cols);
  const v = cases[cursor].variant;
  if (v == 0) f32_gather_rows(dst, src, idx, count, cols);
  else if (v == 1) f32_gather_rows__scalar(dst, src, idx, count, cols);
  else f32_gather_rows_4__simd(dst, src, idx, count, cols);
  let wrong = 0, first = -1;
  for (let i = 0; i < count; i++) {
    const r = load<i32>(idx + (<usize>i << 2));
    for (let j = 0; j < cols; j++) {
      if (word(dst, i * cols + j) != word(src, r * cols + j)) { if (first < 0) first = i; wrong++; }
    }
  }
  expect<i32>(wrong).toBe(0, "elements of dst row i that differ from src row idx[i], first in row " + first.toString());
  expectGuard(dst, count * cols, "dst");
  expectSameBits(src, srcKeep, ROWS * cols, "src left unchanged");
}

function gatherI32(): void {
  const count = cases[cursor].count;
  const src = buf(ROWS);
  for (let i = 0; i < ROWS; i++) store<i32>(src + (<usize>i << 2), (i - 6) * 1000003); // negatives too
  const idx = indices(count);
  const dst = buf(count);
  i32_gather(dst, src, idx, count);
  let wrong = 0, first = -1;
  for (let i = 0; i < count; i++) {
    const r = load<i32>(idx + (<usize>i << 2));
    if (load<i32>(dst + (<usize>i << 2)) != load<i32>(src + (<usize>r << 2))) { if (first < 0) first = i; wrong++; }
  }
  expect<i32>(wrong).toBe(0, "dst[i] != src[idx[i]], first at " + first.toString());
  expectGuard(dst, count, "dst");
}

/** Byte rows widened: every byte value 0 … 255 occurs (row r, col j holds (r·cols + j)·37 mod 256),
 * each output compared bitwise with the host's formula written out here: f32(b / 255), then
 * with a normaliser f32((f64(v) − f64(offset)) · f64(scale)). */
function gatherBytes(): void {
  const count = cases[cursor].count, cols = cases[cursor].cols, v = cases[cursor].variant % 3;
  const normed = cases[cursor].variant >= 3;
  reseed(<u32>(count * 1013 + cols));
  const src = heap.alloc(<usize>(ROWS * cols));
  for (let i = 0; i < ROWS * cols; i++) store<u8>(src + <usize>i, <u8>((i * 37) & 255));
  const norm = normed ? rand(2 * cols) : 0;
  const idx = indices(count);
  const dst = buf(count * cols);
  if (v == 0) u8_gather_rows(dst, src, idx, count, cols, 255.0, norm);
  else if (v == 1) u8_gather_rows__scalar(dst, src, idx, count, cols, 255.0, norm);
  else u8_gather_rows__simd(dst, src, idx, count, cols, 255.0, norm);
  let wrong = 0, first = -1;
  for (let i = 0; i < count; i++) {
    const r = load<i32>(idx + (<usize>i << 2));
    for (let j = 0; j < cols; j++) {
      let want = <f32>(<f64>load<u8>(src + <usize>(r * cols + j)) / 255.0);
      if (normed) want = <f32>((<f64>want - <f64>at(norm, j)) * <f64>at(norm, cols + j));
      if (word(dst, i * cols + j) != reinterpret<u32>(want)) { if (first < 0) first = i * cols + j; wrong++; }
    }
  }
  heap.free(src);
  expect<i32>(wrong).toBe(0, "elements of dst that differ from the widened (and normalised) src row, first at " + first.toString());
  expectGuard(dst, count * cols, "dst");
}

describe("gather bytes", () => {
  const counts: i32[] = [0, 1, 3, 4, 5, 64];
  const cols: i32[] = [1, 3, 4, 5, 15, 16, 17, 784];
  const variants: string[] = ["u8_gather_rows", "u8_gather_rows__scalar", "u8_gather_rows__simd"];
  for (let i = 0; i < counts.length; i++) {
    for (let j = 0; j < cols.length; j++) {
      for (let v = 0; v < 6; v++) {
        add(variants[v % 3] + " widens src bytes to f32(b/255)" + (v >= 3 ? " and normalises them" : "") + " in index order, nothing past the end, at count=" +
          counts[i].toString() + " cols=" + cols[j].toString(), counts[i], cols[j], () => { gatherBytes(); }, v);
      }
    }
  }
});

describe("gather", () => {
  const counts: i32[] = [0, 1, 5, 13, 20];
  // 8 floats are one round of the 4-row copy: widths around it and 784 (+1) leave tails of every size
  const cols: i32[] = [1, 3, 4, 5, 7, 8, 9, 16, 17, 784, 785];
  const variants: string[] = ["gather_rows", "gather_rows__scalar", "gather_rows_4__simd"];
  for (let i = 0; i < counts.length; i++) {
    for (let j = 0; j < cols.length; j++) {
      for (let v = 0; v < variants.length; v++) {
        add(variants[v] + " copies src rows into dst in index order (repeats allowed), nothing past the end, at count=" +
          counts[i].toString() + " cols=" + cols[j].toString(), counts[i], cols[j], () => { gatherRows(); }, v);
      }
    }
    add("gather_i32 copies src[idx[i]] into dst[i] in index order, nothing past the end, at count=" + counts[i].toString(),
      counts[i], 1, () => { gatherI32(); });
  }
});
