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
//   handover       what writing costs when another core has just read the lines: one thread
//                  writes a block (200 KB: a batch of 64 Fashion-MNIST rows as floats), the other
//                  then reads a word of each 64-byte line ("shared" rounds) or does not ("private"
//                  rounds), alternating; the writer's time per line, median of each, and their
//                  ratio. A threaded step writes such lines at every phase (the gathered rows, the
//                  first layer's outputs, dZ); two single-thread processes never do. The ratio moved
//                  between about 1 and 7 within seconds on the 2-vCPU machine here (2026-12-07).
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

/** The writer's ns per 64-byte line of a `bytes` block, after the other thread read it and not:
 * `samples` separate measurements (each a pair of fresh workers), since the machine flips between
 * a cheap and a dear handover within seconds; each sample's medians, and the medians over them. */
export async function measureHandover({ bytes = 200 * 1024, rounds = 2000, samples = 5 } = {}) {
  const lines = bytes / 64, ns = (ms) => (ms * 1e6) / lines;
  const each = [];
  for (let k = 0; k < samples; k++) {
    const [w] = await run(2, { mode: 'handover', sab: new SharedArrayBuffer(256), block: new SharedArrayBuffer(bytes), rounds });
    const shared = ns(median(w.times.shared)), priv = ns(median(w.times.private));
    each.push({ sharedNsPerLine: shared, privateNsPerLine: priv, ratio: shared / priv });
  }
  const m = (k) => median(each.map((e) => e[k]));
  return { bytes, rounds, samples: each, sharedNsPerLine: m('sharedNsPerLine'), privateNsPerLine: m('privateNsPerLine'), ratio: m('ratio') };
}
