// Multi-core training speed in a real browser, as a web page user gets it: Debian's headless
// Chromium opens a cross-origin-isolated page from a loopback server, the page imports
// dist/index.js and trains with trainInWorker (a dedicated Worker; with threads: 2 that worker runs
// the threaded engine over shared memory). Workload W1 of bench/training.js (784-128-10, batch 64,
// SGD lr 0.05) on Fashion-MNIST (Debian's dataset-fashion-mnist; else the embedded digits).
//
//   node bench/browser.js [--runs N] [--epochs N] [--json]
//
//   --runs N     runs per thread count, interleaved 1, 2, 1, 2, … (default 3)
//   --epochs N   epochs per run, each run a fresh training with the same seed (default 1)
//   --json       one JSON object on stdout (progress goes to stderr either way)
//
// Two clocks per run: `training`, the library's per-epoch seconds (EpochLog.seconds: the fit loop
// only; with --epochs above 1 also `later epochs`, all but the first: the first holds the wasm
// engine's own warm-up, its hot functions compiled again by the optimising tier in the
// background while the threads train), and `wall`, performance.now() in the page around trainInWorker … done, which also holds
// the worker's start, its wasm compilation and network creation: inside trainInWorker these
// happen in the worker, so the page cannot stop its clock before them. The final parameters of
// every run must be bit-identical (same seed; any thread count gives the same bits). Exits 1 on a
// page error, a page that is not cross-origin isolated, a run on the wrong thread count or bits
// that differ; 0 without Chromium (one line says so).
import { NO_CHROMIUM, launch, recordErrors, serveDist } from '../tests/browser/chromium.js';
import { machineInfo } from './machine.js';
import { median } from './training.js';

const argv = process.argv.slice(2);
const int = (f, d) => {
  const i = argv.indexOf(f);
  const v = i < 0 ? d : Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${f} must be a positive integer`);
  return v;
};
const RUNS = int('--runs', 3);
const EPOCHS = int('--epochs', 1);
const JSON_OUT = argv.includes('--json');
const LAYERS = [784, 128, 10], BATCH = 64, LR = 0.05, SEED = 1, MAX_ROWS = 60_000;
const log = (s) => console.error(s);

if (NO_CHROMIUM) {
  console.log(`bench/browser.js: skipped, ${NO_CHROMIUM}`);
  process.exit(0);
}

// The data is parsed here once and sent as raw bytes, so the page needs no IDX parser.
const { findFashionMnistDir, loadIdxDataset } = await import('../dist/node/index.js');
const fashionDir = findFashionMnistDir();
const full = fashionDir ? loadIdxDataset(fashionDir).train : (await import('../dist/node/digits.js')).loadDigits().train;
const dataset = fashionDir ? 'Fashion-MNIST' : 'digits (dataset-fashion-mnist is not installed)';
const n = Math.min(full.n, MAX_ROWS);
const bytes = (a, length) => Buffer.from(a.buffer, a.byteOffset, length);
const DATA = { '/__data/x': bytes(full.x, n * LAYERS[0] * 4), '/__data/y': bytes(full.y, n * full.y.BYTES_PER_ELEMENT) };
const labels = full.y.constructor.name; // Uint8Array from both loaders

// The page loads the data, then waits for Node to call __train(threads) once per run. Each run
// trains on a fresh copy made before the clock starts (trainInWorker transfers, i.e. detaches, the
// buffers it is given), and its parameters' bits are compared with the first run's.
const PAGE = `<!doctype html><meta charset="utf-8"><title>wasm-mlp browser bench</title>
<script type="module">
import { trainInWorker, bestBackend } from '/dist/index.js';
try {
  const [xb, yb] = await Promise.all(['/__data/x', '/__data/y'].map(async (u) => (await fetch(u)).arrayBuffer()));
  const X = new Float32Array(xb), Y = new ${labels}(yb);
  const bits = (p) => [...p.weights, ...p.biases].flatMap((t) => Array.from(new Uint32Array(t.buffer, t.byteOffset, t.length)));
  let reference = null;
  window.__train = async (threads) => {
    const notices = [], x = X.slice(), y = Y.slice();
    const t0 = performance.now();
    const r = await trainInWorker(
      { layers: ${JSON.stringify(LAYERS)}, seed: ${SEED}, threads, optimizer: { name: 'sgd', learningRate: ${LR} }, onNotice: (m) => notices.push(m) },
      { x, y }, { epochs: ${EPOCHS}, batchSize: ${BATCH} }).done;
    const wall = (performance.now() - t0) / 1000;
    const b = bits(r.parameters);
    reference ??= b;
    const differ = b.length !== reference.length ? 0 : b.findIndex((v, i) => v !== reference[i]);
    return { threads: r.threads, backend: r.backend, wall, epochSeconds: r.history.map((e) => e.seconds), loss: r.history.at(-1).loss, differ, notices };
  };
  window.__ready = { isolated: crossOriginIsolated, n: Y.length, bestBackend: bestBackend(), cores: navigator.hardwareConcurrency };
} catch (e) {
  window.__ready = { error: String(e && e.stack || e) };
}
</script>`;

const summary = (a) => ({ median: median(a), min: Math.min(...a), max: Math.max(...a) });
const sum = (a) => a.reduce((s, v) => s + v, 0);

let server = null, browser = null;
try {
  server = await serveDist({ page: PAGE, isolated: true, extra: DATA });
  browser = await launch();
  const page = await browser.newPage();
  const errors = recordErrors(page);
  const pageFailed = () => { if (errors.length) throw new Error(`the page reported errors:\n${errors.join('\n')}`); };
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.__ready !== undefined, null, { timeout: 120_000 });
  const ready = await page.evaluate(() => window.__ready);
  if (ready.error) throw new Error(`the page failed to start: ${ready.error}`);
  pageFailed();
  if (!ready.isolated) throw new Error('the page is not cross-origin isolated: threads would fall back to 1');
  log(`Chromium ${browser.version()}, ${dataset}: ${ready.n} samples, backend ${ready.bestBackend}; ${RUNS} run(s) × ${EPOCHS} epoch(s) per thread count`);

  const runs = { 1: [], 2: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const threads of [1, 2]) {
      const o = await page.evaluate((t) => window.__train(t), threads);
      pageFailed();
      if (o.threads !== threads) throw new Error(`threads: ${threads} ran on ${o.threads} thread(s)${o.notices.length ? `: ${o.notices.join('; ')}` : ''}`);
      const training = sum(o.epochSeconds);
      const later = EPOCHS > 1 ? sum(o.epochSeconds.slice(1)) : null;
      const run = { ...o, trainingSeconds: training, samplesPerSecond: (n * EPOCHS) / training, wallSamplesPerSecond: (n * EPOCHS) / o.wall, laterSamplesPerSecond: later === null ? null : (n * (EPOCHS - 1)) / later };
      runs[threads].push(run);
      log(`  run ${r + 1}, ${threads} thread(s): ${Math.round(run.samplesPerSecond)} samples/s training (${training.toFixed(2)} s), wall ${o.wall.toFixed(2)} s, loss ${o.loss.toFixed(4)}`);
    }
  }

  const all = [...runs[1], ...runs[2]];
  const result = {
    date: new Date().toISOString().slice(0, 10),
    chromium: browser.version(),
    machine: (({ threadsUsed, packages, ...m }) => ({ ...m, wasmMlp: packages['wasm-mlp'] }))(
      machineInfo({ bestBackend: ready.bestBackend, relaxedSimd: ready.bestBackend === 'relaxed' })),
    hardwareConcurrency: ready.cores,
    crossOriginIsolated: ready.isolated,
    workload: { layers: LAYERS, batchSize: BATCH, optimizer: { name: 'sgd', learningRate: LR }, seed: SEED, dataset, samples: n, epochs: EPOCHS, runs: RUNS },
    backend: [...new Set(all.map((o) => o.backend))].join(','),
    samplesPerSecond: { 1: summary(runs[1].map((o) => o.samplesPerSecond)), 2: summary(runs[2].map((o) => o.samplesPerSecond)) },
    wallSamplesPerSecond: { 1: summary(runs[1].map((o) => o.wallSamplesPerSecond)), 2: summary(runs[2].map((o) => o.wallSamplesPerSecond)) },
    ...(EPOCHS > 1 ? { laterSamplesPerSecond: { 1: summary(runs[1].map((o) => o.laterSamplesPerSecond)), 2: summary(runs[2].map((o) => o.laterSamplesPerSecond)) } } : {}),
    bitIdentical: all.every((o) => o.differ === -1),
    runs: Object.fromEntries([1, 2].map((t) => [t, runs[t].map(({ threads, notices, ...o }) => o)])),
  };
  result.ratio = result.samplesPerSecond[2].median / result.samplesPerSecond[1].median;
  result.wallRatio = result.wallSamplesPerSecond[2].median / result.wallSamplesPerSecond[1].median;
  if (result.laterSamplesPerSecond) result.laterRatio = result.laterSamplesPerSecond[2].median / result.laterSamplesPerSecond[1].median;

  if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
  else {
    const m = result.machine, k = (v) => Math.round(v).toLocaleString('en-US');
    const cell = (s) => `${k(s.median)} (${k(s.min)}–${k(s.max)})`;
    console.log([
      `wasm-mlp in Chromium: ${LAYERS.join('-')}, batch ${BATCH}, SGD lr ${LR}, ${dataset} ${n} samples, ${EPOCHS} epoch(s), ${RUNS} run(s) per thread count`,
      `Chromium     ${result.chromium} (headless), crossOriginIsolated ${result.crossOriginIsolated}, backend ${result.backend}`,
      `Node         ${m.node}`,
      `CPU          ${m.cpu}, ${m.logicalCores} cores (navigator.hardwareConcurrency ${result.hardwareConcurrency})`,
      `samples/s    ${'training: median (min–max)'.padEnd(28)}wall, incl. worker start`,
      `1 thread     ${cell(result.samplesPerSecond[1]).padEnd(28)}${cell(result.wallSamplesPerSecond[1])}`,
      `2 threads    ${cell(result.samplesPerSecond[2]).padEnd(28)}${cell(result.wallSamplesPerSecond[2])}`,
      `2 ÷ 1        ${`${result.ratio.toFixed(2)}×`.padEnd(28)}${result.wallRatio.toFixed(2)}×`,
      ...(result.laterSamplesPerSecond ? [
        `later epochs 1 thread ${cell(result.laterSamplesPerSecond[1])}, 2 threads ${cell(result.laterSamplesPerSecond[2])}: ${result.laterRatio.toFixed(2)}× (epochs 2…${EPOCHS}: the first holds the engine's warm-up)`,
      ] : []),
      `bits         ${result.bitIdentical ? 'identical on 1 and 2 threads, every run' : 'DIFFER between runs'}`,
    ].join('\n'));
  }
  if (!result.bitIdentical) throw new Error('the final parameters differ between runs (1 vs 2 threads, same seed)');
} catch (e) {
  console.error(`bench/browser.js: ${e?.stack ?? e}`);
  process.exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  server?.closeAllConnections();
  server?.close();
}
