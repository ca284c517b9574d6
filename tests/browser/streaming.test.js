// Streamed training in a real browser (issue 17, docs/STREAMING.md): Debian's Chromium trains from
// IDX files fetched from this test's loopback server, through idxStreamSource over the fetch bodies
// (the .gz pair piped through DecompressionStream('gzip')), with a maxMemory small enough that fit
// streams the set through two windows of the arena. The page's parameters must equal, bit for bit,
// those of the same run in Node reading the same files sequentially (idxStreamSource over file
// streams; idxFileSource over the .gz pair). Plain files through idxFileSource are random access,
// whose chunk order is shuffled: another order, so not the comparison here.
// A byte stream that fails mid-pass rejects fit with a DataFormatError (E_DATA) naming the stream and
// the byte; a stream of pieces that fails, with a DataSourceError (E_SOURCE) naming the rows. The
// network that failed continues, on good data, to the bits of the run that never failed, and the
// page trains a new network to them too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { makeSyntheticIdx } from '../../scripts/make-synthetic-idx.mjs';
import { createNetwork, idxStreamSource, InputError } from '../../dist/index.js';
import { idxFileSource } from '../../dist/node/index.js';
import { NO_CHROMIUM, launch, recordErrors, serveDist } from './chromium.js';

const SKIP = NO_CHROMIUM ?? false;
// 3000 rows: idxStreamSource cuts a pass into pieces of about 1 MiB (1337 rows of 784 bytes), so a
// pass is three pieces and its bytes are read as the epoch goes (1000 rows would be one piece, read
// whole for the first window); chunks of 100 rows, windows of 2 chunks: 15 windows an epoch
const ROWS = 3000, INPUTS = 784, BATCH = 32, CHUNK = 100;
const NET = { layers: [INPUTS, 32, 10], optimizer: { name: 'adam', learningRate: 0.002 }, seed: 1, backend: 'simd', threads: 1 };
const IMAGES = 'train-images-idx3-ubyte', LABELS = 'train-labels-idx1-ubyte';
/** bytes of one pass over the plain pair: two headers (16 and 8 bytes), the pixels and the labels */
const PASS_BYTES = 16 + ROWS * INPUTS + 8 + ROWS;

// The page: the library from /dist, and window.lab, which fits networks (kept by name, so a network
// that failed can fit again) on sources described by plain objects, and reports errors as data.
const PAGE = `<!doctype html><meta charset="utf-8"><title>streamed training</title>
<script type="module">
import { createNetwork, idxStreamSource, readableStreamSource } from '/dist/index.js';
const nets = new Map();
const u32 = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const bits = (net) => { const p = net.getParameters(); return { weights: p.weights.map(u32), biases: p.biases.map(u32) }; };
const errorData = (e) => ({ name: e?.name, code: e?.code, message: String(e?.message ?? e), file: e?.file, offset: e?.offset,
  start: e?.start, end: e?.end, cause: e?.cause?.message, causeIsError: e?.cause instanceof Error });
const body = async (url) => { const res = await fetch(url); if (!res.ok) throw new Error(url + ': HTTP ' + res.status); return res.body; };

/** The body of url that gives its first n bytes, then fails with Error(message), as a dropped connection. */
async function failingBody(url, n, message) {
  const reader = (await body(url)).getReader();
  let sent = 0;
  return new ReadableStream({
    async pull(c) {
      if (sent === n) { await reader.cancel(); c.error(new Error(message)); return; }
      const r = await reader.read();
      if (r.done) { c.close(); return; }
      const part = r.value.subarray(0, n - sent);
      sent += part.length;
      c.enqueue(part);
    },
    cancel: (why) => reader.cancel(why),
  });
}

/** spec.kind 'idx': idxStreamSource over fetches of spec.images and spec.labels (gunzipped when
 * spec.gzip); with spec.fail = { open, bytes }, the images stream opened the open-th time (1: the
 * header read, 2: the first pass…) fails after that many bytes.
 * spec.kind 'pieces': readableStreamSource over the plain pair's rows in pieces of spec.piece rows,
 * the stream failing once spec.failAtRow rows are out. */
async function source(spec) {
  if (spec.kind === 'idx') {
    const open = (url) => () => body(url).then((b) => (spec.gzip ? b.pipeThrough(new DecompressionStream('gzip')) : b));
    let opens = 0;
    const images = () => (++opens === spec.fail?.open ? failingBody(spec.images, spec.fail.bytes, 'connection reset') : open(spec.images)());
    return idxStreamSource(images, open(spec.labels), { name: 'train' });
  }
  const x = new Uint8Array(await (await fetch(spec.images)).arrayBuffer()).subarray(16);
  const y = new Uint8Array(await (await fetch(spec.labels)).arrayBuffer()).subarray(8);
  const rows = y.length, inputs = x.length / rows;
  return readableStreamSource({ rows, inputs, divisor: 255 }, () => {
    let row = 0;
    return new ReadableStream({
      pull(c) {
        if (row >= spec.failAtRow) { c.error(new Error('connection reset')); return; }
        const end = Math.min(rows, row + spec.piece);
        c.enqueue({ x: x.slice(row * inputs, end * inputs), y: y.slice(row, end) });
        row = end;
        if (row === rows) c.close();
      },
    });
  });
}

window.lab = {
  /** Fits network \`name\` (created from cfg the first time) on spec's source: its parameters' bits,
   * the loss of each epoch, the training state's stream geometry and position, and each batch's
   * [epoch, samplesRead, bytesRead]; or { error } when fit rejects. */
  async fit(name, cfg, spec, options) {
    if (!nets.has(name)) nets.set(name, await createNetwork({ ...cfg, onNotice: () => {} }));
    const net = nets.get(name);
    const reads = [];
    const src = await source(spec);
    let history, error;
    try {
      history = await net.fit(src, null, { ...options, onBatchEnd: (l) => reads.push([l.epoch, l.samplesRead, l.bytesRead]) });
    } catch (e) { error = errorData(e); }
    const st = net.getTrainingState();
    return { error, losses: history?.map((h) => h.loss), bits: error ? undefined : bits(net), reads,
      state: { epoch: st.epoch, batch: st.batch, sample: st.sample, stream: st.stream } };
  },
};
window.__ready = true;
</script>`;

let dir, server, origin, browser, options, node;
const files = {};

/** The smallest maxMemory fit accepts for NET on src with chunks of CHUNK rows (a 0-epoch fit plans only). */
async function smallestMemory(src) {
  let lo = 1, hi = 2 ** 32;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const net = await createNetwork({ ...NET, onNotice: () => {} });
    try { await net.fit(src, null, { epochs: 0, batchSize: BATCH, maxMemory: mid, chunkRows: CHUNK }); hi = mid; } catch (e) {
      if (!(e instanceof InputError)) throw e;
      lo = mid + 1;
    }
  }
  return lo;
}

/** NET trained in this process on src with `options`: as the page reports it. */
async function fitInNode(src) {
  const net = await createNetwork({ ...NET, onNotice: () => {} });
  const history = await net.fit(src, null, options);
  const st = net.getTrainingState();
  const u32 = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
  const p = net.getParameters();
  return { losses: history.map((h) => h.loss), bits: { weights: p.weights.map(u32), biases: p.biases.map(u32) }, stream: st.stream };
}

const webStream = (path) => () => Readable.toWeb(createReadStream(path));

/** Asserts two parameter sets are equal bit for bit, naming the first element that differs. */
function assertSameBits(a, b, what) {
  for (const k of ['weights', 'biases']) {
    assert.equal(a[k].length, b[k].length);
    a[k].forEach((layer, l) => {
      assert.equal(layer.length, b[k][l].length, `${what}: ${k}[${l}] length`);
      const i = layer.findIndex((v, j) => v !== b[k][l][j]);
      assert.equal(i, -1, `${what}: ${k}[${l}] element ${i} differs (0x${layer[i]?.toString(16)} vs 0x${b[k][l][i]?.toString(16)})`);
    });
  }
}

before(async () => {
  if (SKIP) return;
  dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-browser-stream-'));
  const base = { train: ROWS, test: 100, rows: 28, cols: 28, classes: 10, seed: 1 };
  await makeSyntheticIdx({ ...base, out: join(dir, 'plain'), gzip: false });
  await makeSyntheticIdx({ ...base, out: join(dir, 'gz'), gzip: true });
  for (const f of [IMAGES, LABELS]) {
    files[f] = join(dir, 'plain', f);
    files[`${f}.gz`] = join(dir, 'gz', `${f}.gz`);
  }
  const gzImages = readFileSync(files[`${IMAGES}.gz`]);
  const extra = {
    [`/data/${IMAGES}`]: readFileSync(files[IMAGES]), [`/data/${LABELS}`]: readFileSync(files[LABELS]),
    [`/data/${IMAGES}.gz`]: gzImages, [`/data/${LABELS}.gz`]: readFileSync(files[`${LABELS}.gz`]),
    // a download cut in the middle: the gzip stream ends inside its data
    [`/data/cut/${IMAGES}.gz`]: gzImages.subarray(0, gzImages.length >> 1),
  };
  server = await serveDist({ page: PAGE, extra });
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launch();

  // the bound: one chunk a window (two in all) more than the least, so windows of 2 chunks
  const least = await smallestMemory(await idxStreamSource(webStream(files[IMAGES]), webStream(files[LABELS])));
  options = { epochs: 2, batchSize: BATCH, chunkRows: CHUNK, maxMemory: least + 2 * CHUNK * (INPUTS + 4) };
  // the references: the same network and data, read sequentially in Node
  node = {
    plain: await fitInNode(await idxStreamSource(webStream(files[IMAGES]), webStream(files[LABELS]))),
    gz: await fitInNode(await idxFileSource(files[`${IMAGES}.gz`], files[`${LABELS}.gz`])),
  };
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A new page on the served lab, its errors recorded. */
async function openLab(t) {
  const page = await browser.newPage();
  t.after(() => page.close());
  const errors = recordErrors(page);
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.__ready === true, null, { timeout: 10_000 });
  return { page, errors, fit: (name, spec, opts = options) => page.evaluate(([n, c, s, o]) => window.lab.fit(n, c, s, o), [name, NET, spec, opts]) };
}

const IDX = { kind: 'idx', images: `/data/${IMAGES}`, labels: `/data/${LABELS}` };
const IDX_GZ = { kind: 'idx', images: `/data/${IMAGES}.gz`, labels: `/data/${LABELS}.gz`, gzip: true };

test('the Node references stream in windows of 2 chunks, train, and agree: a sequential plain pass and the .gz pair give the same bits', { skip: SKIP }, () => {
  assert.deepEqual(node.plain.stream, { chunkRows: CHUNK, windowChunks: 2 }, '30 chunks of 100 rows: 15 windows an epoch');
  assert.deepEqual(node.gz.stream, node.plain.stream);
  assert.ok(node.plain.losses[1] < node.plain.losses[0], `the loss falls: ${node.plain.losses}`);
  assertSameBits(node.gz.bits, node.plain.bits, 'Node .gz vs plain');
});

test('Chromium trains streamed from fetch bodies, plain and gunzipped, bit-identical to Node; progress reads rise to the whole set each epoch', { skip: SKIP }, async (t) => {
  const { fit, errors } = await openLab(t);
  for (const [what, spec] of [['plain', IDX], ['gzip', IDX_GZ]]) {
    const r = await fit(`good-${what}`, spec);
    assert.equal(r.error, undefined, `${what}: ${r.error?.message}`);
    assert.deepEqual(r.state.stream, { chunkRows: CHUNK, windowChunks: 2 }, `${what}: streamed in windows of 2 chunks`);
    assert.deepEqual(r.losses, node.plain.losses, `${what}: the epochs' losses equal Node's`);
    assertSameBits(r.bits, node.plain.bits, `Chromium ${what} vs Node`);

    // progress: within each epoch samplesRead and bytesRead never fall, start below the set and end at it
    for (const epoch of [1, 2]) {
      const reads = r.reads.filter(([e]) => e === epoch);
      assert.equal(reads.length, Math.ceil(ROWS / BATCH), `${what}: epoch ${epoch} logs every batch`);
      reads.slice(1).forEach(([, s, b], i) => assert.ok(s >= reads[i][1] && b >= reads[i][2], `${what}: reads fell at batch ${i + 2}: ${reads[i]} → ${[epoch, s, b]}`));
      const [[, s0, b0], [, sN, bN]] = [reads[0], reads.at(-1)];
      // rows reach the arena a window (200 rows) at a time; bytes are counted as the stream hands
      // them out, in the fetch body's chunks, whose size is Chromium's business (up to megabytes)
      assert.ok(s0 >= BATCH && s0 < ROWS && b0 > 0, `${what}: epoch ${epoch} starts part-read: ${s0} samples, ${b0} bytes`);
      const steps = new Set(reads.map((r) => r[1])).size;
      assert.ok(steps >= 10, `${what}: epoch ${epoch}'s samplesRead rises a window at a time: ${steps} values`);
      t.diagnostic(`${what} epoch ${epoch}: bytesRead ${[...new Set(reads.map((r) => r[2]))].join(', ')}`);
      assert.equal(sN, ROWS, `${what}: epoch ${epoch} reads every sample`);
      // the stream's own count: decompressed bytes (DecompressionStream's output) for .gz, as for plain
      assert.equal(bN, PASS_BYTES, `${what}: epoch ${epoch} reads every byte of both streams once`);
    }
  }
  assert.deepEqual(errors, []);
});

test('a byte stream failing mid-pass rejects fit with E_DATA naming the stream and byte, pieces failing with E_SOURCE naming the rows; the network continues after each to the bits of a run that never failed', { skip: SKIP }, async (t) => {
  const { fit, errors } = await openLab(t);
  const at = (row) => 16 + row * INPUTS + 100; // 100 bytes into `row` of the images stream

  // idxStreamSource owns the byte stream, so it knows where in the file the failure came: a
  // DataFormatError (E_DATA) at that byte, which fit passes through as it is. Here the images stream
  // of the first pass (open 2; open 1 read the header) fails inside row 2000, in the second piece
  // (rows 1337–2673), which the window of rows 1200–1399 needs.
  const a = await fit('failing', { ...IDX, fail: { open: 2, bytes: at(2000) } });
  assert.equal(a.error?.code, 'E_DATA', JSON.stringify(a.error));
  assert.equal(a.error.name, 'DataFormatError');
  assert.equal(a.error.file, 'train images stream');
  assert.equal(a.error.offset, at(2000));
  assert.equal(a.error.message, `train images stream: reading failed at byte ${at(2000)}: connection reset`);
  assert.equal(a.error.cause, 'connection reset');
  // stopped at a batch boundary before that window: a batch from 1184 on reaches into it
  assert.equal(a.state.epoch, 0);
  assert.ok(a.state.sample > 0 && a.state.sample <= 1184 && a.state.sample % BATCH === 0, `stopped at sample ${a.state.sample}`);

  // readableStreamSource hands out the caller's pieces: it knows rows, not bytes, and the failure is
  // the caller's own error, so fit wraps it in a DataSourceError (E_SOURCE) naming the rows asked
  // for, with the error as cause. The same network continues the epoch (a fit continues where the
  // last stopped) from pieces of 50 rows; the stream fails once 2500 rows are out, in the window of
  // rows 2400–2599.
  const b = await fit('failing', { kind: 'pieces', images: IDX.images, labels: IDX.labels, piece: 50, failAtRow: 2500 });
  assert.equal(b.error?.code, 'E_SOURCE', JSON.stringify(b.error));
  assert.equal(b.error.name, 'DataSourceError');
  assert.ok(b.error.start <= 2500 && 2500 < b.error.end, `the rows named (${b.error.start}–${b.error.end - 1}) hold row 2500`);
  assert.equal(b.error.message, `the data source failed reading rows ${b.error.start}–${b.error.end - 1}: connection reset`);
  assert.deepEqual([b.error.cause, b.error.causeIsError], ['connection reset', true]);
  assert.equal(b.state.epoch, 0);
  assert.ok(b.state.sample > a.state.sample && b.state.sample <= 2400 && b.state.sample % BATCH === 0, `stopped at sample ${b.state.sample}`);

  // it finishes the first epoch; the second epoch's pass (open 3) fails in its first row, before
  // the epoch's first batch (its order already drawn)
  const c = await fit('failing', { ...IDX, fail: { open: 3, bytes: at(0) } });
  assert.equal(c.error?.code, 'E_DATA', JSON.stringify(c.error));
  assert.equal(c.error.offset, at(0));
  assert.deepEqual([c.state.epoch, c.state.sample], [1, 0]);

  // then, on good data, it trains the second epoch to the bits of the run that never failed
  const d = await fit('failing', IDX, { ...options, epochs: 1 });
  assert.equal(d.error, undefined, d.error?.message);
  assert.deepEqual(d.losses, node.plain.losses.slice(1), 'the second epoch, all of it here, has the same loss');
  assertSameBits(d.bits, node.plain.bits, 'the network continued after three failures vs Node');

  // a gzip download cut in the middle: DecompressionStream fails where its input ends
  const e = await fit('cut', { ...IDX_GZ, images: `/data/cut/${IMAGES}.gz` });
  assert.equal(e.error?.code, 'E_DATA', JSON.stringify(e.error));
  assert.equal(e.error.file, 'train images stream');
  assert.ok(e.error.offset > 16 && e.error.offset < 16 + ROWS * INPUTS, `the failure lies inside the images: byte ${e.error.offset}`);
  assert.match(e.error.message, /^train images stream: reading failed at byte \d+: /);
  assert.equal(e.state.epoch, 0);

  // the page stays usable: a new network trains to Node's bits
  const fresh = await fit('fresh', IDX);
  assertSameBits(fresh.bits, node.plain.bits, 'a new network after the failures vs Node');
  assert.deepEqual(errors, [], 'no unhandled rejection or console error in the page');
});
