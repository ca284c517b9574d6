// The training view of a dataset (prepareTraining) and the model's view of inputs (modelInputs),
// from wasm-mlp/io: the validation split, a normaliser fitted on the training part only and applied
// to every part, inputs left untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareTraining, modelInputs, splitValidation, fitNormalizer } from 'wasm-mlp/io';
import { InputError } from '../../dist/errors.js';

/** n samples of 2 features: sample i is (i, 100 + 10 i), label i % 3. */
const part = (n, from = 0) => ({
  x: Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? from + k / 2 : 100 + 10 * (from + (k - 1) / 2))),
  y: Int32Array.from({ length: n }, (_, i) => (from + i) % 3),
  n,
  features: 2,
});

test('prepareTraining holds out the seeded validation split and fits the normaliser on the rest only', () => {
  const data = { train: part(40), test: part(10, 40) };
  const before = [...data.train.x];
  const p = prepareTraining(data, { validation: 0.25, seed: 3, normalize: 'minmax' });
  const split = splitValidation(data.train, 0.25, 3);
  assert.deepEqual([...p.validation.y], [...split.validation.y]);
  assert.deepEqual([...p.train.y], [...split.train.y]);
  assert.deepEqual(p.normalizer, fitNormalizer(split.train.x, split.train.n, 2, 'minmax'));
  // the training part spans [0, 1] per feature; the test part (later samples) lies above it
  assert.equal(Math.min(...p.train.x), 0);
  assert.equal(Math.max(...p.train.x), 1);
  assert.ok(p.test.x.every((v) => v > 1));
  assert.deepEqual([...data.train.x], before, 'the input is not modified');
});

test('prepareTraining applies a given normaliser instead of fitting one, and copies x without one', () => {
  const data = { train: part(6), test: null };
  const given = { kind: 'zscore', offset: Float32Array.from([1, 100]), scale: Float32Array.from([2, 0.5]) };
  const p = prepareTraining(data, { seed: 1, normalize: 'minmax', given });
  assert.equal(p.normalizer, given);
  assert.equal(p.validation, null);
  assert.equal(p.test, null);
  assert.deepEqual([...p.train.x.subarray(0, 4)], [-2, 0, 0, 5]);
  const plain = prepareTraining(data, { seed: 1, normalize: 'none' });
  assert.equal(plain.normalizer, undefined);
  assert.notEqual(plain.train.x, data.train.x);
  assert.deepEqual(plain.train.x, data.train.x);
});

test('modelInputs checks the feature count by name and normalises a copy', () => {
  const x = Float32Array.from([3, 4]);
  assert.throws(() => modelInputs(x, 1, 2, 3, undefined, 'rows.csv'), (e) => e instanceof InputError && /rows\.csv has 2 features per sample; the model expects 3/.test(e.message));
  assert.equal(modelInputs(x, 1, 2, 2, undefined, 'x'), x);
  const y = modelInputs(x, 1, 2, 2, { kind: 'minmax', offset: Float32Array.from([1, 2]), scale: Float32Array.from([0.5, 0.5]) }, 'x');
  assert.deepEqual([...y], [1, 1]);
  assert.deepEqual([...x], [3, 4]);
});
