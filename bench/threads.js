// Multi-core: what one barrier costs, how many a training step takes, and a model of the scaling
// past the cores this machine has.
//
// Barrier: a ThreadedKernels pool runs empty jobs (sync(): every thread joins, nothing computed)
// back to back; the median time of one, over several batches, is the cost of one fork–join
// between the coordinator and T − 1 spinning workers.
//
// Model (a prediction, labelled so wherever it is shown): the one-thread step profile gives each
// kernel call's time t. At T threads a call the library splits (same rule as
// src/backend/threaded.ts: every thread gets at least MIN_WORK_PER_THREAD) takes t · (largest
// block ÷ all units) plus one barrier; the others take t; the host's own time per step is kept.
// The barrier at T threads is modelled as growing linearly with the threads that arrive:
// b(T) = b(2) · (T − 1) (every arrival is one atomic add on the same cache line; pessimistic for
// small T). Memory bandwidth is not modelled: at 8–16 threads the batch gather and the weight
// streams would share it, so the prediction is an upper bound.

import { median } from './training.js';

/** Median µs of one empty fork–join on `threads` threads. */
export async function measureBarrier(lib, module, threads, { batches = 7, perBatch = 4000 } = {}) {
  const k = await lib.createKernels('relaxed', { relaxedThreads: module }, { threads });
  const times = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < perBatch; i++) k.sync();
    times.push(((performance.now() - t0) * 1000) / perBatch);
  }
  await k.dispose();
  return { threads, microseconds: median(times), min: Math.min(...times), max: Math.max(...times), batches, perBatch };
}

/** The threads a call is split over at T threads (threaded.ts's rule), or 1. */
function partsAt(protocol, minWork, fn, args, T) {
  if (!protocol.OPS.includes(fn)) return { parts: 1, units: 1 };
  const units = protocol.unitsOf(fn, args);
  const byWork = Math.floor(protocol.workOf(fn, args) / minWork[fn]);
  return { parts: Math.max(1, Math.min(T, units, byWork)), units };
}

/** Predicted step time and samples/s at each T, from a one-thread step profile. */
export function predictScaling({ protocol, minWork, profile, barrierMicros, threads = [1, 2, 4, 8, 16] }) {
  const host = profile.rows.find((r) => r.kind === 'host')?.ms ?? 0;
  const calls = profile.rows.filter((r) => r.kind !== 'host');
  return threads.map((T) => {
    const b = barrierMicros * (T - 1) / 1000; // ms
    let ms = host, barriers = 0;
    for (const c of calls) {
      const { parts, units } = partsAt(protocol, minWork, c.fn, c.args, T);
      if (parts > 1) {
        ms += c.ms * (Math.ceil(units / parts) / units) + b;
        barriers++;
      } else ms += c.ms;
    }
    return { threads: T, stepMs: ms, samplesPerSecond: profile.batchSize / (ms / 1000), barriersPerStep: barriers };
  });
}
