// Width and batch sweeps: GFLOP/s of the whole training step (forward, weight gradient with the
// fused SGD update, input gradient of every layer but the first: bench/profile.js
// stepFlopsPerSample) over hidden widths 32 … 4096 (784-W-10, batch 64, and three 1024-wide
// layers) and batch sizes 16 … 1024 (784-128-10), on 1 and 2 threads. Each point trains on as
// many samples as take about half a second (at least 2,048 and at most the data), after a warm-up
// fit; the runs interleave the thread counts and the points, and medians over runs are reported.
// "of best" is a point's GFLOP/s over the best of its sweep at the same thread count.

import { stepFlopsPerSample } from './profile.js';
import { median } from './training.js';

export const WIDTHS = [32, 64, 128, 256, 512, 1024, 2048, 4096];
export const BATCHES = [16, 32, 64, 128, 256, 512, 1024];

export function sweepPoints(quick) {
  const widths = quick ? [32, 256] : WIDTHS;
  const batches = quick ? [16, 128] : BATCHES;
  return [
    ...widths.map((w) => ({ sweep: 'width', label: String(w), layers: [784, w, 10], batchSize: 64 })),
    ...(quick ? [] : [{ sweep: 'width', label: '1024-1024-1024', layers: [784, 1024, 1024, 1024, 10], batchSize: 64 }]),
    ...batches.map((b) => ({ sweep: 'batch', label: String(b), layers: [784, 128, 10], batchSize: b })),
  ];
}

/**
 * @param {{ lib: object, modules: object, data: {x: Float32Array, y: Int32Array|Uint8Array, n: number}, threads: number[],
 *   runs: number, quick?: boolean, budgetFlops?: number, log?: (s: string) => void }} o
 */
export async function sweep({ lib, modules, data, threads, runs, quick = false, budgetFlops = 1.5e10, log = () => {} }) {
  const points = sweepPoints(quick);
  const nets = new Map();
  const wasm = { relaxed: modules.relaxed, relaxedThreads: modules['relaxed-threads'] };
  for (const p of points) {
    const f = stepFlopsPerSample(p.layers);
    p.flopsPerSample = f;
    const n = quick ? Math.min(data.n, 512) : Math.min(data.n, Math.max(2048, Math.round(budgetFlops / f)));
    p.samples = n;
    p.x = data.x.subarray(0, n * 784);
    p.y = data.y.subarray(0, n);
    for (const T of threads) {
      const net = await lib.createNetwork({ layers: p.layers, backend: 'relaxed', seed: 3, threads: T, optimizer: { name: 'sgd', learningRate: 0.01 }, wasm });
      await net.fit(p.x, p.y, { epochs: 1, batchSize: p.batchSize });
      nets.set(`${p.label}/${p.sweep}/${T}`, net);
      p[`t${T}`] = [];
    }
  }
  for (let r = 0; r < runs; r++) {
    for (const p of points) {
      for (const T of threads) {
        const net = nets.get(`${p.label}/${p.sweep}/${T}`);
        const s = (await net.fit(p.x, p.y, { epochs: 1, batchSize: p.batchSize }))[0].seconds;
        p[`t${T}`].push((p.flopsPerSample * p.samples) / (s * 1e9));
      }
    }
    log(`  sweep run ${r + 1}/${runs} done`);
  }
  for (const net of nets.values()) await net.dispose();
  const rows = points.map((p) => {
    const out = { sweep: p.sweep, label: p.label, layers: p.layers, batchSize: p.batchSize, samples: p.samples, gflops: {} };
    for (const T of threads) out.gflops[T] = { median: median(p[`t${T}`]), min: Math.min(...p[`t${T}`]), max: Math.max(...p[`t${T}`]) };
    return out;
  });
  for (const kind of ['width', 'batch']) {
    for (const T of threads) {
      const these = rows.filter((r) => r.sweep === kind);
      const best = Math.max(...these.map((r) => r.gflops[T].median));
      for (const r of these) r.gflops[T].ofBest = r.gflops[T].median / best;
    }
  }
  return { threads, runs, flops: 'per sample: Σ 2·K·N·(2 for the first layer, 3 after)', rows };
}
