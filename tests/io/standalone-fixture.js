// Shared by the standalone-module tests (Node, Chromium, wasm2c): seeded models, their exported
// modules, and the reference outputs of wasm-mlp's own predict path (modelInputs, then
// Network.predict on the backend the module was built for).
import { readFileSync } from 'node:fs';
import { createNetwork, Rng } from '../../dist/index.js';
import { exportStandaloneWasm, fitNormalizer, modelInputs } from '../../dist/io/index.js';

export const ROOT = new URL('../../', import.meta.url);
/** The prebuilt template of `isa` ('simd' or 'scalar'). */
export const template = (isa) => new Uint8Array(readFileSync(new URL(`build/standalone-${isa}.wasm`, ROOT)));

/** A model with seeded weights and biases (biases non-zero, so a bias bug shows), and n raw input
 * rows in [-3, 5) (so a normaliser moves them); normalizer: null, 'minmax' or 'zscore'. */
export function seededModel({ layers, hidden = 'relu', output = 'softmax', normalizer = null, n = 8, seed = 1 }) {
  const rng = new Rng(seed);
  const weights = [], biases = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const K = layers[l], N = layers[l + 1], std = Math.sqrt(2 / K);
    weights.push(Float32Array.from({ length: N * K }, () => rng.normal() * std));
    biases.push(Float32Array.from({ length: N }, () => rng.normal() * 0.1));
  }
  const x = Float32Array.from({ length: n * layers[0] }, () => rng.next() * 8 - 3);
  const model = { architecture: { layers, hidden, output }, parameters: { weights, biases } };
  if (normalizer) model.normalizer = fitNormalizer(x, n, layers[0], normalizer);
  return { model, x, n };
}

/** What `wasm-mlp predict --backend <backend>` outputs for rows: a function of (x, n) giving
 * (n, classes) f32, over one network of the model. */
export async function referencePredictor(model, backend) {
  const net = await createNetwork({ ...model.architecture, backend });
  net.setParameters(model.parameters);
  const inputs = model.architecture.layers[0];
  return (x, n) => net.predict(modelInputs(x, n, inputs, inputs, model.normalizer, 'rows'));
}

/** The exported module instantiated with an empty import object: its exports and a run(rows, x)
 * that writes x at input_ptr, calls predict(rows) and returns its result and a copy of the outputs.
 * Synchronously, as src/backend/wasm.ts does in Node: hundreds of pending WebAssembly.instantiate
 * promises hung a run now and then (nodejs/node#54918); standalone.test.js has one async call. */
export function instantiateStandalone(bytes) {
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
  const run = (rows, x) => {
    new Float32Array(e.memory.buffer, e.input_ptr(), x.length).set(x);
    const ret = e.predict(rows);
    return { ret, out: new Float32Array(e.memory.buffer, e.output_ptr(), Math.max(rows, 0) * e.classes()).slice() };
  };
  return { e, run };
}

export { exportStandaloneWasm };

/** Bit patterns, for exact comparisons that tell -0 from +0 and show NaNs. */
export const bits = (f32) => Array.from(new Uint32Array(f32.buffer, f32.byteOffset, f32.length));

/** A 784-32-10 digit classifier trained for one epoch on the embedded digits (seconds), and test
 * digits as `wasm-mlp predict` feeds them: 784 pixels in [0, 1], white ink on black. */
export async function digitModel() {
  const { loadDigits } = await import('../../dist/node/digits.js');
  const digits = loadDigits();
  const architecture = { layers: [784, 32, 10], hidden: 'relu', output: 'softmax' };
  const net = await createNetwork({ ...architecture, backend: 'simd', seed: 1, optimizer: { name: 'sgd', learningRate: 0.1 } });
  await net.fit(digits.train.x, digits.train.y, { epochs: 1, batchSize: 64 });
  return { model: { architecture, parameters: net.getParameters() }, test: digits.test };
}
