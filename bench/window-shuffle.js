// Does a streamed epoch's order (docs/STREAMING.md, "The epoch order") change what a network learns?
// Fashion-MNIST (Debian's dataset-fashion-mnist), 784-128-10 relu/softmax, the CLI's defaults (SGD
// lr 0.1, batch 64), one thread; for each seed the arms run one after another from the same initial
// weights (the seed draws them), and each arm's test accuracy and loss (net.evaluate on the 10,000
// test images) and train loss are recorded after every epoch. Arms:
//   resident   the whole set in the arena, a full shuffle every epoch (no maxMemory)
//   window10   streamed through windows of 10% of the set: 10 chunks of 600 rows
//   window1    streamed through windows of 1%: 6 chunks of 100 rows
//   sorted10   window10 on the training set sorted by label (each chunk then holds one class):
//              the order a window shuffle cannot mix, to show what the window relies on
// Each streamed arm's maxMemory is the smallest bound fit accepts for one chunk a window (found
// with fits of 0 epochs, which only plan) plus room for the chosen window and half a chunk pair
// to spare; the geometry fit reports after training is asserted to be the chosen one.
// Reported per arm and epoch: mean and sample SD over seeds; per streamed arm: the paired
// difference (arm − resident) with its standard error, Student-t 95% interval and p (bench/stats.js).
//
//   node bench/window-shuffle.js [--seeds 5] [--epochs 5] [--arms resident,window10,window1,sorted10]
//        [--train-rows N] [--no-write] [--json]
//
// --train-rows trains on the first N training images (a smoke run; window sizes scale with N).
// Writes bench/results/<date>-window-shuffle.json (-2, -3… if taken) unless --no-write; --json
// prints the result object on stdout and the tables on stderr.

import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // before anything compiles
const lib = await import('../dist/index.js');
const { loadIdxDatasetBytes, findFashionMnistDir } = await import('../dist/node/idx-files.js');
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo, loadAverage } from './machine.js';
import { formatJson, writeAtomic } from './report.js';
import { pairedDifference, summary } from './stats.js';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const LAYERS = [784, 128, 10];
const BATCH = 64;
const OPTIMIZER = { name: 'sgd', learningRate: 0.1 };
/** The bytes a row adds to a window: its pixels and its label (an i32 in the arena). */
const ROW_BYTES = 784 + 4;
const ARMS = {
  resident: { what: 'resident, full shuffle' },
  window10: { what: 'streamed, 10% window', fraction: 0.1, windowChunks: 10 },
  window1: { what: 'streamed, 1% window', fraction: 0.01, windowChunks: 6 },
  sorted10: { what: 'streamed, 10% window, set sorted by label', fraction: 0.1, windowChunks: 10, sorted: true },
};

const flags = (() => {
  try {
    return parseArgs({
      args: process.argv.slice(2), strict: true,
      options: { seeds: { type: 'string' }, epochs: { type: 'string' }, arms: { type: 'string' }, 'train-rows': { type: 'string' }, 'no-write': { type: 'boolean' }, json: { type: 'boolean' } },
    }).values;
  } catch (e) {
    console.error(`window-shuffle: ${e.message} (flags: see the comment at the top of bench/window-shuffle.js)`);
    process.exit(2);
  }
})();
const int = (name, d) => {
  const v = Number(flags[name] ?? d);
  if (!Number.isSafeInteger(v) || v < 1) { console.error(`window-shuffle: --${name} must be a positive integer; got '${flags[name]}'`); process.exit(2); }
  return v;
};
const SEEDS = int('seeds', 5), EPOCHS = int('epochs', 5);
if (SEEDS < 2) { console.error('window-shuffle: --seeds must be at least 2 (the differences are paired over seeds)'); process.exit(2); }
const ARM_NAMES = (flags.arms ?? Object.keys(ARMS).join(',')).split(',').map((s) => s.trim());
for (const a of ARM_NAMES) if (!ARMS[a]) { console.error(`window-shuffle: unknown arm '${a}' (${Object.keys(ARMS).join(', ')})`); process.exit(2); }
if (!ARM_NAMES.includes('resident')) { console.error('window-shuffle: --arms must include resident (the streamed arms are compared with it)'); process.exit(2); }
const JSON_OUT = flags.json === true;
const say = (s) => (JSON_OUT ? process.stderr : process.stdout).write(s + '\n');

const dir = findFashionMnistDir();
if (!dir) { console.error('window-shuffle: Fashion-MNIST not found (Debian package dataset-fashion-mnist)'); process.exit(1); }
const data = await loadIdxDatasetBytes(dir);
const N = Math.min(int('train-rows', data.train.n), data.train.n);
const train = { x: { bytes: data.train.x.bytes.subarray(0, N * 784), divisor: 255 }, y: data.train.y.subarray(0, N) };
const test = { x: data.test.x, y: data.test.y };

/** The training set with its rows sorted by label (stable): every chunk of it is one class or two. */
function sortedByLabel({ x, y }) {
  const idx = Int32Array.from(y.keys()).sort((a, b) => y[a] - y[b] || a - b);
  const bytes = new Uint8Array(x.bytes.length), labels = new Uint8Array(y.length);
  idx.forEach((r, i) => { bytes.set(x.bytes.subarray(r * 784, (r + 1) * 784), i * 784); labels[i] = y[r]; });
  return { x: { bytes, divisor: 255 }, y: labels };
}
const sorted = ARM_NAMES.some((a) => ARMS[a].sorted) ? sortedByLabel(train) : null;

const make = (seed) => lib.createNetwork({ layers: LAYERS, hidden: 'relu', optimizer: OPTIMIZER, seed, backend: 'auto', threads: 1, onNotice: () => {} });

/** The smallest maxMemory fit accepts for chunks of C rows (one chunk a window). */
async function smallestMemory(set, C) {
  let lo = 1, hi = 2 ** 31;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    try { await (await make(1)).fit(set.x, set.y, { epochs: 0, batchSize: BATCH, maxMemory: mid, chunkRows: C }); hi = mid; } catch (e) {
      if (!(e instanceof lib.InputError)) throw e;
      lo = mid + 1;
    }
  }
  return lo;
}

/** Each arm's data and fit options: streamed arms get the bound that gives their window. */
async function planArms() {
  const plans = {};
  for (const name of ARM_NAMES) {
    const arm = ARMS[name], set = arm.sorted ? sorted : train;
    if (!arm.fraction) { plans[name] = { set, options: {}, geometry: null }; continue; }
    const W = arm.windowChunks, C = Math.round(N * arm.fraction / W);
    if (C < BATCH) throw new Error(`${name}: a window of ${arm.fraction * 100}% of ${N} rows in ${W} chunks makes chunks of ${C} rows, fewer than the batch ${BATCH}: train on more rows`);
    const maxMemory = await smallestMemory(set, C) + (2 * W - 1) * C * ROW_BYTES;
    plans[name] = { set, options: { maxMemory, chunkRows: C }, geometry: { chunkRows: C, windowChunks: W } };
  }
  return plans;
}

/** One arm from one seed: per epoch, train loss and accuracy (fit's) and test loss and accuracy. */
async function runArm(name, plan, seed) {
  const net = await make(seed);
  const epochs = [];
  await net.fit(plan.set.x, plan.set.y, {
    epochs: EPOCHS, batchSize: BATCH, shuffle: true, ...plan.options,
    onEpochEnd(log) {
      const t = net.evaluate(test.x, test.y);
      epochs.push({ trainLoss: log.loss, trainAccuracy: log.trainAccuracy, testLoss: t.loss, testAccuracy: t.accuracy });
    },
  });
  const got = net.getTrainingState().stream ?? null;
  if (JSON.stringify(got) !== JSON.stringify(plan.geometry)) {
    throw new Error(`${name}: fit trained with geometry ${JSON.stringify(got)}, not the planned ${JSON.stringify(plan.geometry)}`);
  }
  return { backend: net.backend, epochs };
}

const started = Date.now();
const result = {
  what: 'test accuracy of a streamed (window) shuffle against a full shuffle, Fashion-MNIST',
  machine: { ...machineInfo(lib), threadsUsed: 1 }, loadBefore: loadAverage(),
  settings: { data: `fashion-mnist: ${N} train, ${test.y.length} test`, layers: LAYERS, hidden: 'relu', optimizer: OPTIMIZER, batchSize: BATCH, epochs: EPOCHS, seeds: SEEDS, threads: 1 },
  arms: {}, runs: [], summary: {},
};
const plans = await planArms();
for (const name of ARM_NAMES) result.arms[name] = { what: ARMS[name].what, ...plans[name].options, geometry: plans[name].geometry };
say(`window-shuffle: ${result.settings.data}; ${LAYERS.join('-')} sgd lr 0.1 batch 64; ${SEEDS} seeds × ${EPOCHS} epochs; arms ${ARM_NAMES.join(', ')}`);
for (let s = 1; s <= SEEDS; s++) {
  for (const name of ARM_NAMES) {
    const t0 = Date.now();
    const r = await runArm(name, plans[name], s);
    result.settings.backend = r.backend;
    result.runs.push({ seed: s, arm: name, epochs: r.epochs });
    say(`  seed ${s} ${name.padEnd(9)} test accuracy ${r.epochs.map((e) => (100 * e.testAccuracy).toFixed(2)).join(' ')} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
}

/** value[arm][epoch][seed] of one per-epoch field, in seed order. */
const field = (arm, key) => Array.from({ length: EPOCHS }, (_, e) => result.runs.filter((r) => r.arm === arm).map((r) => r.epochs[e][key]));
const KEYS = ['testAccuracy', 'testLoss', 'trainLoss'];
for (const arm of ARM_NAMES) {
  result.summary[arm] = Object.fromEntries(KEYS.map((k) => [k, field(arm, k).map(summary)]));
  if (arm === 'resident') continue;
  result.summary[arm].minusResident = Object.fromEntries(KEYS.map((k) => [k, field(arm, k).map((b, e) => pairedDifference(field('resident', k)[e], b))]));
}
result.loadAfter = loadAverage();
result.seconds = Math.round((Date.now() - started) / 1000);

const pp = (v, d = 2) => (100 * v).toFixed(d);
const sign = (v, d) => (v >= 0 ? '+' : '−') + Math.abs(v).toFixed(d);
say('');
say(`| arm | window | test accuracy, epoch ${EPOCHS} (mean ± SD, %) | arm − resident (pp): mean ± SE [95% CI], p | train loss, epoch ${EPOCHS} | arm − resident |`);
say('|---|---|---|---|---|---|');
for (const arm of ARM_NAMES) {
  const s = result.summary[arm], e = EPOCHS - 1, g = plans[arm].geometry;
  const acc = s.testAccuracy[e], loss = s.trainLoss[e], d = s.minusResident?.testAccuracy[e], dl = s.minusResident?.trainLoss[e];
  say(`| ${ARMS[arm].what} | ${g ? `${g.windowChunks} × ${g.chunkRows} rows` : 'whole set'} | ${pp(acc.mean)} ± ${pp(acc.sd)} | ${d ? `${sign(100 * d.mean, 2)} ± ${pp(d.se)} [${sign(100 * d.ci95[0], 2)}, ${sign(100 * d.ci95[1], 2)}], p ${d.p.toFixed(2)}` : '—'} | ${loss.mean.toFixed(4)} ± ${loss.sd.toFixed(4)} | ${dl ? `${sign(dl.mean, 4)} ± ${dl.se.toFixed(4)}` : '—'} |`);
}
say('');
say(`test accuracy by epoch (mean over ${SEEDS} seeds, %; in brackets arm − resident, pp)`);
for (const arm of ARM_NAMES) {
  const s = result.summary[arm];
  say(`  ${arm.padEnd(9)} ${s.testAccuracy.map((a, e) => `${pp(a.mean)}${s.minusResident ? ` (${sign(100 * s.minusResident.testAccuracy[e].mean, 2)})` : ''}`).join('  ')}`);
}
say(`took ${result.seconds} s; load ${result.loadBefore.join(' ')} before, ${result.loadAfter.join(' ')} after`);

if (flags['no-write'] !== true) {
  const date = new Date().toISOString().slice(0, 10);
  fs.mkdirSync(RESULTS, { recursive: true });
  let file;
  for (let n = 1; fs.existsSync(file = path.join(RESULTS, `${date}-window-shuffle${n > 1 ? `-${n}` : ''}.json`)); n++);
  writeAtomic(file, formatJson(result) + '\n');
  say(`wrote bench/results/${path.basename(file)}`);
}
if (JSON_OUT) process.stdout.write(formatJson(result) + '\n');
