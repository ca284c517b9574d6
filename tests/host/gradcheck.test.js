// Gradient check: the analytic gradients of lossAndGradients match central finite differences of
// the loss, (L(p + ε) − L(p − ε)) / 2ε, one parameter at a time through setParameters, for every
// hidden activation × every output, on the pure-JS backend and on the SIMD binary. The loss is the
// mean loss (over samples; over samples and outputs for sigmoid/BCE and linear/MSE), so the
// gradient is of that mean.
//
// f32 budget: the loss is computed in f32, so L(p ± ε) carries rounding noise of about 1e-7 × L;
// divided by 2ε that is ~5e-6 at ε = 1e-2, while the truncation error of central differences is
// O(ε² · L'''), ~1e-4 relative here. So ε = 1e-2, and a bound |analytic − numeric| ≤
// RTOL · max(|analytic|, |numeric|) + ATOL with RTOL = 1e-2, ATOL = 1e-4: tight enough that a
// gradient off by any constant factor (a missing 1/B or 1/N, a wrong activation derivative) fails.
// ReLU / leaky ReLU kinks: every hidden pre-activation is computed in f64 on the host and the
// inputs are redrawn until none is within KINK_MARGIN of 0, far more than one ε step can move it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNetwork, Rng } from '../../dist/index.js';

const HIDDEN = ['relu', 'leaky_relu', 'sigmoid', 'tanh'];
const OUTPUTS = ['softmax', 'sigmoid', 'linear'];
const EPS = 1e-2;
const RTOL = 1e-2;
const ATOL = 1e-4;
const KINK_MARGIN = 0.1;
const WEIGHTS_PER_LAYER = 12;

const act = (hidden, z) => hidden === 'relu' ? Math.max(z, 0) : hidden === 'leaky_relu' ? (z > 0 ? z : 0.01 * z)
  : hidden === 'sigmoid' ? 1 / (1 + Math.exp(-z)) : Math.tanh(z);

/** Smallest |pre-activation| over the hidden units for one sample, in f64 from W (n_out, n_in). */
function minHiddenPreActivation(params, layers, hidden, sample) {
  let least = Infinity;
  let a = Array.from(sample);
  for (let l = 0; l < layers.length - 2; l++) { // hidden layers only: the output has no kink
    const W = params.weights[l], b = params.biases[l], K = layers[l];
    const z = Array.from({ length: layers[l + 1] }, (_, o) => a.reduce((acc, v, k) => acc + v * W[o * K + k], b[o]));
    for (const v of z) least = Math.min(least, Math.abs(v));
    a = z.map((v) => act(hidden, v));
  }
  return least;
}

/** n samples N(0,1) (ReLU-family: only samples whose hidden pre-activations all clear the margin). */
function draw(r, n, layers, hidden, output, params) {
  const K = layers[0], N = layers[layers.length - 1];
  const kinked = hidden === 'relu' || hidden === 'leaky_relu';
  const x = new Float32Array(n * K);
  for (let s = 0, tries = 0; s < n; tries++) {
    assert.ok(tries < 10000, 'could not draw inputs away from the ReLU kinks');
    const sample = new Float32Array(K).map(() => r.normal());
    if (kinked && minHiddenPreActivation(params, layers, hidden, sample) < KINK_MARGIN) continue;
    x.set(sample, s++ * K);
  }
  const y = output === 'softmax' ? Int32Array.from({ length: n }, () => r.int(N))
    : new Float32Array(n * N).map(() => (output === 'sigmoid' ? r.next() : r.normal()));
  return { x, y };
}

const clone = (p) => ({ weights: p.weights.map((w) => Float32Array.from(w)), biases: p.biases.map((b) => Float32Array.from(b)) });

async function gradcheck(backend, layers, hidden, output, seed) {
  const net = await createNetwork({ layers, hidden, output, seed, backend });
  // small random biases so that bias gradients are not all checked at a symmetric point
  const r = new Rng(seed * 31 + 1);
  const base = net.getParameters();
  base.biases.forEach((b) => b.forEach((_, i) => { b[i] = 0.2 * r.normal(); }));
  net.setParameters(base);
  const n = 6;
  const { x, y } = draw(r, n, layers, hidden, output, base);
  const { loss, gradients } = net.lossAndGradients(x, y);
  assert.ok(Number.isFinite(loss));

  const lossAt = (kind, l, i, value) => {
    const p = clone(base);
    p[kind][l][i] = value;
    net.setParameters(p);
    return net.evaluate(x, y).loss;
  };
  let checked = 0, worst = 0;
  for (const kind of ['weights', 'biases']) {
    for (let l = 0; l < layers.length - 1; l++) {
      const count = base[kind][l].length;
      // all biases; a seeded sample of the weights (all of them when the layer is small)
      const indices = kind === 'biases' || count <= WEIGHTS_PER_LAYER
        ? Array.from({ length: count }, (_, i) => i)
        : Array.from({ length: WEIGHTS_PER_LAYER }, () => r.int(count));
      for (const i of indices) {
        const p0 = base[kind][l][i];
        // the step actually taken is what f32 can represent
        const up = Math.fround(p0 + EPS), down = Math.fround(p0 - EPS);
        const numeric = (lossAt(kind, l, i, up) - lossAt(kind, l, i, down)) / (up - down);
        const analytic = gradients[kind][l][i];
        const err = Math.abs(analytic - numeric);
        const bound = RTOL * Math.max(Math.abs(analytic), Math.abs(numeric)) + ATOL;
        assert.ok(err <= bound,
          `${backend} ${JSON.stringify(layers)} ${hidden}/${output}: d loss / d ${kind}[${l}][${i}] analytic ${analytic} vs numeric ${numeric} (error ${err.toExponential(2)} > ${bound.toExponential(2)})`);
        worst = Math.max(worst, err / bound);
        checked++;
      }
    }
  }
  net.setParameters(base);
  // the checks were not vacuous: some gradient is clearly non-zero
  const largest = Math.max(...gradients.weights.flatMap((w) => Array.from(w, Math.abs)));
  assert.ok(largest > 10 * ATOL, `${hidden}/${output}: all gradients are tiny (${largest}), the check means nothing`);
  return { checked, worst };
}

for (const backend of ['js', 'simd']) {
  for (const output of OUTPUTS) {
    test(`${backend}: gradients match central differences of the mean loss, ${output} output, every hidden activation`, async () => {
      for (const hidden of HIDDEN) {
        // one hidden layer, two hidden layers with a width-1 bottleneck and a tile tail (9 > 8)
        for (const [layers, seed] of [[[4, 5, 3], 1], [[3, 9, 1, 4, 2], 2]]) {
          const { checked } = await gradcheck(backend, layers, hidden, output, seed);
          assert.ok(checked >= 20);
        }
      }
    });
  }
}

test('the gradient check catches a gradient that is off by a factor (sanity of the bound)', async () => {
  // Scaling the whole loss by 2 would double every numeric derivative; the bound must reject it.
  const analytic = 0.05, numeric = 2 * analytic;
  assert.ok(Math.abs(analytic - numeric) > RTOL * Math.max(analytic, numeric) + ATOL);
  // and the mean matters: for sigmoid and linear outputs the loss is averaged over outputs too,
  // so the gradient of a 2-output network is half that of the sum over outputs
  const net = await createNetwork({ layers: [2, 2], output: 'linear', seed: 3, backend: 'js' });
  net.setParameters({ weights: [new Float32Array([0, 0, 0, 0])], biases: [new Float32Array([1, 1])] });
  const { loss, gradients } = net.lossAndGradients(new Float32Array([0, 0]), new Float32Array([0, 0]));
  assert.equal(loss, 1); // mean of (1 − 0)² over 2 outputs
  assert.deepEqual(Array.from(gradients.biases[0]), [1, 1]); // d/db_j of (b_0² + b_1²)/2 = b_j
});
