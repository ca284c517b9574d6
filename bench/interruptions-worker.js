// A thread of bench/interruptions.js: reads the clock for the gaps, or runs fixed phases with or
// without a barrier between them.
import { parentPort, workerData } from 'node:worker_threads';

/** The arithmetic of a phase: n dependent multiply-adds (bench/interruptions.js times it). */
export function spin(n, x = 1) {
  for (let i = 0; i < n; i++) x = x * 1.0000001 + 1e-9;
  return x;
}

const { mode, threads } = workerData ?? {};
if (!parentPort) {
  // imported by bench/interruptions.js for spin
} else if (mode === 'gaps') {
  const t0 = performance.now();
  let last = t0, lost = 0, max = 0;
  const gaps = { '5-20': 0, '20-100': 0, '100-1000': 0, '>1000': 0 };
  for (;;) {
    const t = performance.now();
    const g = (t - last) * 1000;
    last = t;
    if (g > 5) {
      lost += g;
      if (g > max) max = g;
      gaps[g < 20 ? '5-20' : g < 100 ? '20-100' : g < 1000 ? '100-1000' : '>1000']++;
    }
    if (t - t0 >= workerData.ms) break;
  }
  parentPort.postMessage({ lostShare: lost / 1000 / (last - t0), maxMicros: max, gaps });
} else {
  const { n, phases, sync, sab } = workerData;
  // words: 0 the barrier's generation, 16 its count (another cache line), 32 the start count
  const w = new Int32Array(sab);
  spin(n * 4); // compiled before the clock starts
  Atomics.add(w, 32, 1);
  while (Atomics.load(w, 32) < threads) { /* start together */ }
  let x = 1;
  const t0 = performance.now();
  for (let p = 0; p < phases; p++) {
    x = spin(n, x);
    if (!sync) continue;
    const g = Atomics.load(w, 0);
    if (Atomics.add(w, 16, 1) === threads - 1) {
      Atomics.store(w, 16, 0);
      Atomics.store(w, 0, g + 1);
    } else {
      while (Atomics.load(w, 0) === g) { /* spin: the waiting side never sleeps */ }
    }
  }
  parentPort.postMessage({ ms: performance.now() - t0, x });
}
