// Peak resident memory and speed of `wasm-mlp train` on large byte datasets (issue 17, "Data at
// scale"). Each case runs `node dist/cli.js train … --epochs 1 --json` as a child process; the
// figures are the child's peak resident set (the kernel's high-water mark), its wall time (load +
// one epoch + exit) and the samples/s of the epoch that the CLI prints.
//
//   node bench/data-scale.js [--runs 3] [--threads 1,2] [--images 200000] [--synthetic-threads 1,2]
//        [--max-memory 1GB] [--cases fashion,synthetic,max-memory] [--timeout 1800]
//        [--label before] [--no-write] [--json]
//
// Cases: (a) Fashion-MNIST (the Debian package, skipped with a note when absent); (b) synthetic
// datasets of --images N (a comma list) × 28×28 bytes, 10 classes, written by
// scripts/make-synthetic-idx.mjs into a temporary folder that is removed at the end, trained in
// memory; (c) the same with `--max-memory SIZE`, only when `train --help` lists that flag.
// Runs are interleaved (run r of every case before run r+1 of any) and summarised by the median.
// A child that fails or exceeds --timeout is recorded with its exit code and last stderr line,
// not retried: the full issue run (--images 3000000) is expected to fail in memory today.
//
// Peak memory: `/usr/bin/time -f %M` (GNU time, Debian package `time`: max RSS in KiB, from
// wait4's rusage) when installed; else VmHWM from /proc/PID/status polled every 50 ms (monotone,
// so the last value read is the peak up to 50 ms before exit).
//
// Writes bench/results/<date>-data-scale[-label].json (first free -n suffix if taken) unless
// --no-write; --json prints the result object on stdout and the tables on stderr.

// The children turn relaxed SIMD on themselves (dist/cli.js); this process turns it on too, before
// anything compiles, so that the machine record names the backend the children pick.
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const { spawn, execFileSync } = await import('node:child_process');
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo, loadAverage } from './machine.js';
import { median } from './training.js';
import { formatJson } from './report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const CLI = path.join(ROOT, 'dist', 'cli.js');
const MAKE = path.join(ROOT, 'scripts', 'make-synthetic-idx.mjs');
const GNU_TIME = '/usr/bin/time';
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

const argv = process.argv.slice(2);
const flags = parseFlags();
function parseFlags() {
  try {
    return parseArgs({
      args: argv,
      options: Object.fromEntries([
        ...['runs', 'threads', 'synthetic-threads', 'images', 'max-memory', 'cases', 'timeout', 'label'].map((k) => [k, { type: 'string' }]),
        ...['no-write', 'json'].map((k) => [k, { type: 'boolean' }]),
      ]),
      strict: true,
    }).values;
  } catch (e) {
    console.error(`data-scale: ${e.message} (flags: see the comment at the top of bench/data-scale.js)`);
    process.exit(2);
  }
}
const has = (f) => flags[f.slice(2)] === true;
const val = (f, d) => flags[f.slice(2)] ?? d;
const ints = (f, d) => val(f, d).split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${f}: '${s}' is not a positive integer`);
  return n;
});

const RUNS = ints('--runs', '3')[0];
const THREADS = ints('--threads', '1,2');
const SYN_THREADS = ints('--synthetic-threads', val('--threads', '1,2'));
const IMAGES = ints('--images', '200000');
const MAX_MEMORY = val('--max-memory', '1GB');
const TIMEOUT_S = ints('--timeout', '1800')[0];
const CASES = val('--cases', 'fashion,synthetic,max-memory').split(',').map((s) => s.trim());
for (const c of CASES) if (!['fashion', 'synthetic', 'max-memory'].includes(c)) throw new Error(`--cases: unknown case ${c} (fashion, synthetic, max-memory)`);
const JSON_OUT = has('--json');
const WRITE = !has('--no-write');
const LABEL = val('--label', '');
const say = (s) => (JSON_OUT ? console.error(s) : console.log(s));

const useGnuTime = fs.existsSync(GNU_TIME);

/** Peak RSS in bytes of a running child by polling VmHWM; `stop()` returns the last value read. */
function pollHwm(pid) {
  let last = null;
  const read = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) last = Number(m[1]) * 1024;
    } catch { /* exited between polls */ }
  };
  read();
  const timer = setInterval(read, 50);
  return { stop: () => { clearInterval(timer); return last; } };
}

/** Runs `node dist/cli.js train ARGS --json`; resolves (never rejects) with its figures. */
function runTrain(args) {
  const trainArgs = [CLI, 'train', ...args, '--epochs', '1', '--json'];
  const timeFile = path.join(os.tmpdir(), `wasm-mlp-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [cmd, cmdArgs] = useGnuTime
    ? [GNU_TIME, ['-f', '%M', '-o', timeFile, process.execPath, ...trainArgs]]
    : [process.execPath, trainArgs];
  const t0 = performance.now();
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const poll = useGnuTime ? null : pollHwm(child.pid);
  let stdout = '', stderr = '', timedOut = false;
  child.stdout.on('data', (b) => { stdout += b; });
  child.stderr.on('data', (b) => { stderr = (stderr + b).slice(-4000); });
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, TIMEOUT_S * 1000);
  return new Promise((done) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallSeconds = (performance.now() - t0) / 1000;
      let peakRssBytes = poll ? poll.stop() : null;
      if (useGnuTime) {
        try {
          // GNU time writes "Command exited with non-zero status N" before the figure on failure
          const lines = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
          peakRssBytes = Number(lines[lines.length - 1]) * 1024;
        } catch { /* killed before time wrote */ }
        fs.rmSync(timeFile, { force: true });
      }
      const epochs = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter(Boolean);
      const e = epochs.find((r) => r.epoch === 1);
      const ok = code === 0 && e !== undefined;
      // the temporary folder's name is this machine's: keep it out of the results
      const lastErr = (stderr.trim().split('\n').filter(Boolean).pop() ?? '').replaceAll(tmp, '$TMP');
      done({
        ok, exitCode: code, signal, timedOut, wallSeconds, peakRssBytes,
        samplesPerSecond: e?.samplesPerSecond ?? null, epochSeconds: e?.seconds ?? null,
        testAccuracy: e?.testAccuracy ?? null, loss: e?.loss ?? null,
        ...(ok ? {} : { error: timedOut ? `killed after the ${TIMEOUT_S} s timeout` : lastErr }),
      });
    });
  });
}

function makeSynthetic(dir, n) {
  const t0 = performance.now();
  execFileSync(process.execPath, [MAKE, '--out', dir, '--train', String(n), '--test', '10000', '--seed', '1'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const bytes = fs.readdirSync(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
  return { seconds: (performance.now() - t0) / 1000, bytesOnDisk: bytes };
}

function gitCommit() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'assembly'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}+dirty` : sha;
  } catch { return null; }
}

const MiB = (b) => (b === null ? '—' : `${Math.round(b / 2 ** 20).toLocaleString('en-US')} MiB`);
const fmtInt = (v) => (v === null || !Number.isFinite(v) ? '—' : Math.round(v).toLocaleString('en-US'));

// ---- the plan
const helpText = execFileSync(process.execPath, [CLI, 'train', '--help'], { encoding: 'utf8' });
const maxMemorySupported = helpText.includes('--max-memory');
const notes = [];
const cases = [];
if (CASES.includes('fashion')) {
  if (fs.existsSync(path.join(FASHION_DIR, 'train-images-idx3-ubyte.gz')) || fs.existsSync(path.join(FASHION_DIR, 'train-images-idx3-ubyte'))) {
    for (const t of THREADS) cases.push({ name: `fashion-mnist, ${t} thread${t > 1 ? 's' : ''}`, data: 'fashion-mnist', images: 60000, threads: t, extra: [] });
  } else notes.push(`Fashion-MNIST skipped: not installed in ${FASHION_DIR} (apt-get install dataset-fashion-mnist)`);
}
const wantSynthetic = CASES.includes('synthetic') || CASES.includes('max-memory');
if (CASES.includes('max-memory') && !maxMemorySupported) notes.push(`--max-memory cases skipped: \`train --help\` does not list --max-memory in this build`);
for (const n of wantSynthetic ? IMAGES : []) {
  for (const t of SYN_THREADS) {
    if (CASES.includes('synthetic')) cases.push({ name: `synthetic ${n.toLocaleString('en-US')}, ${t} thread${t > 1 ? 's' : ''}, in memory`, data: `synthetic-${n}`, images: n, threads: t, extra: [] });
    if (CASES.includes('max-memory') && maxMemorySupported) cases.push({ name: `synthetic ${n.toLocaleString('en-US')}, ${t} thread${t > 1 ? 's' : ''}, --max-memory ${MAX_MEMORY}`, data: `synthetic-${n}`, images: n, threads: t, extra: ['--max-memory', MAX_MEMORY] });
  }
}

const lib = await import('../dist/index.js');
const result = {
  schema: 1,
  kind: 'data-scale',
  date: new Date().toISOString().slice(0, 10),
  command: `node bench/data-scale.js${argv.length ? ` ${argv.join(' ')}` : ''}`,
  machine: { ...machineInfo({ bestBackend: lib.bestBackend(), relaxedSimd: lib.hasRelaxedSimd() }), gitCommit: gitCommit() },
  peakMemoryMethod: useGnuTime ? '/usr/bin/time -f %M (max RSS of the child, KiB)' : 'VmHWM of /proc/PID/status polled every 50 ms',
  settings: { runs: RUNS, epochs: 1, trainFlags: 'defaults (784-128-10 relu, sgd lr 0.1, batch 64, seed 1, backend auto)', maxMemory: MAX_MEMORY, maxMemorySupported, timeoutSeconds: TIMEOUT_S },
  loadAverage: { start: loadAverage() },
  notes,
  datasets: {},
  cases: [],
};
for (const n of notes) say(`note: ${n}`);
say(`machine: ${result.machine.cpu}, ${result.machine.logicalCores} cores, ${result.machine.memoryGiB} GiB; Node ${result.machine.node}; wasm-mlp ${result.machine.packages['wasm-mlp']} at ${result.machine.gitCommit}; peak memory by ${result.peakMemoryMethod}`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-mlp-data-scale-'));
const cleanUp = () => fs.rmSync(tmp, { recursive: true, force: true });
process.on('SIGINT', () => { cleanUp(); process.exit(130); });
try {
  const dirs = { 'fashion-mnist': 'fashion-mnist' };
  for (const n of [...new Set(cases.filter((c) => c.data.startsWith('synthetic')).map((c) => c.images))]) {
    const dir = path.join(tmp, `synthetic-${n}`);
    say(`writing synthetic ${n.toLocaleString('en-US')} × 28×28 …`);
    const made = makeSynthetic(dir, n);
    result.datasets[`synthetic-${n}`] = { images: n, testImages: 10000, rows: 28, cols: 28, classes: 10, seed: 1, ...made };
    say(`  ${MiB(made.bytesOnDisk)} on disk in ${made.seconds.toFixed(1)} s`);
    dirs[`synthetic-${n}`] = dir;
  }
  const runs = cases.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    for (const [i, c] of cases.entries()) {
      const res = await runTrain(['--dataset', dirs[c.data], '--threads', String(c.threads), ...c.extra]);
      runs[i].push(res);
      say(`run ${r + 1}/${RUNS}  ${c.name}: ${res.ok ? `${fmtInt(res.samplesPerSecond)} samples/s, ` : `FAILED (${res.error}), `}peak ${MiB(res.peakRssBytes)}, wall ${res.wallSeconds.toFixed(1)} s`);
    }
  }
  for (const [i, c] of cases.entries()) {
    const good = runs[i].filter((q) => q.ok);
    const med = (k) => (good.length ? median(good.map((q) => q[k])) : null);
    const peaks = runs[i].map((q) => q.peakRssBytes).filter((v) => v !== null);
    result.cases.push({
      ...c, extra: c.extra.join(' '),
      ok: good.length === runs[i].length,
      samplesPerSecond: med('samplesPerSecond'), epochSeconds: med('epochSeconds'), wallSeconds: med('wallSeconds'),
      peakRssBytes: peaks.length ? median(peaks) : null, peakRssMaxBytes: peaks.length ? Math.max(...peaks) : null,
      testAccuracy: med('testAccuracy'),
      runs: runs[i],
    });
  }
} finally {
  cleanUp();
}
result.loadAverage.end = loadAverage();

const head = '| case | runs | samples/s (median) | epoch s | wall s | peak RSS (median, max) | test acc |';
const lines = [head, '|---|---:|---:|---:|---:|---:|---:|'];
for (const c of result.cases) {
  const failed = c.runs.filter((q) => !q.ok);
  lines.push(`| ${c.name} | ${c.runs.length}${failed.length ? ` (${failed.length} failed)` : ''} | ${fmtInt(c.samplesPerSecond)} | ${c.epochSeconds?.toFixed(1) ?? '—'} | ${c.wallSeconds?.toFixed(1) ?? '—'} | ${MiB(c.peakRssBytes)}, ${MiB(c.peakRssMaxBytes)} | ${c.testAccuracy === null ? '—' : `${(100 * c.testAccuracy).toFixed(1)}%`} |`);
  for (const q of failed) lines.push(`|   ↳ failed: exit ${q.exitCode ?? q.signal}: ${q.error.replace(/\|/g, '\\|')} | | | | | | |`);
}
say(`\n${lines.join('\n')}\n\nload average: start ${result.loadAverage.start.join(' ')}, end ${result.loadAverage.end.join(' ')}`);

if (WRITE) {
  const dir = path.join(HERE, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stem = `${result.date}-data-scale${LABEL ? `-${LABEL}` : ''}`;
  let name = `${stem}.json`;
  for (let n = 2; fs.existsSync(path.join(dir, name)); n++) name = `${stem}-${n}.json`;
  const file = path.join(dir, name);
  const tmpFile = path.join(dir, `.${name}.${process.pid}.tmp`);
  fs.writeFileSync(tmpFile, `${formatJson(result)}\n`);
  fs.renameSync(tmpFile, file);
  say(`wrote bench/results/${name}`);
}
if (JSON_OUT) process.stdout.write(`${formatJson(result)}\n`);
