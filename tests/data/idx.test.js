// IDX parsing (pure) and loading from disk (plain, gzip, dataset folders).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseIdx, idxImagesToFloat32, idxLabels } from '../../dist/data/idx.js';
import { loadIdxFile, loadIdxDataset } from '../../dist/node/idx-files.js';
import { DataFormatError } from '../../dist/errors.js';

const CODES = { ubyte: 0x08, sbyte: 0x09, i16: 0x0b, i32: 0x0c, f32: 0x0d, f64: 0x0e };
const SIZES = { ubyte: 1, sbyte: 1, i16: 2, i32: 4, f32: 4, f64: 8 };

/** Builds an IDX file: big-endian header and elements. */
function idx(type, dims, values) {
  const size = SIZES[type];
  const out = new Uint8Array(4 + 4 * dims.length + values.length * size);
  const dv = new DataView(out.buffer);
  out[2] = CODES[type];
  out[3] = dims.length;
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  let p = 4 + 4 * dims.length;
  for (const v of values) {
    if (type === 'ubyte') dv.setUint8(p, v);
    else if (type === 'sbyte') dv.setInt8(p, v);
    else if (type === 'i16') dv.setInt16(p, v, false);
    else if (type === 'i32') dv.setInt32(p, v, false);
    else if (type === 'f32') dv.setFloat32(p, v, false);
    else dv.setFloat64(p, v, false);
    p += size;
  }
  return out;
}

const images = (n, rows, cols, f = (i) => i % 256) => idx('ubyte', [n, rows, cols], Array.from({ length: n * rows * cols }, (_, i) => f(i)));
const labels = (ys) => idx('ubyte', [ys.length], ys);

function rejects(fn, props, ...patterns) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof DataFormatError, `expected DataFormatError, got ${e?.constructor?.name}: ${e?.message}`);
    for (const [k, v] of Object.entries(props)) assert.equal(e[k], v, `${k} in ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-idx-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('parseIdx reads a ubyte image file as a view on the input (no copy)', () => {
  const bytes = images(2, 2, 3);
  const p = parseIdx(bytes, 'imgs');
  assert.equal(p.type, 'ubyte');
  assert.deepEqual(p.dims, [2, 2, 3]);
  assert.ok(p.data instanceof Uint8Array);
  assert.equal(p.data.buffer, bytes.buffer);
  assert.equal(p.data.byteOffset, 16);
  assert.deepEqual([...p.data], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});

test('parseIdx works on a subarray with a non-zero byteOffset', () => {
  const inner = idx('i16', [2], [-2, 300]);
  const outer = new Uint8Array(inner.length + 3);
  outer.set(inner, 3);
  const p = parseIdx(outer.subarray(3));
  assert.deepEqual([...p.data], [-2, 300]);
});

test('parseIdx decodes big-endian sbyte, i16, i32, f32 and f64 elements', () => {
  const cases = {
    sbyte: [-128, -1, 0, 127],
    i16: [-32768, -2, 258, 32767],
    i32: [-2147483648, -3, 16909060, 2147483647],
    f32: [Math.fround(-1.5), Math.fround(3.1415927), 0, Math.fround(1e-30)],
    f64: [-1.5, Math.PI, 0, 1e-300],
  };
  const ctors = { sbyte: Int8Array, i16: Int16Array, i32: Int32Array, f32: Float32Array, f64: Float64Array };
  for (const [type, values] of Object.entries(cases)) {
    const p = parseIdx(idx(type, [2, 2], values));
    assert.equal(p.type, type);
    assert.ok(p.data instanceof ctors[type], type);
    assert.deepEqual([...p.data], values, type);
  }
});

test('parseIdx accepts a zero-length dimension with no data', () => {
  const p = parseIdx(idx('ubyte', [0, 28, 28], []));
  assert.deepEqual(p.dims, [0, 28, 28]);
  assert.equal(p.data.length, 0);
});

test('idxImagesToFloat32 flattens rows × cols and scales pixels by 1/255', () => {
  const r = idxImagesToFloat32(parseIdx(images(3, 2, 2, (i) => [0, 255, 51, 128][i % 4])), 'imgs');
  assert.equal(r.n, 3);
  assert.equal(r.features, 4);
  assert.ok(r.x instanceof Float32Array);
  assert.equal(r.x.length, 12);
  assert.deepEqual([...r.x.subarray(0, 4)], [0, 1, Math.fround(51 / 255), Math.fround(128 / 255)]);
});

test('idxLabels returns the labels as a Uint8Array', () => {
  const y = idxLabels(parseIdx(labels([3, 1, 4, 1, 5])));
  assert.ok(y instanceof Uint8Array);
  assert.deepEqual([...y], [3, 1, 4, 1, 5]);
});

test('parseIdx rejects a file shorter than the 4-byte magic, naming the file and offset', () => {
  rejects(() => parseIdx(new Uint8Array([0, 0, 8]), 'tiny.idx'), { file: 'tiny.idx', offset: 3 }, /tiny\.idx/, /truncated header/, /found 3 bytes/);
});

test('parseIdx rejects a non-zero first magic byte at offset 0', () => {
  const b = images(1, 1, 1);
  b[0] = 0x42;
  rejects(() => parseIdx(b, 'x.idx'), { file: 'x.idx', offset: 0 }, /bad magic/, /byte 0/, /expected 0x00, found 0x42/);
});

test('parseIdx rejects a non-zero second magic byte at offset 1', () => {
  const b = images(1, 1, 1);
  b[1] = 0x01;
  rejects(() => parseIdx(b, 'x.idx'), { offset: 1 }, /byte 1/, /found 0x01/);
});

test('parseIdx rejects an unknown element type at offset 2 and lists the valid ones', () => {
  const b = images(1, 1, 1);
  b[2] = 0x0a;
  rejects(() => parseIdx(b, 'x.idx'), { file: 'x.idx', offset: 2 }, /unknown element type 0x0a/, /0x08 ubyte/);
});

test('parseIdx rejects zero dimensions at offset 3', () => {
  rejects(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'x.idx'), { offset: 3 }, /at least 1 dimension, found 0/);
});

test('parseIdx rejects a header truncated inside the dimension sizes', () => {
  const b = images(1, 2, 2).subarray(0, 10);
  rejects(() => parseIdx(b, 'x.idx'), { file: 'x.idx', offset: 10 }, /truncated header/, /3 dimensions need a 16-byte header/, /10 bytes/);
});

test('parseIdx rejects dimensions whose product exceeds 2^31 elements before allocating', () => {
  // 65536 × 16384 × 4 = 2^32 elements from a 16-byte file: must fail on the header alone.
  const b = idx('f64', [65536, 16384, 4], []);
  rejects(() => parseIdx(b, 'huge.idx'), { file: 'huge.idx', offset: 12 }, /exceed 2\^31/, /dimension 2/);
});

test('parseIdx rejects the maximal u32 dims of a 255-dimension header', () => {
  const b = new Uint8Array(4 + 4 * 255).fill(0xff);
  b[0] = 0; b[1] = 0; b[2] = 0x0e; b[3] = 255;
  rejects(() => parseIdx(b, 'h.idx'), { offset: 4 }, /exceed 2\^31/, /dimension 0/);
});

test('parseIdx rejects data shorter than the dims imply (truncated data)', () => {
  const full = images(2, 3, 3);
  const b = full.subarray(0, full.length - 5);
  rejects(() => parseIdx(b, 'cut.idx'), { file: 'cut.idx', offset: b.length }, /truncated data/, /need 18 data bytes/, /found 13/);
});

test('parseIdx rejects trailing bytes after the data, at the offset where they start', () => {
  const full = images(2, 3, 3);
  const b = new Uint8Array(full.length + 2);
  b.set(full);
  rejects(() => parseIdx(b, 'long.idx'), { file: 'long.idx', offset: full.length }, /2 trailing bytes/, /exactly 18/, /found 20/);
});

test('parseIdx recognises gzip input and says to decompress it', () => {
  rejects(() => parseIdx(gzipSync(images(1, 1, 1)), 'a.gz'), { offset: 0 }, /gzip/);
});

test('idxImagesToFloat32 rejects a labels file, naming magic 2051 expected and 2049 found', () => {
  rejects(() => idxImagesToFloat32(parseIdx(labels([1, 2])), 'labels.idx'), { file: 'labels.idx' }, /2051/, /found magic 2049/, /labels\.idx/);
});

test('idxImagesToFloat32 rejects non-ubyte images', () => {
  rejects(() => idxImagesToFloat32(parseIdx(idx('f32', [1, 1, 1], [0.5])), 'f.idx'), { offset: 2 }, /expected images/, /f32/);
});

test('idxLabels rejects an images file, naming magic 2049 expected and 2051 found', () => {
  rejects(() => idxLabels(parseIdx(images(1, 2, 2)), 'imgs.idx'), { file: 'imgs.idx' }, /2049/, /found magic 2051/);
});

test('idxLabels rejects non-ubyte labels', () => {
  rejects(() => idxLabels(parseIdx(idx('i32', [2], [1, 2])), 'l.idx'), { offset: 2 }, /expected labels/, /i32/);
});

test('loadIdxFile reads plain and gzip files identically, detecting gzip by content not name', (t) => {
  const { dir, done } = tempDir();
  t.after(done);
  const bytes = images(2, 2, 2);
  writeFileSync(join(dir, 'plain.gz'), bytes); // misleading name, plain content
  writeFileSync(join(dir, 'packed'), gzipSync(bytes)); // gzip content, no extension
  const a = loadIdxFile(join(dir, 'plain.gz'));
  const b = loadIdxFile(join(dir, 'packed'));
  assert.deepEqual(a.dims, [2, 2, 2]);
  assert.deepEqual([...a.data], [...b.data]);
});

test('loadIdxFile rejects a corrupt gzip file, naming it', (t) => {
  const { dir, done } = tempDir();
  t.after(done);
  const z = gzipSync(images(4, 8, 8));
  z.fill(0x55, 12, 40);
  const p = join(dir, 'bad.gz');
  writeFileSync(p, z);
  rejects(() => loadIdxFile(p), { file: p }, /corrupt or truncated/, /bad\.gz/);
});

test('loadIdxFile rejects a truncated gzip file, naming it', (t) => {
  const { dir, done } = tempDir();
  t.after(done);
  const z = gzipSync(images(4, 8, 8));
  const p = join(dir, 'cut.gz');
  writeFileSync(p, z.subarray(0, z.length - 10));
  rejects(() => loadIdxFile(p), { file: p }, /cut\.gz/);
});

test('loadIdxFile reports a missing file by path', () => {
  const p = join(tmpdir(), 'wasm-mlp-no-such-file.idx');
  rejects(() => loadIdxFile(p), { file: p }, /file not found/, /wasm-mlp-no-such-file/);
});

test('loadIdxDataset loads the four standard files, mixing plain and .gz', (t) => {
  const { dir, done } = tempDir();
  t.after(done);
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images(3, 2, 2)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels([0, 4, 2]));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images(2, 2, 2, () => 255));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(labels([6, 1])));
  const d = loadIdxDataset(dir);
  assert.equal(d.features, 4);
  assert.equal(d.classes, 7, 'max label over train and test + 1');
  assert.equal(d.train.n, 3);
  assert.equal(d.train.x.length, 12);
  assert.deepEqual([...d.train.y], [0, 4, 2]);
  assert.equal(d.test.n, 2);
  assert.deepEqual([...d.test.x], new Array(8).fill(1));
});

test('loadIdxDataset accepts the dotted mirror names and no test set (test is null)', (t) => {
  const { dir, done } = tempDir();
  t.after(done);
  writeFileSync(join(dir, 'train-images.idx3-ubyte'), images(2, 1, 3));
  writeFileSync(join(dir, 'train-labels.idx1-ubyte.gz'), gzipSync(labels([1, 0])));
  const d = loadIdxDataset(dir);
  assert.equal(d.test, null);
  assert.equal(d.features, 3);
  assert.equal(d.classes, 2);
});

test('loadIdxDataset rejects image and label counts that differ, naming both files and counts', (t) => {
  const { dir, done } = tempDir();
  t.after(done);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), images(3, 2, 2));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels([0, 1]));
  rejects(() => loadIdxDataset(dir), {}, /train-images-idx3-ubyte has 3 images/, /train-labels-idx1-ubyte has 2 labels/);
});

test('loadIdxDataset rejects a folder without the train labels, naming the missing file', (t) => {
  const { dir, done } = tempDir();
  t.after(done);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), images(1, 1, 1));
  rejects(() => loadIdxDataset(dir), {}, /missing train-labels-idx1-ubyte/);
});

test('loadIdxDataset rejects test images without test labels', (t) => {
  const { dir, done } = tempDir();
  t.after(done);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), images(1, 1, 1));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels([0]));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images(1, 1, 1));
  rejects(() => loadIdxDataset(dir), {}, /t10k-images-idx3-ubyte but not t10k-labels-idx1-ubyte/);
});

test('loadIdxDataset rejects test images of a different size than the train images', (t) => {
  const { dir, done } = tempDir();
  t.after(done);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), images(1, 2, 2));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels([0]));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images(1, 3, 3));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels([0]));
  rejects(() => loadIdxDataset(dir), {}, /4 features/, /has 9/);
});

test('loadIdxDataset rejects a missing folder by name', () => {
  const p = join(tmpdir(), 'wasm-mlp-no-such-dir');
  rejects(() => loadIdxDataset(p), { file: p }, /dataset folder not found/);
});

test('loadIdxFile stops a gzip file that inflates past the size bound, naming it', (t) => {
  const { dir, done } = tempDir();
  t.after(done);
  const p = join(dir, 'bomb.gz');
  writeFileSync(p, gzipSync(images(10, 28, 28, () => 0))); // 7,856 bytes inflated, ~60 compressed
  rejects(() => loadIdxFile(p, 4096), { file: p }, /bomb\.gz decompresses to more than 4096 bytes/);
});
