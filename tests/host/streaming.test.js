// Streamed training (issue 17, docs/STREAMING.md): a training set larger than maxMemory, or given as
// a DataSource, is read in chunks into two windows of the arena. These tests check what the user
// relies on: every sample trains once per epoch in the documented order (chunks shuffled, rows
// shuffled within a window); a source that fits trains exactly like the arrays; a streamed run
// stopped mid-epoch and resumed on a fresh network ends bit-identical to one that never stopped (on
// every backend and thread count, random-access and sequential sources); the arena stays within
// maxMemory, and a bound too small for even one chunk is refused with the smallest one that works;
// a source that fails mid-epoch rejects with a DataSourceError at a batch boundary.

import v8 from 'node:v8';
import { test } from 'node:test';
import assert from 'node:assert/strict';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // before the first wasm compile
const { createNetwork, Rng, DataSourceError, InputError } = await import('../../dist/index.js');

// 17 byte features; 203 samples: chunks of 8 leave a short chunk of 3, batches of 8 a tail of 3
const F = 17, N = 203, BATCH = 8, CLASSES = 3, LAYERS = [F, 12, CLASSES];

function pixels(seed, n = N) {
  const r = new Rng(seed);
  const bytes = new Uint8Array(n * F), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r.int(CLASSES);
    for (let j = 0; j < F; j++) bytes[i * F + j] = Math.min(255, r.int(200) + (j % 3 === y[i] ? 55 : 0));
  }
  return { bytes, y };
}
const DATA = pixels(5);

/** A random-access source over DATA that records its reads. */
function randomSource(log = [], data = DATA) {
  return {
    rows: data.y.length, inputs: F, divisor: 255,
    read(start, count, x, y) {
      log.push([start, count]);
      x.set(data.bytes.subarray(start * F, (start + count) * F));
      y.set(data.y.subarray(start, start + count));
    },
  };
}
/** A sequential source over DATA, in pieces of `piece` rows (async). */
function sequentialSource(piece = 5, data = DATA) {
  return {
    rows: data.y.length, inputs: F, divisor: 255,
    async *pass() {
      for (let s = 0; s < data.y.length; s += piece) {
        const e = Math.min(data.y.length, s + piece);
        yield { x: data.bytes.slice(s * F, e * F), y: data.y.slice(s, e) };
      }
    },
  };
}

const make = (backend = 'simd', threads = 1, seed = 3) => createNetwork({ layers: LAYERS, optimizer: { name: 'adam', learningRate: 0.01 }, seed, backend, threads, onNotice: () => {} });
const u32 = (a) => new Uint32Array(a.buffer, a.byteOffset, a.length);
function assertSameParams(a, b, what) {
  for (const k of ['weights', 'biases']) {
    a[k].forEach((w, l) => {
      const G = u32(w), W = u32(b[k][l]);
      const i = G.findIndex((v, j) => v !== W[j]);
      assert.equal(i, -1, `${what} ${k}[${l}] element ${i} differs`);
    });
  }
}

/** The smallest maxMemory fit accepts for this network and source (a fit of 0 epochs plans only). */
async function smallestMemory(make1, src, chunkRows) {
  let lo = 1, hi = 2 ** 32;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const net = await make1();
    try { await net.fit(src, null, { epochs: 0, batchSize: BATCH, maxMemory: mid, chunkRows }); hi = mid; } catch (e) {
      if (!(e instanceof InputError)) throw e;
      lo = mid + 1;
    }
  }
  return lo;
}

const WINDOW_BYTES = (chunks) => 2 * chunks * 8 * (F + 4); // two halves of `chunks` chunks of 8 rows

test('a streamed epoch reads every chunk once, in a shuffled order with the short chunk last, and trains every sample once', async () => {
  const least = await smallestMemory(() => make('js'), randomSource(), 8);
  const net = await make('js');
  const reads = [];
  const seen = [];
  await net.fit(randomSource(reads), null, {
    epochs: 2, batchSize: BATCH, maxMemory: least + WINDOW_BYTES(2), chunkRows: 8,
    onBatchEnd: (l) => seen.push([l.epoch, l.size, l.samplesRead]),
  });
  const st = net.getTrainingState();
  assert.deepEqual(st.stream, { chunkRows: 8, windowChunks: 3 }, 'the window grew by the two chunks the bound allows');
  assert.equal(st.order, null);
  const K = Math.ceil(N / 8);
  assert.equal(reads.length, 2 * K, 'each chunk read once per epoch');
  for (const epoch of [reads.slice(0, K), reads.slice(K)]) {
    assert.deepEqual(epoch.map(([s]) => s / 8).sort((a, b) => a - b), [...Array(K).keys()], 'every chunk');
    assert.deepEqual(epoch.at(-1), [200, 3], 'the short chunk comes last');
    assert.notDeepEqual(epoch.map(([s]) => s), [...Array(K).keys()].map((k) => 8 * k), 'the chunk order is shuffled');
  }
  assert.notDeepEqual(reads.slice(0, K), reads.slice(K), 'each epoch draws its own chunk order');
  const sizes = seen.filter(([e]) => e === 1).map(([, s]) => s);
  assert.equal(sizes.reduce((a, b) => a + b), N, 'every sample trains once per epoch');
  assert.equal(sizes.length, Math.ceil(N / BATCH), 'batches cross windows: only the last is short');
  assert.ok(seen.every(([, , r]) => r > 0 && r <= N), 'samplesRead counts what the epoch has read');
});

test('a source that fits the bound trains resident: bit-identical to fit on the arrays, random-access or sequential', async () => {
  const whole = await make();
  await whole.fit({ bytes: DATA.bytes, divisor: 255 }, DATA.y, { epochs: 2, batchSize: BATCH });
  for (const [what, src] of [['random', randomSource()], ['sequential', sequentialSource(7)]]) {
    const net = await make();
    await net.fit(src, null, { epochs: 2, batchSize: BATCH });
    assert.equal(net.getTrainingState().stream, undefined, `${what}: resident`);
    assertSameParams(net.getParameters(), whole.getParameters(), what);
  }
});

const CASES = [['js', 1], ['scalar', 1], ['simd', 1], ['simd', 2], ['relaxed', 3]];
for (const [backend, threads] of CASES) {
  for (const kind of ['random', 'sequential']) {
    test(`${backend} × ${threads} thread(s), ${kind} source: a streamed run stopped mid-epoch and resumed on a fresh network ends bit-identical`, async () => {
      const src = () => (kind === 'random' ? randomSource() : sequentialSource(5));
      const least = await smallestMemory(() => make(backend, threads), src(), 8);
      const opts = { batchSize: BATCH, maxMemory: least + WINDOW_BYTES(1), chunkRows: 8 };
      const whole = await make(backend, threads);
      const wholeLog = await whole.fit(src(), null, { ...opts, epochs: 3 });

      const net = await make(backend, threads);
      const ctl = new AbortController();
      const first = await net.fit(src(), null, {
        ...opts, epochs: 3, signal: ctl.signal,
        onBatchEnd: (l) => { if (l.epoch === 2 && l.batch === 11) ctl.abort(); },
      });
      assert.equal(first.stopped, true);
      const state = net.getTrainingState();
      assert.deepEqual([state.epoch, state.batch, state.sample], [1, 11, 88]);
      assert.deepEqual(state.stream, { chunkRows: 8, windowChunks: 2 });

      const fresh = await make(backend, threads, 999);
      fresh.setParameters(net.getParameters());
      fresh.setOptimizerState(net.getOptimizerState());
      const batches = [];
      const rest = await fresh.fit(src(), null, { ...opts, epochs: 2, resume: state, onBatchEnd: (l) => batches.push(`${l.epoch}.${l.batch}`) });
      assert.equal(batches[0], '2.12', 'the resumed run starts with the next batch');
      assert.equal(rest[1].loss, wholeLog[2].loss, 'the last epoch reports the same loss');
      assertSameParams(fresh.getParameters(), whole.getParameters(), 'resumed vs whole');
      assert.deepEqual(fresh.getTrainingState(), whole.getTrainingState());
    });
  }
}

test('an interrupted streamed fit continued on the same network (no resume option) ends bit-identical', async () => {
  const least = await smallestMemory(() => make(), randomSource(), 8);
  const opts = { batchSize: BATCH, maxMemory: least + WINDOW_BYTES(1), chunkRows: 8, epochs: 2 };
  const whole = await make();
  await whole.fit(randomSource(), null, opts);
  const net = await make();
  const ctl = new AbortController();
  await net.fit(randomSource(), null, { ...opts, signal: ctl.signal, onBatchEnd: (l) => { if (l.epoch === 1 && l.batch === 20) ctl.abort(); } });
  await net.fit(randomSource(), null, opts);
  assertSameParams(net.getParameters(), whole.getParameters(), 'continued vs whole');
});

test('arrays larger than maxMemory stream; the arena stays within the bound', async () => {
  const data = pixels(9, 3000);
  const net = await make();
  const least = await smallestMemory(() => make(), randomSource([], data), 64);
  const bound = least + 20000;
  const log = await net.fit({ bytes: data.bytes, divisor: 255 }, data.y, { epochs: 2, batchSize: 32, maxMemory: bound, chunkRows: 64 });
  assert.equal(log.length, 2);
  assert.ok(net.getTrainingState().stream, 'streamed');
  assert.ok(net.arenaPlan.bytes <= bound, `the plan (${net.arenaPlan.bytes} B) within the bound (${bound} B)`);
  assert.ok(net.arenaPlan.data.rows < 3000 / 2, `a window holds a part of the set (${net.arenaPlan.data.rows} rows)`);
  assert.ok(log[1].trainAccuracy > 0.6, `it learns (${log[1].trainAccuracy})`);
});

test('a bound too small for one chunk a window is refused, naming the smallest that works; that one trains', async () => {
  const net = await make();
  const err = await net.fit(randomSource(), null, { epochs: 1, batchSize: BATCH, maxMemory: 1000, chunkRows: 8 }).catch((e) => e);
  assert.ok(err instanceof InputError, String(err));
  assert.match(err.message, /maxMemory 0\.1 MB is too small: training on 203 samples needs at least \d+\.\d MB/);
  const least = await smallestMemory(() => make(), randomSource(), 8);
  const ok = await make();
  const log = await ok.fit(randomSource(), null, { epochs: 1, batchSize: BATCH, maxMemory: least, chunkRows: 8 });
  assert.equal(log.length, 1);
  assert.deepEqual(ok.getTrainingState().stream, { chunkRows: 8, windowChunks: 1 });
  const refused = await (await make()).fit(randomSource(), null, { epochs: 1, batchSize: BATCH, maxMemory: least - 1, chunkRows: 8 }).catch((e) => e);
  assert.ok(refused instanceof InputError);
});

for (const kind of ['random', 'sequential']) {
  test(`a ${kind} source that fails mid-epoch rejects with a DataSourceError at a batch boundary; the run resumes from there`, async () => {
    const least = await smallestMemory(() => make(), randomSource(), 8);
    const opts = { batchSize: BATCH, maxMemory: least + WINDOW_BYTES(1), chunkRows: 8 };
    let calls = 0;
    const failing = kind === 'random'
      ? { ...randomSource(), read(start, count, x, y) { if (++calls === 12) throw new Error('disk gone'); return randomSource().read(start, count, x, y); } }
      : { ...sequentialSource(5), async *pass() { let i = 0; for await (const p of sequentialSource(5).pass()) { if (++i === 30) throw new Error('connection reset'); yield p; } } };
    const net = await make();
    const err = await net.fit(failing, null, { ...opts, epochs: 2 }).catch((e) => e);
    assert.ok(err instanceof DataSourceError, String(err));
    assert.match(err.message, kind === 'random' ? /failed reading rows \d+–\d+: disk gone/ : /failed reading rows \d+–\d+: connection reset/);
    assert.equal(err.cause?.message, kind === 'random' ? 'disk gone' : 'connection reset');
    const st = net.getTrainingState();
    assert.ok(st.sample > 0 && st.sample % BATCH === 0 && st.sample < N, `stopped at a batch boundary (${st.sample})`);
    const whole = await make();
    await whole.fit(randomSource(), null, { ...opts, epochs: 2 });
    if (kind === 'random') {
      const fresh = await make(undefined, undefined, 7);
      fresh.setParameters(net.getParameters());
      fresh.setOptimizerState(net.getOptimizerState());
      await fresh.fit(randomSource(), null, { ...opts, epochs: 2 - st.epoch, resume: st });
      assertSameParams(fresh.getParameters(), whole.getParameters(), 'resumed after the failure vs whole');
    }
  });
}

// A fit on the same network, without `resume`, continues from its training state. The epoch's order
// is drawn before its first window is read, so a source failing even then must leave the PRNG at the
// epoch's start, as the state says, for the continuing fit to draw the same order again.
for (const [where, failAt] of [['before the first batch of an epoch', 0], ['mid-epoch', 100]]) {
  test(`a sequential source failing ${where} leaves a network that a plain fit continues bit-identical to a run that never failed`, async () => {
    const least = await smallestMemory(() => make(), sequentialSource(5), 8);
    const opts = { batchSize: BATCH, maxMemory: least + WINDOW_BYTES(1), chunkRows: 8 };
    const whole = await make();
    await whole.fit(sequentialSource(5), null, { ...opts, epochs: 2 });

    let passes = 0;
    const failing = { ...sequentialSource(5), async *pass() { // the second pass fails at row failAt
      const second = ++passes === 2;
      let row = 0;
      for await (const p of sequentialSource(5).pass()) {
        if (second && row >= failAt) throw new Error('connection reset');
        row += p.y.length;
        yield p;
      }
    } };
    const net = await make();
    const err = await net.fit(failing, null, { ...opts, epochs: 2 }).catch((e) => e);
    assert.ok(err instanceof DataSourceError, String(err));
    const st = net.getTrainingState();
    assert.equal(st.epoch, 1);
    assert.ok(failAt === 0 ? st.sample === 0 : st.sample > 0 && st.sample <= failAt, `stopped at sample ${st.sample}`);
    await net.fit(sequentialSource(5), null, { ...opts, epochs: 1 });
    assertSameParams(net.getParameters(), whole.getParameters(), 'continued after the failure vs whole');
    assert.deepEqual(net.getTrainingState(), whole.getTrainingState());
  });
}

test('bad sources are refused with the problem named', async () => {
  const net = await make();
  const e1 = await net.fit({ ...randomSource(), inputs: 16 }, null).catch((e) => e);
  assert.match(e1.message, /16 features per row but the network has 17 inputs/);
  const e2 = await net.fit(randomSource(), DATA.y).catch((e) => e);
  assert.match(e2.message, /pass null for y/);
  const bad = { ...randomSource(), read(s, c, x, y) { randomSource().read(s, c, x, y); y[2] = 7; } };
  const e3 = await net.fit(bad, null, { maxMemory: 1e6, chunkRows: 8, batchSize: 8 }).catch((e) => e);
  assert.ok(e3 instanceof InputError);
  assert.match(e3.message, /data source row \d+: label 7 is not a class in \[0, 3\)/);
  const short = { rows: N + 5, inputs: F, divisor: 255, pass: () => sequentialSource(5).pass() };
  const e4 = await net.fit(short, null).catch((e) => e);
  assert.ok(e4 instanceof DataSourceError, String(e4));
  assert.match(e4.message, /pass ended after 203 rows; it has 208/);
  const floats = { rows: 4, inputs: F, read(s, c, x, y) { x.fill(NaN); y.fill(0); } };
  const e5 = await net.fit(floats, null).catch((e) => e);
  assert.match(e5.message, /data source row 0: feature 0 is NaN/);
});

test('a resident epoch stopped part-way is not resumed streamed (its order would be lost): refused, naming why', async () => {
  const net = await make();
  const ctl = new AbortController();
  await net.fit(randomSource(), null, { epochs: 1, batchSize: BATCH, signal: ctl.signal, onBatchEnd: (l) => { if (l.batch === 3) ctl.abort(); } });
  const st = net.getTrainingState();
  assert.equal(st.order.length, N, 'a resident run');
  const least = await smallestMemory(() => make(), randomSource(), 8);
  const err = await net.fit(randomSource(), null, { epochs: 1, batchSize: BATCH, maxMemory: least + WINDOW_BYTES(1), chunkRows: 8, resume: st }).catch((e) => e);
  assert.ok(err instanceof InputError, String(err));
  assert.match(err.message, /part-way through an epoch trained resident/);
});
