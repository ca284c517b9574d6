// Multi-core: what one barrier costs, and a model of the scaling past the cores this machine has.
//
// Barrier: a network so small that its step is nearly all synchronisation ([8, 8, 8], batch 4)
// trains on T threads and on one, its epochs alternating; a step on T > 1 threads has four
// barriers (plus a share of its job's start: a job runs up to 256 steps) and on one thread none
// that waits, so (step_T − step_1) ÷ 4 is the cost of one barrier with its unit hand-out, between
// threads that are awake.
//
// Model (a prediction, labelled so wherever it is shown), from the one-thread step profile
// (bench/profile.js) of each workload, which splits a step as the threaded engine does: the
// batch's assembly (gather), the first layer's forward (first), the rest of the rows (rows: the
// layers above, the loss, the input gradients) and the weights:
//   step(T) = host + wake + gather(T) + first(T) + rows(T) + weights(T) + n·b(T) + x(T)   (T > 1)
// in the design the engine runs at T: on 2 … COPY_THREADS_MAX threads (batches up to
// COPY_ROWS_MAX) each thread gathers the whole batch into its own copy of the first layer's input
// ("copies"), on more the threads share it (A_0); each design calibrated on its own 2-thread
// profile (the shared one with the copies turned off):
//   host     the fit loop's JavaScript between jobs: serial, kept as measured
//   wake     a job's start (measured on 2 threads), shared by the job's steps: kept
//   gather(T) copies: gather(1), every thread gathers every row; shared: gather(1) · ⌈G/T⌉ ÷ G,
//            G = ⌈B/8⌉ units of 8 rows taken one at a time
//   first(T) first(1) · (the list-scheduled makespan of its units ÷ their sum): units of one
//            output panel of 8 over one block of up to 64 rows, each thread its own panels' units
//            first and then the others' that are left (assembly/engine.ts claimUnit)
//   rows(T)  rows(1) · ⌈U/T⌉ ÷ U, U = the row units of the batch at T threads (schedule.ts; the
//            threads claim them by equal opening runs, then guided runs that end in single
//            units: counted as units)
//   weights(T) each thread first its own panels of the first layer (units of KC inputs over all
//            of them), then the units of the layers above, then the first-layer units the others
//            left; modelled as one list schedule of all of them in that order (each thread takes
//            the next unit when free, as the engine's counters hand them out: the queue by guided
//            runs that end in single units, so the makespan is that of units); a unit's cost
//            proportional to its multiply-adds; weights(1) is the measured total
//   b(T)     b(2) · (T − 1): every arrival is an atomic add on one cache line (pessimistic for
//            large T: a tree barrier grows as log T), n a step: four when only the first layer
//            goes by panels, three with copies (no barrier after the gather)
//   x(T)     what the terms above miss, calibrated on this machine at T = 2: x(2) = the measured
//            2-thread step (profiled) − the model's 2-thread step. It is what sharing data
//            between cores costs, and each phase shares different data, so x(2) is split by
//            phase (each phase's excess: the threads' mean time in it on 2 threads minus its
//            modelled time, scaled down together if they exceed x(2)) and the rest (the waits
//            at the barriers beyond b, the host's and the wake's differences); each part grows
//            with the data that phase moves between cores per thread, relative to T = 2:
//              gather   2/T          each thread writes B/T rows, lines the others read in the
//                                    step before (the cost of a line taken as independent of
//                                    how many cores read it); with copies 1: each thread reads
//                                    every source row, whatever T
//              first    2(T − 1)/T   each thread reads every row, (T − 1)/T of them gathered by
//                                    the others: does not shrink (with copies its own: what is
//                                    left is its output's lines, taken as growing alike)
//              rows     2(T − 1)/T   each thread reads the layers above's weights, updated by
//                                    another thread in (T − 1)/T of the steps: does not shrink
//              weights  4(T − 1)/T²  each thread reads dZ and the layer inputs of its 1/T of
//                                    the units over every row, (T − 1)/T of them written by others
//              the rest 2(T − 1)/T   the waits: a barrier waits for the last of T
//            The lumped form of the earlier model, x(2) · 2(T − 1)/T for the whole excess, is
//            kept beside it as a bound (lumpedSamplesPerSecond): it treats every part as one
//            that does not shrink.
// Two curves: "with x" (the prediction) and "ideal" (x = 0: what the schedule alone allows).
// Memory bandwidth is not modelled as a limit; its demand is reported: per step every thread
// reads the parameters (forward and update: the weights stay in the shared cache) and the batch
// once, so bytes/step ≈ 4·(B·n₀ + 3·P) and the demand at T threads is that ÷ step(T). Where it
// exceeds what the laptop's memory gives (~20–50 GB/s), the prediction is an upper bound.

import { median } from './training.js';
import { barriersPerStep, copiesUsed } from './profile.js';
import { panelLayers, COPY_THREADS_MAX } from '../dist/backend/engine/schedule.js';

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
    per.push(((sT - s1) * 1e6) / steps / barriersPerStep(layers, threads, 4));
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

/** The first layer's panels each of T threads owns (assembly/engine.ts ownedPanel). */
export function ownedPanels(n1, T) {
  const P = Math.ceil(n1 / 8);
  return Array.from({ length: T }, (_, t) => Math.floor((P * (t + 1)) / T) - Math.floor((P * t) / T));
}

/** The weight units of a step (schedule.ts) from layer `from` on: cost ∝ inputs × outputs of the unit. */
function weightUnitCosts(layers, kc, from = 0) {
  const costs = [];
  for (let l = from; l + 1 < layers.length; l++) {
    const K = layers[l], N = layers[l + 1];
    for (let n = 0; n < N; n += 8) for (let k = 0; k < K; k += kc) costs.push(Math.min(8, N - n) * Math.min(kc, K - k));
  }
  return costs;
}

/** How each part of x(2) grows with T (see above): relative to T = 2. */
export const EXCESS_GROWTH = {
  gather: (T) => 2 / T,
  first: (T) => (2 * (T - 1)) / T,
  rows: (T) => (2 * (T - 1)) / T,
  weights: (T) => (4 * (T - 1)) / (T * T),
  rest: (T) => (2 * (T - 1)) / T,
};

/** x(2) split by phase: each phase's excess on 2 threads (the threads' mean time in it minus its
 * modelled time), scaled down together when they sum past x(2), and the rest. Sums to x(2). */
export function excessParts(profile2, ideal2, x2) {
  const mean = (k) => profile2.perThread.reduce((s, q) => s + q[k], 0) / profile2.perThread.length;
  const parts = {};
  for (const k of ['gather', 'first', 'rows', 'weights']) parts[k] = Math.max(0, mean(k) - ideal2[`${k}Ms`]);
  const sum = parts.gather + parts.first + parts.rows + parts.weights;
  const f = sum > x2 ? x2 / sum : 1; // (x2 ≥ 0, so sum > 0 here)
  for (const k of Object.keys(parts)) parts[k] *= f;
  parts.rest = Math.max(0, x2 - sum * f);
  return parts;
}

/** How the gather's part of x(2) grows when each thread gathers the whole batch into its own copy:
 * every thread reads every row whatever T, so it stays as measured. */
export const COPIES_GROWTH = { ...EXCESS_GROWTH, gather: () => 1 };

/** Predicted step time, samples/s and memory demand at each T from a one-thread profile. Each T is
 * modelled in the design the engine runs there (profile.js copiesUsed): with the threads' own
 * copies of the input (2 … COPY_THREADS_MAX threads), calibrated on `profile2`; sharing A_0 (more
 * threads), calibrated on `profile2s`, the 2-thread profile with the copies turned off (when given;
 * else on `profile2`). */
export function predictScaling({ profile, profile2, profile2s, wakeMs, barrierMicros, kc = 64, rowsPerUnit, rowsMax = 64, threads = [1, 2, 4, 8, 16], copiesUpTo = COPY_THREADS_MAX }) {
  const B = profile.batchSize;
  const designs = [false, true].map((shared) => {
    const p2 = shared ? (profile2s ?? profile2) : profile2;
    // the most threads with copies in this design (none when shared; above COPY_ROWS_MAX rows
    // neither design has them)
    const upTo = shared ? 0 : Infinity;
    const ideal = idealScaling({ profile, wakeMs, barrierMicros, kc, rowsPerUnit, rowsMax, upTo, threads: [...new Set([2, ...threads])] });
    const ideal2 = ideal.find((q) => q.threads === 2);
    const x2 = p2 ? Math.max(0, p2.stepMs - ideal2.stepMs) : 0;
    const parts = p2 ? excessParts(p2, ideal2, x2) : { gather: 0, first: 0, rows: 0, weights: 0, rest: 0 };
    return { ideal, x2, parts, growth: copiesUsed(2, B, false, upTo) ? COPIES_GROWTH : EXCESS_GROWTH };
  });
  return threads.map((T) => {
    const copies = copiesUsed(T, B, false, copiesUpTo);
    const d = designs[copies || T === 1 ? 0 : 1];
    const q = d.ideal.find((o) => o.threads === T);
    const x = T > 1 ? Object.entries(d.parts).reduce((s, [k, v]) => s + v * d.growth[k](T), 0) : 0;
    const lumped = T > 1 ? (d.x2 * 2 * (T - 1)) / T : 0;
    const ms = q.stepMs + x;
    return {
      ...q, stepMs: ms, samplesPerSecond: B / (ms / 1000), excessMs: x, idealStepMs: q.stepMs, idealSamplesPerSecond: q.samplesPerSecond, copies,
      lumpedSamplesPerSecond: B / ((q.stepMs + lumped) / 1000), excessPartsMs: T === 2 ? d.parts : undefined, excessPartsSharedMs: T === 2 ? designs[1].parts : undefined, memoryGBs: (q.memoryGBs * q.stepMs) / ms,
    };
  });
}

/** The model without x(T): the schedule, the barriers and the host alone. */
function idealScaling({ profile, wakeMs, barrierMicros, kc = 64, rowsPerUnit, rowsMax = 64, upTo = COPY_THREADS_MAX, threads = [1, 2, 4, 8, 16] }) {
  const p = profile.perThread[0];
  if (!(p.first > 0)) throw new Error('the model needs a one-thread profile with the first layer split out (bench/profile.js)');
  // its schedule is the one where only the first layer goes by panels (the layers above by rows)
  if (panelLayers(profile.layers) !== 1) throw new Error(`the model covers networks whose layers above the first go by rows; ${profile.layers.join('-')} has ${panelLayers(profile.layers)} panel layers`);
  const B = profile.batchSize, layers = profile.layers;
  const total = weightUnitCosts(layers, kc).reduce((s, c) => s + c, 0);
  const above = weightUnitCosts(layers, kc, 1);
  const P = Math.ceil(layers[1] / 8);
  const params = layers.slice(1).reduce((s, n, l) => s + n * (layers[l] + 1), 0);
  const bytes = 4 * (B * layers[0] + 3 * params);
  return threads.map((T) => {
    if (T === 1) {
      const ms = profile.hostMs + p.gather + p.first + p.rows + p.weights;
      return { threads: 1, stepMs: ms, samplesPerSecond: B / (ms / 1000), gatherMs: p.gather, firstMs: p.first, rowsMs: p.rows, weightsMs: p.weights, syncMs: 0, hostMs: profile.hostMs, memoryGBs: bytes / (ms * 1e6), barriersPerStep: 0 };
    }
    const units = Math.ceil(B / rowsPerUnit(B, T, rowsMax));
    const owned = ownedPanels(layers[1], T);
    const gatherUnits = Math.ceil(B / 8);
    // with copies each thread gathers the whole batch; else its share of the units
    const copies = copiesUsed(T, B, false, upTo);
    const gather = copies ? p.gather : p.gather * (Math.ceil(gatherUnits / T) / gatherUnits);
    // the first layer's forward units: every panel (8 outputs, the last maybe fewer) over each block of rows
    const blocks = Math.ceil(B / rowsMax);
    const forwardUnits = [];
    for (let b = 0; b < blocks; b++) for (let q = 0; q < P; q++) forwardUnits.push(Math.min(8, layers[1] - 8 * q) * Math.min(rowsMax, B - b * rowsMax));
    const first = p.first * (listSchedule(forwardUnits, T) / forwardUnits.reduce((s, c) => s + c, 0));
    const rows = p.rows * (Math.ceil(units / T) / units);
    // the first layer's weight units: each owner's panels over KC inputs, the owners' units claimed side by side
    const width = (t) => { const p0 = owned.slice(0, t).reduce((s, v) => s + v, 0); let c = 0; for (let q = p0; q < p0 + owned[t]; q++) c += Math.min(8, layers[1] - 8 * q); return c; };
    const firstUnits = [];
    for (let k = 0; k < layers[0]; k += kc) for (let t = 0; t < T; t++) if (owned[t] > 0) firstUnits.push(width(t) * Math.min(kc, layers[0] - k));
    const weights = p.weights * (listSchedule([...firstUnits, ...above], T) / total);
    const n = barriersPerStep(layers, T, B, false, upTo);
    const barriers = (n * barrierMicros * (T - 1)) / 1000;
    const ms = profile.hostMs + wakeMs + gather + first + rows + weights + barriers;
    return {
      threads: T, stepMs: ms, samplesPerSecond: B / (ms / 1000), gatherMs: gather, firstMs: first, rowsMs: rows, weightsMs: weights, syncMs: barriers + wakeMs,
      hostMs: profile.hostMs, memoryGBs: bytes / (ms * 1e6), barriersPerStep: n,
    };
  });
}
