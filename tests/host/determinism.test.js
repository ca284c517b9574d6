// Determinism: a run is a pure function of (seed, data, options, backend). The same seed trains to
// bit-identical parameters, splitting a run into several fit() calls changes nothing, and a run
// stopped with an AbortSignal mid-epoch and resumed on a fresh network from the saved parameters,
// optimizer state and training state ends bit-identical to the run that was never interrupted.
// "Bit-identical" is checked on the raw f32 bit patterns, so even −0 vs +0 would be a difference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNetwork, Rng } from '../../dist/index.js';

const LAYERS = [6, 10, 7, 3];
const N = 75; // batches of 8: 9 full ones and a tail of 3
const BATCH = 8;
const OPTIMIZERS = {
  sgd: { name: 'sgd', learningRate: 0.05 },
  momentum: { name: 'momentum', learningRate: 0.02, momentum: 0.9, weightDecay: 1e-3 },
  adam: { name: 'adam', learningRate: 0.01, weightDecay: 1e-2 },
};

function blobs(seed) {
  const r = new Rng(seed);
  const x = new Float32Array(N * LAYERS[0]);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    y[i] = r.int(3);
    for (let k = 0; k < LAYERS[0]; k++) x[i * LAYERS[0] + k] = r.normal() + (k % 3 === y[i] ? 1.5 : 0);
  }
  return { x, y };
}
const DATA = blobs(2024);

/** Every parameter (then every optimizer-state tensor) as raw u32 bits, in one flat array. */
function bits(params) {
  const parts = [...params.weights, ...params.biases];
  return parts.flatMap((t) => Array.from(new Uint32Array(t.buffer, t.byteOffset, t.length)));
}
function stateBits(state) {
  return Object.keys(state.tensors).sort().flatMap((k) => {
    const t = state.tensors[k];
    return Array.from(new Uint32Array(t.buffer, t.byteOffset, t.length));
  });
}
function assertBitIdentical(a, b, what) {
  const A = bits(a), B = bits(b);
  assert.equal(A.length, B.length);
  const i = A.findIndex((v, j) => v !== B[j]);
  assert.equal(i, -1, `${what}: parameter #${i} differs (${new Float32Array(Uint32Array.of(A[i]).buffer)[0]} vs ${new Float32Array(Uint32Array.of(B[i]).buffer)[0]})`);
}

const make = (backend, optimizer, seed = 11) => createNetwork({ layers: LAYERS, hidden: 'relu', output: 'softmax', optimizer, seed, backend });

for (const backend of ['js', 'simd', 'scalar']) {
  test(`${backend}: the same seed trains to bit-identical parameters; another seed does not`, async () => {
    for (const optimizer of Object.values(OPTIMIZERS)) {
      const runs = [];
      for (const seed of [11, 11, 12]) {
        const net = await make(backend, optimizer, seed);
        const history = await net.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH });
        runs.push({ params: net.getParameters(), history, state: net.getOptimizerState() });
      }
      assertBitIdentical(runs[1].params, runs[0].params, `${optimizer.name} same seed`);
      assert.deepEqual(stateBits(runs[1].state), stateBits(runs[0].state), `${optimizer.name} same seed: optimizer state`);
      assert.deepEqual(runs[1].history.map((e) => e.loss), runs[0].history.map((e) => e.loss));
      assert.notDeepEqual(bits(runs[2].params), bits(runs[0].params), `${optimizer.name}: seeds 11 and 12 trained to the same parameters`);
    }
  });

  test(`${backend}: the seed also drives shuffling: same initial parameters, different seed, different result`, async () => {
    const a = await make(backend, OPTIMIZERS.sgd, 11);
    const b = await make(backend, OPTIMIZERS.sgd, 12);
    b.setParameters(a.getParameters());
    await a.fit(DATA.x, DATA.y, { epochs: 1, batchSize: BATCH });
    await b.fit(DATA.x, DATA.y, { epochs: 1, batchSize: BATCH });
    assert.notDeepEqual(bits(a.getParameters()), bits(b.getParameters()));
    // and without shuffling the seed no longer matters once the parameters are the same
    const c = await make(backend, OPTIMIZERS.sgd, 11);
    const d = await make(backend, OPTIMIZERS.sgd, 12);
    d.setParameters(c.getParameters());
    await c.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH, shuffle: false });
    await d.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH, shuffle: false });
    assertBitIdentical(d.getParameters(), c.getParameters(), 'shuffle: false');
  });

  test(`${backend}: fit({epochs: 1}) twice trains exactly like fit({epochs: 2}) once`, async () => {
    for (const optimizer of Object.values(OPTIMIZERS)) {
      const once = await make(backend, optimizer);
      const h2 = await once.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH });
      const twice = await make(backend, optimizer);
      const a = await twice.fit(DATA.x, DATA.y, { epochs: 1, batchSize: BATCH });
      const b = await twice.fit(DATA.x, DATA.y, { epochs: 1, batchSize: BATCH });
      assertBitIdentical(twice.getParameters(), once.getParameters(), `${optimizer.name} 1+1 vs 2 epochs`);
      assert.deepEqual(stateBits(twice.getOptimizerState()), stateBits(once.getOptimizerState()));
      assert.equal(twice.getOptimizerState().step, once.getOptimizerState().step);
      assert.deepEqual([a[0].epoch, b[0].epoch], [1, 2], 'the second call continues the epoch count');
      assert.deepEqual([a[0].loss, b[0].loss], h2.map((e) => e.loss));
      assert.deepEqual(twice.getTrainingState(), once.getTrainingState());
    }
  });
}

/** Trains `epochs` epochs, aborting after batch `stopAfter` (1-based) of epoch `stopEpoch`. */
async function interrupted(backend, optimizer, epochs, stopEpoch, stopAfter) {
  const net = await make(backend, optimizer);
  const ctl = new AbortController();
  const seen = [];
  const first = await net.fit(DATA.x, DATA.y, {
    epochs, batchSize: BATCH, signal: ctl.signal,
    onBatchEnd: (log) => {
      seen.push(`${log.epoch}.${log.batch}`);
      if (log.epoch === stopEpoch && log.batch === stopAfter) ctl.abort();
    },
  });
  return { net, first, seen };
}

for (const backend of ['js', 'simd']) {
  for (const name of ['sgd', 'momentum', 'adam']) {
    const optimizer = OPTIMIZERS[name];
    test(`${backend}/${name}: a fit aborted mid-epoch and resumed on a fresh network ends bit-identical to an uninterrupted run`, async () => {
      const EPOCHS = 3;
      const whole = await make(backend, optimizer);
      const wholeHistory = await whole.fit(DATA.x, DATA.y, { epochs: EPOCHS, batchSize: BATCH });

      const { net, first, seen } = await interrupted(backend, optimizer, EPOCHS, 2, 4);
      assert.equal(first.stopped, true, 'an aborted fit says it stopped');
      assert.equal(first.length, 1, 'only the first epoch completed');
      assert.equal(seen.at(-1), '2.4', 'training stopped at the batch boundary after the abort');
      const state = net.getTrainingState();
      assert.equal(state.epoch, 1, 'one epoch completed');
      assert.equal(state.batch, 4, 'four batches of the second epoch done');
      assert.equal(state.order.length, N);

      // what a checkpoint carries, handed to a fresh network built with another seed
      const params = net.getParameters();
      const opt = net.getOptimizerState();
      const fresh = await make(backend, optimizer, 999);
      fresh.setParameters(params);
      fresh.setOptimizerState(opt);
      const resumed = [];
      const rest = await fresh.fit(DATA.x, DATA.y, {
        epochs: EPOCHS - state.epoch, batchSize: BATCH, resume: state,
        onBatchEnd: (log) => resumed.push(`${log.epoch}.${log.batch}`),
      });
      assert.equal(resumed[0], '2.5', 'the resumed run starts with the next batch');
      assert.equal(resumed.at(-1), `${EPOCHS}.${Math.ceil(N / BATCH)}`);
      assert.deepEqual(rest.map((e) => e.epoch), [2, 3]);
      assert.equal(rest.stopped, undefined);
      assertBitIdentical(fresh.getParameters(), whole.getParameters(), `${backend}/${name} resumed vs whole`);
      assert.deepEqual(stateBits(fresh.getOptimizerState()), stateBits(whole.getOptimizerState()), 'optimizer state');
      assert.equal(fresh.getOptimizerState().step, whole.getOptimizerState().step);
      // the last epoch, trained entirely after the resume, reports the same loss
      assert.equal(rest[1].loss, wholeHistory[2].loss);
      assert.deepEqual(fresh.getTrainingState(), whole.getTrainingState());
    });
  }

  test(`${backend}: an aborted fit continued on the same network (no resume option) ends bit-identical`, async () => {
    const whole = await make(backend, OPTIMIZERS.adam);
    await whole.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH });
    const { net } = await interrupted(backend, OPTIMIZERS.adam, 2, 1, 6);
    const s = net.getTrainingState();
    assert.deepEqual([s.epoch, s.batch], [0, 6]);
    await net.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH });
    assertBitIdentical(net.getParameters(), whole.getParameters(), 'continued vs whole');
  });

  test(`${backend}: resuming without the optimizer state does not reproduce the run (the test can tell)`, async () => {
    const whole = await make(backend, OPTIMIZERS.adam);
    await whole.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH });
    const { net } = await interrupted(backend, OPTIMIZERS.adam, 2, 1, 6);
    const fresh = await make(backend, OPTIMIZERS.adam);
    fresh.setParameters(net.getParameters()); // Adam's m, v and step left at zero
    await fresh.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH, resume: net.getTrainingState() });
    assert.notDeepEqual(bits(fresh.getParameters()), bits(whole.getParameters()));
  });
}

test('continuing an interrupted epoch with another batch size still trains every sample of it once (or refuses)', async () => {
  // The training state counts batches, not samples: 4 batches of 8 = 32 samples done. Continuing with
  // batches of 16 must either start at sample 32 or refuse the change; skipping to batch 4 of 16
  // (sample 64) would silently drop samples 32..63 from the epoch.
  const { net } = await interrupted('js', OPTIMIZERS.sgd, 1, 1, 4);
  assert.deepEqual([net.getTrainingState().epoch, net.getTrainingState().batch], [0, 4]);
  let rest = 0;
  try {
    await net.fit(DATA.x, DATA.y, { epochs: 1, batchSize: 16, onBatchEnd: (log) => { rest += log.size; } });
  } catch (e) {
    assert.match(e.message, /batch ?size/i, `refused, but without naming the batch size: ${e.message}`);
    return;
  }
  assert.equal(32 + rest, N, `the interrupted epoch trained 32 + ${rest} of ${N} samples`);
});

// stepsPerExecution: how many batches one engine job runs. The bits never depend on it; what it
// changes is when onBatchEnd runs (after its own step, or after the job that holds it).
const paramSum = (net) => net.getParameters().weights.reduce((s, w) => s + w.reduce((a, v) => a + v, 0), 0);
for (const backend of ['js', 'simd']) {
  test(`${backend}: stepsPerExecution 1, 4 and 'auto' train to the same bits and report every batch in order with the same losses`, async () => {
    const runs = [];
    for (const spe of [undefined, 1, 4, 'auto']) {
      const net = await make(backend, OPTIMIZERS.momentum);
      const batches = [], sums = [];
      const history = await net.fit(DATA.x, DATA.y, {
        epochs: 2, batchSize: BATCH, stepsPerExecution: spe,
        onBatchEnd: (log) => { batches.push(`${log.epoch}.${log.batch}:${log.loss}:${log.size}`); sums.push(paramSum(net)); },
      });
      runs.push({ spe, net, batches, sums, history });
    }
    const batches = Math.ceil(N / BATCH);
    for (const r of runs) {
      assertBitIdentical(r.net.getParameters(), runs[0].net.getParameters(), `stepsPerExecution ${r.spe}`);
      assert.deepEqual(r.batches, runs[0].batches, `stepsPerExecution ${r.spe}: the batches reported`);
      assert.equal(r.batches.length, 2 * batches);
      assert.deepEqual(r.history.map((e) => e.loss), runs[0].history.map((e) => e.loss));
    }
    // one batch per job (the default with onBatchEnd): the callback sees the network right after
    // its own batch, so the parameters differ at every call
    for (const r of runs.slice(0, 2)) assert.equal(new Set(r.sums).size, r.sums.length, `stepsPerExecution ${r.spe}: parameters change between calls`);
    // four batches per job: the calls of one job see the job's end (equal sums in groups of 4;
    // an epoch of 10 batches is jobs of 4, 4, 2)
    const four = runs[2].sums;
    const groups = [0, 4, 8, 10, 14, 18].map((i, j, a) => four.slice(i, a[j + 1] ?? four.length));
    for (const g of groups) assert.equal(new Set(g).size, 1, `stepsPerExecution 4: one parameter state per job, got ${g.length} calls with ${new Set(g).size}`);
    assert.equal(new Set(four).size, groups.length);
  });
}

test('stepsPerExecution: an abort stops at the end of the job, and the run resumes from there bit-identical', async () => {
  const whole = await make('simd', OPTIMIZERS.adam);
  await whole.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH });
  const net = await make('simd', OPTIMIZERS.adam);
  const ctl = new AbortController();
  let calls = 0;
  const first = await net.fit(DATA.x, DATA.y, {
    epochs: 2, batchSize: BATCH, stepsPerExecution: 3, signal: ctl.signal,
    onBatchEnd: () => { if (++calls === 2) ctl.abort(); },
  });
  assert.equal(first.stopped, true);
  assert.equal(calls, 3, 'the job of 3 batches reports all three, then the fit stops');
  assert.deepEqual([net.getTrainingState().epoch, net.getTrainingState().batch], [0, 3]);
  await net.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH, stepsPerExecution: 'auto' });
  assertBitIdentical(net.getParameters(), whole.getParameters(), 'resumed after a job of 3');
});

test('stepsPerExecution: a value that is not a count from 1 to 256 or "auto" is refused by name', async () => {
  const net = await make('js', OPTIMIZERS.sgd);
  for (const bad of [0, -1, 1.5, 257, 'fast', NaN]) {
    await assert.rejects(net.fit(DATA.x, DATA.y, { epochs: 1, stepsPerExecution: bad }),
      (e) => e.name === 'InputError' && /stepsPerExecution/.test(e.message), `stepsPerExecution ${String(bad)}`);
  }
});
