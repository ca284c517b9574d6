// Multi-core: what one barrier costs, and a model of the scaling past the cores this machine has.
//
// Barrier: a network so small that its step is nearly all synchronisation ([8, 8, 8], batch 4)
// trains on T threads and on one, its epochs alternating; a step has two barriers (plus a share
// of its job's start: a job runs up to 256 steps), so (step_T − step_1) ÷ 2 is the cost of one
// barrier with its unit hand-out, between threads that are awake.
//
// Model (a prediction, labelled so wherever it is shown), from the one-thread step profile
// (bench/profile.js) of each workload:
//   step(T) = host + wake + rows(T) + weights(T) + 2·b(T)
//   host     the fit loop's JavaScript between jobs: serial, kept as measured
//   wake     a job's start (measured on 2 threads), shared by the job's steps: kept
//   rows(T)  rows(1) · ⌈U/T⌉ ÷ U, U = the row units of the batch at T threads (schedule.ts)
//   weights(T) the weight units list-scheduled in order onto T threads (each takes the next unit
//            when free, as the engine's counter hands them out), a unit's cost proportional to its
//            multiply-adds; weights(1) is the measured total
//   b(T)     b(2) · (T − 1): every arrival is an atomic add on one cache line (pessimistic for
//            small T, and the design needs only two a step)
// Memory bandwidth is not modelled as a limit; its demand is reported: per step every thread
// reads the parameters (forward and update: the weights stay in the shared cache) and the batch
// once, so bytes/step ≈ 4·(B·n₀ + 3·P) and the demand at T threads is that ÷ step(T). Where it
// exceeds what the laptop's memory gives (~20–50 GB/s), the prediction is an upper bound.

import { median } from './training.js';

function blobs(lib, n, k) {
  const r = new lib.Rng(1);
  return { x: new Float32Array(n * k).map(() => r.normal()), y: Int32Array.from({ length: n }, () => r.int(k)) };
}

/** Median µs of one barrier on `threads` threads (see above). */
export async function measureBarrier(lib, module, threads, { runs = 7, samples = 16384 } = {}) {
  const layers = [8, 8, 8];
  const { x, y } = blobs(lib, samples, 8);
  const make = (T) => lib.createNetwork({ layers, backend: 'relaxed', seed: 1, threads: T, optimizer: { name: 'sgd', learningRate: 0.01 }, wasm: { relaxedThreads: module } });
  const one = await make(1), many = await make(threads);
  const steps = Math.ceil(samples / 4);
  await one.fit(x, y, { epochs: 1, batchSize: 4 });
  await many.fit(x, y, { epochs: 1, batchSize: 4 });
  const per = [];
  for (let r = 0; r < runs; r++) {
    const s1 = (await one.fit(x, y, { epochs: 1, batchSize: 4 }))[0].seconds;
    const sT = (await many.fit(x, y, { epochs: 1, batchSize: 4 }))[0].seconds;
    per.push(((sT - s1) * 1e6) / steps / 2);
  }
  await one.dispose();
  await many.dispose();
  return { threads, microseconds: median(per), min: Math.min(...per), max: Math.max(...per), runs, steps };
}

/** Makespan of units (costs, in order) taken one at a time by the first free of T threads. */
function listSchedule(costs, T) {
  const free = new Array(T).fill(0);
  for (const c of costs) {
    let i = 0;
    for (let t = 1; t < T; t++) if (free[t] < free[i]) i = t;
    free[i] += c;
  }
  return Math.max(...free);
}

/** The weight units of a step (schedule.ts): cost ∝ inputs × outputs of the unit. */
function weightUnitCosts(layers, kc) {
  const costs = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const K = layers[l], N = layers[l + 1];
    for (let n = 0; n < N; n += 8) for (let k = 0; k < K; k += kc) costs.push(Math.min(8, N - n) * Math.min(kc, K - k));
  }
  return costs;
}

/** Predicted step time, samples/s and memory demand at each T from a one-thread profile. */
export function predictScaling({ profile, wakeMs, barrierMicros, kc = 64, rowsPerUnit, rowsMax = 64, threads = [1, 2, 4, 8, 16] }) {
  const p = profile.perThread[0];
  const B = profile.batchSize, layers = profile.layers;
  const costs = weightUnitCosts(layers, kc);
  const total = costs.reduce((s, c) => s + c, 0);
  const params = layers.slice(1).reduce((s, n, l) => s + n * (layers[l] + 1), 0);
  const bytes = 4 * (B * layers[0] + 3 * params);
  return threads.map((T) => {
    const units = Math.ceil(B / rowsPerUnit(B, T, rowsMax));
    const rows = p.rows * (Math.ceil(units / T) / units);
    const weights = p.weights * (listSchedule(costs, T) / total);
    const barriers = T > 1 ? 2 * (barrierMicros * (T - 1)) / 1000 : 0;
    const wake = T > 1 ? wakeMs : 0;
    const ms = profile.hostMs + wake + rows + weights + barriers;
    return {
      threads: T, stepMs: ms, samplesPerSecond: B / (ms / 1000), rowsMs: rows, weightsMs: weights, syncMs: barriers + wake,
      hostMs: profile.hostMs, memoryGBs: bytes / (ms * 1e6), barriersPerStep: T > 1 ? 2 : 0,
    };
  });
}
