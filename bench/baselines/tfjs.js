// TensorFlow.js baseline trainer (plain ESM JavaScript), backends 'cpu' and 'wasm'.
//
// Math (identical to our trainer): hidden layers ReLU, Z = X·Wᵀ + b per layer
// (W stored (n_out, n_in) row-major, matMul with transposeB), softmax +
// categorical cross-entropy averaged over the batch
// (tf.losses.softmaxCrossEntropy, default reduction = mean over the batch, no
// label smoothing), plain SGD p -= lr * grad via tf.variableGrads + assign (no
// momentum, weight decay or regularisation).
// Dense-layer gradient: opts.gradMode ('auto' default = 'custom' on wasm,
// 'autodiff' on cpu); 'custom' is a tf.customGrad with the same math using
// only un-transposed matMuls so tfjs-wasm stays on XNNPACK (see below).
//
// Notes
// - Each batch is gathered on the host from the epoch's order (X rows + one-hot
//   labels) and uploaded with tf.tensor2d — tf.gather of 64 rows from an
//   uploaded training set took ~3.6 ms/step on tfjs-wasm (more than the
//   layer-1 matMul), host gather ~0.1 ms; jax-js does the same. The last partial
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

// Dense layer Z = H·Wᵀ + b with a hand-written gradient that uses only
// un-transposed matMuls (explicit tf.transpose instead): tfjs-wasm runs
// matMul through XNNPACK only when transposeA = transposeB = false and falls
// back to a scalar blocked loop otherwise; tfjs autodiff of matMul always
// produces transposed matMuls in the backward pass. Same math:
// dH = dZ·W, dW = dZᵀ·H, db = Σ_batch dZ.
// A customGrad gradFunc must return a gradient for every input, eagerly; for
// the first layer dX is never needed (tfjs autodiff prunes it), so that
// variant returns zeros instead of a wasted 64×128×784 matMul.
const denseCustom = [null, null];
function getDenseCustom(first) {
  const k = first ? 0 : 1;
  if (!denseCustom[k]) {
    denseCustom[k] = tf.customGrad((h, w, b, save) => {
      save([h, w]);
      return {
        value: tf.add(tf.matMul(h, tf.transpose(w)), b),
        gradFunc: (dz, [hs, ws]) => [
          first ? tf.zerosLike(hs) : tf.matMul(dz, ws),
          tf.matMul(tf.transpose(dz), hs),
          tf.sum(dz, 0),
        ],
      };
    });
  }
  return denseCustom[k];
}

function forward(vars, x, custom) {
  let h = x;
  const L = vars.length;
  for (let l = 0; l < L; l++) {
    const z = custom
      ? getDenseCustom(l === 0)(h, vars[l].w, vars[l].b)
      : tf.add(tf.matMul(h, vars[l].w, false, true), vars[l].b);
    h = l < L - 1 ? tf.relu(z) : z;
  }
  return h;
}

/**
 * One SGD step on batch = [X (bs×n_in), one-hot Y (bs×n_out)] (both disposed); returns a kept scalar
 * tensor lossSum + bs * loss (lossSum is disposed).
 */
/** Host-side batch gather (fresh arrays: the cpu backend may alias the input buffer). */
function makeBatch(x, y, nIn, nOut, order, start, bs) {
  const xb = new Float32Array(bs * nIn);
  const yb = new Float32Array(bs * nOut);
  for (let i = 0; i < bs; i++) {
    const s = order[start + i];
    xb.set(x.subarray(s * nIn, (s + 1) * nIn), i * nIn);
    yb[i * nOut + y[s]] = 1;
  }
  return [tf.tensor2d(xb, [bs, nIn], 'float32'), tf.tensor2d(yb, [bs, nOut], 'float32')];
}

function sgdStep(vars, varList, lrT, batch, bs, lossSum, custom) {
  const out = tf.tidy(() => {
    const [xb, yb] = batch;
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(yb, forward(vars, xb, custom)),
      varList,
    );
    for (const v of varList) v.assign(tf.sub(v, tf.mul(grads[v.name], lrT)));
    return tf.add(lossSum, tf.mul(value, bs));
  });
  lossSum.dispose();
  batch[0].dispose();
  batch[1].dispose();
  return out;
}

/**
 * @param {{ backend: 'cpu'|'wasm', gradMode?: 'auto'|'custom'|'autodiff', layers: number[], weights: Float32Array[],
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
  // gradMode: 'custom' (XNNPACK-friendly dense gradient, see getDenseCustom) or
  // 'autodiff' (plain tfjs autodiff of matMul(h, w, false, true)); 'auto'
  // (default) picks custom on wasm, autodiff on cpu.
  const gradMode = opts.gradMode ?? 'auto';
  const custom = gradMode === 'custom' || (gradMode === 'auto' && backend === 'wasm');
  const nIn = layers[0], nOut = layers[layers.length - 1];
  const tensorsBefore = tf.memory().numTensors;

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
      const batch = makeBatch(x, y, nIn, nOut, orders[0], 0, bs);
      const ls = sgdStep(vars, varList, lrT, batch, bs, tf.scalar(0), custom);
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
      const batch = makeBatch(x, y, nIn, nOut, order, start, bs);
      lossSum = sgdStep(vars, varList, lrT, batch, bs, lossSum, custom);
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
      tf.argMax(forward(vars, tf.tensor2d(opts.xTest.subarray(0, opts.nTest * nIn), [opts.nTest, nIn]), custom), 1),
    );
    const p = pred.dataSync();
    pred.dispose();
    let correct = 0;
    for (let i = 0; i < opts.nTest; i++) if (p[i] === opts.yTest[i]) correct++;
    testAccuracy = correct / opts.nTest;
  }
  disposeVars(vars);
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
    gradMode: custom ? 'custom' : 'autodiff',
    leakedTensors,
  };
}
