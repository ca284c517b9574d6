// The machine's ceiling beside our threads, as a new user would measure it: N independent
// single-thread trainings at once (N workers, one network each: what N cores give when nothing is
// shared), one N-thread training, and one single-thread training, each in a worker thread of its
// own, started together by one shared signal after every network's warm-up (warmupEpochs). Per run the
// three are measured one after the other (single, ceiling, threaded) and the runs interleave, so
// a change of the machine's speed affects all three alike; medians over the runs are reported.
// The ratio threaded ÷ ceiling is the share of what N cores can give that one N-thread training
// gets; threaded ÷ single is its speed-up.
import { Worker } from 'node:worker_threads';
import { median } from './training.js';

const WORKER = new URL('./ceiling-worker.js', import.meta.url);

/** Samples each network trains before its timed epochs: one epoch of Fashion-MNIST (938 steps of
 * 64), four of the 8,000 digits. After a single warm-up epoch of the digits (125 steps) the 2-thread
 * training still ran code V8 had not yet optimised: 159–170 k samples/s against 169–177 k after
 * four, and 171–180 k after one with V8's tiering off (--no-wasm-dynamic-tiering: every function
 * optimised before it first runs); one thread alike in all three (2026-12-07, Intel Xeon host, 6
 * alternating rounds each). */
export const WARMUP_SAMPLES = 32_000;

/** Whole epochs of n rows that make up at least `samples` samples (at least one). */
export const warmupEpochs = (n, samples = WARMUP_SAMPLES) => Math.max(1, Math.ceil(samples / n));

/** The data as shared memory, once: every worker views it. Features are floats, or bytes with
 * their divisor ({ bytes, divisor }: the form `wasm-mlp train` holds Fashion-MNIST in). */
export function sharedData(data) {
  const bytes = data.x.bytes;
  const x = new SharedArrayBuffer(bytes ? bytes.byteLength : data.x.byteLength);
  if (bytes) new Uint8Array(x).set(bytes);
  else new Float32Array(x).set(data.x);
  const y = new SharedArrayBuffer(data.n * 4);
  new Int32Array(y).set(data.y);
  return { x, y, n: data.n, divisor: bytes ? data.x.divisor : 0 };
}

/** Starts `specs` trainings together; resolves to their samples/s. */
async function together(specs, shared, common) {
  const go = new SharedArrayBuffer(4);
  const workers = specs.map((threads, i) => new Worker(WORKER, {
    workerData: { ...common, threads, x: shared.x, y: shared.y, divisor: shared.divisor, go, seed: common.seed + i },
  }));
  const ready = workers.map((w) => new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  }));
  await Promise.all(ready);
  const done = workers.map((w) => new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  }));
  Atomics.store(new Int32Array(go), 0, 1);
  Atomics.notify(new Int32Array(go), 0);
  const out = await Promise.all(done);
  await Promise.all(workers.map((w) => w.terminate()));
  return out;
}

/**
 * @param {{ layers: number[], batchSize: number, shared: object, threads: number, runs: number, epochs: number,
 *   warmupSamples?: number, log?: (s: string) => void }} o
 */
export async function measureCeiling({ layers, batchSize, shared, threads: N, runs, epochs, warmupSamples = WARMUP_SAMPLES, log = () => {} }) {
  const warmup = warmupEpochs(shared.n, warmupSamples);
  const common = { layers, batchSize, epochs, warmup, seed: 1 };
  const single = [], ceiling = [], each = [], threaded = [];
  const warmed = (outs) => {
    for (const o of outs) if (o.warmedUp !== warmup) throw new Error(`a training of the ceiling warmed up for ${o.warmedUp} epochs, not ${warmup}`);
    return outs;
  };
  for (let r = 0; r < runs; r++) {
    single.push(warmed(await together([1], shared, common))[0].samplesPerSecond);
    const c = warmed(await together(Array(N).fill(1), shared, common));
    ceiling.push(c.reduce((s, o) => s + o.samplesPerSecond, 0));
    each.push(...c.map((o) => o.samplesPerSecond));
    const t = warmed(await together([N], shared, common))[0];
    if (t.threads !== N) throw new Error(`the ${N}-thread training ran on ${t.threads} threads`);
    threaded.push(t.samplesPerSecond);
    log(`  run ${r + 1}: 1 thread ${Math.round(single[r])}/s, ${N} × 1 thread ${Math.round(ceiling[r])}/s, ${N} threads ${Math.round(threaded[r])}/s`);
  }
  const summary = (a) => ({ median: median(a), min: Math.min(...a), max: Math.max(...a) });
  return {
    layers, batchSize, threads: N, runs, epochs, warmupEpochs: warmup, samples: shared.n,
    single: summary(single), ceiling: summary(ceiling), ceilingEach: summary(each), threaded: summary(threaded),
    // per run, then the median: the runs are interleaved, so each run's ratio is from one moment
    threadedOfCeiling: summary(threaded.map((t, i) => t / ceiling[i])),
    ceilingSpeedup: summary(ceiling.map((c, i) => c / single[i])),
    threadedSpeedup: summary(threaded.map((t, i) => t / single[i])),
  };
}
