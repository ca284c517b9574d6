// TensorFlow.js baseline trainer (plain ESM JavaScript), backends 'cpu' and 'wasm'.
//
// Math (identical to our trainer): hidden layers ReLU, Z = X·Wᵀ + b per layer
// (W stored (n_out, n_in) row-major, matMul with transposeB), softmax +
// categorical cross-entropy averaged over the batch
// (tf.losses.softmaxCrossEntropy, default reduction = mean over the batch, no
// label smoothing), plain SGD p -= lr * grad via tf.variableGrads + assign (no
// momentum, weight decay or regularisation).
//
// Notes
// - The whole training set is uploaded once; each batch is tf.gather-ed from it
//   with an int32 index tensor made from the epoch's order. The last partial
//   batch (n % batchSize != 0) is INCLUDED (tfjs has no compile step, shapes may
//   vary freely).
// - Warm-up: one throw-away step (plus one at the partial-batch shape, if any)
//   on copies of the weights; its time is warmupSeconds. The real trajectory
//   starts from the exact initial weights and all its steps are timed.
// - The per-sample loss sum is accumulated on the backend and read with
//   dataSync at the end of each epoch (forces the work to complete).
// - tfjs-wasm: single-thread SIMD binary (Node has no web Workers for the
//   threaded build; WASM_HAS_MULTITHREAD_SUPPORT is forced false). setWasmPaths
//   gets the dist folder of @tensorflow/tfjs-backend-wasm as a file path with a
//   trailing separator.
// - Everything is inside tf.tidy / explicitly disposed; memory stays flat
//   (checked with tf.memory().numTensors before/after).

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
let wasmPathsSet = false;

async function useBackend(backend) {
  if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`tfjs: unsupported backend ${backend}`);
  if (backend === 'wasm' && !wasmPathsSet) {
    const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
    setWasmPaths(path.dirname(wasmFile) + path.sep);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend(backend);
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) throw new Error(`tfjs: could not switch to backend ${backend}`);
}

function makeVars(layers, weights, biases) {
  const vars = [];
  for (let l = 0; l < layers.length - 1; l++) {
    const nIn = layers[l], nOut = layers[l + 1];
    if (weights[l].length !== nOut * nIn) throw new Error(`weights[${l}] has wrong size`);
    const w0 = tf.tensor2d(weights[l], [nOut, nIn], 'float32');
    const b0 = tf.tensor1d(biases[l], 'float32');
    vars.push({ w: tf.variable(w0, true), b: tf.variable(b0, true) });
    w0.dispose();
    b0.dispose();
  }
  return vars;
}

function disposeVars(vars) {
  for (const v of vars) { v.w.dispose(); v.b.dispose(); }
}

function forward(vars, x) {
  let h = x;
  const L = vars.length;
  for (let l = 0; l < L; l++) {
    const z = tf.add(tf.matMul(h, vars[l].w, false, true), vars[l].b);
    h = l < L - 1 ? tf.relu(z) : z;
  }
  return h;
}

/**
 * One SGD step on the batch given by idx (int32 tensor); returns a kept scalar
 * tensor lossSum + bs * loss (lossSum is disposed).
 */
function sgdStep(vars, varList, lrT, xAll, yAll, idx, bs, lossSum) {
  const out = tf.tidy(() => {
    const xb = tf.gather(xAll, idx);
    const yb = tf.gather(yAll, idx);
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(yb, forward(vars, xb)),
      varList,
    );
    for (const v of varList) v.assign(tf.sub(v, tf.mul(grads[v.name], lrT)));
    return tf.add(lossSum, tf.mul(value, bs));
  });
  lossSum.dispose();
  return out;
}

/**
 * @param {{ backend: 'cpu'|'wasm', layers: number[], weights: Float32Array[],
 *   biases: Float32Array[], x: Float32Array, y: Uint8Array, n: number, batchSize: number,
 *   learningRate: number, epochs: number, orders: Int32Array[], xTest?: Float32Array,
 *   yTest?: Uint8Array, nTest?: number }} opts
 * @returns {Promise<{ samplesPerSecond: number, seconds: number, warmupSeconds: number,
 *   finalLoss: number, epochLosses: number[], testAccuracy: number, weights: Float32Array[],
 *   biases: Float32Array[], steps: number, partialBatch: number, backend: string,
 *   leakedTensors: number }>}
 */
export async function trainTfjs(opts) {
  const { backend = 'cpu', layers, weights, biases, x, y, n, batchSize, learningRate, epochs, orders } = opts;
  await useBackend(backend);
  const nIn = layers[0], nOut = layers[layers.length - 1];
  const tensorsBefore = tf.memory().numTensors;

  // ---- setup (not timed): data on the backend ----
  const xAll = tf.tensor2d(x.subarray(0, n * nIn), [n, nIn], 'float32');
  const yAll = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(y.subarray(0, n)), 'int32'), nOut).toFloat());
  const lrT = tf.scalar(learningRate, 'float32');
  const fullBatches = Math.floor(n / batchSize);
  const partial = n % batchSize;

  // ---- warm-up: throw-away step(s) on copies of the weights ----
  const t0 = performance.now();
  {
    const shapes = [];
    if (fullBatches > 0) shapes.push(batchSize);
    if (partial > 0) shapes.push(partial);
    for (const bs of shapes) {
      const vars = makeVars(layers, weights, biases);
      const varList = vars.flatMap((v) => [v.w, v.b]);
      const idx = tf.tensor1d(orders[0].subarray(0, bs), 'int32');
      const ls = sgdStep(vars, varList, lrT, xAll, yAll, idx, bs, tf.scalar(0));
      idx.dispose();
      ls.dataSync();
      ls.dispose();
      disposeVars(vars);
    }
  }
  const warmupSeconds = (performance.now() - t0) / 1000;

  // ---- timed training ----
  const vars = makeVars(layers, weights, biases);
  const varList = vars.flatMap((v) => [v.w, v.b]);
  const epochLosses = [];
  let steps = 0;
  const t1 = performance.now();
  for (let e = 0; e < epochs; e++) {
    const order = orders[e];
    let lossSum = tf.scalar(0);
    for (let start = 0; start < n; start += batchSize) {
      const bs = Math.min(batchSize, n - start);
      const idx = tf.tensor1d(order.subarray(start, start + bs), 'int32');
      lossSum = sgdStep(vars, varList, lrT, xAll, yAll, idx, bs, lossSum);
      idx.dispose();
      steps++;
    }
    epochLosses.push((await lossSum.data())[0] / n); // waits for the epoch's work
    lossSum.dispose();
  }
  for (const v of varList) await v.data(); // block on final parameters
  const seconds = (performance.now() - t1) / 1000;

  // ---- results ----
  const outW = vars.map((v) => Float32Array.from(v.w.dataSync()));
  const outB = vars.map((v) => Float32Array.from(v.b.dataSync()));
  let testAccuracy = NaN;
  if (opts.xTest && opts.yTest && opts.nTest) {
    const pred = tf.tidy(() =>
      tf.argMax(forward(vars, tf.tensor2d(opts.xTest.subarray(0, opts.nTest * nIn), [opts.nTest, nIn])), 1),
    );
    const p = pred.dataSync();
    pred.dispose();
    let correct = 0;
    for (let i = 0; i < opts.nTest; i++) if (p[i] === opts.yTest[i]) correct++;
    testAccuracy = correct / opts.nTest;
  }
  disposeVars(vars);
  xAll.dispose();
  yAll.dispose();
  lrT.dispose();
  const leakedTensors = tf.memory().numTensors - tensorsBefore;

  return {
    samplesPerSecond: (epochs * n) / seconds,
    seconds,
    warmupSeconds,
    finalLoss: epochLosses[epochLosses.length - 1],
    epochLosses,
    testAccuracy,
    weights: outW,
    biases: outB,
    steps,
    partialBatch: partial,
    backend,
    leakedTensors,
  };
}
