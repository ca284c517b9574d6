// `wasm-mlp predict` on images as a new user has them: black on white, any size. For a model of 784
// inputs a PNG or PGM is put into MNIST's form first (preprocessDigit), with one notice on stderr
// when it was inverted; --invert forces the inversion, --no-preprocess keeps the pixels as they are.
// The model is trained here on the embedded digits; the digit is a real test-set 7.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { loadDigits } from '../../dist/node/digits.js';
import { createNetwork } from '../../dist/index.js';
import { encodeModel } from '../../dist/io/index.js';
import { run, ok, jsonLines } from './cli.js';

const { PNG } = createRequire(import.meta.url)('pngjs');
const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-predict-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const MODEL = join(dir, 'digits.safetensors');
const NOTICE = /^wasm-mlp: .*\.png has a light background: inverted to white on black \(pass --invert to force it, --no-preprocess for images already in MNIST form\)\n$/;

const digits = loadDigits();
const SEVEN = digits.test.y.indexOf(7);
const seven = digits.test.x.subarray(SEVEN * 784, (SEVEN + 1) * 784);

/** The digit as 8-bit grey, `size`×`size` (each pixel repeated size/28 times), through `map`. */
function grey(size, map = (v) => v) {
  const k = size / 28, out = new Uint8Array(size * size);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) out[r * size + c] = map(Math.round(255 * seven[Math.floor(r / k) * 28 + Math.floor(c / k)]));
  return out;
}

/** A PNG of grey values (and alpha, default opaque). */
function writePng(name, g, size, alpha = () => 255) {
  const png = new PNG({ width: size, height: size });
  for (let p = 0; p < size * size; p++) png.data.set([g[p], g[p], g[p], alpha(p)], 4 * p);
  const path = join(dir, name);
  writeFileSync(path, PNG.sync.write(png));
  return path;
}

const blackOnWhite = (size) => writePng(`seven-${size}-black-on-white.png`, grey(size, (v) => 255 - v), size);
const predict = (input, ...flags) => run(['predict', '--model', MODEL, '--input', input, '--json', ...flags]);

before(() => {
  ok(['train', '--epochs', '3', '--save', MODEL, '--json']);
  // the test digit is one the model gets right when it is given as the dataset holds it
  const raw = writePng('seven-28-white-on-black.png', grey(28), 28);
  assert.equal(jsonLines(ok(['predict', '--model', MODEL, '--input', raw, '--no-preprocess', '--json']).stdout)[0].class, 7);
});

test('a black-on-white 28×28 PNG of a 7 is predicted as 7, with one notice on stderr and clean JSON on stdout', () => {
  const r = predict(blackOnWhite(28));
  assert.equal(r.status, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].class, 7, `probabilities ${lines[0].probabilities}`);
  assert.match(r.stderr, NOTICE);
  // the same file without preprocessing is read as a white sheet with black strokes, which is not a 7
  const raw = jsonLines(ok(['predict', '--model', MODEL, '--input', blackOnWhite(28), '--no-preprocess', '--json']).stdout);
  assert.notEqual(raw[0].class, 7);
});

test('the same digit as a 56×56 PNG is predicted as 7 too', () => {
  const r = predict(blackOnWhite(56));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(jsonLines(r.stdout)[0].class, 7);
  assert.match(r.stderr, NOTICE);
  // plain output: the notice stays on stderr
  const plain = ok(['predict', '--model', MODEL, '--input', blackOnWhite(56)]);
  assert.match(plain.stdout, /^class 7 {2}\(p \d\.\d{4}\)/);
  assert.doesNotMatch(plain.stdout, /light background/);
});

test('--no-preprocess on the 56×56 PNG still refuses it with "resize the image first"', () => {
  const r = predict(blackOnWhite(56), '--no-preprocess');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^wasm-mlp: .*seven-56-black-on-white\.png is 56×56 = 3136 pixels; the model expects 784 inputs \(28×28\): resize the image first\n$/);
});

test('a white-on-black image is not inverted and prints no notice; --invert forces the inversion without one', () => {
  const white = writePng('seven-56-white-on-black.png', grey(56), 56);
  const r = predict(white);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(jsonLines(r.stdout)[0].class, 7);
  assert.equal(r.stderr, '');
  const forced = predict(blackOnWhite(56), '--invert');
  assert.equal(jsonLines(forced.stdout)[0].class, 7);
  assert.equal(forced.stderr, '');
  // forcing the inversion of a white-on-black image leaves no ink: a blank digit, said on stderr
  const wrong = predict(white, '--invert');
  assert.equal(wrong.status, 0);
  assert.match(wrong.stderr, /^wasm-mlp: .*seven-56-white-on-black\.png has no ink .*predicting on a blank digit\n$/);
});

test('black strokes on a transparent PNG (as drawing apps export them) are read as black on white', () => {
  const g = grey(84, (v) => 255 - v);
  const path = writePng('seven-84-transparent.png', new Uint8Array(g.length), 84, (p) => 255 - g[p]); // black, alpha = ink
  const r = predict(path);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(jsonLines(r.stdout)[0].class, 7);
  assert.match(r.stderr, NOTICE);
});

test('a black-on-white PGM of another size is preprocessed as well', () => {
  const size = 70, g = grey(size, (v) => 255 - v);
  const pgm = join(dir, 'seven.pgm');
  writeFileSync(pgm, Buffer.concat([Buffer.from(`P5\n${size} ${size}\n255\n`), Buffer.from(g)]));
  const r = run(['predict', '--model', MODEL, '--input', pgm, '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(jsonLines(r.stdout)[0].class, 7);
  assert.match(r.stderr, /seven\.pgm has a light background: inverted to white on black/);
});

test('a model of other than 784 inputs takes images as they are (exact size, no notice)', async () => {
  const net = await createNetwork({ layers: [16, 4, 2], backend: 'js' });
  const small = join(dir, 'small.safetensors');
  writeFileSync(small, encodeModel({ architecture: { layers: [16, 4, 2], hidden: 'relu', output: 'softmax' }, parameters: net.getParameters() }));
  const four = writePng('four.png', new Uint8Array(16).fill(255), 4);
  const r = run(['predict', '--model', small, '--input', four, '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(jsonLines(r.stdout)[0].probabilities, Array.from(net.predict(new Float32Array(16).fill(1))));
  const eight = writePng('eight.png', new Uint8Array(64).fill(255), 8);
  const bad = run(['predict', '--model', small, '--input', eight]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /eight\.png is 8×8 = 64 pixels; the model expects 16 inputs \(4×4\): resize the image first/);
});

test('predict --help describes --no-preprocess and the automatic inversion', () => {
  const help = ok(['predict', '--help']).stdout;
  assert.match(help, /--no-preprocess/);
  assert.match(help, /inverted when its background is light/);
});
