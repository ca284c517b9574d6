// The class count of `train`: by default the largest label + 1; when that leaves classes without a
// training sample (labels {1, 2, 250} make 251 classes) one warning line goes to stderr, and
// `--classes N` states the count (no warning); N below the largest label + 1 is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitValidation } from '../../dist/data/split.js';
import { run, ok, jsonLines } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** An IDX folder with train images of 2×2 pixels and the given labels (no test files). */
function idxFolder(name, labels) {
  const folder = join(dir, name);
  mkdirSync(folder);
  const n = labels.length;
  const images = Buffer.alloc(16 + 4 * n);
  images.writeUInt32BE(0x803, 0); images.writeUInt32BE(n, 4); images.writeUInt32BE(2, 8); images.writeUInt32BE(2, 12);
  for (let i = 0; i < 4 * n; i++) images[16 + i] = (i * 37) % 256;
  const y = Buffer.alloc(8 + n);
  y.writeUInt32BE(0x801, 0); y.writeUInt32BE(n, 4);
  labels.forEach((l, i) => { y[8 + i] = l; });
  writeFileSync(join(folder, 'train-images-idx3-ubyte'), images);
  writeFileSync(join(folder, 'train-labels-idx1-ubyte'), y);
  return folder;
}

const SPARSE = idxFolder('sparse', [1, 2, 250, 1, 2, 250, 1, 2]);
const common = ['--dataset', SPARSE, '--layers', '4', '--epochs', '1', '--batch', '4'];
const outputs = (model) => JSON.parse(ok(['info', '--model', model, '--json']).stdout).architecture.layers.at(-1);

test('labels {1, 2, 250} train 251 classes with one warning line on stderr; --json stdout stays pure JSON', () => {
  const model = join(dir, 'sparse.safetensors');
  const r = ok(['train', ...common, '--json', '--save', model]);
  assert.equal(r.stderr, 'wasm-mlp: warning: 248 of 251 classes have no training sample (labels run 0..250); pass --classes 251 if that is intended\n');
  assert.equal(jsonLines(r.stdout).length, 1);
  assert.equal(outputs(model), 251);
});

test('the warning counts the classes the validation split leaves without a training sample', () => {
  // one sample each of classes 1 and 2; which are held out is the split's (seed 1) to say
  const labels = [0, 0, 0, 1, 2, 0, 0, 0, 0, 0];
  const folder = idxFolder('one-each', labels);
  const { train } = splitValidation({ x: new Float32Array(4 * labels.length), y: Uint8Array.from(labels), n: labels.length, features: 4 }, 0.5, 1);
  const empty = [0, 1, 2].filter((c) => !train.y.includes(c)).length;
  assert.ok(empty > 0, 'the fixture should leave a class out of the training split');
  const r = ok(['train', '--dataset', folder, '--layers', '4', '--epochs', '1', '--validation', '0.5', '--json']);
  assert.equal(r.stderr, `wasm-mlp: warning: ${empty} of 3 classes ${empty === 1 ? 'has' : 'have'} no training sample (labels run 0..2); pass --classes 3 if that is intended\n`);
});

test('--classes 251 states the count: no warning, 251 outputs', () => {
  const model = join(dir, 'stated.safetensors');
  const r = ok(['train', ...common, '--classes', '251', '--json', '--save', model]);
  assert.equal(r.stderr, '');
  assert.equal(outputs(model), 251);
});

test('--classes above the largest label + 1 adds output classes', () => {
  const model = join(dir, 'more.safetensors');
  ok(['train', ...common, '--classes', '300', '--json', '--save', model]);
  assert.equal(outputs(model), 300);
});

test('--classes below the largest label + 1 exits 1 naming the label', () => {
  const r = run(['train', ...common, '--classes', '100']);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  assert.match(r.stderr, /--classes 100 is too few: .* has label 250 \(training sample 2\); labels must lie in 0\.\.99/);
});

test('--classes that is not an integer ≥ 2 is a usage error', () => {
  for (const bad of ['1', 'many']) {
    const r = run(['train', ...common, '--classes', bad]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--classes must be an integer ≥ 2/);
  }
});

test('no warning when every class has a training sample', () => {
  const folder = idxFolder('dense', [0, 1, 2, 0, 1, 2]);
  assert.equal(ok(['train', '--dataset', folder, '--layers', '4', '--epochs', '1', '--json']).stderr, '');
});

test('a resumed run keeps its class count: no new warning, --classes checked against the checkpoint', () => {
  const ck = join(dir, 'sparse.checkpoint.safetensors');
  ok(['train', ...common, '--json', '--checkpoint', ck]);
  assert.equal(ok(['train', '--resume', ck, '--epochs', '2', '--json']).stderr, '');
  assert.equal(ok(['train', '--resume', ck, '--epochs', '2', '--classes', '251', '--json']).stderr, '');
  const r = run(['train', '--resume', ck, '--epochs', '2', '--classes', '252']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--classes 252 differs from the checkpoint's 251/);
});
