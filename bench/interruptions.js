// What this machine takes from a core in short interruptions, and what that costs threads that
// meet at barriers: measured without wasm-mlp (no wasm, no data; nothing shared but a barrier word),
// so that it says what any synchronised design pays here, ours or another.
//
//   interruptions  each of N threads reads the clock in a tight loop; a gap longer than 5 µs between
//                  two reads is time the thread did not run (the hypervisor, an interrupt, the
//                  kernel). Reported per thread: the share of the wall time lost, the longest gap,
//                  and how many gaps fall in 5–20, 20–100, 100–1000 and over 1000 µs.
//   barrier loss   N threads each run the same fixed arithmetic in phases of about P µs, perfectly
//                  balanced. Independent: each thread on its own, all at once (N processes' case:
//                  the two-process ceiling). Synchronised: the same phases, a spinning barrier after
//                  each, so a phase lasts as long as its slowest thread's. The two alternate round
//                  after round; per round synchronised ÷ independent (wall times), then the median.
//                  It is what meeting every P µs costs a static split on this machine, with nothing
//                  to balance: each thread pays its own interruptions and, at every barrier, the
//                  others'. A dynamic schedule (units taken from a counter) can win back what falls
//                  early in a phase, not what falls in a thread's last unit of it.
import { Worker } from 'node:worker_threads';
import { median } from './training.js';
import { spin } from './interruptions-worker.js';

const WORKER = new URL('./interruptions-worker.js', import.meta.url);

/** Runs `threads` workers with `data`; resolves to their messages. */
async function run(threads, data) {
  const workers = Array.from({ length: threads }, (_, tid) => new Worker(WORKER, { workerData: { ...data, tid, threads } }));
  try {
    return await Promise.all(workers.map((w) => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Per thread of `threads` at once: the share of `ms` lost in gaps over 5 µs, the longest, their spread. */
export async function measureInterruptions({ threads = 2, ms = 2000 } = {}) {
  const per = await run(threads, { mode: 'gaps', ms });
  return { threads, ms, perThread: per.map(({ lostShare, maxMicros, gaps }) => ({ lostShare, maxMicros, gaps })) };
}

/** Iterations of the workers' arithmetic that take about P µs here (median of 51 timings). */
function iterationsFor(P) {
  spin(1e6);
  const m = 100_000, us = [];
  for (let k = 0; k < 51; k++) {
    const t = performance.now();
    spin(m);
    us.push((performance.now() - t) * 1000);
  }
  return Math.max(1, Math.round((m * P) / median(us)));
}

/** Synchronised ÷ independent wall time of `threads` threads over `totalMs` of phases of P µs each. */
export async function measureBarrierLoss({ threads = 2, phaseMicros = [25, 100, 400, 2000], rounds = 7, totalMs = 500 } = {}) {
  const out = [];
  for (const P of phaseMicros) {
    const n = iterationsFor(P), phases = Math.max(1, Math.round((totalMs * 1000) / P));
    const ratios = [];
    for (let r = 0; r < rounds; r++) {
      const wall = async (sync) => Math.max(...(await run(threads, { mode: 'phases', n, phases, sync, sab: new SharedArrayBuffer(256) })).map((m) => m.ms));
      const independent = await wall(false);
      const synchronised = await wall(true);
      ratios.push(independent / synchronised);
    }
    out.push({ phaseMicros: P, phases, rounds, efficiency: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) });
  }
  return { threads, totalMs, phases: out };
}
