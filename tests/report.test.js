// Report metrics and HTML rendering: hand-computed metrics, escaping of user text, no network
// references, and the atomic file writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { confusionMatrix, perClassMetrics } from '../dist/report/metrics.js';
import { renderReport, escapeHtml, jsonForScript } from '../dist/report/html.js';
import { loadReportAssets, writeReport } from '../dist/node/report-file.js';
import { InputError } from '../dist/errors.js';

// 3 classes, rows = true, columns = predicted:
//   [[3, 1, 0],
//    [0, 2, 2],
//    [1, 0, 1]]
// row sums (support) 4 4 2, column sums 4 3 3, trace 6 of 10.
const PAIRS = [
  [0, 0], [0, 0], [0, 0], [0, 1],
  [1, 1], [1, 1], [1, 2], [1, 2],
  [2, 0], [2, 2],
]; // [true, predicted]
const ACTUAL = PAIRS.map((p) => p[0]);
const PREDICTED = PAIRS.map((p) => p[1]);
const MATRIX = [[3, 1, 0], [0, 2, 2], [1, 0, 1]];

const close = (a, b, msg) => assert.ok(Math.abs(a - b) < 1e-12, `${msg}: ${a} != ${b}`);

test('confusionMatrix counts rows = true class, columns = predicted class', () => {
  assert.deepEqual(confusionMatrix(PREDICTED, ACTUAL, 3), MATRIX);
  assert.deepEqual(confusionMatrix(new Int32Array(PREDICTED), new Uint8Array(ACTUAL), 3), MATRIX);
});

test('confusionMatrix rejects mismatched lengths and labels out of range', () => {
  assert.throws(() => confusionMatrix([0, 1], [0], 2), (e) => e instanceof InputError && /2 predictions but 1/.test(e.message));
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), (e) => e instanceof InputError && /index 1 is 3/.test(e.message));
  assert.throws(() => confusionMatrix([0], [-1], 3), (e) => e instanceof InputError && /true label at index 0/.test(e.message));
  assert.throws(() => confusionMatrix([0.5], [0], 3), InputError);
  assert.throws(() => confusionMatrix([], [], 0), InputError);
});

test('perClassMetrics matches the hand-computed 3-class example', () => {
  const m = perClassMetrics(MATRIX);
  assert.deepEqual(m.support, [4, 4, 2]);
  assert.equal(m.total, 10);
  close(m.accuracy, 0.6, 'accuracy');
  [3 / 4, 2 / 3, 1 / 3].forEach((v, c) => close(m.precision[c], v, `precision ${c}`));
  [3 / 4, 2 / 4, 1 / 2].forEach((v, c) => close(m.recall[c], v, `recall ${c}`));
  const f1 = [6 / 8, 4 / 7, 2 / 5]; // 2TP / (row sum + column sum)
  f1.forEach((v, c) => close(m.f1[c], v, `f1 ${c}`));
  close(m.macroF1, (f1[0] + f1[1] + f1[2]) / 3, 'macroF1');
});

test('perClassMetrics gives null, never NaN, where a denominator is zero', () => {
  // class 1 is never predicted (precision null, recall 0); class 2 is absent everywhere
  const m = perClassMetrics([[2, 0, 0], [1, 0, 0], [0, 0, 0]]);
  assert.deepEqual(m.precision, [2 / 3, null, null]);
  assert.deepEqual(m.recall, [1, 0, null]);
  assert.deepEqual(m.f1, [0.8, 0, null]);
  close(m.macroF1, 0.4, 'macroF1 averages the defined classes');
  const empty = perClassMetrics([[0, 0], [0, 0]]);
  assert.equal(empty.accuracy, null);
  assert.equal(empty.macroF1, null);
  for (const v of [...empty.precision, ...empty.recall, ...empty.f1]) assert.equal(v, null);
});

test('perClassMetrics rejects a non-square matrix and negative counts', () => {
  assert.throws(() => perClassMetrics([[1, 2], [3]]), (e) => e instanceof InputError && /row 1 has 1 cells; expected 2/.test(e.message));
  assert.throws(() => perClassMetrics([[1, -1], [0, 1]]), InputError);
  assert.throws(() => perClassMetrics([]), InputError);
});

const ASSETS = loadReportAssets();
const EVIL = '<script>alert(1)</script>';

function history(epochs) {
  return Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    loss: 1 / (i + 1),
    trainAccuracy: 0.5 + i * 0.05,
    validationLoss: 1.1 / (i + 1),
    validationAccuracy: 0.48 + i * 0.05,
    samplesPerSecond: 50000 + i,
    seconds: 1.25,
  }));
}

function trainInput(overrides = {}) {
  return {
    title: 'MNIST run',
    kind: 'train',
    createdAt: '2025-01-01T00:00:00.000Z',
    architecture: { layers: [784, 128, 3], hidden: 'relu', output: 'softmax' },
    hyperparameters: { optimizer: 'adam', learningRate: 0.001, batchSize: 64, shuffle: true },
    dataset: 'mnist',
    history: history(3),
    confusion: { labels: ['zero', 'one', 'two'], matrix: MATRIX },
    ...overrides,
  };
}

/** The page with the contents of every <script> and <style> removed: what a reader sees. */
function markupOnly(html) {
  return html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '').replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, '');
}

function reportData(html) {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'report-data script present');
  return JSON.parse(m[1]);
}

test('escapeHtml and jsonForScript neutralise markup', () => {
  assert.equal(escapeHtml(`a<b>&"'`), 'a&lt;b&gt;&amp;&quot;&#39;');
  const json = jsonForScript({ s: '</script><!-- \u2028', n: NaN });
  assert.ok(!/[<>&]/.test(json));
  assert.deepEqual(JSON.parse(json), { s: '</script><!-- \u2028', n: null });
});

test('user text (labels, hyper-parameters, title, dataset) appears escaped, never as markup', () => {
  const html = renderReport(
    trainInput({
      title: EVIL,
      dataset: EVIL,
      hyperparameters: { [EVIL]: EVIL, note: '"quoted" & \'single\'' },
      confusion: { labels: [EVIL, 'b', 'c'], matrix: MATRIX },
      summary: { [EVIL]: EVIL },
    }),
    ASSETS,
  );
  assert.ok(!html.includes(EVIL), 'the raw label must not appear anywhere');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  // exactly our three scripts: report data, uPlot, page code
  assert.equal((html.match(/<script/gi) ?? []).length, 3);
  assert.equal((html.match(/<\/script/gi) ?? []).length, 3);
  // the data survives the round trip through the JSON island
  const data = reportData(html);
  assert.equal(data.confusion.labels[0], EVIL);
  assert.equal(data.hyperparameters[EVIL], EVIL);
});

test('the page references nothing over the network', () => {
  const html = renderReport(trainInput(), ASSETS);
  // uPlot's licence banner names its repository in a /*! */ comment; nothing else may
  const withoutBanners = html.replace(/\/\*![\s\S]*?\*\//g, '');
  assert.doesNotMatch(withoutBanners, /https?:\/\//i);
  assert.doesNotMatch(html, /<link\b/i);
  assert.doesNotMatch(html, /<(img|iframe|script|embed|object|video|audio|source)\b[^>]*\ssrc\s*=/i);
  assert.doesNotMatch(html, /@import|url\(/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  // uPlot is inlined, with its licence
  assert.match(html, /Permission is hereby granted/);
  assert.ok(html.includes('.u-legend'), 'uPlot CSS inlined');
  assert.ok(html.includes('var uPlot='), 'uPlot JS inlined');
});

test('a training report has both curves, the confusion matrix, per-class metrics and the configuration', () => {
  const html = renderReport(trainInput(), ASSETS);
  const data = reportData(html);
  assert.deepEqual(data.charts.map((c) => c.id), ['loss', 'accuracy']);
  assert.deepEqual(data.charts[0].series.map((s) => s.key), ['loss', 'validationLoss']);
  assert.deepEqual(data.charts[1].series.map((s) => s.key), ['trainAccuracy', 'validationAccuracy']);
  assert.equal(data.history.length, 3);
  assert.match(html, /id="chart-loss"/);
  assert.match(html, /id="chart-accuracy"/);
  assert.equal((html.match(/class="cm-cell/g) ?? []).length, 9);
  assert.match(html, /<td class="cm-cell cm-diag" data-true="0" data-pred="0"[^>]*>3<\/td>/);
  assert.match(html, /precision/);
  assert.match(html, /75\.00%/); // precision and recall of class 0
  assert.match(html, /66\.67%/); // precision of class 1
  assert.match(html, /784 → 128 → 3/);
  assert.match(html, /learningRate<\/th><td>0\.001</);
  assert.match(html, /Throughput<\/div><div class="card-value">50,001<\/div><div class="card-sub">samples\/s/); // mean throughput
  assert.doesNotMatch(markupOnly(html), /NaN|undefined|null/);
});

test('an evaluate report has no curves but has the matrix and metrics', () => {
  const html = renderReport(
    { title: 'eval', kind: 'evaluate', architecture: { layers: [4, 3], hidden: 'tanh', output: 'softmax' }, hyperparameters: {}, confusion: { labels: ['a', 'b', 'c'], matrix: MATRIX }, summary: { loss: 0.123456789 } },
    ASSETS,
  );
  const data = reportData(html);
  assert.deepEqual(data.charts, []);
  assert.doesNotMatch(html, /id="chart-/);
  assert.match(html, /id="confusion-matrix"/);
  assert.match(html, /id="class-metrics"/);
  assert.match(html, /60\.00%/); // accuracy
  assert.match(html, /0\.123457/); // summary number, 6 significant digits
});

test('zero denominators and non-finite values show as a dash, never NaN', () => {
  const h = history(1);
  h[0].loss = NaN;
  h[0].validationAccuracy = undefined;
  const html = renderReport(trainInput({ history: h, confusion: { labels: ['x', 'y', 'z'], matrix: [[2, 0, 0], [1, 0, 0], [0, 0, 0]] } }), ASSETS);
  const visible = markupOnly(html);
  assert.doesNotMatch(visible, /NaN|Infinity/);
  assert.match(visible, /<td class="num na">—<\/td>/);
  assert.equal(reportData(html).history[0].loss, null);
});

test('renderReport rejects a confusion matrix whose labels do not match its size', () => {
  assert.throws(
    () => renderReport(trainInput({ confusion: { labels: ['a', 'b'], matrix: MATRIX } }), ASSETS),
    (e) => e instanceof InputError && /2 labels but 3 matrix rows/.test(e.message),
  );
});

test('writeReport writes the page atomically and leaves no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-report-'));
  try {
    const path = join(dir, 'report.html');
    const { createdAt, ...input } = trainInput();
    writeReport(path, input);
    writeReport(path, input); // overwrite in place
    assert.deepEqual(readdirSync(dir), ['report.html']);
    const html = readFileSync(path, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /\d{4}-\d\d-\d\d \d\d:\d\d UTC/, 'createdAt defaults to now');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
