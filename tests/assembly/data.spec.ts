// Batch assembly (assembly/data.ts): f32_gather_rows copies rows of a resident dataset in the
// order of an index, i32_gather does the same for labels. Copies are exact: compared bitwise.

import { f32_gather_rows, i32_gather } from "../../assembly/data";

// ---------------------------------------------------------------------------------------------
// Harness (each spec compiles alone, so every spec file carries its own copy).

// Deterministic data: xorshift32, 24-bit uniform floats in [-1, 1) (exact in f32).
let seed: u32 = 1;
function reseed(s: u32): void { seed = s | 1; for (let i = 0; i < 4; i++) rnd(); }
function rnd(): f32 {
  let x = seed; x ^= x << 13; x ^= x >> 17; x ^= x << 5; seed = x;
  return <f32>(<f64>(x >> 8) * (1.0 / 8388608.0) - 1.0);
}

// Buffers: n 32-bit words, followed by GUARD words no kernel may write. Outputs start as POISON.
// Freed after every test.
const GUARD = 8;
const CANARY: u32 = 0x7fa5a5a5;
const POISON: u32 = 0x7fc0ffee;
const live: usize[] = [];
function buf(n: i32): usize {
  const p = heap.alloc(<usize>(n + GUARD) << 2);
  for (let i = 0; i < n; i++) store<u32>(p + (<usize>i << 2), POISON);
  for (let i = n; i < n + GUARD; i++) store<u32>(p + (<usize>i << 2), CANARY);
  live.push(p);
  return p;
}
function copyOf(src: usize, n: i32): usize {
  const p = buf(n);
  memory.copy(p, src, <usize>n << 2);
  return p;
}
// @ts-ignore: decorator
@inline function word(p: usize, i: i32): u32 { return load<u32>(p + (<usize>i << 2)); }
function expectGuard(p: usize, n: i32, what: string): void {
  for (let i = n; i < n + GUARD; i++) {
    expect<u32>(word(p, i)).toBe(CANARY, what + ": written past its end at element " + i.toString());
  }
}
function expectSameBits(got: usize, want: usize, n: i32, what: string): void {
  let diff = 0, first = -1;
  for (let i = 0; i < n; i++) {
    if (word(got, i) != word(want, i)) { if (first < 0) first = i; diff++; }
  }
  expect<i32>(diff).toBe(0, what + ": elements differ bitwise, first at " + first.toString());
}
afterEach(() => {
  while (live.length > 0) heap.free(live.pop());
});

// Test cases: a test callback cannot capture loop variables, so each test's parameters are pushed
// to this table as the test is registered, and a root beforeEach advances `cursor` before every
// registered test (as-pect runs beforeEach hooks even for tests it then filters out).
class Case { count: i32; cols: i32; }
const cases: Case[] = [];
let cursor = -1;
beforeEach(() => { cursor++; });
function add(name: string, count: i32, cols: i32, fn: () => void): void {
  const c = new Case();
  c.count = count; c.cols = cols;
  cases.push(c);
  test(name, fn);
}

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
  f32_gather_rows(dst, src, idx, count, cols);
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

describe("gather", () => {
  const counts: i32[] = [0, 1, 5, 13, 20];
  const cols: i32[] = [1, 3, 4, 5, 785];
  for (let i = 0; i < counts.length; i++) {
    for (let j = 0; j < cols.length; j++) {
      add("gather_rows copies src rows into dst in index order (repeats allowed), nothing past the end, at count=" +
        counts[i].toString() + " cols=" + cols[j].toString(), counts[i], cols[j], () => { gatherRows(); });
    }
    add("gather_i32 copies src[idx[i]] into dst[i] in index order, nothing past the end, at count=" + counts[i].toString(),
      counts[i], 1, () => { gatherI32(); });
  }
});
