// Progress of a streamed epoch: the bar shows samples and bytes read when the batch logs carry
// samplesRead/bytesRead, the epoch line ends with the bytes read (--json: samplesRead, bytesRead),
// and a resident run's bar and lines are what they were. The train loop runs against a stand-in
// network whose fit() replays batch logs, so these tests need no streaming trainer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createProgress, formatBytes, formatRead } from '../../dist/cli/progress.js';
import { runTraining } from '../../dist/cli/train-loop.js';

test('bytes read are shown in decimal units to 3 significant digits', () => {
  const cases = [[0, '0 B'], [812, '812 B'], [999, '999 B'], [1000, '1 kB'], [64234, '64.2 kB'], [944e6, '944 MB'], [999.6e6, '1 GB'], [2.35e9, '2.35 GB'], [5e12, '5 TB']];
  for (const [bytes, text] of cases) assert.equal(formatBytes(bytes), text, String(bytes));
  assert.equal(formatRead({ samples: 1204000, total: 3000000, bytes: 944e6 }), '1,204,000/3,000,000 samples, 944 MB read');
  assert.equal(formatRead({ samples: 5, total: 10 }), '5/10 samples read');
});

/** A terminal stand-in: isTTY, 200 columns, and everything written kept as text. */
function fakeTty() {
  const chunks = [];
  const stream = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  Object.assign(stream, { isTTY: true, columns: 200 });
  return { stream, text: () => chunks.join('') };
}

test('the bar of a streamed epoch shows the samples and bytes read so far', () => {
  const tty = fakeTty();
  const p = createProgress(true, tty.stream);
  p.begin(1, 3, 40, 0);
  p.batch(19, 0.5, { samples: 1204000, total: 3000000, bytes: 944e6 });
  p.end(); // draws the last state before clearing it
  assert.match(tty.text(), /epoch 1\/3 .* 19\/40 batches {2}loss 0\.5000 {2}1,204,000\/3,000,000 samples, 944 MB read {2}eta/);
});

test('the bar of a resident epoch is unchanged: no read column', () => {
  const tty = fakeTty();
  const p = createProgress(true, tty.stream);
  p.begin(2, 3, 40, 0);
  p.batch(7, 0.25);
  p.end();
  assert.match(tty.text(), /epoch 2\/3 .* 7\/40 batches {2}loss 0\.2500 {2}eta/);
  assert.doesNotMatch(tty.text(), /samples|read/);
});

/** A train run over a stand-in network: fit() replays `batchLogs` (per epoch) and records its options. */
function fakeRun({ json, batchLogs, maxMemory }) {
  const seen = {};
  const net = {
    architecture: { layers: [4, 8, 2], hidden: 'relu', output: 'softmax' },
    optimizer: { name: 'sgd', learningRate: 0.1 }, backend: 'js', threads: 1,
    state: { epoch: 0, batch: 0, order: null, rngState: new Uint32Array(4) },
    getTrainingState() { return this.state; },
    evaluate() { return { loss: 0.4, accuracy: 0.75 }; },
    async fit(_x, _y, options) {
      seen.options = options;
      batchLogs.forEach((logs, e) => {
        for (const log of logs) options.onBatchEnd({ epoch: e + 1, batches: logs.length, loss: 0.5, accuracy: 0.5, size: 2, ...log });
        this.state = { ...this.state, epoch: e + 1 };
        options.onEpochEnd({ epoch: e + 1, loss: 0.5, trainAccuracy: 0.5, samplesPerSecond: 1000, seconds: 0.25, learningRate: 0.1 });
      });
      return { stopped: false, epochs: [] };
    },
  };
  const train = { x: new Float32Array(8), y: new Int32Array(4), n: 4, features: 2 };
  const run = {
    opts: { json, epochs: batchLogs.length, batchSize: 2, stepRecipe: {}, recipe: {}, interruptPath: 'unused', maxMemory },
    net, data: { name: 'toy', train: { ...train } }, parts: { train, validation: null, test: null }, history: [], start: { epoch: 0, batch: 0 }, config: { model: {}, checkpoint: {} },
  };
  return { run, seen };
}

/** Runs the loop, returning what it printed on stdout. */
async function captured(run) {
  const lines = [];
  const write = process.stdout.write;
  process.stdout.write = (s) => { lines.push(String(s)); return true; };
  try { await runTraining(run); } finally { process.stdout.write = write; }
  return lines.join('');
}

const streamedLogs = [[{ batch: 1, samplesRead: 2, bytesRead: 1500 }, { batch: 2, samplesRead: 4, bytesRead: 2_350_000 }], [{ batch: 1, samplesRead: 2, bytesRead: 800 }, { batch: 2, samplesRead: 4, bytesRead: 1600 }]];
const residentLogs = [[{ batch: 1 }, { batch: 2 }], [{ batch: 1 }, { batch: 2 }]];

test('--json: a streamed epoch line gains samplesRead and bytesRead (its last batch\'s); a resident one is unchanged', async () => {
  const streamed = (await captured(fakeRun({ json: true, batchLogs: streamedLogs }).run)).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(streamed.length, 2);
  assert.deepEqual(streamed.map((l) => [l.samplesRead, l.bytesRead]), [[4, 2_350_000], [4, 1600]]);
  const resident = (await captured(fakeRun({ json: true, batchLogs: residentLogs }).run)).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(Object.keys(resident[0]), ['epoch', 'loss', 'trainAccuracy', 'testAccuracy', 'samplesPerSecond', 'seconds', 'learningRate']);
  assert.deepEqual(resident, streamed.map(({ samplesRead, bytesRead, ...rest }) => rest));
});

test('text: a streamed epoch line ends with the bytes read; a resident one does not', async () => {
  const streamed = (await captured(fakeRun({ json: false, batchLogs: streamedLogs }).run)).split('\n').filter((l) => l.startsWith('epoch'));
  assert.equal(streamed.length, 2);
  assert.match(streamed[0], /1,000 samples\/s {2}0\.25 s {2}2\.35 MB read$/);
  assert.match(streamed[1], /0\.25 s {2}1\.6 kB read$/);
  const resident = (await captured(fakeRun({ json: false, batchLogs: residentLogs }).run)).split('\n').filter((l) => l.startsWith('epoch'));
  assert.deepEqual(resident, streamed.map((l) => l.replace(/ {2}\S+ \S+ read$/, '')));
  assert.match(resident[0], / s$/);
});

test('the run passes --max-memory to fit as maxMemory, and no maxMemory key without it', async () => {
  const withBound = fakeRun({ json: true, batchLogs: residentLogs, maxMemory: 1e9 });
  await captured(withBound.run);
  assert.equal(withBound.seen.options.maxMemory, 1e9);
  const without = fakeRun({ json: true, batchLogs: residentLogs });
  await captured(without.run);
  assert.equal('maxMemory' in without.seen.options, false);
});
