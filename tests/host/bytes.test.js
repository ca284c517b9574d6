// Byte features (issue 17): a dataset whose features are bytes stays bytes in the arena and the
// gather widens each batch's rows (assembly/data.ts u8_gather_rows, src/data/bytes.ts). It must
// train exactly like the float path it replaces — the bytes widened to f32(b / 255) on the host,
// then normalised by applyNormalizer — on every backend and thread count: parameters after an
// epoch are compared as raw u32 bits, and so are the normalisers fitted on either form.

import v8 from 'node:v8';
import { test } from 'node:test';
import assert from 'node:assert/strict';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // before the first wasm compile
const { createNetwork, Rng } = await import('../../dist/index.js');
const { fitNormalizer, applyNormalizer } = await import('../../dist/data/normalize.js');
const { prepareTraining } = await import('../../dist/data/prepare.js');
const { InputError } = await import('../../dist/errors.js');

// 17 features: four SIMD rounds and a tail of 1; 75 samples in batches of 8 leave a tail of 3
const F = 17, N = 75, BATCH = 8, LAYERS = [F, 12, 3];

/** Bytes of every value 0 … 255 with a class signal: (N, F) u8, labels (N). */
function pixels(seed) {
  const r = new Rng(seed);
  const bytes = new Uint8Array(N * F), y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    y[i] = r.int(3);
    for (let j = 0; j < F; j++) bytes[i * F + j] = Math.min(255, r.int(200) + (j % 3 === y[i] ? 55 : 0));
  }
  bytes[0] = 0; bytes[1] = 255;
  return { bytes, y };
}
const DATA = pixels(17);
/** What src/data/idx.ts idxImagesToFloat32 gives: one double division rounded to f32. */
const widened = Float32Array.from(DATA.bytes, (b) => b / 255);

const u32 = (a) => new Uint32Array(a.buffer, a.byteOffset, a.length);
function assertSameBits(got, want, what) {
  const G = u32(got), W = u32(want);
  assert.equal(G.length, W.length, `${what}: lengths`);
  const i = G.findIndex((v, k) => v !== W[k]);
  assert.equal(i, -1, `${what}: element ${i} differs (${got[i]} vs ${want[i]})`);
}
function assertSameParams(a, b, what) {
  a.weights.forEach((w, l) => assertSameBits(w, b.weights[l], `${what} W${l}`));
  a.biases.forEach((v, l) => assertSameBits(v, b.biases[l], `${what} b${l}`));
}

const NORMALIZERS = ['none', 'minmax', 'zscore'];

test('fitNormalizer on byte features gives the bits it gives on their widened floats', () => {
  for (const kind of ['minmax', 'zscore']) {
    const a = fitNormalizer(widened, N, F, kind);
    const b = fitNormalizer({ bytes: DATA.bytes, divisor: 255 }, N, F, kind);
    assertSameBits(b.offset, a.offset, `${kind} offset`);
    assertSameBits(b.scale, a.scale, `${kind} scale`);
  }
});

test('prepareTraining keeps byte features as bytes, splits them like floats and attaches the normaliser', () => {
  const opts = { validation: 0.2, seed: 3, normalize: 'zscore' };
  const f = prepareTraining({ train: { x: widened, y: DATA.y, n: N, features: F }, test: null }, opts);
  const b = prepareTraining({ train: { x: { bytes: DATA.bytes, divisor: 255 }, y: DATA.y, n: N, features: F }, test: null }, opts);
  assert.ok(b.train.x.bytes instanceof Uint8Array && b.validation.x.bytes instanceof Uint8Array);
  assert.equal(b.train.x.normalizer, b.normalizer);
  assertSameBits(b.normalizer.scale, f.normalizer.scale, 'scale');
  assert.deepEqual(Array.from(b.validation.y), Array.from(f.validation.y));
  // the validation bytes, widened and normalised, are the float path's validation rows
  const v = Float32Array.from(b.validation.x.bytes, (x) => x / 255);
  applyNormalizer(v, b.validation.n, F, b.normalizer);
  assertSameBits(v, f.validation.x, 'validation rows');
});

const RUNS = [['js', 1], ['scalar', 1], ['simd', 1], ['simd', 2], ['simd', 3], ['relaxed', 1], ['relaxed', 2], ['relaxed', 3]];
for (const [backend, threads] of RUNS) {
  test(`${backend} × ${threads} thread(s): an epoch on byte features equals the float path to the bit (none, minmax, zscore)`, async () => {
    for (const kind of NORMALIZERS) {
      const norm = kind === 'none' ? undefined : fitNormalizer(widened, N, F, kind);
      const floats = widened.slice();
      if (norm) applyNormalizer(floats, N, F, norm);
      const bytes = { bytes: DATA.bytes, divisor: 255, ...(norm ? { normalizer: norm } : {}) };
      const make = () => createNetwork({ layers: LAYERS, hidden: 'relu', output: 'softmax', seed: 9, backend, threads, optimizer: { name: 'adam', learningRate: 0.01 } });
      const a = await make(), b = await make();
      const ha = await a.fit(floats, DATA.y, { epochs: 1, batchSize: BATCH, validation: { x: floats, y: DATA.y } });
      const hb = await b.fit(bytes, DATA.y, { epochs: 1, batchSize: BATCH, validation: { x: bytes, y: DATA.y } });
      assertSameParams(b.getParameters(), a.getParameters(), `${backend}/${threads}/${kind}`);
      assert.equal(hb[0].loss, ha[0].loss, 'the epoch loss');
      assert.equal(hb[0].validationLoss, ha[0].validationLoss, 'the validation loss (rows widened on the host)');
      assertSameBits(b.predict(bytes), a.predict(floats), `${kind} predict`);
      // a byte form whose normaliser is missing trains differently: the test can fail
      if (norm) {
        const c = await make();
        await c.fit({ bytes: DATA.bytes, divisor: 255 }, DATA.y, { epochs: 1, batchSize: BATCH });
        assert.notDeepEqual(Array.from(u32(c.getParameters().weights[0])), Array.from(u32(a.getParameters().weights[0])));
      }
    }
  });
}

test('a browser\'s Uint8ClampedArray pixels train like a Uint8Array', async () => {
  const make = () => createNetwork({ layers: LAYERS, seed: 4, backend: 'simd' });
  const a = await make(), b = await make();
  await a.fit({ bytes: DATA.bytes, divisor: 255 }, DATA.y, { epochs: 1, batchSize: BATCH });
  await b.fit({ bytes: new Uint8ClampedArray(DATA.bytes), divisor: 255 }, DATA.y, { epochs: 1, batchSize: BATCH });
  assertSameParams(b.getParameters(), a.getParameters(), 'clamped');
});

for (const backend of ['js', 'relaxed']) {
  test(`${backend}: a byte run aborted mid-epoch and resumed on a fresh network ends bit-identical to an uninterrupted one`, async () => {
    const norm = fitNormalizer(widened, N, F, 'zscore');
    const x = { bytes: DATA.bytes, divisor: 255, normalizer: norm };
    const make = () => createNetwork({ layers: LAYERS, seed: 5, backend, optimizer: { name: 'momentum', learningRate: 0.02 } });
    const whole = await make();
    await whole.fit(x, DATA.y, { epochs: 2, batchSize: BATCH });
    const net = await make();
    const ctl = new AbortController();
    const first = await net.fit(x, DATA.y, { epochs: 2, batchSize: BATCH, signal: ctl.signal, onBatchEnd: (l) => { if (l.epoch === 2 && l.batch === 4) ctl.abort(); } });
    assert.equal(first.stopped, true);
    const state = net.getTrainingState();
    const fresh = await make();
    fresh.setParameters(net.getParameters());
    fresh.setOptimizerState(net.getOptimizerState());
    await fresh.fit(x, DATA.y, { epochs: 2 - state.epoch, batchSize: BATCH, resume: state });
    assertSameParams(fresh.getParameters(), whole.getParameters(), 'resumed vs whole');
  });
}

test('bad byte features get an InputError naming the problem', async () => {
  const net = await createNetwork({ layers: LAYERS, seed: 1, backend: 'js' });
  const bad = [
    [{ bytes: new Uint8Array(F + 1), divisor: 255 }, /not a multiple of the input size 17/],
    [{ bytes: new Uint8Array(F), divisor: 0 }, /divisor must be a positive number/],
    [{ bytes: new Uint8Array(F), divisor: 0.1 }, /exact in float32/],
    [{ bytes: new Float32Array(F), divisor: 255 }, /x\.bytes must be a Uint8Array/],
    [{ bytes: new Uint8Array(0), divisor: 255 }, /empty/],
    [{ bytes: new Uint8Array(F), divisor: 255, normalizer: { offset: new Float32Array(F), scale: new Float32Array(F - 1) } }, /offset and scale of 17 values/],
    [{ bytes: new Uint8Array(F), divisor: 255, normalizer: { offset: new Float32Array(F).fill(-3e38), scale: new Float32Array(F).fill(3e38) } }, /maps byte 0 of feature 0 to Infinity/],
  ];
  for (const [x, re] of bad) {
    await assert.rejects(net.fit(x, new Int32Array(x.bytes.length / F | 0)), (e) => e instanceof InputError && re.test(e.message), String(re));
  }
});
