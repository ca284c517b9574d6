// trainInWorker in Node (worker_threads): the job trains exactly as fit() in the calling thread
// (same seed: bit-identical parameters), reports progress (throttled, every epoch), cancels at a
// batch boundary with what was done, transfers the data (detached here) unless asked to copy, uses
// threads inside the worker, continues from a checkpoint, and rethrows errors from the worker as
// the same classes with the same messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNetwork, restoreNetwork, trainInWorker, Rng, ConfigError, InputError, DivergenceError } from '../../dist/index.js';
import { applyNormalizer, fitNormalizer } from '../../dist/io/index.js';

function blobs(n, inputs, classes, seed) {
  const r = new Rng(seed);
  const x = new Float32Array(n * inputs), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r.int(classes);
    for (let k = 0; k < inputs; k++) x[i * inputs + k] = r.normal() * 0.5 + (k % classes === y[i] ? 1 : 0);
  }
  return { x, y };
}
const bits = (p) => [...p.weights, ...p.biases].flatMap((t) => Array.from(new Uint32Array(t.buffer, t.byteOffset, t.length)));
const OPTIONS = { layers: [64, 32, 4], seed: 3, backend: 'simd', optimizer: { name: 'adam', learningRate: 0.01 } };

test('a job trains bit-identically to fit() in this thread, with progress for batches and epochs', async () => {
  const d = blobs(600, 64, 4, 1);
  const here = await createNetwork(OPTIONS);
  const h = await here.fit(d.x, d.y, { epochs: 3, batchSize: 16 });
  const progress = [];
  const events = [];
  const job = trainInWorker(OPTIONS, { x: d.x, y: d.y }, { epochs: 3, batchSize: 16, copy: true, onProgress: (p) => progress.push(p) });
  job.events.addEventListener('progress', (e) => events.push(e.detail));
  const r = await job.done;
  assert.deepEqual(r.history.map((e) => e.loss), h.map((e) => e.loss));
  assert.deepEqual(bits(r.parameters), bits(here.getParameters()));
  assert.equal(r.backend, 'simd');
  assert.equal(r.history.stopped, undefined);
  const epochs = progress.filter((p) => p.kind === 'epoch');
  assert.deepEqual(epochs.map((p) => p.epoch), [1, 2, 3]);
  assert.deepEqual(epochs.map((p) => p.loss), h.map((e) => e.loss));
  assert.ok(progress.some((p) => p.kind === 'batch' && p.batches === 38 && p.loss > 0 && p.accuracy >= 0 && p.samplesPerSecond > 0));
  assert.equal(events.length, progress.length, 'the same progress as events');
  // the data was copied: still here
  assert.equal(d.x.length, 600 * 64);
  // the checkpoint continues the run: a restored network's next epoch equals a 4th epoch here
  const again = await restoreNetwork(r.checkpoint, { backend: 'simd' });
  const h4 = await here.fit(d.x, d.y, { epochs: 1, batchSize: 16 });
  const a4 = await again.fit(d.x, d.y, { epochs: 1, batchSize: 16 });
  assert.equal(a4[0].loss, h4[0].loss);
});

test('progress is throttled by progressRate: every batch at Infinity, only the first at a rate near zero', async () => {
  // counts, not wall time: the decision itself is tested against a clock the test controls in
  // throttle.test.js; here only the ends of the range, which no machine speed can change
  const d = blobs(600, 32, 4, 2);
  const run = async (progressRate) => {
    const kinds = [];
    await trainInWorker({ layers: [32, 16, 4], backend: 'simd' }, d, { epochs: 2, batchSize: 8, copy: true, progressRate, onProgress: (p) => kinds.push(p.kind) }).done;
    return { batch: kinds.filter((k) => k === 'batch').length, epoch: kinds.filter((k) => k === 'epoch').length };
  };
  assert.deepEqual(await run(Infinity), { batch: 2 * 75, epoch: 2 });
  assert.deepEqual(await run(1e-9), { batch: 1, epoch: 2 });
});

test('the data is transferred, not copied: its buffers are detached in the caller', async () => {
  const d = blobs(200, 16, 3, 3);
  const job = trainInWorker({ layers: [16, 3], backend: 'js' }, d, { epochs: 1 });
  assert.equal(d.x.length, 0, 'x detached');
  assert.equal(d.y.length, 0, 'y detached');
  const r = await job.done;
  assert.equal(r.history.length, 1);
});

test('cancel() stops at a batch boundary and resolves with what was done', async () => {
  const d = blobs(30000, 64, 4, 4);
  let job;
  const seen = [];
  job = trainInWorker(OPTIONS, d, { epochs: 5, batchSize: 4, onProgress: (p) => { seen.push(p); if (seen.length === 1) job.cancel(); } });
  const r = await job.done;
  assert.equal(r.history.stopped, true);
  assert.ok(r.history.length < 5, `stopped early, after ${r.history.length} epochs`);
  const st = r.checkpoint.state;
  assert.ok(st.epoch < 5 && (st.batch > 0 || st.epoch > 0), 'the checkpoint says where it stopped');
});

test('an AbortSignal cancels too', async () => {
  const d = blobs(30000, 64, 4, 5);
  const ac = new AbortController();
  // aborted from the first progress message: no timer, so a fast machine cannot finish first
  const job = trainInWorker(OPTIONS, d, { epochs: 5, batchSize: 4, signal: ac.signal, onProgress: () => ac.abort() });
  const r = await job.done;
  assert.equal(r.history.stopped, true);
});

test('errors in the worker arrive as the same classes with the same messages', async () => {
  const d = blobs(100, 8, 2, 6);
  const direct = await createNetwork({ layers: [8, 0, 2] }).catch((e) => e);
  await assert.rejects(trainInWorker({ layers: [8, 0, 2] }, blobs(100, 8, 2, 6)).done, (e) => e instanceof ConfigError && e.message === direct.message && e.code === 'E_CONFIG');
  await assert.rejects(trainInWorker({ layers: [8, 2] }, { x: d.x.subarray(0, 7), y: d.y }, { copy: true }).done, (e) => e instanceof InputError && /not a multiple of the input size 8/.test(e.message));
  const bad = blobs(64, 8, 2, 7);
  bad.x[0] = 1e30; bad.x[1] = -1e30;
  await assert.rejects(trainInWorker({ layers: [8, 2], optimizer: { name: 'sgd', learningRate: 1e30 } }, bad, { epochs: 3, batchSize: 64 }).done,
    (e) => e instanceof DivergenceError && e.epoch >= 1 && e.batch >= 1 && /training diverged at epoch/.test(e.message));
  await assert.rejects(trainInWorker({ layers: [8, 2] }, { x: [1, 2], y: d.y }).done, (e) => e instanceof InputError && /data.x must be a Float32Array/.test(e.message));
});

test('threads work inside the worker: 2 threads train bit-identically to 1', async () => {
  const d = blobs(512, 784, 10, 8);
  const opts = { layers: [784, 128, 10], backend: 'simd', seed: 4 };
  const one = await trainInWorker(opts, d, { epochs: 2, batchSize: 64, copy: true }).done;
  const two = await trainInWorker({ ...opts, threads: 2 }, d, { epochs: 2, batchSize: 64, copy: true }).done;
  assert.equal(two.threads, 2);
  assert.deepEqual(bits(two.parameters), bits(one.parameters));
});

test('byte features ({ bytes, divisor, normalizer }) train in the worker bit-identically to their widened floats in this thread; transferred or copied', async () => {
  const r = new Rng(9);
  const n = 300, inputs = 20, nv = 60;
  const bytes = Uint8Array.from({ length: n * inputs }, () => r.int(256)), y = Int32Array.from({ length: n }, () => r.int(3));
  const vbytes = Uint8Array.from({ length: nv * inputs }, () => r.int(256)), vy = Int32Array.from({ length: nv }, () => r.int(3));
  const normalizer = fitNormalizer({ bytes, divisor: 255 }, n, inputs, 'zscore');
  const widen = (b) => Float32Array.from(b, (v) => v / 255);
  const floats = widen(bytes), vfloats = widen(vbytes);
  applyNormalizer(floats, n, inputs, normalizer);
  applyNormalizer(vfloats, nv, inputs, normalizer);
  const opts = { layers: [inputs, 12, 3], backend: 'simd', seed: 2, optimizer: { name: 'momentum', learningRate: 0.05 } };
  const fit = { epochs: 2, batchSize: 16 };
  const here = await createNetwork(opts);
  const h = await here.fit(floats, y, { ...fit, validation: { x: vfloats, y: vy } });

  const data = () => ({ x: { bytes: bytes.slice(), divisor: 255, normalizer: { ...normalizer, offset: normalizer.offset.slice(), scale: normalizer.scale.slice() } }, y: y.slice(), validation: { x: { bytes: vbytes.slice(), divisor: 255, normalizer }, y: vy.slice() } });
  const copied = data();
  const a = await trainInWorker(opts, copied, { ...fit, copy: true }).done;
  assert.equal(copied.x.bytes.length, n * inputs, 'copy keeps the caller\'s bytes');
  const moved = data();
  const job = trainInWorker(opts, moved, fit);
  assert.equal(moved.x.bytes.length, 0, 'the bytes are transferred (detached here)');
  assert.equal(moved.x.normalizer.offset.length, 0, 'and the normaliser with them');
  const b = await job.done;
  for (const res of [a, b]) {
    assert.deepEqual(res.history.map((e) => [e.loss, e.validationLoss]), h.map((e) => [e.loss, e.validationLoss]));
    assert.deepEqual(bits(res.parameters), bits(here.getParameters()));
  }
  await assert.rejects(trainInWorker(opts, { x: { bytes: [1, 2], divisor: 255 }, y }).done, (e) => e instanceof InputError && /data.x must be a Float32Array .* or \{ bytes, divisor/.test(e.message));
});
