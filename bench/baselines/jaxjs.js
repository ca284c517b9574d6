// jax-js baseline trainer (plain ESM JavaScript).
//
// Math (identical to our trainer): hidden layers ReLU, Z = X·Wᵀ + b per layer,
// softmax + categorical cross-entropy averaged over the batch, plain SGD
// p -= lr * grad (no momentum / weight decay / regularisation).
//
// Implementation notes
// - One `jit`-ted step function: valueAndGrad of the loss, the SGD update and a
//   running (on-device) sum of per-sample losses, all in a single compiled graph,
//   so a training step is one dispatch. jax-js is lazy: we realise the scalar
//   loss sum (4-byte dataSync) after every step (opts.syncEvery, default 1) —
//   see the comment in the loop for why — and divide it by n per epoch.
// - Batches are gathered on the host from the given order into a reused
//   Float32Array (plus a one-hot Float32Array for the labels) and uploaded per
//   step; only Float32Arrays are passed to jax-js (Node 20 has no Float16Array).
// - jit caches one compiled program per input-shape signature. The last partial
//   batch (n % batchSize != 0) is INCLUDED, as for the other trainers; it has its
//   own shape and therefore its own compiled program. Both shapes are compiled
//   during warm-up (a throw-away step on copies of the weights), so no compile
//   happens inside the timed region and the real trajectory starts from the
//   exact initial weights.
// - Ownership: every jax-js function consumes its Array arguments; we use `.ref`
//   / tree.ref where an array is needed again and dispose everything we own, so
//   memory stays flat across steps.
// - In Node 20 there is no global `Worker`, so jax-js' wasm backend runs
//   single-threaded (like tfjs-wasm here).

import { init, defaultDevice, jit, valueAndGrad, nn, numpy as np, tree } from '@jax-js/jax';

let initialised = false;

async function ensureInit() {
  if (initialised) return;
  const devices = await init('wasm');
  if (!devices.includes('wasm')) throw new Error(`jax-js: wasm device unavailable (got ${devices})`);
  defaultDevice('wasm');
  initialised = true;
}

/** params: [{ w: (n_out, n_in), b: (n_out) }, ...]; consumes params and x. */
function forward(params, x) {
  let h = x;
  const L = params.length;
  for (let l = 0; l < L; l++) {
    const { w, b } = params[l];
    const z = np.matmul(h, w.transpose()).add(b);
    h = l < L - 1 ? nn.relu(z) : z;
  }
  return h; // logits
}

/** Mean categorical cross-entropy of softmax(logits) against one-hot targets. */
function lossFn(params, x, yOneHot) {
  const bs = x.shape[0];
  const logp = nn.logSoftmax(forward(params, x), -1);
  return logp.mul(yOneHot).sum().mul(-1 / bs);
}

function makeStep(lr) {
  const vg = valueAndGrad(lossFn);
  // (params, lossSum, x, y) -> [newParams, lossSum + bs * loss]
  return jit((params, lossSum, x, y) => {
    const bs = x.shape[0];
    const [loss, grads] = vg(tree.ref(params), x, y);
    const newParams = params.map((p, l) => ({
      w: p.w.sub(grads[l].w.mul(lr)),
      b: p.b.sub(grads[l].b.mul(lr)),
    }));
    return [newParams, lossSum.add(loss.mul(bs))];
  });
}

const predictJit = jit((params, x) => np.argmax(forward(params, x), 1));

function makeParams(layers, weights, biases) {
  const params = [];
  for (let l = 0; l < layers.length - 1; l++) {
    const nIn = layers[l], nOut = layers[l + 1];
    if (weights[l].length !== nOut * nIn) throw new Error(`weights[${l}] has wrong size`);
    params.push({
      w: np.array(Float32Array.from(weights[l]), { shape: [nOut, nIn] }),
      b: np.array(Float32Array.from(biases[l]), { shape: [nOut] }),
    });
  }
  return params;
}

function gatherBatch(x, y, nIn, nOut, order, start, bs, xb, yb) {
  yb.fill(0, 0, bs * nOut);
  for (let i = 0; i < bs; i++) {
    const s = order[start + i];
    xb.set(x.subarray(s * nIn, (s + 1) * nIn), i * nIn);
    yb[i * nOut + y[s]] = 1;
  }
}

function uploadBatch(xb, yb, bs, nIn, nOut) {
  return [
    np.array(xb.subarray(0, bs * nIn), { shape: [bs, nIn] }),
    np.array(yb.subarray(0, bs * nOut), { shape: [bs, nOut] }),
  ];
}

/**
 * @param {{ layers: number[], weights: Float32Array[], biases: Float32Array[], syncEvery?: number,
 *   x: Float32Array, y: Uint8Array, n: number, batchSize: number, learningRate: number,
 *   epochs: number, orders: Int32Array[], xTest?: Float32Array, yTest?: Uint8Array,
 *   nTest?: number }} opts
 * @returns {Promise<{ samplesPerSecond: number, seconds: number, warmupSeconds: number,
 *   finalLoss: number, epochLosses: number[], testAccuracy: number, weights: Float32Array[],
 *   biases: Float32Array[], steps: number, partialBatch: number }>}
 */
export async function trainJax(opts) {
  const { layers, weights, biases, x, y, n, batchSize, learningRate, epochs, orders } = opts;
  const syncEvery = opts.syncEvery ?? 1;
  await ensureInit();
  const nIn = layers[0], nOut = layers[layers.length - 1];
  const step = makeStep(learningRate);
  const xb = new Float32Array(batchSize * nIn);
  const yb = new Float32Array(batchSize * nOut);
  const fullBatches = Math.floor(n / batchSize);
  const partial = n % batchSize;

  // ---- warm-up: compile every batch shape on throw-away copies of the weights ----
  const t0 = performance.now();
  {
    const shapes = [];
    if (fullBatches > 0) shapes.push(batchSize);
    if (partial > 0) shapes.push(partial);
    for (const bs of shapes) {
      let p = makeParams(layers, weights, biases);
      gatherBatch(x, y, nIn, nOut, orders[0], 0, bs, xb, yb);
      const [xa, ya] = uploadBatch(xb, yb, bs, nIn, nOut);
      const [np2, ls] = step(p, np.zeros([], { dtype: np.float32 }), xa, ya);
      ls.dataSync(); // dataSync consumes (disposes) the array
      tree.dispose(np2);
    }
  }
  const warmupSeconds = (performance.now() - t0) / 1000;

  // ---- timed training ----
  let params = makeParams(layers, weights, biases);
  // make sure uploads are done before the clock starts
  for (const p of params) { p.w.ref.dataSync(); }
  const epochLosses = [];
  let steps = 0;
  const t1 = performance.now();
  for (let e = 0; e < epochs; e++) {
    const order = orders[e];
    let lossSum = np.zeros([], { dtype: np.float32 });
    for (let start = 0; start < n; start += batchSize) {
      const bs = Math.min(batchSize, n - start);
      gatherBatch(x, y, nIn, nOut, order, start, bs, xb, yb);
      const [xa, ya] = uploadBatch(xb, yb, bs, nIn, nOut);
      [params, lossSum] = step(params, lossSum, xa, ya);
      steps++;
      // jax-js executes lazily: without a sync point the pending steps (and all
      // their intermediate buffers) pile up until the end of the epoch, wasm
      // memory grows every step and early steps are ~10x slower. Realising the
      // 4-byte loss sum each step keeps memory flat and speed steady.
      if (steps % syncEvery === 0) lossSum.ref.dataSync();
    }
    // forces the epoch's work to finish; dataSync consumes lossSum
    epochLosses.push(lossSum.dataSync()[0] / n);
  }
  // block on the final parameters
  for (const p of params) p.w.ref.dataSync();
  const seconds = (performance.now() - t1) / 1000;

  // ---- results ----
  const outW = [], outB = [];
  for (const p of params) {
    outW.push(Float32Array.from(p.w.ref.dataSync()));
    outB.push(Float32Array.from(p.b.ref.dataSync()));
  }
  let testAccuracy = NaN;
  if (opts.xTest && opts.yTest && opts.nTest) {
    const xt = np.array(opts.xTest.subarray(0, opts.nTest * nIn), { shape: [opts.nTest, nIn] });
    const pred = predictJit(tree.ref(params), xt).dataSync();
    let correct = 0;
    for (let i = 0; i < opts.nTest; i++) if (pred[i] === opts.yTest[i]) correct++;
    testAccuracy = correct / opts.nTest;
  }
  tree.dispose(params);
  step.dispose();

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
  };
}
