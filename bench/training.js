// End-to-end training throughput: samples/s of our backends and of the JS ML libraries on the same
// problem, with the same initial weights, the same per-epoch sample order and the same math
// (ReLU hidden layers, softmax + mean cross-entropy, plain SGD lr 0.1, last partial batch included).
//
// Per run r (seed r+1): the start (initial weights + one order per epoch) is derived once; every
// trainer starts from it. Our networks are created with that seed, so they draw the same weights and
// orders themselves; the orders each of them actually used (captured in onEpochEnd) and its initial
// parameters are checked against the shared start, and the baselines are handed that start.
// Timing: training time only. Ours: the sum of EpochLog.seconds (validation excluded), after a
// throw-away warm-up fit on another network that shares the compiled wasm module; baselines: their
// `seconds` (their own throw-away warm-up steps excluded). run.js forces a full garbage collection
// before each trainer, so nobody pays for the previous trainer's garbage.

import { barriersPerStep } from './profile.js';

export const WORKLOADS = {
  W1: { layers: [784, 128, 10], batchSize: 64 },
  W2: { layers: [784, 128, 10], batchSize: 256 },
  W3: { layers: [784, 256, 128, 10], batchSize: 64 },
};

/** slow: runs fewer epochs/runs by default (see run.js --slow-epochs / --slow-runs). */
export const TRAINERS = [
  { key: 'relaxed', kind: 'ours', backend: 'relaxed', label: 'wasm-mlp relaxed-simd' },
  { key: 'simd', kind: 'ours', backend: 'simd', label: 'wasm-mlp simd' },
  { key: 'scalar', kind: 'ours', backend: 'scalar', label: 'wasm-mlp scalar wasm', slow: true },
  { key: 'js', kind: 'ours', backend: 'js', label: 'wasm-mlp pure JS', slow: true },
  { key: 'tfjs-cpu', kind: 'tfjs', backend: 'cpu', gradMode: 'autodiff', label: 'tfjs cpu (autodiff)', slow: true },
  { key: 'tfjs-wasm', kind: 'tfjs', backend: 'wasm', gradMode: 'autodiff', label: 'tfjs wasm (autodiff, idiomatic)' },
  { key: 'tfjs-wasm-custom', kind: 'tfjs', backend: 'wasm', gradMode: 'custom', label: 'tfjs wasm (hand-written grad)' },
  { key: 'jax-js', kind: 'jax', label: 'jax-js wasm (jit)' },
];

/** Our relaxed-SIMD backend on several threads (run.js --threads): one trainer per count. */
export function threadTrainers(counts) {
  return counts.filter((t) => t !== 1).map((t) => ({
    key: `relaxed-t${t}`, kind: 'ours', backend: 'relaxed', threads: t,
    label: t === 'auto' ? 'wasm-mlp relaxed-simd, threads auto' : `wasm-mlp relaxed-simd, ${t} threads`,
  }));
}

/** Trainers the ratios are taken against ('relaxed': the speed-up of more threads over one). */
export const REFERENCES = ['relaxed', 'js', 'tfjs-wasm', 'tfjs-wasm-custom', 'jax-js'];

export const median = (a) => {
  const b = [...a].sort((p, q) => p - q);
  const m = b.length >> 1;
  return b.length === 0 ? NaN : b.length % 2 ? b[m] : (b[m - 1] + b[m]) / 2;
};

/**
 * The shared start of a run: the initial parameters a network with this seed draws and the order
 * of each epoch (fit reshuffles the previous epoch's order with the network's PRNG, which first drew
 * the initial weights). Checked against what our trainers actually used, so a change in the library
 * would be caught, not silently benchmarked on different data.
 */
export async function sharedStart(lib, layers, seed, epochs, n) {
  const net = await lib.createNetwork({ layers, backend: 'js', seed, optimizer: { name: 'sgd', learningRate: 0.1 } });
  const init = net.getParameters();
  const rng = new lib.Rng(seed);
  for (let l = 0; l < layers.length - 1; l++) for (let i = 0; i < layers[l] * layers[l + 1]; i++) rng.normal();
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const orders = [];
  for (let e = 0; e < epochs; e++) { rng.shuffle(order); orders.push(Int32Array.from(order)); }
  return { init, orders };
}

const sameArrays = (a, b) => a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => Object.is(v, b[i][j])));

async function trainOurs({ lib, modules, backend, threads = 1, layers, batchSize, epochs, seed, data, test, learningRate, start }) {
  const wasm = modules[backend] ? { [backend]: modules[backend], relaxedThreads: modules['relaxed-threads'] } : undefined;
  const optimizer = { name: 'sgd', learningRate };
  // warm-up: 32 batches on a throw-away network sharing the compiled module (wasm tier-up, host JIT)
  const tw = performance.now();
  const warm = await lib.createNetwork({ layers, backend, seed: seed + 1000, optimizer, wasm, threads });
  const nWarm = Math.min(data.n, 32 * batchSize);
  await warm.fit(data.x.subarray(0, nWarm * layers[0]), data.y.subarray(0, nWarm), { epochs: 1, batchSize });
  await warm.dispose();
  const warmupSeconds = (performance.now() - tw) / 1000;

  const net = await lib.createNetwork({ layers, backend, seed, optimizer, hidden: 'relu', output: 'softmax', wasm, threads });
  const init = net.getParameters();
  const orders = [];
  const logs = await net.fit(data.x, data.y, {
    epochs, batchSize, shuffle: true,
    onEpochEnd: (_log, nn) => { orders.push(nn.getTrainingState().order); },
  });
  if (!sameArrays(init.weights, start.init.weights) || !sameArrays(init.biases, start.init.biases)) {
    throw new Error(`${backend}: initial parameters differ from the shared start (seed ${seed})`);
  }
  if (!sameArrays(orders, start.orders.slice(0, epochs))) throw new Error(`${backend}: epoch orders differ from the shared start (seed ${seed})`);
  const seconds = logs.reduce((s, l) => s + l.seconds, 0);
  const k = net['c']?.k; // the kernels: a threaded backend counts its engine jobs
  const jobs = k?.jobs;
  const steps = epochs * Math.ceil(data.n / batchSize);
  const ev = net.evaluate(test.x, test.y);
  const out = {
    samplesPerSecond: (epochs * data.n) / seconds, seconds, warmupSeconds, epochs, threads: net.threads,
    epochSamplesPerSecond: logs.map((l) => l.samplesPerSecond),
    finalLoss: logs[logs.length - 1].loss, testAccuracy: ev.accuracy, callsPerBatch: net.callsPerBatch,
    // a step on T > 1 threads: its barriers (profile.js), plus its share of its job's start (a job runs up to 256 steps)
    ...(typeof jobs === 'number' ? { syncsPerStep: barriersPerStep(layers, net.threads, batchSize) + jobs / steps } : {}),
  };
  await net.dispose();
  return out;
}

async function trainBaseline({ trainer, baselines, layers, batchSize, epochs, data, test, learningRate, start }) {
  const opts = {
    layers, weights: start.init.weights, biases: start.init.biases, x: data.x, y: data.y, n: data.n,
    batchSize, learningRate, epochs, orders: start.orders.slice(0, epochs), xTest: test.x, yTest: test.y, nTest: test.n,
  };
  const r = trainer.kind === 'jax'
    ? await baselines.trainJax(opts)
    : await baselines.trainTfjs({ ...opts, backend: trainer.backend, gradMode: trainer.gradMode });
  return {
    samplesPerSecond: r.samplesPerSecond, seconds: r.seconds, warmupSeconds: r.warmupSeconds, epochs,
    finalLoss: r.finalLoss, testAccuracy: r.testAccuracy, callsPerBatch: null,
    ...(r.gradMode ? { gradMode: r.gradMode } : {}),
    ...(r.leakedTensors !== undefined ? { leakedTensors: r.leakedTensors } : {}),
  };
}

/**
 * Runs every trainer on one workload, interleaved run by run (run 1 of every trainer, then run 2, …)
 * so that a burst of load on the shared machine hits all trainers alike.
 * @param {{ trainers: object[], plan: Record<string, {epochs: number, runs: number}> }} opts
 */
export async function benchWorkload({ lib, modules, baselines, name, workload, trainers, plan, data, test, learningRate = 0.1, log = () => {}, collectGarbage = null }) {
  const { layers, batchSize } = workload;
  const maxRuns = Math.max(...trainers.map((t) => plan[t.key].runs));
  const maxEpochs = Math.max(...trainers.map((t) => plan[t.key].epochs));
  const perTrainer = Object.fromEntries(trainers.map((t) => [t.key, []]));
  for (let r = 0; r < maxRuns; r++) {
    const seed = r + 1;
    const start = await sharedStart(lib, layers, seed, maxEpochs, data.n);
    for (const t of trainers) {
      const { epochs, runs } = plan[t.key];
      if (r >= runs) continue;
      if (collectGarbage) collectGarbage();
      const args = { lib, modules, baselines, trainer: t, backend: t.backend, threads: t.threads, layers, batchSize, epochs, seed, data, test, learningRate, start };
      const res = t.kind === 'ours' ? await trainOurs(args) : await trainBaseline(args);
      res.run = r;
      perTrainer[t.key].push(res);
      log(`  ${name} run ${r + 1}/${maxRuns} ${t.key.padEnd(17)} ${res.samplesPerSecond.toFixed(0).padStart(8)} samples/s  ` +
        `${res.epochs} ep  ${res.seconds.toFixed(2)} s  test acc ${(100 * res.testAccuracy).toFixed(2)}%`);
    }
  }
  const results = {};
  for (const t of trainers) {
    const runs = perTrainer[t.key];
    const sps = runs.map((q) => q.samplesPerSecond);
    results[t.key] = {
      label: t.label, kind: t.kind, epochs: plan[t.key].epochs, runs: runs.length, reduced: Boolean(plan[t.key].reduced),
      samplesPerSecond: { median: median(sps), min: Math.min(...sps), max: Math.max(...sps) },
      testAccuracy: { median: median(runs.map((q) => q.testAccuracy)), min: Math.min(...runs.map((q) => q.testAccuracy)), max: Math.max(...runs.map((q) => q.testAccuracy)) },
      // run 1 is the run every trainer did (slow ones may do only that one): the like-for-like column
      testAccuracyRun1: runs[0].testAccuracy,
      finalLossRun1: runs[0].finalLoss,
      finalLoss: median(runs.map((q) => q.finalLoss)),
      warmupSeconds: median(runs.map((q) => q.warmupSeconds)),
      callsPerBatch: runs[0].callsPerBatch,
      threads: runs[0].threads ?? null,
      ...(runs[0].syncsPerStep !== undefined ? { syncsPerStep: runs[0].syncsPerStep } : {}),
      perRun: runs.map((q) => ({ run: q.run, samplesPerSecond: q.samplesPerSecond, seconds: q.seconds, testAccuracy: q.testAccuracy, finalLoss: q.finalLoss })),
    };
  }
  // ratios from the same run: median over the runs both trainers did
  const ratios = {};
  for (const t of trainers) {
    ratios[t.key] = {};
    for (const ref of REFERENCES) {
      if (ref === t.key || !perTrainer[ref]) continue;
      const pairs = perTrainer[t.key].flatMap((q) => {
        const o = perTrainer[ref].find((p) => p.run === q.run);
        return o ? [q.samplesPerSecond / o.samplesPerSecond] : [];
      });
      if (pairs.length) ratios[t.key][ref] = { median: median(pairs), min: Math.min(...pairs), max: Math.max(...pairs), pairs: pairs.length };
    }
  }
  return { layers, batchSize, learningRate, trainSamples: data.n, testSamples: test.n, results, ratios };
}
