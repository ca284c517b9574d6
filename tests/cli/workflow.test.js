// train → save → info → evaluate → predict → export on a one-epoch digits run, checked against the
// model loaded in-process (net.predict) and against onnxruntime-web running the exported graph.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { loadDigits } from '../../dist/node/digits.js';
import { createNetwork } from '../../dist/index.js';
import { decodeModel } from '../../dist/io/model-file.js';
import { CLI, run, ok, jsonLines } from './cli.js';

const require = createRequire(import.meta.url);
const { PNG } = require('pngjs');
// the in-process network and the CLI's predict/evaluate use the same backend, so outputs match
// bit for bit ('auto' may pick relaxed SIMD in the CLI, which sets the V8 flag, and not here)
const BACKEND = ['--backend', 'simd'];
const argmax = (a) => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const MODEL = join(dir, 'digits.safetensors');
const digits = loadDigits();
let trainLog;
let net;

/** Test digit i, quantised to 8 bits as an image file would hold it: values k, and k/255. */
function digitBytes(i) {
  const x = digits.test.x.subarray(i * 784, (i + 1) * 784);
  const k = Uint8Array.from(x, (v) => Math.round(v * 255));
  return { k, x: Float32Array.from(k, (v) => v / 255) };
}

function writePng(path, grey, size = 28) {
  const png = new PNG({ width: size, height: size });
  for (let p = 0; p < size * size; p++) png.data.set([grey[p], grey[p], grey[p], 255], 4 * p);
  writeFileSync(path, PNG.sync.write(png));
}

before(async () => {
  trainLog = ok(['train', '--epochs', '1', '--save', MODEL, '--json', '--report', join(dir, 'train.html')]);
  const m = decodeModel(new Uint8Array(readFileSync(MODEL)));
  net = await createNetwork({ ...m.architecture, backend: 'simd' });
  net.setParameters(m.parameters);
});

test('train --json prints only JSON lines with exactly the contract keys', () => {
  const lines = jsonLines(trainLog.stdout);
  assert.equal(lines.length, 1);
  assert.deepEqual(Object.keys(lines[0]).sort(), ['epoch', 'learningRate', 'loss', 'samplesPerSecond', 'seconds', 'testAccuracy', 'trainAccuracy']);
  assert.equal(lines[0].learningRate, 0.1);
  assert.equal(lines[0].epoch, 1);
  assert.ok(lines[0].testAccuracy > 0.8, `test accuracy ${lines[0].testAccuracy}`);
  assert.ok(lines[0].samplesPerSecond > 0 && lines[0].seconds > 0);
});

test('train without --json prints a header and one line per epoch with the learning rate, loss, accuracies, samples/s and seconds', () => {
  const r = ok(['train', '--epochs', '2', '--layers', '32']);
  const epochs = r.stdout.split('\n').filter((l) => l.startsWith('epoch'));
  assert.equal(epochs.length, 2);
  assert.match(epochs[1], /^epoch {2}2\/2 {2}lr 0\.1 {2}loss \d\.\d{4} {2}train \d+\.\d\d% {2}test \d+\.\d\d% {2}[\d,]+ samples\/s {2}\d+\.\d\d s$/);
  assert.match(r.stdout, /784-32-10 relu\/softmax, sgd lr 0\.1, batch 64/);
});

test('--report writes an HTML page with the history and the confusion matrix', () => {
  const html = readFileSync(join(dir, 'train.html'), 'utf8');
  assert.match(html, /<html/i);
  assert.match(html, /confusion matrix of/);
  assert.match(html, /test set/);
  // the summary adds nothing the report shows from the history (it used to repeat it raw)
  assert.doesNotMatch(html, /training time \(s\)|samples\/s \(mean\)|"test accuracy":|>test accuracy</);
});

test('info shows the architecture, parameter count, normaliser, metadata and size', () => {
  const text = ok(['info', '--model', MODEL]).stdout;
  assert.match(text, /784-128-10, hidden relu, output softmax/);
  assert.match(text, /parameters +101,770/);
  assert.match(text, /normalizer +none/);
  assert.match(text, /trained_epochs: 1/);
  const info = JSON.parse(ok(['info', '--model', MODEL, '--json']).stdout);
  assert.deepEqual(JSON.parse(ok(['info', MODEL, '--json']).stdout), info, 'info FILE reads the same as info --model FILE');
  assert.equal(info.bytes, readFileSync(MODEL).length);
  assert.equal(info.parameters, 784 * 128 + 128 + 128 * 10 + 10);
  assert.equal(info.kind, 'model');
});

test('evaluate reports the test accuracy the training run printed', () => {
  const [epoch] = jsonLines(trainLog.stdout);
  const r = JSON.parse(ok(['evaluate', '--model', MODEL, '--json', ...BACKEND]).stdout);
  assert.equal(r.samples, 2000);
  assert.equal(r.split, 'test');
  const expect = net.evaluate(digits.test.x, digits.test.y);
  assert.equal(r.loss, expect.loss);
  assert.equal(r.accuracy, expect.accuracy);
  assert.ok(Math.abs(r.accuracy - epoch.testAccuracy) <= 0.002, `${r.accuracy} vs ${epoch.testAccuracy} printed by train`);
  assert.match(ok(['evaluate', '--model', MODEL, '--report', join(dir, 'eval.html')]).stdout, /accuracy \d+\.\d\d%/);
  // accuracy, macro F1 and the sample count come from the confusion matrix: the summary adds the loss only
  assert.doesNotMatch(readFileSync(join(dir, 'eval.html'), 'utf8'), /macro F1":|>macro F1<|"samples":|>samples</);
});

test('predict on a CSV of real digits matches net.predict, and the exported ONNX matches within 1e-5', async () => {
  const n = 64;
  const x = digits.test.x.subarray(0, n * 784);
  const rows = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(x.subarray(i * 784, (i + 1) * 784), String).join(','));
  const csv = join(dir, 'digits.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
  const predicted = jsonLines(ok(['predict', '--model', MODEL, '--input', csv, '--json', ...BACKEND]).stdout);
  assert.equal(predicted.length, n);
  const expect = net.predict(Float32Array.from(x));
  predicted.forEach((p, i) => {
    assert.deepEqual(p.probabilities, Array.from(expect.subarray(i * 10, (i + 1) * 10)), `row ${i}`);
    assert.equal(p.class, argmax(p.probabilities));
  });

  const onnx = join(dir, 'digits.onnx');
  assert.match(ok(['export', '--model', MODEL, '--onnx', onnx]).stdout, /wrote .*digits\.onnx/);
  const ort = (await import('../onnx-runtime.js')).default;
  const session = await ort.InferenceSession.create(readFileSync(onnx));
  const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x), [n, 784]) });
  const y = result.output.data;
  let worst = 0;
  predicted.forEach((p, i) => p.probabilities.forEach((v, c) => { worst = Math.max(worst, Math.abs(v - y[i * 10 + c])); }));
  assert.ok(worst < 1e-5, `max |ONNX - predict| = ${worst}`);
});

// --no-preprocess: these pin the image readers (the pixels reach the network as they are);
// the default preprocessing for 784-input models is tested in predict-preprocess.test.js
test('predict on a 28×28 PNG of a real test digit gives the class net.predict gives', () => {
  for (const i of [0, 1, 2]) {
    const { k, x } = digitBytes(i);
    const png = join(dir, `digit${i}.png`);
    writePng(png, k);
    const [p] = jsonLines(ok(['predict', '--model', MODEL, '--input', png, '--no-preprocess', '--json', ...BACKEND]).stdout);
    const expect = net.predict(x);
    assert.equal(p.class, argmax(Array.from(expect)));
    p.probabilities.forEach((v, c) => assert.ok(Math.abs(v - expect[c]) < 1e-6));
    // the same digit drawn black on white, read with --invert
    const inverted = join(dir, `digit${i}-inverted.png`);
    writePng(inverted, k.map((v) => 255 - v));
    const [q] = jsonLines(ok(['predict', '--model', MODEL, '--input', inverted, '--invert', '--no-preprocess', '--json', ...BACKEND]).stdout);
    assert.equal(q.class, p.class);
  }
  assert.match(ok(['predict', '--model', MODEL, '--input', join(dir, 'digit0.png'), '--no-preprocess']).stdout, /^class \d {2}\(p \d\.\d{4}\) {2}probabilities( \d\.\d{4}){10}\n$/);
});

test('predict reads PGM (P5 and P2) and IDX images', () => {
  const { k, x } = digitBytes(3);
  const expectClass = argmax(Array.from(net.predict(x)));
  const p5 = join(dir, 'digit.pgm');
  writeFileSync(p5, Buffer.concat([Buffer.from('P5\n# a test digit\n28 28\n255\n'), Buffer.from(k)]));
  assert.equal(jsonLines(ok(['predict', '--model', MODEL, '--input', p5, '--no-preprocess', '--json', ...BACKEND]).stdout)[0].class, expectClass);
  const p2 = join(dir, 'digit-ascii.pgm');
  writeFileSync(p2, `P2\n28 28\n255\n${Array.from(k).join(' ')}\n`);
  assert.equal(jsonLines(ok(['predict', '--model', MODEL, '--input', p2, '--no-preprocess', '--json', ...BACKEND]).stdout)[0].class, expectClass);

  const n = 10;
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x803, 0); header.writeUInt32BE(n, 4); header.writeUInt32BE(28, 8); header.writeUInt32BE(28, 12);
  const images = Buffer.alloc(n * 784);
  const xs = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) { const d = digitBytes(i); images.set(d.k, i * 784); xs.set(d.x, i * 784); }
  const idx = join(dir, 'images-idx3-ubyte');
  writeFileSync(idx, Buffer.concat([header, images]));
  const got = jsonLines(ok(['predict', '--model', MODEL, '--input', idx, '--json', ...BACKEND]).stdout).map((p) => p.class);
  const expect = net.predict(xs);
  assert.deepEqual(got, Array.from({ length: n }, (_, i) => argmax(Array.from(expect.subarray(i * 10, (i + 1) * 10)))));
});

test('an image of the wrong size exits 1 naming the expected and found sizes (with --no-preprocess)', () => {
  const png = join(dir, 'small.png');
  writePng(png, new Uint8Array(20 * 20), 20);
  const r = run(['predict', '--model', MODEL, '--input', png, '--no-preprocess']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^wasm-mlp: .*small\.png is 20×20 = 400 pixels; the model expects 784 inputs \(28×28\)/);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
});

test('a truncated PGM exits 1 naming the file and the byte offset', () => {
  const pgm = join(dir, 'cut.pgm');
  writeFileSync(pgm, Buffer.concat([Buffer.from('P5 28 28 255\n'), Buffer.alloc(100)]));
  const r = run(['predict', '--model', MODEL, '--input', pgm]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cut\.pgm: byte 113: truncated pixel data: 28×28 pixels of 1 byte need 784 bytes/);
});
