// A CSV dataset end to end: three Gaussian blobs on very different feature scales, the label in
// the middle column named by header, z-score normalisation fitted on the training split and saved
// with the model, so evaluate and predict apply the same transform.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { decodeModel } from '../../dist/io/model-file.js';
import { parseCsv } from '../../dist/data/csv.js';
import { splitValidation } from '../../dist/data/split.js';
import { Rng } from '../../dist/index.js';
import { run, ok, jsonLines } from './cli.js';


const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const CSV = join(dir, 'blobs.csv');
const FEATURES_ONLY = join(dir, 'blobs-features.csv');
const MODEL = join(dir, 'blobs.safetensors');
const labels = [];
let log;


before(() => {
  // height in the thousands, weight in hundredths: unnormalised, lr 0.1 would not learn this
  const random = new Rng(7);
  const gauss = () => random.normal();
  const centres = [[1000, 0.01], [3000, 0.05], [5000, 0.01]];
  const rows = ['height,species,weight'];
  const plain = ['height,weight'];
  for (let i = 0; i < 300; i++) {
    const c = i % 3;
    const h = (centres[c][0] + 300 * gauss()).toFixed(2);
    const w = (centres[c][1] + 0.004 * gauss()).toFixed(5);
    rows.push(`${h},${c},${w}`);
    plain.push(`${h},${w}`);
    labels.push(c);
  }
  writeFileSync(CSV, rows.join('\n') + '\n');
  writeFileSync(FEATURES_ONLY, plain.join('\r\n') + '\r\n');
  log = jsonLines(ok(['train', '--dataset', CSV, '--label-column', 'species', '--normalize', 'zscore', '--validation', '0.2',
    '--layers', '16', '--epochs', '30', '--batch', '16', '--save', MODEL, '--json']).stdout);
});

test('train on a CSV reports validation per epoch and no test accuracy', () => {
  assert.equal(log.length, 30);
  for (const l of log) {
    assert.deepEqual(Object.keys(l).sort(), ['epoch', 'learningRate', 'loss', 'samplesPerSecond', 'seconds', 'testAccuracy', 'trainAccuracy', 'validationAccuracy', 'validationLoss']);
    assert.equal(l.testAccuracy, null);
  }
  assert.ok(log.at(-1).validationAccuracy >= 0.95, `validation accuracy ${log.at(-1).validationAccuracy}`);
});

test('the model keeps the z-score normaliser fitted on the training split and the feature names', () => {
  const info = JSON.parse(ok(['info', '--model', MODEL, '--json']).stdout);
  assert.deepEqual(info.normalizer, { kind: 'zscore', features: 2 });
  assert.deepEqual(info.architecture.layers, [2, 16, 3]);
  assert.deepEqual(JSON.parse(info.metadata.feature_names), ['height', 'weight']);
  assert.match(ok(['info', '--model', MODEL]).stdout, /normalizer +zscore over 2 features/);
  // the statistics are those of the training split (seed 1), not of the whole file
  const d = parseCsv(readFileSync(CSV, 'utf8'), { labelColumn: 'species' });
  const { train } = splitValidation({ x: d.x, y: d.y, n: d.n, features: 2 }, 0.2, 1);
  const mean = [0, 1].map((j) => { let s = 0; for (let i = 0; i < train.n; i++) s += train.x[2 * i + j]; return s / train.n; });
  const { normalizer } = decodeModel(new Uint8Array(readFileSync(MODEL)));
  assert.deepEqual(Array.from(normalizer.offset), mean.map(Math.fround));
});

test('evaluate applies the saved normaliser', () => {
  const r = JSON.parse(ok(['evaluate', '--model', MODEL, '--dataset', CSV, '--label-column', 'species', '--json']).stdout);
  assert.equal(r.samples, 300);
  assert.equal(r.split, 'all');
  assert.ok(r.accuracy >= 0.95, `accuracy ${r.accuracy}`);
});

test('predict on the CSV, ignoring the label column or on features only, gives the same classes', () => {
  const withLabel = jsonLines(ok(['predict', '--model', MODEL, '--input', CSV, '--label-column', 'species', '--json']).stdout);
  const featuresOnly = jsonLines(ok(['predict', '--model', MODEL, '--input', FEATURES_ONLY, '--json']).stdout);
  assert.equal(withLabel.length, 300);
  assert.deepEqual(featuresOnly, withLabel);
  const correct = withLabel.filter((p, i) => p.class === labels[i]).length;
  assert.ok(correct >= 285, `${correct}/300 correct`);
  for (const p of withLabel) assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
});

test('predict on a CSV with the label but without --label-column says how many columns it expected', () => {
  const r = run(['predict', '--model', MODEL, '--input', CSV]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /blobs\.csv has 3 feature columns; the model expects 2 \(if one column is a label, pass --label-column\)/);
});
