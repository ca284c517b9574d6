// Normalizer fitting/applying and the seeded validation split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitNormalizer, applyNormalizer } from '../../dist/data/normalize.js';
import { splitValidation } from '../../dist/data/split.js';
import { Rng } from '../../dist/index.js';
import { InputError } from '../../dist/errors.js';

const f32 = (a) => Float32Array.from(a);
const close = (a, b, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);
const inputError = (fn, ...patterns) =>
  assert.throws(fn, (e) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e?.constructor?.name}: ${e?.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });

test('minmax maps every feature of the training data onto [0, 1]', () => {
  // 3 samples × 2 features
  const x = f32([0, -10, 5, 0, 10, 10]);
  const norm = fitNormalizer(x, 3, 2, 'minmax');
  assert.equal(norm.kind, 'minmax');
  assert.deepEqual([...norm.offset], [0, -10]);
  applyNormalizer(x, 3, 2, norm);
  assert.deepEqual([...x], [0, 0, 0.5, 0.5, 1, 1]);
});

test('zscore gives each feature mean 0 and population standard deviation 1', () => {
  const x = f32([1, 100, 2, 200, 3, 300, 4, 400]);
  const norm = fitNormalizer(x, 4, 2, 'zscore');
  applyNormalizer(x, 4, 2, norm);
  for (let j = 0; j < 2; j++) {
    const col = [0, 1, 2, 3].map((i) => x[i * 2 + j]);
    const mean = col.reduce((s, v) => s + v, 0) / 4;
    const varc = col.reduce((s, v) => s + (v - mean) ** 2, 0) / 4;
    close(mean, 0);
    close(varc, 1, 1e-5);
  }
});

test('a constant feature gets scale 1 and maps to 0, never dividing by zero', () => {
  for (const kind of ['minmax', 'zscore']) {
    const x = f32([7, 1, 7, 2, 7, 3]);
    const norm = fitNormalizer(x, 3, 2, kind);
    assert.equal(norm.scale[0], 1, kind);
    applyNormalizer(x, 3, 2, norm);
    assert.deepEqual([x[0], x[2], x[4]], [0, 0, 0], kind);
    assert.ok(x.every(Number.isFinite), kind);
  }
});

test('statistics accumulate in f64: zscore of a large offset is exact', () => {
  // In f32 accumulation 1e7 + small values would lose the fraction.
  const n = 10000;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 1e6 + (i % 2);
  const norm = fitNormalizer(x, n, 1, 'zscore');
  close(norm.offset[0], 1e6 + 0.5, 1e-1);
  close(norm.scale[0], 2, 1e-6);
});

test('applyNormalizer rejects a normalizer fitted on a different feature count', () => {
  const norm = fitNormalizer(f32([1, 2, 3, 4]), 2, 2, 'minmax');
  inputError(() => applyNormalizer(f32([1, 2, 3]), 1, 3, norm), /normalizer has 2 offsets/, /data has 3 features/);
});

test('fitNormalizer rejects x whose length is not n × features', () => {
  inputError(() => fitNormalizer(f32([1, 2, 3]), 2, 2, 'minmax'), /x has 3 values, expected n × features = 2 × 2 = 4/);
});

test('fitNormalizer rejects NaN in the data, naming the sample and feature', () => {
  inputError(() => fitNormalizer(f32([1, 2, 3, NaN]), 2, 2, 'zscore'), /x\[1\]\[1\] is NaN/);
});

test('fitNormalizer rejects an unknown kind', () => {
  inputError(() => fitNormalizer(f32([1]), 1, 1, 'robust'), /unknown kind "robust"/);
});

const dataset = (n, features = 2) => ({
  x: Float32Array.from({ length: n * features }, (_, i) => Math.floor(i / features) * 10 + (i % features)),
  y: Int32Array.from({ length: n }, (_, i) => i),
  n,
  features,
});

test('splitValidation partitions the samples, rows kept whole, and holds out round(n · fraction)', () => {
  const d = dataset(50);
  const { train, validation } = splitValidation(d, 0.2, 42);
  assert.equal(validation.n, 10);
  assert.equal(train.n, 40);
  assert.ok(train.y instanceof Int32Array);
  const seen = [...train.y, ...validation.y].sort((a, b) => a - b);
  assert.deepEqual(seen, [...d.y]);
  for (const part of [train, validation]) {
    for (let k = 0; k < part.n; k++) {
      const s = part.y[k];
      assert.deepEqual([part.x[2 * k], part.x[2 * k + 1]], [s * 10, s * 10 + 1]);
    }
  }
});

test('splitValidation is deterministic for a seed and differs between seeds', () => {
  const a = splitValidation(dataset(100), 0.3, 7);
  const b = splitValidation(dataset(100), 0.3, 7);
  const c = splitValidation(dataset(100), 0.3, 8);
  assert.deepEqual([...a.validation.y], [...b.validation.y]);
  assert.notDeepEqual([...a.validation.y], [...c.validation.y]);
});

test('splitValidation shuffles: the validation part is not simply the first rows', () => {
  const { validation } = splitValidation(dataset(100), 0.1, 1);
  assert.notDeepEqual([...validation.y], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('splitValidation keeps both parts non-empty for tiny sets and extreme fractions', () => {
  assert.equal(splitValidation(dataset(2), 0.01, 1).validation.n, 1);
  assert.equal(splitValidation(dataset(2), 0.99, 1).train.n, 1);
  assert.equal(splitValidation(dataset(10), 0.999, 1).train.n, 1);
});

test('splitValidation carries multi-value targets (targetWidth) with their samples', () => {
  const n = 20;
  const d = { ...dataset(n), y: Float32Array.from({ length: n * 3 }, (_, i) => i), targetWidth: 3 };
  const { train, validation } = splitValidation(d, 0.25, 3);
  assert.ok(train.y instanceof Float32Array);
  assert.equal(validation.targetWidth, 3);
  for (const part of [train, validation]) {
    for (let k = 0; k < part.n; k++) {
      const s = part.x[2 * k] / 10;
      assert.deepEqual([...part.y.subarray(3 * k, 3 * k + 3)], [3 * s, 3 * s + 1, 3 * s + 2]);
    }
  }
});

test('splitValidation does not modify its input', () => {
  const d = dataset(30);
  const before = [...d.x];
  splitValidation(d, 0.5, 9);
  assert.deepEqual([...d.x], before);
});

test('splitValidation rejects fractions outside (0, 1)', () => {
  for (const f of [0, 1, -0.5, 1.5, NaN]) inputError(() => splitValidation(dataset(10), f, 1), /strictly between 0 and 1/);
});

test('splitValidation rejects fewer than 2 samples', () => {
  inputError(() => splitValidation(dataset(1), 0.5, 1), /at least 2 samples/);
});

test('splitValidation rejects y of the wrong length', () => {
  inputError(() => splitValidation({ ...dataset(4), y: new Int32Array(3) }, 0.5, 1), /y has 3 values, expected n × targetWidth = 4 × 1 = 4/);
});

test('splitValidation holds out the head of the project PRNG\'s permutation: Rng(seed).shuffle of 0..n-1', () => {
  for (const [n, fraction, seed] of [[10, 0.3, 1], [97, 0.2, 42], [1000, 0.1, 0]]) {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    new Rng(seed).shuffle(order);
    const nVal = Math.round(n * fraction);
    const { train, validation } = splitValidation(dataset(n), fraction, seed);
    assert.deepEqual([...validation.y], [...order.subarray(0, nVal)], `validation, n ${n} seed ${seed}`);
    assert.deepEqual([...train.y], [...order.subarray(nVal)], `train, n ${n} seed ${seed}`);
  }
});

test('splitValidation of 10 samples, fraction 0.3, seed 1 holds out samples 9, 6, 7 (pinned)', () => {
  const { train, validation } = splitValidation(dataset(10), 0.3, 1);
  assert.deepEqual([...validation.y], [9, 6, 7]);
  assert.deepEqual([...train.y], [0, 4, 8, 3, 2, 1, 5]);
});
