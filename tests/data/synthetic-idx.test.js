// scripts/make-synthetic-idx.mjs (the issue-17 bench's dataset writer), run as a command: its IDX
// files parse with the right dims and labels, the seed fixes every byte, --gzip holds the same
// bytes, bad flags are usage errors, and `wasm-mlp train` learns from what it writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseIdx, idxLabels } from '../../dist/io/index.js';
import { ok, jsonLines } from '../cli/cli.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/make-synthetic-idx.mjs', import.meta.url));
const FILES = ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte'];

const make = (args) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 60_000 });

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-synthetic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a dataset into a fresh folder under `root` and returns the folder. */
function write(root, name, args) {
  const out = join(root, name);
  const r = make(['--out', out, ...args]);
  assert.equal(r.status, 0, `make-synthetic-idx ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return out;
}

const read = (dir, file) => new Uint8Array(readFileSync(join(dir, file)));

test('writes the four IDX files with the asked dims, labels in range, all classes present', (t) => {
  const dir = write(tempDir(t), 'd', ['--train', '300', '--test', '50', '--rows', '7', '--cols', '5', '--classes', '4', '--seed', '3']);
  assert.deepEqual(readdirSync(dir).sort(), FILES);
  for (const [stem, n] of [['train', 300], ['t10k', 50]]) {
    const images = parseIdx(read(dir, `${stem}-images-idx3-ubyte`));
    assert.equal(images.type, 'ubyte');
    assert.deepEqual(images.dims, [n, 7, 5]);
    const labels = idxLabels(parseIdx(read(dir, `${stem}-labels-idx1-ubyte`)));
    assert.equal(labels.length, n);
    assert.ok(labels.every((y) => y < 4), 'a label outside 0..3');
    assert.equal(new Set(labels).size, 4, `${stem}: not every class drawn`);
  }
});

test('the same seed writes the same bytes; another seed writes other bytes', (t) => {
  const root = tempDir(t);
  const args = ['--train', '200', '--test', '20', '--rows', '28', '--cols', '28'];
  const a = write(root, 'a', [...args, '--seed', '7']);
  const b = write(root, 'b', [...args, '--seed', '7']);
  const c = write(root, 'c', [...args, '--seed', '8']);
  for (const f of FILES) {
    assert.deepEqual(read(a, f), read(b, f), `${f} differs between two runs with seed 7`);
    assert.notDeepEqual(read(a, f), read(c, f), `${f} is the same for seeds 7 and 8`);
  }
});

test('--gzip writes .gz files holding exactly the plain bytes', (t) => {
  const root = tempDir(t);
  const args = ['--train', '120', '--test', '30', '--seed', '5'];
  const plain = write(root, 'plain', args);
  const gz = write(root, 'gz', [...args, '--gzip']);
  assert.deepEqual(readdirSync(gz).sort(), FILES.map((f) => `${f}.gz`));
  for (const f of FILES) assert.deepEqual(new Uint8Array(gunzipSync(read(gz, `${f}.gz`))), read(plain, f), f);
});

test('images are not constant: pixels span the byte range and differ between images of a class', (t) => {
  const dir = write(tempDir(t), 'd', ['--train', '100', '--test', '0', '--seed', '2']);
  assert.deepEqual(readdirSync(dir).sort(), ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
  const x = parseIdx(read(dir, 'train-images-idx3-ubyte')).data;
  const y = idxLabels(parseIdx(read(dir, 'train-labels-idx1-ubyte')));
  assert.ok(Math.min(...x) < 20 && Math.max(...x) > 235, 'pixels do not span 0..255');
  const [i, j] = [...y.keys()].filter((k) => y[k] === y[0]).slice(0, 2);
  assert.notDeepEqual(x.subarray(i * 784, (i + 1) * 784), x.subarray(j * 784, (j + 1) * 784), 'two images of one class are identical: no noise');
});

test('bad flags are usage errors (exit 2) naming the flag', () => {
  for (const [args, want] of [
    [['--train', '10'], /--out DIR is required/],
    [['--out', 'x', '--train', '0'], /--train must be an integer from 1/],
    [['--out', 'x', '--rows', '2.5'], /--rows must be an integer/],
    [['--out', 'x', '--classes', '300'], /--classes must be an integer from 2 to 256/],
    [['--out', 'x', '--train', '6000000', '--rows', '1000', '--cols', '1000'], /exceed the IDX limit/],
    [['--out', 'x', '--bogus'], /Unknown option '--bogus'/],
  ]) {
    const r = make(args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, want);
    assert.match(r.stderr, /usage: node scripts\/make-synthetic-idx\.mjs/);
  }
});

test('learnable: `wasm-mlp train` on 300 images, 2 epochs, reaches > 50% test accuracy on 10 classes', (t) => {
  const dir = write(tempDir(t), 'd', ['--train', '300', '--test', '200', '--seed', '11']);
  const lines = jsonLines(ok(['train', '--dataset', dir, '--epochs', '2', '--seed', '1', '--json']).stdout);
  assert.equal(lines.length, 2);
  const acc = lines[1].testAccuracy;
  assert.ok(acc > 0.5, `test accuracy ${acc} after 2 epochs: not learnable`);
});

test('a second run into the same folder leaves none of the first run\'s files (.gz or t10k) to be picked up', (t) => {
  const root = tempDir(t);
  const dir = write(root, 'd', ['--train', '50', '--test', '20', '--seed', '1', '--gzip']);
  write(root, 'd', ['--train', '40', '--test', '0', '--seed', '2']);
  assert.deepEqual(readdirSync(dir).sort(), ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
  assert.deepEqual(parseIdx(read(dir, 'train-images-idx3-ubyte')).dims, [40, 28, 28]);
});
