// Batch assembly (assembly/data.ts): f32_gather_rows copies rows of a resident dataset in the
// order of an index, i32_gather does the same for labels. Copies are exact: compared bitwise.

import { f32_gather_rows, f32_gather_rows__scalar, f32_gather_rows_4__simd, f32_gather_rows_8__simd, i32_gather, u8_gather_rows, u8_gather_rows__scalar, u8_gather_rows__simd, u8_gather_rows_4x16__simd, u8_gather_rows_255_8x16__simd, u8_widen_reciprocal, f32_first_nonfinite, f32_first_nonfinite__scalar, f32_first_nonfinite_64__simd } from "../../assembly/data";
import { reseed, rnd, buf, rand, at, copyOf, expectGuard, expectSameBits, cursor, register } from "./harness";

// ---------------------------------------------------------------------------------------------
// Element i as a 32-bit word (copies are compared bitwise).
// @ts-ignore: decorator
@inline function word(p: usize, i: i32): u32 { return load<u32>(p + (<usize>i << 2)); }

// Test cases (harness.ts: register, cursor): each test reads its parameters as cases[cursor].
class Case { constructor(public count: i32, public cols: i32, public variant: i32 = 0, public divisor: f32 = 255) {} }
const cases: Case[] = [];
function add(name: string, count: i32, cols: i32, fn: () => void, variant: i32 = 0, divisor: f32 = 255): void { register(cases, new Case(count, cols, variant, divisor), name, fn); }

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
  else if (v == 2) f32_gather_rows_4__simd(dst, src, idx, count, cols);
  else f32_gather_rows_8__simd(dst, src, idx, count, cols);
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
 * each output compared bitwise with the host's formula written out here: f32(b / divisor), then
 * with a normaliser f32((f64(v) − f64(offset)) · f64(scale)). Variants: the dispatcher with the
 * reciprocal, without it (it divides; both take the f32 kernel for the divisor 255), the scalar
 * reference, the dividing SIMD kernel, the multiplying one (4 rows × 16 bytes a round), the one for
 * the divisor 255 (f32 lanes); + 6: with a normaliser. */
const BYTE_VARIANTS = 6;
function gatherBytes(): void {
  const count = cases[cursor].count, cols = cases[cursor].cols, v = cases[cursor].variant % BYTE_VARIANTS;
  const normed = cases[cursor].variant >= BYTE_VARIANTS, divisor = <f64>cases[cursor].divisor;
  reseed(<u32>(count * 1013 + cols));
  const src = heap.alloc(<usize>(ROWS * cols));
  for (let i = 0; i < ROWS * cols; i++) store<u8>(src + <usize>i, <u8>((i * 37) & 255));
  const norm = normed ? rand(2 * cols) : 0;
  const idx = indices(count);
  const dst = buf(count * cols);
  const recip = u8_widen_reciprocal(divisor);
  // every divisor here multiplies to the same bits: the check must say so, or the fast kernels go untested
  expect<f64>(recip).toBe(1.0 / divisor, "u8_widen_reciprocal(" + divisor.toString() + ")");
  if (v == 0) u8_gather_rows(dst, src, idx, count, cols, divisor, norm, recip);
  else if (v == 1) u8_gather_rows(dst, src, idx, count, cols, divisor, norm);
  else if (v == 2) u8_gather_rows__scalar(dst, src, idx, count, cols, divisor, norm);
  else if (v == 3) u8_gather_rows__simd(dst, src, idx, count, cols, divisor, norm);
  else if (v == 4) u8_gather_rows_4x16__simd(dst, src, idx, count, cols, recip, norm);
  else u8_gather_rows_255_8x16__simd(dst, src, idx, count, cols, norm);
  let wrong = 0, first = -1;
  for (let i = 0; i < count; i++) {
    const r = load<i32>(idx + (<usize>i << 2));
    for (let j = 0; j < cols; j++) {
      let want = <f32>(<f64>load<u8>(src + <usize>(r * cols + j)) / divisor);
      if (normed) want = <f32>((<f64>want - <f64>at(norm, j)) * <f64>at(norm, cols + j));
      if (word(dst, i * cols + j) != reinterpret<u32>(want)) { if (first < 0) first = i * cols + j; wrong++; }
    }
  }
  heap.free(src);
  expect<i32>(wrong).toBe(0, "elements of dst that differ from the widened (and normalised) src row, first at " + first.toString());
  expectGuard(dst, count * cols, "dst");
}

/** u8_widen_reciprocal over divisors from every range of f32 exponents (the products and quotients
 * of the 256 bytes reach f32 subnormals at the largest and overflow at the smallest): where it
 * returns a reciprocal, multiplying must widen every byte as dividing does; it must return one for
 * the divisors data sets use. */
function widenReciprocal(): void {
  let checked = 0, multiplied = 0, wrong = 0;
  for (let e = -149; e <= 127; e++) {
    for (let m = 0; m < 8; m++) {
      const d = <f64>(<f32>(Math.pow(2, <f64>e) * (1.0 + <f64>m * 0.123456789)));
      if (!(d > 0) || !isFinite(d)) continue;
      checked++;
      const r = u8_widen_reciprocal(d);
      if (r == 0) continue;
      multiplied++;
      for (let b = 0; b < 256; b++) if (reinterpret<u32>(<f32>(<f64>b * r)) != reinterpret<u32>(<f32>(<f64>b / d))) wrong++;
    }
  }
  expect<i32>(wrong).toBe(0, "bytes whose product with the reciprocal differs from their quotient");
  expect<i32>(checked).toBeGreaterThan(2000, "divisors checked");
  const common: f64[] = [255, 256, 1, 127.5, 100, 65535, <f64><f32>0.3];
  for (let i = 0; i < common.length; i++) expect<f64>(u8_widen_reciprocal(common[i])).toBe(1.0 / common[i], "reciprocal of " + common[i].toString());
  expect<i32>(multiplied).toBeGreaterThan(0, "divisors that multiply");
}

/** The f32-lane widening for the divisor 255 (data.ts by255of) against the division for every byte
 * value in every lane position: rows of `cols` bytes, row r holding (j + 7r) mod 256, thirteen
 * rows (a round of eight, one of four and one alone), so every byte passes through the 16-byte
 * rounds, the groups of four and the single features of a row's end. */
function widen255EveryByte(): void {
  const cols = cases[cursor].cols, count = 13, rows = 40;
  const src = heap.alloc(<usize>(rows * cols));
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) store<u8>(src + <usize>(r * cols + j), <u8>((j + 7 * r) & 255));
  const idx = buf(count);
  for (let i = 0; i < count; i++) store<i32>(idx + (<usize>i << 2), 3 * i + 1);
  const dst = buf(count * cols);
  u8_gather_rows_255_8x16__simd(dst, src, idx, count, cols, 0);
  let wrong = 0, first = -1, seen = 0;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < cols; j++) {
      const b = load<u8>(src + <usize>((3 * i + 1) * cols + j));
      seen |= 1 << (b & 31);
      if (word(dst, i * cols + j) != reinterpret<u32>(<f32>(<f64>b / 255.0))) { if (first < 0) first = i * cols + j; wrong++; }
    }
  }
  heap.free(src);
  expect<i32>(wrong).toBe(0, "features that differ from f32(b / 255), first at " + first.toString());
  expect<i32>(seen).toBe(-1, "byte values seen (mod 32)");
  expectGuard(dst, count * cols, "dst");
}

describe("gather bytes", () => {
  add("u8_gather_rows_255_8x16__simd widens every byte 0 … 255 in every position to f32(b/255), at cols=256", 13, 256, () => { widen255EveryByte(); });
  add("u8_gather_rows_255_8x16__simd widens every byte 0 … 255 in every position to f32(b/255), at cols=271", 13, 271, () => { widen255EveryByte(); });
  // the 255 kernel takes rows by 8, then 4, then 1; the others by 4, then 1
  const counts: i32[] = [0, 1, 3, 4, 5, 8, 9, 12, 13, 20, 64];
  // 16 bytes are one round of the 4-row kernel, 4 one group: widths around both and 784 (+1)
  const cols: i32[] = [1, 3, 4, 5, 15, 16, 17, 19, 20, 784, 785];
  const divisors: f32[] = [255, 1, <f32>0.3, 65535];
  const variants: string[] = ["u8_gather_rows with its reciprocal", "u8_gather_rows dividing", "u8_gather_rows__scalar", "u8_gather_rows__simd", "u8_gather_rows_4x16__simd", "u8_gather_rows_255_8x16__simd"];
  for (let i = 0; i < counts.length; i++) {
    for (let j = 0; j < cols.length; j++) {
      for (let v = 0; v < 2 * BYTE_VARIANTS; v++) {
        for (let k = 0; k < divisors.length; k++) {
          // the other divisors on the first variant's widths only: their bits are the formula's all the same
          if (k > 0 && cols[j] != 17 && cols[j] != 785) continue;
          // the f32-lane kernel is for the divisor 255 alone
          if (v % BYTE_VARIANTS == 5 && divisors[k] != 255) continue;
          add(variants[v % BYTE_VARIANTS] + " widens src bytes to f32(b/" + divisors[k].toString() + ")" + (v >= BYTE_VARIANTS ? " and normalises them" : "") + " in index order, nothing past the end, at count=" +
            counts[i].toString() + " cols=" + cols[j].toString(), counts[i], cols[j], () => { gatherBytes(); }, v, divisors[k]);
        }
      }
    }
  }
  add("u8_widen_reciprocal returns a reciprocal only where multiplying widens every byte as dividing does", 0, 0, () => { widenReciprocal(); });
});

describe("gather", () => {
  // counts around the 8-row and 4-row groups: none, one row, groups of 8 then of 4 then single rows
  const counts: i32[] = [0, 1, 5, 7, 8, 9, 13, 16, 17, 20, 23];
  // 8 floats are one round of the 4- and 8-row copies: widths around it and 784 (+1) leave tails of every size
  const cols: i32[] = [1, 3, 4, 5, 7, 8, 9, 16, 17, 784, 785];
  const variants: string[] = ["gather_rows", "gather_rows__scalar", "gather_rows_4__simd", "gather_rows_8__simd"];
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

/** f32_first_nonfinite and its variants on n random finite values (the extremes among them: the
 * largest float, −0, a subnormal) with a NaN, +Infinity or −Infinity (count: which; cols: where,
 * −1 for none) and a second non-finite value after it: the first one's index, or −1. */
const NONFINITE: u32[] = [0x7fc00000, 0x7f800000, 0xff800000, 0x7f800001, 0xffffffff];
function firstNonfinite(): void {
  const n = cases[cursor].count, at0 = cases[cursor].cols, kind = cases[cursor].variant >> 2, v = cases[cursor].variant & 3;
  reseed(<u32>(n * 31 + at0 + 7));
  const x = rand(n);
  if (n > 0) store<u32>(x, 0x7f7fffff);
  if (n > 1) store<u32>(x + 4, 0x80000000);
  if (n > 2) store<u32>(x + 8, 0x00000001);
  if (at0 >= 0) {
    store<u32>(x + (<usize>at0 << 2), NONFINITE[kind]);
    if (at0 + 3 < n) store<u32>(x + (<usize>(at0 + 3) << 2), 0x7f800000);
  }
  const got = v == 0 ? f32_first_nonfinite(x, n) : v == 1 ? f32_first_nonfinite__scalar(x, n) : f32_first_nonfinite_64__simd(x, n);
  expect<i32>(got).toBe(at0, "the first non-finite element's index");
}

describe("first non-finite", () => {
  const ns: i32[] = [0, 1, 3, 63, 64, 65, 127, 128, 129, 1000];
  const variants: string[] = ["f32_first_nonfinite", "f32_first_nonfinite__scalar", "f32_first_nonfinite_64__simd"];
  const kinds: string[] = ["NaN", "+Infinity", "-Infinity", "a signalling NaN", "a negative NaN"];
  for (let i = 0; i < ns.length; i++) {
    const n = ns[i];
    // none, the first element, the last, a round's last and the next one's first, the tail after the last round
    const where: i32[] = [-1, 0, n - 1, 63, 64, (n & ~63) + 1, n >> 1];
    for (let w = 0; w < where.length; w++) {
      const at0 = where[w];
      if (at0 >= n || at0 < -1) continue;
      for (let k = 0; k < kinds.length; k++) {
        if (at0 < 0 && k > 0) continue;
        for (let v = 0; v < variants.length; v++) {
          add(variants[v] + " finds " + (at0 < 0 ? "no element (every value finite)" : kinds[k] + " at " + at0.toString() + " (the first of two)") + ", n=" + n.toString(),
            n, at0, () => { firstNonfinite(); }, (k << 2) | v);
        }
      }
    }
  }
});
