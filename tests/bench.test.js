// The benchmark suite's smoke test: bench/run.js --quick runs end to end and its JSON has the
// documented shape (no speed is asserted: this machine is shared), --quick writes no files, and
// the Markdown regeneration keeps the hand-written prose outside the markers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

import { MARK_START, MARK_END, updateMarkdown, writeResultJson } from '../bench/report.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // the profile test compiles the relaxed threaded binaries here

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const RESULTS = join(ROOT, 'bench', 'results');

function runBench(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bench/run.js', ...args], { cwd: ROOT, timeout: 50_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`bench/run.js ${args.join(' ')} failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

const listing = () => (existsSync(RESULTS) ? readdirSync(RESULTS).sort() : []);
const mdStamp = () => (existsSync(join(ROOT, 'BENCHMARKS.md')) ? statSync(join(ROOT, 'BENCHMARKS.md')).mtimeMs : 0);

function checkTrainer(key, r) {
  assert.ok(r, `trainer ${key} missing from the results`);
  assert.ok(r.samplesPerSecond.median > 0 && Number.isFinite(r.samplesPerSecond.median), `${key}: samples/s ${r.samplesPerSecond.median}`);
  assert.ok(r.samplesPerSecond.min <= r.samplesPerSecond.median && r.samplesPerSecond.median <= r.samplesPerSecond.max, `${key}: min ≤ median ≤ max`);
  for (const a of [r.testAccuracy.median, r.testAccuracy.min, r.testAccuracy.max]) assert.ok(a >= 0 && a <= 1, `${key}: accuracy ${a} outside [0, 1]`);
  assert.equal(r.epochs, 1, `${key}: --quick trains one epoch`);
  assert.equal(r.runs, 1, `${key}: --quick does one run`);
}

test('bench --quick --only W1 --no-baselines --json: machine, kernels, our four backends and the threads section', async () => {
  const before = listing(), mdBefore = mdStamp();
  const res = await runBench(['--quick', '--only', 'W1', '--no-baselines', '--json']);

  for (const f of ['cpu', 'logicalCores', 'node', 'v8', 'os']) assert.ok(res.machine[f], `machine.${f} missing`);
  assert.ok(res.machine.packages['wasm-mlp'] && res.machine.packages['@tensorflow/tfjs'] && res.machine.packages['@jax-js/jax'], 'package versions missing');
  assert.ok(!JSON.stringify(res.machine).includes(ROOT), 'machine info must not contain paths');

  assert.deepEqual(Object.keys(res.training), ['W1']);
  const w = res.training.W1;
  assert.deepEqual(w.layers, [784, 128, 10]);
  assert.equal(w.batchSize, 64);
  const expected = ['relaxed', 'simd', 'scalar', 'js'];
  assert.deepEqual(Object.keys(w.results).sort(), [...expected, 'relaxed-t2', 'relaxed-t3'].sort(), 'exactly our backends (relaxed also on 2 and 3 threads), no baselines');
  // threads: the same math on 2 and 3 threads (bit-identical, so the same accuracy and loss), a
  // speed-up over one thread from the same run, the synchronisations of a step
  for (const key of ['relaxed-t2', 'relaxed-t3']) {
    const t = w.results[key];
    assert.equal(t.threads, Number(key.slice(9)));
    assert.equal(t.testAccuracy.median, w.results.relaxed.testAccuracy.median, `${key}: accuracy`);
    assert.equal(t.finalLossRun1, w.results.relaxed.finalLossRun1, `${key}: loss`);
    assert.ok(w.ratios[key].relaxed.median > 0, `${key}: speed-up over one thread`);
    // three barriers a step (each thread gathers the batch into its own copy of the input: none
    // after the gather), and a job start shared by the job's steps (at least one job per epoch)
    assert.ok(t.syncsPerStep > 3 && t.syncsPerStep <= 4, `${key}: syncs per step ${t.syncsPerStep}`);
  }
  for (const k of expected) {
    checkTrainer(k, w.results[k]);
    assert.ok(Number.isInteger(w.results[k].callsPerBatch) && w.results[k].callsPerBatch > 0, `${k}: calls per batch ${w.results[k].callsPerBatch}`);
  }
  // the wasm backends run a batch as one engine job; the pure-JS one calls a kernel per product
  for (const k of ['relaxed', 'simd', 'scalar']) assert.equal(w.results[k].callsPerBatch, 1, `${k}: one host→wasm call per batch`);
  // same weights, order and math: every backend reaches the same accuracy after one epoch, to float noise
  const accs = expected.map((k) => w.results[k].testAccuracy.median);
  assert.ok(Math.max(...accs) - Math.min(...accs) <= 0.005, `accuracies differ: ${accs}`);
  assert.ok(w.ratios.relaxed.js.median > 0, 'ratio against the pure-JS backend');

  const backends = new Set(res.kernels.rows.map((r) => r.backend));
  assert.deepEqual([...backends].sort(), ['js', 'relaxed', 'scalar', 'simd']);
  for (const r of res.kernels.rows) {
    assert.ok(['forward', 'weightGrad', 'inputGrad', 'weightGradSgd'].includes(r.op), `kernel op ${r.op}`);
    assert.equal(r.flops, 2 * r.B * r.K * r.N);
    assert.ok(r.gflops > 0 && Number.isFinite(r.gflops), `${r.backend} ${r.op}: ${r.gflops} GFLOP/s`);
  }
  for (const op of ['forward', 'weightGrad', 'inputGrad']) {
    assert.equal(res.kernels.rows.filter((r) => r.op === op).length, 4 * 2, `${op}: 4 backends × 2 quick shapes`);
  }
  assert.ok(res.peak.gflops > 0);

  const t = res.threads;
  // the ceiling: 2 single-thread trainings at once beside one 2-thread training, with their ratio
  const c = t.ceiling[0];
  assert.equal(c.threads, 2);
  for (const f of ['single', 'ceiling', 'threaded']) assert.ok(c[f].median > 0 && Number.isFinite(c[f].median), `ceiling.${f}`);
  assert.ok(Math.abs(c.threadedOfCeiling.median / (c.threaded.median / c.ceiling.median) - 1) < 1e-3, 'one run: the ratio is threaded ÷ ceiling (the JSON keeps 5 digits)');
  // per-phase split: each thread's phases, its steps counted, thread 0's sum within the step's wall time
  for (const T of [1, 2]) {
    const p = t.profiles.W1[T];
    assert.equal(p.perThread.length, T);
    for (const q of p.perThread) {
      assert.equal(q.steps, p.steps, 'every thread ran every step');
      for (const ph of ['wake', 'first', 'rows', 'rowsWait', 'weights', 'weightsWait', 'repack']) assert.ok(q[ph] >= 0 && Number.isFinite(q[ph]), `${ph}: ${q[ph]}`);
      assert.ok(q.rows > 0 && q.weights > 0, 'rows and weights took time');
      // the gather and the first layer's forward are split out on one thread as on more
      assert.ok(q.first > 0 && q.gather > 0, `${T} thread(s): gather ${q.gather}, first-layer phase ${q.first}`);
    }
    assert.ok(p.perThread[0].sum <= p.stepMs * 1.0001, `thread 0's phases (${p.perThread[0].sum} ms) fit in the step (${p.stepMs} ms)`);
  }
  assert.ok(t.barrier[2].microseconds !== undefined && Number.isFinite(t.barrier[2].microseconds));
  // the machine's interruptions and the barrier loss of a balanced loop: shares, not speeds
  for (const [k, n] of [['alone', 1], ['together', 2]]) {
    assert.equal(t.interruptions[k].perThread.length, n, `${k}: one entry a thread`);
    for (const q of t.interruptions[k].perThread) {
      assert.ok(q.lostShare >= 0 && q.lostShare <= 1, `${k}: lost share ${q.lostShare}`);
      assert.deepEqual(Object.keys(q.gaps), ['5-20', '20-100', '100-1000', '>1000']);
    }
  }
  // the handover probe: one sample in --quick, its medians positive and their ratio theirs
  const h = t.interruptions.handover;
  assert.equal(h.samples.length, 1);
  assert.ok(h.sharedNsPerLine > 0 && h.privateNsPerLine > 0, `handover ${h.sharedNsPerLine} / ${h.privateNsPerLine}`);
  // (the JSON keeps about five significant digits)
  assert.ok(Math.abs(h.ratio - h.sharedNsPerLine / h.privateNsPerLine) < 1e-3 * h.ratio, `handover ratio ${h.ratio}`);
  assert.deepEqual(t.interruptions.barrierLoss.phases.map((p) => p.phaseMicros), [100]);
  for (const p of t.interruptions.barrierLoss.phases) assert.ok(p.efficiency > 0 && Number.isFinite(p.efficiency), `barrier loss ${p.efficiency}`);
  assert.deepEqual(t.model.W1.map((p) => p.threads), [1, 2, 4, 8, 16]);
  for (const p of t.model.W1) assert.ok(p.samplesPerSecond > 0 && Number.isFinite(p.samplesPerSecond));
  // the model at one thread is the profiled step: host + its phases
  const p1 = t.profiles.W1[1], m1 = t.model.W1[0], q1 = p1.perThread[0];
  assert.ok(Math.abs(m1.stepMs / (p1.hostMs + q1.gather + q1.first + q1.rows + q1.weights) - 1) < 1e-3, 'the model at 1 thread is the profiled step');
  // at 2 threads it is the profiled 2-thread step (x(2) calibrates it), unless the schedule alone is slower
  const p2 = t.profiles.W1[2], m2 = t.model.W1[1];
  if (m2.excessMs > 0) assert.ok(Math.abs(m2.stepMs / p2.stepMs - 1) < 1e-3, `the model at 2 threads (${m2.stepMs} ms) is the profiled step (${p2.stepMs} ms)`);
  else assert.ok(m2.idealStepMs >= p2.stepMs);
  for (const q of t.model.W1) assert.ok(q.samplesPerSecond <= q.idealSamplesPerSecond * (1 + 1e-9), 'x(T) only slows the ideal curve');
  // x(2) split by phase sums to x(2); no part grows faster than the lumped bound's 2(T − 1)/T
  const x = m2.excessPartsMs;
  // (the JSON keeps about five significant digits)
  assert.ok(Math.abs(x.gather + x.first + x.rows + x.weights + x.rest - m2.excessMs) <= 1e-9 + 1e-4 * m2.excessMs, 'the parts of x(2) sum to x(2)');
  for (const q of t.model.W1) assert.ok(q.samplesPerSecond >= q.lumpedSamplesPerSecond * (1 - 1e-4), 'the split excess is within the lumped bound');
  // the sweeps: both kinds, 1 and 2 threads, "of best" is 100% somewhere in each
  for (const kind of ['width', 'batch']) {
    const rows = t.sweep.rows.filter((r) => r.sweep === kind);
    assert.equal(rows.length, 2, `${kind}: 2 quick points`);
    for (const T of [1, 2]) {
      assert.ok(rows.every((r) => r.gflops[T].median > 0 && r.gflops[T].ofBest <= 1));
      assert.ok(rows.some((r) => r.gflops[T].ofBest === 1), `${kind}, ${T} threads: a best point`);
    }
  }

  assert.deepEqual(listing(), before, '--quick writes no results file');
  assert.equal(mdStamp(), mdBefore, '--quick leaves BENCHMARKS.md alone');
});

test('bench --quick with a baseline (jax-js): same start, both trainers reported, ratio present', async () => {
  const res = await runBench(['--quick', '--only', 'W1', '--trainers', 'relaxed,jax-js', '--no-kernels', '--no-profile', '--json']);
  const w = res.training.W1;
  assert.deepEqual(Object.keys(w.results), ['relaxed', 'jax-js']);
  checkTrainer('relaxed', w.results.relaxed);
  checkTrainer('jax-js', w.results['jax-js']);
  assert.equal(w.results['jax-js'].callsPerBatch, null, 'calls per batch is ours only');
  const d = Math.abs(w.results.relaxed.testAccuracy.median - w.results['jax-js'].testAccuracy.median);
  assert.ok(d <= 0.005, `same weights, order and math should give the same accuracy (differ by ${d})`);
  assert.ok(w.ratios.relaxed['jax-js'].median > 0);
  assert.equal(res.kernels, undefined);
  assert.equal(res.threads, undefined);
});

test('BENCHMARKS.md regeneration replaces only the text between the markers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-md-'));
  try {
    const file = join(dir, 'B.md');
    writeFileSync(file, `# Title\nprose before\n\n${MARK_START}\nold numbers\n${MARK_END}\n\nprose after\n`);
    updateMarkdown(file, `${MARK_START}\nnew numbers\n${MARK_END}`);
    const text = readFileSync(file, 'utf8');
    assert.equal(text, `# Title\nprose before\n\n${MARK_START}\nnew numbers\n${MARK_END}\n\nprose after\n`);
    assert.deepEqual(readdirSync(dir), ['B.md'], 'no temporary file left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('result files are numbered per day and never overwritten', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-json-'));
  try {
    assert.equal(writeResultJson(dir, '2025-01-02', '{"a":1}'), '2025-01-02-1.json');
    assert.equal(writeResultJson(dir, '2025-01-02', '{"a":2}'), '2025-01-02-2.json');
    assert.equal(readFileSync(join(dir, '2025-01-02-1.json'), 'utf8'), '{"a":1}');
    assert.deepEqual(readdirSync(dir).sort(), ['2025-01-02-1.json', '2025-01-02-2.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the sweeps picture: one line per thread count through the points of each sweep, the deep net apart, scaled to the largest max', async () => {
  const { sweepSvg, niceStep } = await import('../bench/plot.js');
  const { sweepPlotName } = await import('../bench/report.js');
  const g = (median, spread = 1) => ({ median, min: median - spread, max: median + spread });
  const sweep = {
    threads: [1, 2], runs: 3,
    rows: [
      { sweep: 'width', label: '32', gflops: { 1: g(30), 2: g(45) } },
      { sweep: 'width', label: '64', gflops: { 1: g(35), 2: g(60) } },
      { sweep: 'width', label: '1024-1024-1024', gflops: { 1: g(37), 2: g(65) } },
      { sweep: 'batch', label: '16', gflops: { 1: g(32), 2: g(49, 9) } },
      { sweep: 'batch', label: '256', gflops: { 1: g(38), 2: g(70) } },
    ],
  };
  const svg = sweepSvg(sweep, { caption: 'test data' });
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  const lines = [...svg.matchAll(/<polyline data-threads="(\d)" points="([^"]*)"/g)].map((m) => ({ T: Number(m[1]), pts: m[2].split(' ').map((p) => p.split(',').map(Number)) }));
  // width and batch panels, each with a line for 1 and for 2 threads
  assert.deepEqual(lines.map((l) => l.T), [1, 2, 1, 2]);
  // the width lines join 32 and 64 only: the three 1024-wide layers are a point apart
  assert.deepEqual(lines.map((l) => l.pts.length), [2, 2, 2, 2]);
  assert.match(svg, />3×1024</);
  // SVG y grows downwards: more GFLOP/s is higher up; 2 threads above 1 thread at every point
  for (const [a, b] of [[lines[0], lines[1]], [lines[2], lines[3]]]) a.pts.forEach((p, i) => assert.ok(b.pts[i][1] < p[1]));
  assert.ok(lines[0].pts[1][1] < lines[0].pts[0][1], '35 is drawn above 30');
  // the axis runs to a round value at or above the largest max (71 → 80)
  assert.equal(niceStep(71), 20);
  assert.match(svg, />80</);
  assert.doesNotMatch(svg, />100</);
  assert.match(svg, /median of 3 runs, bars min–max; test data/);
  assert.equal(sweepPlotName('2026-12-06-2.json'), '2026-12-06-2-sweep.svg');
});

/** Runs a bench script to its end: its exit code, stdout and stderr (a failure is a result here). */
function runScript(script, args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: ROOT, timeout: 50_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}
const runAb = (args) => runScript('bench/ab.js', args);

test('bench/ab.js --net: a network of its own on the first rows of the data, this checkout against itself; a bad spec is refused by name', async () => {
  const ok = await runAb(['--before', '.', '--net', '784-16-10/32/256', '--rounds', '2', '--json']);
  assert.equal(ok.code, 0, ok.stderr.slice(-2000));
  const { builds, results } = JSON.parse(ok.stdout);
  assert.equal(builds.before, builds.after);
  assert.equal(results.length, 1, 'only the --net workload runs when --only is not given');
  const [r] = results;
  assert.equal(r.workload, '784-16-10/32/256');
  assert.deepEqual(r.layers, [784, 16, 10]);
  assert.equal(r.batchSize, 32);
  assert.equal(r.rows, 256);
  assert.equal(r.rounds, 2);
  const [t] = r.threads;
  assert.equal(t.threads, 2);
  for (const v of [t.before, t.after, t.afterOverBefore, t.afterOverOne]) assert.ok(v > 0 && Number.isFinite(v), `${v}`);
  for (const [spec, why] of [['784-16-10/x', "the batch 'x'"], ['784/32', 'no layers'], ['10-4/8', 'the data has 784 features']]) {
    const bad = await runAb(['--before', '.', '--net', spec, '--rounds', '1']);
    assert.notEqual(bad.code, 0, spec);
    assert.ok(bad.stderr.includes('--net: ') && bad.stderr.includes(spec) && bad.stderr.includes(why), `${spec}: ${bad.stderr.slice(-500)}`);
  }
});

test('--from refuses a run without trainings (its tables would replace the published ones) and only prints with --no-write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-from-'));
  try {
    const file = join(dir, 'threads-only.json');
    writeFileSync(file, readFileSync(join(RESULTS, '2026-12-07-threads-opening.json')));
    const before = mdStamp();
    const run = (args) => runScript('bench/run.js', ['--from', file, ...args]);
    const refused = await run([]);
    assert.equal(refused.code, 2, refused.stderr.slice(-1000));
    assert.match(refused.stderr, /threads-only\.json has no training results/);
    const printed = await run(['--no-write']);
    assert.equal(printed.code, 0, printed.stderr.slice(-1000));
    assert.match(printed.stdout + printed.stderr, /width sweep/);
    assert.equal(mdStamp(), before, 'BENCHMARKS.md untouched');
    assert.deepEqual(readdirSync(dir), ['threads-only.json'], 'no picture written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the scaling model: x(2) split by phase sums to x(2), each part grows by its law, each thread count in the design the engine runs there, and a profile without the split is refused', async () => {
  const { predictScaling, excessParts, EXCESS_GROWTH, COPIES_GROWTH } = await import('../bench/threads.js');
  const { barriersPerStep, copiesUsed } = await import('../bench/profile.js');
  const { rowsPerUnit, KC } = await import('../dist/backend/engine/schedule.js');
  const phases = (g, f, r, w) => ({ wake: 0, gather: g, first: f, rows: r, weights: w });
  // one thread: 0.02 + 0.26 + 0.02 + 0.30 ms; two: each thread over half of it
  const profile = { batchSize: 64, layers: [784, 128, 10], hostMs: 0.002, perThread: [phases(0.02, 0.26, 0.02, 0.3)] };
  const profile2 = { batchSize: 64, layers: [784, 128, 10], hostMs: 0.002, stepMs: 0.4, perThread: [phases(0.02, 0.14, 0.02, 0.17), phases(0.02, 0.15, 0.02, 0.17)] };
  const m = predictScaling({ profile, profile2, wakeMs: 0.001, barrierMicros: 0.5, kc: KC, rowsPerUnit });
  const m2 = m.find((q) => q.threads === 2), x = m2.excessPartsMs;
  assert.ok(Math.abs(m2.stepMs - 0.4) < 1e-12, 'the model at 2 threads is the profiled step');
  assert.ok(Math.abs(x.gather + x.first + x.rows + x.weights + x.rest - m2.excessMs) < 1e-12);
  // each phase's part is the threads' mean time in it minus its modelled time
  assert.ok(Math.abs(x.first - (0.145 - m2.firstMs)) < 1e-12 && Math.abs(x.weights - (0.17 - m2.weightsMs)) < 1e-12, JSON.stringify(x));
  // 2 and 4 threads: each gathers the whole batch into its own copy (3 barriers a step, the gather
  // not split, its part of x(2) kept); 8 and 16 share A_0 (4 barriers, the gather split), from the
  // parts of the shared design's own 2-thread profile (here none was given: the same profile)
  assert.deepEqual(m.map((q) => [q.threads, q.copies, q.barriersPerStep]), [[1, false, 0], [2, true, 3], [4, true, 3], [8, false, 4], [16, false, 4]]);
  assert.deepEqual([copiesUsed(2, 1024), copiesUsed(2, 1025), copiesUsed(4, 64), copiesUsed(5, 64), copiesUsed(2, 64, true)], [true, false, true, false, false]);
  assert.deepEqual([barriersPerStep([784, 128, 10], 2, 64), barriersPerStep([784, 128, 10], 2, 64, true), barriersPerStep([784, 512, 512, 10], 8, 64)], [3, 4, 6]);
  assert.equal(m.find((q) => q.threads === 4).gatherMs, 0.02);
  assert.equal(m.find((q) => q.threads === 8).gatherMs, 0.02 / 8);
  const xs = m2.excessPartsSharedMs;
  for (const q of m.filter((o) => o.threads > 2)) {
    const [parts, growth] = q.copies ? [x, COPIES_GROWTH] : [xs, EXCESS_GROWTH];
    const want = Object.entries(parts).reduce((s, [k, v]) => s + v * growth[k](q.threads), 0);
    assert.ok(Math.abs(q.excessMs - want) < 1e-12, `${q.threads} threads: x(T) from the parts`);
    assert.ok(q.samplesPerSecond >= q.lumpedSamplesPerSecond && q.samplesPerSecond <= q.idealSamplesPerSecond);
  }
  // the shared design's parts: the shared 2-thread step against its own ideal (gather split in two)
  // (one gather unit of 8 rows fewer per thread, one more barrier of 0.5 µs)
  assert.ok(Math.abs(xs.gather + xs.first + xs.rows + xs.weights + xs.rest - (0.4 - (m2.idealStepMs - 0.02 + 0.01 + 0.0005))) < 1e-12, JSON.stringify(xs));
  assert.ok(Math.abs(xs.gather - 0.01) < 1e-12 && x.gather === 0, 'the gather\'s excess: half the batch gathered against its share, none with copies');
  // a shared profile of its own moves 8 and 16 threads only
  const slower = { ...profile2, stepMs: 0.5 };
  const ms = predictScaling({ profile, profile2, profile2s: slower, wakeMs: 0.001, barrierMicros: 0.5, kc: KC, rowsPerUnit });
  assert.deepEqual(ms.map((q, i) => q.stepMs === m[i].stepMs), [true, true, true, false, false]);
  assert.ok(ms[3].stepMs > m[3].stepMs && ms[4].stepMs > m[4].stepMs);
  assert.equal(COPIES_GROWTH.gather(16), 1);
  assert.deepEqual([2, 4, 8, 16].map((T) => EXCESS_GROWTH.weights(T)), [1, 0.75, 0.4375, 0.234375]);
  // parts past x(2) are scaled down together: the sum stays x(2)
  const over = excessParts(profile2, { gatherMs: 0, firstMs: 0, rowsMs: 0, weightsMs: 0 }, 0.1);
  assert.ok(Math.abs(over.gather + over.first + over.rows + over.weights - 0.1) < 1e-12 && over.rest === 0, JSON.stringify(over));
  assert.throws(() => predictScaling({ profile: { ...profile, perThread: [phases(0, 0, 0.3, 0.3)] }, profile2, wakeMs: 0, barrierMicros: 0, kc: KC, rowsPerUnit }), /first layer split out/);
});

test('the step profile reports the epoch of median step time, its phases over that epoch alone, with every epoch\'s step time beside it', async () => {
  const { profileSteps, profileModule, medianIndex } = await import('../bench/profile.js');
  assert.equal(medianIndex([5, 1, 3]), 2);
  assert.equal(medianIndex([4, 1, 3, 2]), 3, 'an even count: the lower of the two middle ones');
  assert.equal(medianIndex([2, 2, 2]), 1, 'ties by position');
  assert.equal(medianIndex([7]), 0);
  const lib = await import('../dist/index.js');
  const { relaxedThreadsWasm } = await import('../dist/backend/binaries.generated.js');
  const module = await profileModule(new URL('../', import.meta.url));
  assert.ok(module, 'the profiling binary is built (npm run build)');
  // compiled synchronously, as the library does in Node (src/backend/wasm.ts: nodejs/node#54918)
  const release = new WebAssembly.Module(Uint8Array.from(Buffer.from(relaxedThreadsWasm, 'base64')));
  const n = 200, B = 16, r = new lib.Rng(4);
  const data = { x: Float32Array.from({ length: n * 20 }, () => r.normal()), y: Int32Array.from({ length: n }, () => r.int(3)), n };
  const out = await profileSteps({ lib, module, release, layers: [20, 12, 3], batchSize: B, threads: [1, 2], shared: [2], data, epochs: 3 });
  // 2 threads with their own copies of the input (no barrier after the gather), and sharing it
  assert.deepEqual([out[1].copies, out[2].copies, out['2s'].copies, out['2s'].threads], [false, true, false, 2]);
  assert.ok(Math.abs(out['2s'].syncsPerStep - out[2].syncsPerStep - 1) < 0.5, `${out['2s'].syncsPerStep} against ${out[2].syncsPerStep}`);
  for (const T of [1, 2, '2s']) {
    const p = out[T];
    assert.equal(p.epochStepMs.length, 3, `${T} thread(s): one step time an epoch`);
    assert.equal(p.stepMs, p.epochStepMs[medianIndex(p.epochStepMs)], `${T} thread(s): the median epoch's step`);
    assert.equal(p.steps, Math.ceil(n / B), 'the steps of one epoch');
    for (const q of p.perThread) assert.equal(q.steps, p.steps, `${T} thread(s): every thread counted that epoch's steps, and only those`);
    assert.ok(p.perThread[0].sum <= p.stepMs * 1.0001, `thread 0's phases (${p.perThread[0].sum} ms) fit in the median epoch's step (${p.stepMs} ms)`);
  }
});

test('the ceiling harness trains on floats and on bytes with their divisor, from shared memory, N single-thread workers beside one N-thread training', async () => {
  const { measureCeiling, sharedData, warmupEpochs, WARMUP_SAMPLES } = await import('../bench/ceiling.js');
  // the warm-up is counted in samples: one epoch of Fashion-MNIST, four of the digits
  assert.equal(warmupEpochs(60000), 1);
  assert.equal(warmupEpochs(8000), 4);
  assert.equal(warmupEpochs(WARMUP_SAMPLES + 1, WARMUP_SAMPLES), 1);
  assert.equal(warmupEpochs(100, 0), 1);
  const n = 256, K = 20;
  const bytes = Uint8Array.from({ length: n * K }, (_, i) => (i * 37) % 256);
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  const floats = Float32Array.from(bytes, (b) => b / 255);
  const sb = sharedData({ x: { bytes, divisor: 255 }, y, n });
  assert.equal(sb.divisor, 255);
  assert.deepEqual(new Uint8Array(sb.x), bytes);
  const sf = sharedData({ x: floats, y, n });
  assert.equal(sf.divisor, 0);
  assert.deepEqual(new Float32Array(sf.x), floats);
  for (const shared of [sb, sf]) {
    const r = await measureCeiling({ layers: [K, 8, 3], batchSize: 16, shared, threads: 2, runs: 1, epochs: 1, warmupSamples: 2 * n });
    assert.equal(r.samples, n);
    assert.equal(r.warmupEpochs, 2);
    for (const k of ['single', 'ceiling', 'threaded']) assert.ok(r[k].median > 0 && Number.isFinite(r[k].median), `${k}: ${r[k].median}`);
    assert.ok(r.threadedOfCeiling.median > 0);
  }
});
