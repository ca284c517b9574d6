// Benchmark entry: `npm run bench` (= node bench/run.js [flags]).
//
//   --runs N          training runs per fast trainer (default 3); medians and min–max are reported
//   --epochs N        epochs per run for the fast trainers (default 2)
//   --slow-epochs N   epochs for the slow trainers: scalar, js, tfjs-cpu (default 2)
//   --slow-runs N     runs for the slow trainers (default 1)
//   --only W1,W3      workloads (W1 784-128-10 b64, W2 784-128-10 b256, W3 784-256-128-10 b64)
//   --trainers a,b    trainers (relaxed, simd, scalar, js, tfjs-cpu, tfjs-wasm, tfjs-wasm-custom, jax-js)
//   --threads 2,3     thread counts for our relaxed-SIMD trainer besides 1 (default 2,3; 'auto'
//                     allowed; 'none' for none): W1–W3 on each, the speed-up over one thread from
//                     the same run, the barrier's cost, the machine's ceiling (N single-thread
//                     trainings at once beside one N-thread training, N = 2), the per-phase split
//                     of a step on 1 and 2 threads, the machine's interruptions, what a
//                     barrier costs a balanced loop here and what writing lines the other core
//                     just read costs (bench/interruptions.js), and a
//                     predicted curve for 4, 8 and 16 threads
//   --no-ceiling, --no-sweep   skip the ceiling, or the width and batch sweeps (1 and 2 threads)
//   --no-baselines    only our backends
//   --no-kernels, --no-profile, --no-training   skip those parts
//   --quick           smoke test: 1 run, 1 epoch, 2 kernel shapes, short timings; writes nothing
//   --json            the result object as JSON on stdout (the human tables go to stderr)
//   --no-write        do not write bench/results/*.json nor BENCHMARKS.md
//   --from FILE.json  only regenerate BENCHMARKS.md (and print the tables) from a results file of
//                     a run with trainings; with --no-write, only print them
//
// A full run writes bench/results/<YYYY-MM-DD>-<n>.json (and, with the sweeps, their picture
// <YYYY-MM-DD>-<n>-sweep.svg: plot.js) and regenerates the results section of BENCHMARKS.md
// (between the marker comments); --from writes the picture again beside the file it reads.

// Relaxed SIMD is behind a flag in Node 20; it must be set before any wasm module compiles, so
// everything else is imported dynamically below.
import v8 from 'node:v8';
import vm from 'node:vm';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
// a full garbage collection before every timed trainer, so that no trainer pays for the garbage
// the previous one (tfjs, jax-js: tensors per step) left behind
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc');

const argv = process.argv.slice(2);
const has = (f) => argv.includes(f);
const val = (f, d) => {
  const i = argv.indexOf(f);
  if (i < 0) return d;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${f} needs a value`);
  return v;
};
const int = (f, d) => {
  const v = Number(val(f, d));
  if (!Number.isInteger(v) || v < 1) throw new Error(`${f} must be a positive integer`);
  return v;
};

const JSON_OUT = has('--json');
// in --json mode stdout carries only the JSON: route every console.log (ours and the libraries') to stderr
if (JSON_OUT) console.log = console.error;
const log = (s) => console.error(s);
const say = (s) => (JSON_OUT ? console.error(s) : process.stdout.write(`${s}\n`));

const fs = await import('node:fs');
const path = await import('node:path');
const { fileURLToPath } = await import('node:url');
const { formatJson, markdownSection, sweepPlotName, textReport, updateMarkdown, writeAtomic, writeResultJson } = await import('./report.js');
const { sweepSvg } = await import('./plot.js');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);

/** The sweeps' picture next to the results file (BENCHMARKS.md shows it), when the run has them. */
function writeSweepPlot(dir, jsonName, result) {
  const s = result.threads?.sweep;
  if (s) writeAtomic(path.join(dir, sweepPlotName(jsonName)), sweepSvg(s, { caption: result.threads.sweepDataset }));
}

if (has('--from')) {
  const file = val('--from');
  const result = JSON.parse(fs.readFileSync(file, 'utf8'));
  say(textReport(result));
  // --no-write: the tables only. A run without trainings (--no-training: a threads-only run) is not
  // the published one: regenerating from it would replace the published tables with empty ones.
  if (has('--no-write')) process.exit(0);
  if (Object.keys(result.training ?? {}).length === 0) {
    console.error(`bench: ${path.basename(file)} has no training results (its command: ${result.command ?? 'unknown'}); BENCHMARKS.md is regenerated only from a full run (add --no-write to print its tables)`);
    process.exit(2);
  }
  writeSweepPlot(path.dirname(file), path.basename(file), result);
  updateMarkdown(path.join(ROOT, 'BENCHMARKS.md'), markdownSection(result, path.basename(file)));
  say(`\nBENCHMARKS.md regenerated from ${path.basename(file)}`);
  process.exit(0);
}

const QUICK = has('--quick');
const RUNS = QUICK ? 1 : int('--runs', 3);
const EPOCHS = QUICK ? 1 : int('--epochs', 2);
const SLOW_EPOCHS = QUICK ? 1 : int('--slow-epochs', 2);
const SLOW_RUNS = QUICK ? 1 : int('--slow-runs', 1);
const WRITE = !QUICK && !has('--no-write');

const lib = await import('../dist/index.js');
const { loadDigits } = await import('../dist/node/digits.js');
const { relaxedWasm, simdWasm, scalarWasm, relaxedThreadsWasm } = await import('../dist/backend/binaries.generated.js');
const { machineInfo, loadAverage } = await import('./machine.js');
const { benchKernels, measurePeak, KERNEL_SHAPES, QUICK_SHAPES } = await import('./kernels.js');
const { profileSteps, profileModule } = await import('./profile.js');
const { WORKLOADS, TRAINERS, threadTrainers, benchWorkload } = await import('./training.js');
const { measureBarrier, predictScaling } = await import('./threads.js');
const { measureCeiling, sharedData } = await import('./ceiling.js');
const { measureInterruptions, measureBarrierLoss, measureHandover } = await import('./interruptions.js');
const { sweep } = await import('./sweep.js');
const { rowsPerUnit, KC } = await import('../dist/backend/engine/schedule.js');
const { findFashionMnistDir, loadIdxDataset } = await import('../dist/node/index.js');
const { loadIdxDatasetBytes } = await import('../dist/node/idx-files.js');

const workloadNames = val('--only', 'W1,W2,W3').split(',').map((s) => s.trim().toUpperCase());
for (const w of workloadNames) if (!WORKLOADS[w]) throw new Error(`--only: unknown workload ${w} (W1, W2, W3)`);
const threadCounts = val('--threads', '2,3') === 'none' ? [] : val('--threads', '2,3').split(',').map((s) => {
  const t = s.trim();
  if (t === 'auto') return 'auto';
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--threads: '${t}' is not 'auto' or a count from 1 to 64`);
  return n;
});
let trainers = [...TRAINERS.slice(0, 1), ...threadTrainers(threadCounts), ...TRAINERS.slice(1)];
if (has('--trainers')) {
  const want = val('--trainers').split(',').map((s) => s.trim());
  for (const k of want) if (!trainers.some((t) => t.key === k)) throw new Error(`--trainers: unknown trainer ${k} (${trainers.map((t) => t.key).join(', ')})`);
  trainers = trainers.filter((t) => want.includes(t.key));
}
if (has('--no-baselines')) trainers = trainers.filter((t) => t.kind === 'ours');
const relaxedOk = lib.hasRelaxedSimd();
if (!relaxedOk) trainers = trainers.filter((t) => t.backend !== 'relaxed');

const plan = {};
for (const t of trainers) {
  plan[t.key] = t.slow
    ? { epochs: SLOW_EPOCHS, runs: Math.min(SLOW_RUNS, RUNS), reduced: SLOW_EPOCHS < EPOCHS || Math.min(SLOW_RUNS, RUNS) < RUNS }
    : { epochs: EPOCHS, runs: RUNS, reduced: false };
}

const date = new Date().toISOString().slice(0, 10);
const command = `node bench/run.js${argv.length ? ` ${argv.join(' ')}` : ''}`;
const result = {
  schema: 1, date, command,
  machine: machineInfo({ bestBackend: lib.bestBackend(), relaxedSimd: relaxedOk }),
  loadAverage: { start: loadAverage() },
  settings: { runs: RUNS, epochs: EPOCHS, slowEpochs: SLOW_EPOCHS, slowRuns: SLOW_RUNS, quick: QUICK, gcBeforeEachTrainer: true, workloads: workloadNames, trainers: trainers.map((t) => t.key) },
};
log(`machine: ${result.machine.cpu}, ${result.machine.logicalCores} cores, Node ${result.machine.node}; load ${result.loadAverage.start.join(' ')}`);

// one compiled module per binary, shared by every network of that backend (tier-up carries over)
const bytes = (b64) => Uint8Array.from(Buffer.from(b64, 'base64'));
// compiled synchronously, as the library compiles in Node (src/backend/wasm.ts: nodejs/node#54918)
const modules = { simd: new WebAssembly.Module(bytes(simdWasm)), scalar: new WebAssembly.Module(bytes(scalarWasm)) };
if (relaxedOk) modules.relaxed = new WebAssembly.Module(bytes(relaxedWasm));
if (relaxedOk) modules['relaxed-threads'] = new WebAssembly.Module(bytes(relaxedThreadsWasm));
const best = relaxedOk ? 'relaxed' : 'simd';

// ---- kernels and peak
const kernelTime = QUICK ? 30 : Number(val('--kernel-time', 400));
if (!has('--no-kernels')) {
  log('kernels…');
  const kernels = {};
  for (const b of ['js', 'scalar', 'simd', ...(relaxedOk ? ['relaxed'] : [])]) kernels[b] = await lib.createKernels(b, modules);
  const shapes = QUICK ? QUICK_SHAPES : KERNEL_SHAPES;
  const rows = await benchKernels({ kernels, shapes, time: kernelTime, warmupTime: kernelTime / 4, log });
  result.kernels = { timeMs: kernelTime, flopsFormula: '2*B*K*N', statistic: 'median latency', rows };
}
if (!has('--no-profile') || !has('--no-kernels')) {
  const k = await lib.createKernels(best, modules);
  result.peak = await measurePeak({ k, backend: best, time: kernelTime, warmupTime: kernelTime / 4, ...(QUICK ? { shapes: [[64, 256, 8]] } : {}) });
  log(`peak: ${result.peak.gflops.toFixed(1)} GFLOP/s (${result.peak.shape.join('x')})`);
}

const data = loadDigits();

// ---- training
let baselines = null;
if (trainers.some((t) => t.kind !== 'ours')) {
  baselines = {};
  if (trainers.some((t) => t.kind === 'tfjs')) baselines.trainTfjs = (await import('./baselines/tfjs.js')).trainTfjs;
  if (trainers.some((t) => t.kind === 'jax')) baselines.trainJax = (await import('./baselines/jaxjs.js')).trainJax;
}
result.training = {};
for (const name of has('--no-training') ? [] : workloadNames) {
  log(`training ${name}…`);
  result.training[name] = await benchWorkload({
    lib, modules, baselines, name, workload: WORKLOADS[name], trainers, plan, data: data.train, test: data.test, log, collectGarbage,
  });
}

// ---- threads: the ceiling, the per-phase split, the barrier, the model past this machine's cores
const threaded = trainers.filter((t) => t.threads !== undefined);
if (threaded.length && relaxedOk) {
  const fashionDir = findFashionMnistDir();
  const fashion = fashionDir && !QUICK ? loadIdxDataset(fashionDir).train : null;
  const fb = fashion && !has('--no-ceiling') ? (await loadIdxDatasetBytes(fashionDir)).train : null;
  const fashionBytes = fb ? { x: { bytes: fb.x.bytes, divisor: 255 }, y: fb.y, n: fb.y.length } : null;
  const big = fashion ?? data.train;
  const bigName = fashion ? 'Fashion-MNIST' : 'digits';
  const threadsSection = { logicalCores: result.machine.logicalCores, autoThreadsRule: `min(cores, ${lib.AUTO_THREADS_CAP})` };
  result.threads = threadsSection;
  // the ceiling: what N cores give to N independent trainings, beside one N-thread training
  if (!has('--no-ceiling')) {
    log('threads: the two-process ceiling…');
    const cases = [
      { name: 'W1', dataset: bigName, d: big, ...WORKLOADS.W1 },
      ...(QUICK ? [] : [
        { name: 'W2', dataset: bigName, d: big, ...WORKLOADS.W2 },
        { name: 'W3', dataset: bigName, d: big, ...WORKLOADS.W3 },
        ...(fashion ? [{ name: 'W1', dataset: 'digits', d: data.train, ...WORKLOADS.W1 }] : []),
        // Fashion-MNIST as `wasm-mlp train` holds it: the pixels as bytes, widened by the gather
        ...(fashionBytes ? [
          { name: 'W1', dataset: 'Fashion-MNIST bytes', d: fashionBytes, ...WORKLOADS.W1 },
          { name: 'W2', dataset: 'Fashion-MNIST bytes', d: fashionBytes, ...WORKLOADS.W2 },
        ] : []),
      ]),
    ];
    threadsSection.ceiling = [];
    for (const c of cases) {
      log(` ${c.name} ${c.layers.join('-')} b${c.batchSize} on ${c.dataset}`);
      const d = QUICK ? { x: c.d.x.subarray(0, 1024 * 784), y: c.d.y.subarray(0, 1024), n: 1024 } : c.d;
      const r = await measureCeiling({ layers: c.layers, batchSize: c.batchSize, shared: sharedData(d), threads: 2, runs: RUNS, epochs: QUICK ? 1 : Math.max(EPOCHS, fashion && c.dataset !== 'digits' ? 1 : 4), log });
      threadsSection.ceiling.push({ workload: c.name, dataset: c.dataset, ...r });
    }
  }
  // where a step's time goes, per thread and per phase, on 1 and 2 threads
  const pmod = await profileModule(new URL('../', import.meta.url));
  if (!pmod) throw new Error('build/bench/relaxed-threads.profile.wasm is missing: npm run build');
  log('threads: per-phase profile…');
  const pdata = QUICK ? { x: big.x.subarray(0, 1024 * 784), y: big.y.subarray(0, 1024), n: 1024 } : big;
  threadsSection.profileDataset = bigName;
  threadsSection.profiles = {};
  for (const name of QUICK ? ['W1'] : workloadNames) {
    const w = WORKLOADS[name];
    threadsSection.profiles[name] = await profileSteps({
      lib, module: pmod, release: modules['relaxed-threads'], layers: w.layers, batchSize: w.batchSize, threads: [1, 2], shared: [2], data: pdata, epochs: QUICK ? 1 : 5,
    });
  }
  log('threads: barrier cost and scaling model…');
  threadsSection.barrier = {};
  for (const T of QUICK ? [2] : [2, 3]) threadsSection.barrier[T] = await measureBarrier(lib, modules['relaxed-threads'], T, QUICK ? { runs: 1, samples: 2048 } : {});
  const b2 = threadsSection.barrier[2].microseconds;
  // what the machine takes from a core in short interruptions, and what meeting at barriers costs
  // for that reason alone (bench/interruptions.js: no wasm-mlp in it)
  log('threads: interruptions and the barrier loss of a balanced loop…');
  threadsSection.interruptions = {
    alone: await measureInterruptions({ threads: 1, ms: QUICK ? 100 : 2000 }),
    together: await measureInterruptions({ threads: 2, ms: QUICK ? 100 : 2000 }),
    barrierLoss: await measureBarrierLoss(QUICK ? { threads: 2, phaseMicros: [100], rounds: 1, totalMs: 20 } : { threads: 2 }),
    // what writing lines another core has just read costs here (a threaded step does, two processes never)
    handover: await measureHandover(QUICK ? { rounds: 200, samples: 1 } : {}),
  };
  threadsSection.model = {};
  for (const [name, pr] of Object.entries(threadsSection.profiles)) {
    const wakeMs = Math.max(...pr[2].perThread.map((t) => t.wake));
    threadsSection.model[name] = predictScaling({ profile: pr[1], profile2: pr[2], profile2s: pr['2s'], wakeMs, barrierMicros: Math.max(0, b2), kc: KC, rowsPerUnit });
  }
  if (!has('--no-sweep')) {
    log('threads: width and batch sweeps…');
    threadsSection.sweep = await sweep({ lib, modules, data: big, threads: [1, 2], runs: QUICK ? 1 : RUNS, quick: QUICK, log });
    threadsSection.sweepDataset = bigName;
  }
}
result.loadAverage.end = loadAverage();

// ---- output
say(textReport(result));
const json = formatJson(result);
if (WRITE) {
  const name = writeResultJson(path.join(HERE, 'results'), date, `${json}\n`);
  writeSweepPlot(path.join(HERE, 'results'), name, result);
  updateMarkdown(path.join(ROOT, 'BENCHMARKS.md'), markdownSection(result, name));
  say(`\nwrote bench/results/${name}; BENCHMARKS.md results section regenerated`);
}
if (JSON_OUT) process.stdout.write(`${json}\n`);
