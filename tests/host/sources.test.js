// DataSources (issue 17, docs/STREAMING.md "Sources"): every source gives exactly the rows of the
// arrays or of loadIdxFile — random reads at awkward starts and counts, sequential passes in pieces
// of any size, again on a second pass — and bad data fails with a typed error naming the row, the
// stream or file and the byte offset, never a short pass or a silent wrong row. A sparse file of
// 4.4 GB checks that rows past byte 2^31 and 2^32 are read where they are.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, openSync, closeSync, writeSync, ftruncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { arraySource, iterableSource, readableStreamSource, idxStreamSource, isDataSource, Rng } from '../../dist/index.js';
import { idxFileSource } from '../../dist/node/index.js';
import { loadIdxFile } from '../../dist/node/idx-files.js';
import { DataFormatError, InputError } from '../../dist/errors.js';
import { makeSyntheticIdx } from '../../scripts/make-synthetic-idx.mjs';
import { ubyte, tempDir as tempIn } from '../data/idx-fixtures.js';

const tempDir = (t) => tempIn(t, 'wasm-mlp-sources-');

/** Asserts `promise` rejects with `Type` whose fields equal `props` and whose message matches. */
async function rejectsWith(promise, Type, props, ...patterns) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Type, `expected ${Type.name}, got ${e?.constructor?.name}: ${e?.message}`);
    for (const [k, v] of Object.entries(props)) assert.equal(e[k], v, `${k} in ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

/** Every piece of one pass, each checked to hold whole rows: x concatenated (typed as the pieces'
 * x), y as a plain array, and the rows of each piece. */
async function drain(source) {
  const xs = [], ys = [], sizes = [];
  for await (const p of source.pass()) {
    assert.equal(p.x.length % source.inputs, 0, 'a piece of whole rows');
    sizes.push(p.x.length / source.inputs);
    xs.push(p.x);
    for (const v of p.y) ys.push(v);
  }
  const x = new (xs[0]?.constructor ?? Uint8Array)(xs.reduce((n, a) => n + a.length, 0));
  xs.reduce((at, a) => { x.set(a, at); return at + a.length; }, 0);
  return { x, y: ys, sizes };
}

/** A ReadableStream over `bytes` in chunks of the given sizes (cycled), counting cancels. */
function byteStream(bytes, sizes, counters = {}) {
  let at = 0, k = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) { c.close(); return; }
      const n = sizes[k++ % sizes.length];
      c.enqueue(bytes.slice(at, at + n)); at += n;
    },
    cancel() { counters.cancelled = (counters.cancelled ?? 0) + 1; },
  });
}

/** The same bytes as an async generator (how a Node stream or a user's generator gives them). */
async function* byteChunks(bytes, size) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

// 23 rows of 7 features: reads and pieces of 1, 5 and 23 rows cross every boundary
const R = 23, F = 7;
const FLOATS = Float32Array.from({ length: R * F }, (_, i) => Math.fround(i * 0.25 - 3));
const BYTES = Uint8Array.from({ length: R * F }, (_, i) => (i * 53 + 7) % 256);
const LABELS = Int32Array.from({ length: R }, (_, i) => (i * 3) % 10);
const TARGETS = Float32Array.from({ length: R * 3 }, (_, i) => i / 8);
const READS = [[0, 1], [R - 1, 1], [0, R], [3, 17], [22, 0], [5, 5]];

test('arraySource reads exactly the rows asked for: float features, byte features, class indices and float targets', async () => {
  const floats = arraySource(FLOATS, LABELS);
  const bytes = arraySource({ bytes: BYTES, divisor: 255 }, Array.from(LABELS));
  const targets = arraySource(FLOATS, TARGETS, 3);
  assert.ok(isDataSource(floats) && isDataSource(bytes) && isDataSource(targets));
  assert.deepEqual([floats.rows, floats.inputs, floats.divisor, bytes.divisor, targets.rows], [R, F, undefined, 255, R]);
  for (const [start, count] of READS) {
    const x = new Float32Array(count * F), y = new Int32Array(count);
    await floats.read(start, count, x, y);
    assert.deepEqual(x, FLOATS.subarray(start * F, (start + count) * F), `floats read(${start}, ${count})`);
    assert.deepEqual(y, LABELS.subarray(start, start + count));
    const xb = new Uint8Array(count * F), yb = new Int32Array(count);
    await bytes.read(start, count, xb, yb);
    assert.deepEqual(xb, BYTES.subarray(start * F, (start + count) * F), `bytes read(${start}, ${count})`);
    assert.deepEqual(yb, LABELS.subarray(start, start + count));
    const yt = new Float32Array(count * 3);
    await targets.read(start, count, new Float32Array(count * F), yt);
    assert.deepEqual(yt, TARGETS.subarray(start * 3, (start + count) * 3));
  }
});

test('arraySource refuses inconsistent arrays, reads outside its rows, the wrong view kind and labels that are not integers', async () => {
  assert.throws(() => arraySource(FLOATS, LABELS.subarray(1)), (e) => e instanceof InputError && /161 features for 22 rows/.test(e.message));
  assert.throws(() => arraySource(FLOATS, TARGETS.subarray(1), 3), (e) => e instanceof InputError && /68 values.*targetWidth 3/.test(e.message));
  assert.throws(() => arraySource({ bytes: BYTES, divisor: 0 }, LABELS), InputError);
  const s = arraySource(FLOATS, LABELS);
  const x = new Float32Array(R * F), y = new Int32Array(R);
  for (const [start, count] of [[-1, 1], [R, 1], [20, 4], [1.5, 1]]) {
    await rejectsWith((async () => s.read(start, count, x, y))(), InputError, {}, new RegExp(`read\\(${start}, ${count}\\) is outside rows 0 … 22`));
  }
  await rejectsWith((async () => s.read(0, 2, new Uint8Array(2 * F), y))(), InputError, {}, /Uint8Array, expected a Float32Array/);
  await rejectsWith((async () => s.read(0, 4, new Float32Array(3 * F), y))(), InputError, {}, /cannot take 4 rows of 7/);
  const fractional = Float32Array.from(LABELS); fractional[4] = 2.5;
  await rejectsWith((async () => arraySource(FLOATS, fractional).read(0, 5, x, y))(), InputError, {}, /y\[4\] = 2.5 is not a class index/);
  const nan = Float32Array.from(LABELS); nan[9] = NaN;
  await rejectsWith((async () => arraySource(FLOATS, nan).read(5, 5, x, y))(), InputError, {}, /y\[9\] = NaN/);
});

/** Pieces of `sizes` rows (the last one cut to what is left) over the byte arrays. */
function* pieces(sizes) {
  for (let row = 0, k = 0; row < R; k++) {
    const n = Math.min(sizes[k % sizes.length], R - row);
    yield { x: BYTES.slice(row * F, (row + n) * F), y: LABELS.slice(row, row + n) };
    row += n;
  }
}

test('iterableSource passes every row in order, in pieces of 1, of odd sizes and all at once, sync or async, the same on a second pass', async () => {
  for (const sizes of [[1], [5, 2], [R]]) {
    const syncSource = iterableSource({ rows: R, inputs: F, divisor: 255 }, () => pieces(sizes));
    const asyncSource = iterableSource({ rows: R, inputs: F, divisor: 255 }, async function* () { yield* pieces(sizes); });
    for (const s of [syncSource, asyncSource]) {
      assert.ok(isDataSource(s));
      for (let pass = 0; pass < 2; pass++) {
        const got = await drain(s);
        assert.deepEqual(got.x, BYTES, `pieces of ${sizes}, pass ${pass}`);
        assert.deepEqual(got.y, [...LABELS]);
      }
    }
  }
  const floats = iterableSource({ rows: R, inputs: F, targetWidth: 3 }, function* () {
    yield { x: FLOATS.subarray(0, 10 * F), y: TARGETS.subarray(0, 30) };
    yield { x: FLOATS.subarray(10 * F), y: TARGETS.subarray(30) };
  });
  const got = await drain(floats);
  assert.deepEqual(got.x, FLOATS);
  assert.deepEqual(got.y, [...TARGETS]);
  assert.deepEqual(got.sizes, [10, 13]);
});

/** The first n items of an iterator (Node 20 has no Iterator.prototype.take). */
function* first(it, n) {
  for (const v of it) { if (n-- <= 0) return; yield v; }
}

test('iterableSource names the piece and row of a piece that is not whole rows, of the wrong kind, or too long, and a pass that ends early', async () => {
  const info = { rows: R, inputs: F, divisor: 255 };
  const cases = [
    [function* () { yield* first(pieces([5]), 1); yield { x: BYTES.slice(5 * F, 8 * F + 3), y: LABELS.slice(5, 8) }; }, /piece 1 \(from row 5\): x has 24 values, not whole rows of 7 features \(row 8 is cut after 3\)/],
    [function* () { yield { x: BYTES.slice(0, 4 * F), y: LABELS.slice(0, 3) }; }, /piece 0 \(from row 0\): y has 3 values for 4 rows: expected 4/],
    [function* () { yield { x: FLOATS.slice(0, F), y: LABELS.slice(0, 1) }; }, /x is a Float32Array, but the source declares byte features \(divisor 255\)/],
    [function* () { yield* pieces([R]); yield { x: BYTES.slice(0, F), y: LABELS.slice(0, 1) }; }, /piece 1 \(from row 23\): the pass holds more than the declared 23 rows/],
    [function* () { yield* first(pieces([4]), 3); }, /the pass ended after 12 rows \(3 pieces\), the source declares 23: row 12 is missing/],
    [function* () { yield { x: BYTES.slice(0, F) }; }, /y has undefined values for 1 rows/],
  ];
  for (const [open, message] of cases) await rejectsWith(drain(iterableSource(info, open)), InputError, {}, message);
  // a generator object handed out twice: the second pass is empty, and the error says why
  const once = pieces([R]);
  const reused = iterableSource(info, () => once);
  await drain(reused);
  await rejectsWith(drain(reused), InputError, {}, /ended after 0 rows.*open\(\) return a new iterable each call/);
  assert.throws(() => iterableSource({ rows: 0, inputs: F }, () => []), InputError);
  assert.throws(() => iterableSource({ rows: R, inputs: F, divisor: -1 }, () => []), InputError);
});

test('readableStreamSource reads a stream of pieces through getReader, checks it like iterableSource, and cancels a pass left early', async () => {
  const counters = {};
  const open = (sizes) => () => {
    const it = pieces(sizes);
    return new ReadableStream({
      pull(c) { const r = it.next(); if (r.done) c.close(); else c.enqueue(r.value); },
      cancel() { counters.cancelled = (counters.cancelled ?? 0) + 1; },
    });
  };
  const s = readableStreamSource({ rows: R, inputs: F, divisor: 255 }, open([3]));
  for (let pass = 0; pass < 2; pass++) {
    const got = await drain(s);
    assert.deepEqual(got.x, BYTES);
    assert.deepEqual(got.y, [...LABELS]);
  }
  for await (const piece of s.pass()) { assert.equal(piece.y.length, 3); break; }
  assert.equal(counters.cancelled, 1, 'leaving a pass cancels its stream');
  await rejectsWith(drain(readableStreamSource({ rows: R + 1, inputs: F, divisor: 255 }, open([3]))), InputError, {}, /^readableStreamSource: the pass ended after 23 rows/);
});

// Images of 60×250 bytes: a piece is floor(2^20 / 15000) = 69 rows, so 150 rows make 3 pieces
const ROWS = 150, DIMS = [ROWS, 60, 250];
const IMAGES = ubyte(DIMS);
const LABEL_FILE = ubyte([ROWS], (i) => i % 10);
const PIXELS = IMAGES.slice(16), CLASSES = [...LABEL_FILE.subarray(8)];

test('idxStreamSource passes the IDX rows and labels from ReadableStreams and async iterables in any chunking, the same on every pass', async () => {
  for (const [images, labels] of [
    [() => byteStream(IMAGES, [1, 3, 4097]), () => byteStream(LABEL_FILE, [1, 2, 5])],
    [() => byteChunks(IMAGES, 65536), () => byteChunks(LABEL_FILE, 3)],
    [() => byteStream(IMAGES, [IMAGES.length]), () => byteChunks(LABEL_FILE, LABEL_FILE.length)],
    // promises of streams, as `() => fetch(url).then((res) => res.body)` gives
    [async () => byteStream(IMAGES, [70000]), () => Promise.resolve(byteChunks(LABEL_FILE, 64))],
  ]) {
    const s = await idxStreamSource(images, labels);
    assert.ok(isDataSource(s));
    assert.deepEqual([s.rows, s.inputs, s.divisor, typeof s.read], [ROWS, 15000, 255, 'undefined']);
    for (let pass = 0; pass < 2; pass++) {
      const before = s.bytesRead;
      const got = await drain(s);
      assert.deepEqual(got.sizes, [69, 69, 12]);
      assert.deepEqual(got.x, PIXELS, `pass ${pass}: the pixels`);
      assert.deepEqual(got.y, CLASSES);
      assert.equal(s.bytesRead - before, IMAGES.length + LABEL_FILE.length, 'a pass reads both streams once, whole');
    }
  }
  const halves = await idxStreamSource(() => byteChunks(IMAGES, 999), () => byteChunks(LABEL_FILE, 999), { divisor: 2 });
  assert.equal(halves.divisor, 2);
});

test('idxStreamSource names the stream and byte offset of a wrong magic number, gzip, differing counts, a cut row, trailing bytes, a failing stream', async () => {
  const src = (images, labels = LABEL_FILE) => idxStreamSource(() => byteChunks(images, 1000), () => byteChunks(labels, 7), { name: 'train' });
  const images = 'train images stream', labels = 'train labels stream';
  const bad = IMAGES.slice(); bad[1] = 8;
  await rejectsWith(src(bad), DataFormatError, { file: images, offset: 1 }, /bad magic number at byte 1/);
  await rejectsWith(src(gzipSync(IMAGES)), DataFormatError, { file: images, offset: 0 }, /gzip signature.*DecompressionStream/);
  await rejectsWith(src(IMAGES, LABEL_FILE.subarray(0, 8 + 149).map((v, i) => (i === 7 ? 149 : v))), DataFormatError, { file: labels, offset: 4 }, /150 images, .* 149 labels/);
  await rejectsWith(src(IMAGES, ubyte([ROWS, 1])), DataFormatError, { file: labels }, /expected labels/);
  await rejectsWith(src(IMAGES.subarray(0, 10)), DataFormatError, { file: images, offset: 10 }, /truncated header at byte 10/);
  // the headers are read at creation; the data is checked as a pass reads it
  const cut = 16 + 100 * 15000 + 321;
  await rejectsWith(drain(await src(IMAGES.subarray(0, cut))), DataFormatError, { file: images, offset: cut }, /truncated at byte 1500337: row 100 of 150 is cut/);
  await rejectsWith(drain(await src(IMAGES, LABEL_FILE.subarray(0, 8 + 140))), DataFormatError, { file: labels, offset: 148 }, /label 140 of 150 is missing/);
  const longer = new Uint8Array(IMAGES.length + 2); longer.set(IMAGES);
  await rejectsWith(drain(await src(longer)), DataFormatError, { file: images, offset: IMAGES.length }, /trailing bytes at byte 2250016/);
  let fail = false;
  const flaky = await idxStreamSource(async function* () {
    yield IMAGES.subarray(0, 4000);
    if (fail) throw new Error('connection reset');
    yield IMAGES.subarray(4000);
  }, () => byteChunks(LABEL_FILE, 50), { name: 'net' });
  fail = true;
  await rejectsWith(drain(flaky), DataFormatError, { file: 'net images stream', offset: 4000 }, /reading failed at byte 4000: connection reset/);
  // a fetch that fails; and one that fails beside a stream whose header is refused first (its
  // rejection is handled: the process does not die of an unhandled rejection)
  await rejectsWith(idxStreamSource(() => Promise.reject(new Error('HTTP 404')), () => byteChunks(LABEL_FILE, 9)), DataFormatError,
    { file: 'IDX images stream', offset: 0 }, /reading failed at byte 0: HTTP 404/);
  await rejectsWith(idxStreamSource(() => byteChunks(bad, 9), () => Promise.reject(new Error('offline'))), DataFormatError, { offset: 1 }, /bad magic/);
  // re-opened for a pass, the stream announces another shape than at creation
  let opened = 0;
  const changing = await idxStreamSource(() => byteChunks(opened++ === 0 ? IMAGES : ubyte([ROWS, 10, 10]), 999), () => byteChunks(LABEL_FILE, 999));
  await rejectsWith(drain(changing), DataFormatError, { file: 'IDX images stream', offset: 4 }, /holds 150 rows of 100 bytes, first opened it held 150 of 15000: the data changed/);
});

test('idxStreamSource cancels both streams after reading the headers and when a pass is left early', async () => {
  const counters = { images: {}, labels: {} };
  const s = await idxStreamSource(() => byteStream(IMAGES, [5000], counters.images), () => byteStream(LABEL_FILE, [4], counters.labels));
  assert.deepEqual([counters.images.cancelled, counters.labels.cancelled], [1, 1]);
  for await (const p of s.pass()) { assert.equal(p.y.length, 69); break; }
  assert.deepEqual([counters.images.cancelled, counters.labels.cancelled], [2, 2]);
});

/** A small real dataset from the synthetic writer: 300 images of 28×28, plain and gzip. */
async function synthetic(t) {
  const dir = tempDir(t);
  const paths = {};
  for (const gzip of [false, true]) {
    const out = join(dir, gzip ? 'gz' : 'raw');
    const [images, labels] = await makeSyntheticIdx({ out, train: 300, test: 0, rows: 28, cols: 28, classes: 10, seed: 5, gzip });
    paths[gzip ? 'gz' : 'raw'] = { images, labels };
  }
  return { dir, paths, images: loadIdxFile(paths.raw.images).data, labels: loadIdxFile(paths.raw.labels).data };
}

test('idxFileSource reads plain files at random (the first row, the last, odd ranges, all) into plain and shared views, counting the bytes', async (t) => {
  const d = await synthetic(t);
  const s = await idxFileSource(d.paths.raw.images, d.paths.raw.labels);
  t.after(() => s.close());
  assert.ok(isDataSource(s));
  assert.deepEqual([s.rows, s.inputs, s.divisor, typeof s.pass], [300, 784, 255, 'undefined']);
  for (const shared of [false, true]) {
    // the threaded engine's arena is a SharedArrayBuffer: the views the trainer passes are into it
    const buffer = shared ? new SharedArrayBuffer(300 * 784 + 300 * 4 + 16) : new ArrayBuffer(300 * 784 + 300 * 4 + 16);
    for (const [start, count] of [[0, 1], [299, 1], [0, 300], [17, 101], [150, 0]]) {
      const x = new Uint8Array(buffer, 3, count * 784), y = new Int32Array(buffer, 300 * 784 + 8, count);
      const before = s.bytesRead;
      await s.read(start, count, x, y);
      assert.ok(x.every((v, i) => v === d.images[start * 784 + i]), `read(${start}, ${count}) pixels`);
      assert.deepEqual([...y], [...d.labels.subarray(start, start + count)]);
      assert.equal(s.bytesRead - before, count * 785, 'bytes read: the rows and their labels');
    }
  }
  // reads may overlap (the trainer refills while it trains): each lands in its own views
  const views = [[5, 40], [120, 33], [260, 40]].map(([start, count]) => ({ start, count, x: new Uint8Array(count * 784), y: new Int32Array(count) }));
  await Promise.all(views.map((v) => s.read(v.start, v.count, v.x, v.y)));
  for (const v of views) {
    assert.ok(v.x.every((b, i) => b === d.images[v.start * 784 + i]), `overlapping read(${v.start}, ${v.count})`);
    assert.deepEqual([...v.y], [...d.labels.subarray(v.start, v.start + v.count)]);
  }
  // a float target view takes the labels as values too
  const yf = new Float32Array(4);
  await s.read(296, 4, new Uint8Array(4 * 784), yf);
  assert.deepEqual([...yf], [...d.labels.subarray(296)]);
  await rejectsWith((async () => s.read(299, 2, new Uint8Array(2 * 784), new Int32Array(2)))(), InputError, {}, /read\(299, 2\) is outside rows 0 … 299/);
  await rejectsWith((async () => s.read(0, 1, new Float32Array(784), new Int32Array(1)))(), InputError, {}, /expected a Uint8Array/);
  await s.close();
  await rejectsWith((async () => s.read(0, 1, new Uint8Array(784), new Int32Array(1)))(), InputError, {}, /read after close/);
});

test('idxFileSource streams gzip files (or a gzip file beside a plain one) a pass at a time, counting compressed bytes', async (t) => {
  const d = await synthetic(t);
  const mixed = { images: d.paths.gz.images, labels: d.paths.raw.labels };
  for (const p of [d.paths.gz, mixed]) {
    const s = await idxFileSource(p.images, p.labels);
    assert.deepEqual([s.rows, s.inputs, s.divisor, typeof s.read, typeof s.pass], [300, 784, 255, 'undefined', 'function']);
    const fileBytes = statSync(p.images).size + statSync(p.labels).size;
    for (let pass = 0; pass < 2; pass++) {
      const before = s.bytesRead;
      const got = await drain(s);
      assert.deepEqual(got.x, d.images.slice(), `pass ${pass}: pixels`);
      assert.deepEqual(got.y, [...d.labels]);
      assert.equal(s.bytesRead - before, fileBytes, 'a pass reads each file once');
    }
    // a pass left early, then close(): nothing is left open to keep the process alive
    for await (const piece of s.pass()) { assert.ok(piece.y.length > 0); break; }
    await s.close();
  }
});

test('idxFileSource names the file and byte offset of a cut or overlong file, a bad header, differing counts, a corrupt gzip, a missing file', async (t) => {
  const dir = tempDir(t);
  const put = (name, bytes) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
  const images = put('images', IMAGES), labels = put('labels', LABEL_FILE);
  const cut = put('cut', IMAGES.subarray(0, 16 + 42 * 15000 + 7));
  await rejectsWith(idxFileSource(cut, labels), DataFormatError, { file: cut, offset: 16 + 42 * 15000 + 7 }, /truncated at byte 630023: row 42 of 150 is cut/);
  const cutLabels = put('cut-labels', LABEL_FILE.subarray(0, 8 + 99));
  await rejectsWith(idxFileSource(images, cutLabels), DataFormatError, { file: cutLabels, offset: 107 }, /label 99 of 150 is missing/);
  const long = put('long', Uint8Array.from([...LABEL_FILE, 1, 2, 3]));
  await rejectsWith(idxFileSource(images, long), DataFormatError, { file: long, offset: 158 }, /3 trailing bytes at byte 158/);
  const fewer = put('fewer', ubyte([149], (i) => i % 10));
  await rejectsWith(idxFileSource(images, fewer), DataFormatError, { file: fewer, offset: 4 }, /150 images, .* 149 labels/);
  const bad = IMAGES.slice(); bad[2] = 0x77;
  const badPath = put('bad', bad);
  await rejectsWith(idxFileSource(badPath, labels), DataFormatError, { file: badPath, offset: 2 }, /unknown element type 0x77/);
  await rejectsWith(idxFileSource(labels, images), DataFormatError, { file: labels }, /expected images/);
  const missing = join(dir, 'nope');
  await rejectsWith(idxFileSource(images, missing), DataFormatError, { file: missing }, /file not found/);
  await rejectsWith(idxFileSource(dir, labels), DataFormatError, { file: dir }, /expected a file, found a directory/);
  // gzip: no size to check at open; a cut stream fails in the pass, naming the file
  const gz = gzipSync(IMAGES);
  const cutGz = put('cut.gz', gz.subarray(0, gz.length - 3000));
  const s = await idxFileSource(cutGz, labels);
  await rejectsWith(drain(s), DataFormatError, { file: cutGz }, /reading failed at byte \d+: unexpected end of file/);
  await s.close();
  const shortGz = put('short.gz', gzipSync(IMAGES.subarray(0, 16 + 149 * 15000)));
  await rejectsWith(drain(await idxFileSource(shortGz, labels)), DataFormatError, { file: shortGz, offset: 16 + 149 * 15000 }, /row 149 of 150 is missing/);
});

test('idxFileSource reads rows past byte 2^31 and 2^32 of a 4.4 GB (sparse) file where they are', async (t) => {
  const dir = tempDir(t);
  const n = 5_600_000, inputs = 784;
  const imagesPath = join(dir, 'images'), labelsPath = join(dir, 'labels');
  const header = (dims) => { const b = Buffer.alloc(4 + 4 * dims.length); b[2] = 8; b[3] = dims.length; dims.forEach((v, i) => b.writeUInt32BE(v, 4 + 4 * i)); return b; };
  // rows whose bytes start past 2^31, straddle 2^32 (and its neighbours), and the last
  const past31 = Math.ceil((2 ** 31 - 16) / inputs), at32 = Math.floor((2 ** 32 - 16) / inputs);
  assert.ok(16 + past31 * inputs > 2 ** 31 && 16 + at32 * inputs < 2 ** 32 && 16 + (at32 + 1) * inputs > 2 ** 32);
  const known = [past31, at32 - 1, at32, at32 + 1, n - 1];
  const rowBytes = (r) => { const rng = new Rng(r); return Uint8Array.from({ length: inputs }, () => rng.int(256)); };
  const write = (path, size, parts) => {
    const fd = openSync(path, 'w');
    try {
      ftruncateSync(fd, size); // sparse: only the written blocks take space
      for (const [bytes, position] of parts) writeSync(fd, bytes, 0, bytes.length, position);
    } finally { closeSync(fd); }
  };
  write(imagesPath, 16 + n * inputs, [[header([n, 28, 28]), 0], ...known.map((r) => [rowBytes(r), 16 + r * inputs])]);
  write(labelsPath, 8 + n, [[header([n]), 0], ...known.map((r) => [Uint8Array.of(r % 251), 8 + r])]);
  assert.ok(statSync(imagesPath).blocks * 512 < 2 ** 24, 'the file is sparse on this file system');
  const s = await idxFileSource(imagesPath, labelsPath);
  t.after(() => s.close());
  assert.deepEqual([s.rows, s.inputs], [n, inputs]);
  for (const [start, count] of [[past31, 1], [at32 - 1, 3], [n - 1, 1], [at32 - 2, 1]]) {
    const x = new Uint8Array(count * inputs), y = new Int32Array(count);
    await s.read(start, count, x, y);
    for (let i = 0; i < count; i++) {
      const r = start + i, want = known.includes(r) ? rowBytes(r) : new Uint8Array(inputs);
      assert.deepEqual(x.subarray(i * inputs, (i + 1) * inputs), want, `row ${r} (byte ${16 + r * inputs})`);
      assert.equal(y[i], known.includes(r) ? r % 251 : 0, `label ${r}`);
    }
  }
});
