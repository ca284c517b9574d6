// A thread of bench/interruptions.js: reads the clock for the gaps, runs fixed phases with or
// without a barrier between them, or writes a block the other thread has or has not just read.
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
} else if (mode === 'handover') {
  // thread 0 writes the block, then thread 1 reads one word of each of its 64-byte lines (odd
  // rounds) or only acknowledges (even rounds); thread 0 times its writes: a write in an even round
  // follows the other's read ("shared"), in an odd round it does not ("private"). Words of `sab`:
  // 0 the round thread 0 has written, 16 the round thread 1 has finished.
  const { sab, block, rounds } = workerData;
  const w = new Int32Array(sab), b = new Int32Array(block);
  const times = { shared: [], private: [] };
  let acc = 0;
  for (let r = 1; r <= rounds; r++) {
    const readNow = r % 2 === 1, afterRead = r % 2 === 0;
    if (workerData.tid === 0) {
      const t = process.hrtime.bigint(); // performance.now() in a worker is too coarse for ~20 µs
      b.fill(r);
      const dt = Number(process.hrtime.bigint() - t) / 1e6;
      if (r > 2) times[afterRead ? 'shared' : 'private'].push(dt);
      Atomics.store(w, 0, r);
      while (Atomics.load(w, 16) !== r) { /* the reader is done */ }
    } else {
      while (Atomics.load(w, 0) !== r) { /* the writer is done */ }
      if (readNow) for (let i = 0; i < b.length; i += 16) acc += b[i];
      Atomics.store(w, 16, r);
    }
  }
  parentPort.postMessage({ times, acc });
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
