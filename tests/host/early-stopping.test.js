// Early stopping (src/network/early-stopping.ts) and the recipe across checkpoints: the decisions
// on stub sequences of validation figures (patience, minDelta, startFromEpoch, val_accuracy, never
// after the first epoch), a run whose validation loss turns up stops and keeps its best epoch's
// parameters (or its last with restoreBestWeights false), the errors, and a run with a schedule and
// early stopping cut mid-epoch or between epochs by a signal, written to a checkpoint file, read
// back and resumed on a fresh network, ending byte-identical to the run that never stopped (js, and
// simd on 1 and 2 threads); checkpoints without the recipe still load.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNetwork, restoreNetwork, toCheckpoint, trainInWorker, InputError, ConfigError, Rng } from '../../dist/index.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../dist/io/checkpoint.js';
import { decodeSafetensors } from '../../dist/io/safetensors.js';
import { checkEarlyStopping, earlyStoppingStep, initialEarlyStopping } from '../../dist/network/early-stopping.js';

/** The verdicts of a stub sequence of monitored values (epochs 1, 2, …). */
function verdicts(options, values) {
  const s = initialEarlyStopping(checkEarlyStopping(options));
  const out = values.map((v, i) => earlyStoppingStep(s, i + 1, v));
  return { out, s };
}

test('patience counts the epochs since the best; the best epoch is the last improvement', () => {
  const { out, s } = verdicts({ patience: 2 }, [1.0, 0.8, 0.85, 0.9, 0.7]);
  assert.deepEqual(out, ['best', 'best', 'wait', 'stop', 'best']);
  assert.equal(s.bestEpoch, 5);
  const again = verdicts({ patience: 2 }, [1.0, 0.8, 0.85, 0.9]);
  assert.equal(again.s.bestEpoch, 2);
  assert.equal(again.s.stoppedEpoch, 4);
  assert.equal(again.s.best, 0.8);
});

test('minDelta: a smaller change is no improvement; val_accuracy wants higher; startFromEpoch skips; never a stop after epoch 1', () => {
  assert.deepEqual(verdicts({ patience: 1, minDelta: 0.1 }, [1.0, 0.95, 0.85]).out, ['best', 'stop', 'best'].slice(0, 2).concat(['best']));
  assert.deepEqual(verdicts({ patience: 1, monitor: 'val_accuracy' }, [0.5, 0.6, 0.6]).out, ['best', 'best', 'stop']);
  assert.deepEqual(verdicts({ patience: 0, startFromEpoch: 2 }, [9, 9, 1, 2]).out, ['skip', 'skip', 'best', 'stop']);
  // patience 0 would stop at once, but Keras never stops after the first epoch
  assert.deepEqual(verdicts({ patience: 0 }, [1, 2]).out, ['best', 'stop']);
  // NaN is never an improvement, but the first monitored epoch is the reference
  assert.deepEqual(verdicts({ patience: 5 }, [NaN, 1, NaN]).out, ['best', 'best', 'wait']);
  assert.throws(() => checkEarlyStopping({ patience: -1 }), (e) => e instanceof ConfigError && /patience must be an integer ≥ 0/.test(e.message));
  assert.throws(() => checkEarlyStopping({ monitor: 'loss' }), /monitor must be one of val_loss, val_accuracy/);
  assert.throws(() => checkEarlyStopping({ patiense: 2 }), /unknown field patiense/);
});

// ---- in fit: a validation set with 30% of its labels wrong, so its loss falls, then rises

const LAYERS = [5, 8, 3];
function blobs(n, seed) {
  const r = new Rng(seed);
  const x = new Float32Array(n * LAYERS[0]), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r.int(3);
    for (let k = 0; k < LAYERS[0]; k++) x[i * LAYERS[0] + k] = r.normal() + (k % 3 === y[i] ? 1.2 : 0);
  }
  return { x, y };
}
const DATA = blobs(60, 5);
const V = blobs(40, 6);
const VAL = { x: V.x, y: V.y.map((l, i) => (i < 12 ? (l + 1) % 3 : l)) };
const BATCH = 16;
const bits = (p) => [...p.weights, ...p.biases].flatMap((t) => Array.from(new Uint32Array(t.buffer, t.byteOffset, t.length)));
const make = (backend = 'js', threads = 1, seed = 3) => createNetwork({ layers: LAYERS, backend, threads, seed, optimizer: { name: 'momentum', learningRate: 0.03 } });

test('a run whose validation loss turns up stops after `patience` epochs and keeps its best epoch\'s parameters', async () => {
  const net = await make();
  const seen = [];
  const h = await net.fit(DATA.x, DATA.y, {
    epochs: 30, batchSize: BATCH, validation: VAL, earlyStopping: { patience: 3 },
    onEpochEnd: (log, n) => { seen[log.epoch] = bits(n.getParameters()); },
  });
  const losses = h.map((e) => e.validationLoss);
  const best = losses.indexOf(Math.min(...losses)) + 1;
  assert.equal(h.stoppedEarly, true);
  assert.equal(h.length, best + 3, 'stopped three epochs after the best');
  assert.equal(h.bestEpoch, best);
  assert.equal(h.keptEpoch, best);
  assert.ok(best > 1 && best < h.length);
  assert.deepEqual(bits(net.getParameters()), seen[best], 'the network holds the best epoch\'s parameters');
  assert.notDeepEqual(seen[best], seen[h.length]);
  const st = net.getTrainingState().earlyStopping;
  assert.equal(st.stoppedEpoch, h.length);
  assert.equal(st.best, losses[best - 1]);

  // restoreBestWeights false: the same stop, the last epoch's parameters
  const last = await make();
  const h2 = await last.fit(DATA.x, DATA.y, { epochs: 30, batchSize: BATCH, validation: VAL, earlyStopping: { patience: 3, restoreBestWeights: false } });
  assert.equal(h2.length, h.length);
  assert.equal(h2.keptEpoch, h2.length);
  assert.deepEqual(bits(last.getParameters()), seen[h.length]);
  assert.equal(last.getTrainingState().earlyStopping.bestParameters, undefined, 'no copies kept when they are not restored');

  // a run that does not stop keeps its last parameters
  const short = await make();
  const h3 = await short.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH, validation: VAL, earlyStopping: { patience: 3 } });
  assert.deepEqual([h3.stoppedEarly, h3.keptEpoch], [false, 2]);
});

test('early stopping without validation data, or on val_accuracy of a linear output, is an InputError of one line', async () => {
  const net = await make();
  await assert.rejects(net.fit(DATA.x, DATA.y, { epochs: 1, earlyStopping: { patience: 2 } }),
    (e) => e instanceof InputError && /earlyStopping needs validation data/.test(e.message) && !e.message.includes('\n'));
  const lin = await createNetwork({ layers: [5, 4, 2], output: 'linear', backend: 'js' });
  const y = new Float32Array(60 * 2);
  await assert.rejects(lin.fit(DATA.x, y, { epochs: 2, validation: { x: DATA.x, y }, earlyStopping: { monitor: 'val_accuracy' } }),
    (e) => e instanceof InputError && /val_accuracy' needs a classifier/.test(e.message));
  assert.equal(lin.getOptimizerState().step, 0, 'refused before the first step');
});

// ---- resume

const EPOCHS = 12;
const RECIPE = { lrSchedule: { name: 'cosine', warmupEpochs: 1, alpha: 0.05 }, earlyStopping: { patience: 3, minDelta: 1e-4 } };
const fitOptions = (extra) => ({ epochs: EPOCHS, batchSize: BATCH, validation: VAL, ...RECIPE, ...extra });
const strip = (h) => h.map(({ seconds, samplesPerSecond, ...rest }) => rest);
/** The logs without the training figures of epoch `cut` (a resumed epoch's loss and accuracy are
 * over the batches after the cut); its validation figures and learning rate stay. */
const stripCut = (h, cut) => strip(h).map((e) => (e.epoch === cut ? { ...e, loss: 0, trainAccuracy: 0 } : e));
const checkpointBytes = (net) => { const ck = toCheckpoint(net); return Buffer.from(encodeCheckpoint(ck.model, ck.state)); };

/** Cuts the run with a signal after batch `batch` of epoch `epoch` (batch 0: at the end of that
 * epoch), writes its checkpoint file, reads it back and resumes on a fresh network. */
async function cutAndResume(backend, threads, epoch, batch) {
  const net = await make(backend, threads);
  const ctl = new AbortController();
  const first = await net.fit(DATA.x, DATA.y, fitOptions({
    signal: ctl.signal,
    onBatchEnd: (log) => { if (batch > 0 && log.epoch === epoch && log.batch === batch) ctl.abort(); },
    onEpochEnd: (log) => { if (batch === 0 && log.epoch === epoch) ctl.abort(); },
  }));
  assert.equal(first.stopped, true);
  const bytes = checkpointBytes(net);
  await net.dispose();
  const names = [...decodeSafetensors(bytes).tensors.keys()];
  const monitoredYet = epoch > 1 || batch === 0;
  assert.equal(names.includes('early_stopping.layers.0.weight') && names.includes('early_stopping.layers.1.bias'), monitoredYet, 'the best parameters travel as tensors once an epoch was monitored');
  const fresh = await restoreNetwork(decodeCheckpoint(bytes), { backend, threads });
  const st = fresh.getTrainingState();
  const rest = await fresh.fit(DATA.x, DATA.y, fitOptions({ epochs: EPOCHS - st.epoch }));
  return { net: fresh, history: [...first, ...rest], rest };
}

const CASES = [['js', 1], ['simd', 1], ['simd', 2]];
for (const [backend, threads] of CASES) {
  test(`${backend}, ${threads} thread${threads > 1 ? 's' : ''}: a run with a cosine schedule and early stopping, cut mid-epoch or between epochs and resumed from a checkpoint file, ends byte-identical`, async () => {
    const whole = await make(backend, threads);
    const h = await whole.fit(DATA.x, DATA.y, fitOptions());
    assert.equal(h.stoppedEarly, true, 'the uninterrupted run stops early');
    assert.ok(h.length >= 5 && h.bestEpoch >= 2, `a stop late enough to cut before it (stopped after ${h.length}, best ${h.bestEpoch})`);
    const wholeBytes = checkpointBytes(whole);
    for (const [epoch, batch] of [[h.bestEpoch + 1, 2], [h.length - 1, 0], [1, 3]]) {
      const r = await cutAndResume(backend, threads, epoch, batch);
      const what = `cut in epoch ${epoch}${batch ? ` after batch ${batch}` : ' at its end'}`;
      const cut = batch > 0 ? epoch : 0;
      assert.deepEqual(stripCut(r.history, cut), stripCut(h, cut), `${what}: the epoch logs (losses, learning rates) agree`);
      assert.deepEqual([r.rest.stoppedEarly, r.rest.bestEpoch, r.rest.keptEpoch], [true, h.bestEpoch, h.keptEpoch], `${what}: the same decision`);
      assert.deepEqual(bits(r.net.getParameters()), bits(whole.getParameters()), `${what}: parameters`);
      assert.ok(checkpointBytes(r.net).equals(wholeBytes), `${what}: the final checkpoints differ`);
      await r.net.dispose();
    }
    await whole.dispose();
  });
}

test('a checkpoint of a run without the recipe has none of its fields and still resumes; one with it refuses stray tensors', async () => {
  const net = await make();
  await net.fit(DATA.x, DATA.y, { epochs: 1, batchSize: BATCH });
  const bytes = checkpointBytes(net);
  const meta = decodeSafetensors(bytes).metadata;
  assert.equal(meta.lr_schedule, undefined);
  assert.equal(meta.early_stopping, undefined);
  const dec = decodeCheckpoint(bytes);
  assert.equal(dec.state.lrSchedule, undefined);
  assert.equal(dec.state.earlyStopping, undefined);
  // a schedule and early stopping begun on a resumed old run start afresh
  const fresh = await restoreNetwork(dec, { backend: 'js' });
  const h = await fresh.fit(DATA.x, DATA.y, { epochs: 2, batchSize: BATCH, validation: VAL, ...RECIPE });
  assert.equal(fresh.getTrainingState().lrSchedule.totalSteps, 3 * 4, 'the run ends with this fit\'s last epoch (epoch 3)');
  const losses = h.map((e) => e.validationLoss);
  assert.deepEqual(h.map((e) => e.epoch), [2, 3]);
  assert.equal(h.bestEpoch, 2 + losses.indexOf(Math.min(...losses)), 'early stopping monitors from the first epoch of this fit');

  const ck = toCheckpoint(fresh);
  delete ck.state.earlyStopping.config;
  assert.throws(() => encodeCheckpoint(ck.model, ck.state), ConfigError);
});

test('trainInWorker runs the recipe as fit does here: the same epochs, rates, stop and kept parameters', async () => {
  const options = { layers: LAYERS, backend: 'simd', seed: 3, optimizer: { name: 'momentum', learningRate: 0.03 } };
  const here = await createNetwork(options);
  const h = await here.fit(DATA.x, DATA.y, { epochs: EPOCHS, batchSize: BATCH, validation: VAL, ...RECIPE });
  const r = await trainInWorker(options, { x: DATA.x, y: DATA.y, validation: VAL }, { epochs: EPOCHS, batchSize: BATCH, copy: true, ...RECIPE }).done;
  assert.deepEqual(strip(r.history), strip(h));
  assert.deepEqual([r.history.stoppedEarly, r.history.bestEpoch, r.history.keptEpoch], [true, h.bestEpoch, h.keptEpoch]);
  assert.deepEqual(bits(r.parameters), bits(here.getParameters()));
  assert.ok(r.checkpoint.state.earlyStopping.bestParameters, 'the checkpoint carries the best parameters');
});
