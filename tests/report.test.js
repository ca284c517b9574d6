// Report metrics and HTML rendering: hand-computed metrics, number formatting, chart tick steps and
// labels, escaping of user text, no network references, the embedded page script, and the atomic
// file writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { confusionMatrix, perClassMetrics } from '../dist/report/metrics.js';
import { renderReport, escapeHtml, jsonForScript } from '../dist/report/html.js';
import { fmtNumber, fmtSeconds, fmtSummaryValue } from '../dist/report/format.js';
import { EPOCH_STEPS, PERCENT_STEPS, VALUE_STEPS, decimalsOf, tickLabels } from '../dist/report/axis.js';
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
  assert.match(html, /<div class="card-label">loss<\/div><div class="card-value">0\.1235<\/div>/); // a loss: 4 decimals
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

test('summary figures are formatted by what their name says, never shown raw', () => {
  const summary = {
    'test accuracy': 0.903,
    'macro F1': 0.8912345,
    'training time (s)': 12.246123,
    'validation loss': 0.246123,
    samples: 10000,
    'samples/s (mean)': 41234.5678,
    momentum: 0.123456789,
    epsilon: 0.0000001234567,
    'model file': 'run.mlp',
  };
  const html = renderReport(trainInput({ summary }), ASSETS);
  const cards = Object.fromEntries(
    [...markupOnly(html).matchAll(/<div class="card-label">([^<]*)<\/div><div class="card-value">([^<]*)<\/div>/g)].map((m) => [m[1], m[2]]),
  );
  assert.equal(cards['test accuracy'], '90.30%');
  assert.equal(cards['macro F1'], '89.12%');
  assert.equal(cards['training time (s)'], '12.25 s');
  assert.equal(cards['validation loss'], '0.2461');
  assert.equal(cards.samples, '10,000');
  assert.equal(cards['samples/s (mean)'], '41,235');
  assert.equal(cards.momentum, '0.1235');
  assert.equal(cards.epsilon, '1.235e-7');
  assert.equal(cards['model file'], 'run.mlp');
  // an accuracy outside [0, 1] is not a fraction: shown as a number, not as a percentage
  assert.equal(fmtSummaryValue('accuracy', 90.3), '90.3');
  assert.equal(fmtSummaryValue('accuracy', NaN), '—');
});

test('fmtNumber keeps 4 significant digits and groups thousands; fmtSeconds never shows 60 s', () => {
  assert.equal(fmtNumber(0.246123), '0.2461');
  assert.equal(fmtNumber(0.903), '0.903');
  assert.equal(fmtNumber(12.246123), '12.25');
  assert.equal(fmtNumber(-3.14159), '-3.142');
  assert.equal(fmtNumber(60000), '60,000');
  assert.equal(fmtNumber(1234.5678), '1,235');
  assert.equal(fmtNumber(0.00012), '1.2e-4');
  assert.equal(fmtNumber(0), '0');
  assert.equal(fmtNumber(Infinity), '—');
  assert.equal(fmtSeconds(119.6), '2 min 0 s');
  assert.equal(fmtSeconds(135), '2 min 15 s');
  assert.equal(fmtSeconds(7260), '2 h 1 min');
  assert.equal(fmtSeconds(9.5), '9.50 s');
});

/** m of step = m × 10^k, with m in [1, 10). */
function mantissa(step) {
  const k = Math.floor(Math.log10(step) + 1e-9);
  return Math.round((step / 10 ** k) * 1e6) / 1e6;
}

test('chart tick steps are 1, 2 or 5 × 10^k, ascending, whole numbers on the epoch axis', () => {
  for (const [name, steps] of Object.entries({ PERCENT_STEPS, VALUE_STEPS, EPOCH_STEPS })) {
    assert.ok(steps.length > 6, name);
    steps.forEach((s, i) => {
      assert.ok([1, 2, 5].includes(mantissa(s)), `${name}[${i}] = ${s} is not 1, 2 or 5 × 10^k`);
      if (i > 0) assert.ok(s > steps[i - 1], `${name} ascending at ${i}`);
    });
  }
  assert.ok(EPOCH_STEPS.every(Number.isInteger));
  assert.ok(PERCENT_STEPS.includes(0.05) && PERCENT_STEPS.includes(0.01));
  assert.ok(!PERCENT_STEPS.includes(0.025), '2.5% would put grid lines at 87.5%');
});

test('tick labels show exactly the value at each grid line', () => {
  assert.deepEqual(tickLabels([0.8, 0.85, 0.9], 0.05, true), ['80%', '85%', '90%']);
  assert.deepEqual(tickLabels([0.825, 0.85, 0.875], 0.025, true), ['82.5%', '85.0%', '87.5%']);
  assert.deepEqual(tickLabels([0.2, 0.25, 0.3], 0.05, false), ['0.20', '0.25', '0.30']);
  assert.deepEqual(tickLabels([0, 2, 4], 2, false), ['0', '2', '4']);
  assert.deepEqual([20, 0.5, 0.025, 5e-7, 0.1 + 0.2].map(decimalsOf), [0, 1, 3, 7, 1]);
  // every step: the labels of three grid lines read back as the lines' values
  for (const [steps, percent] of [[PERCENT_STEPS, true], [VALUE_STEPS, false]]) {
    for (const step of steps) {
      const dec = decimalsOf(step);
      const splits = [7, 8, 9].map((k) => Number((k * step).toFixed(dec)));
      tickLabels(splits, step, percent).forEach((label, i) => {
        const shown = percent ? Number(label.slice(0, -1)) / 100 : Number(label);
        assert.ok(Math.abs(shown - splits[i]) <= step * 1e-9, `step ${step}: label ${label} for a line at ${splits[i]}`);
      });
    }
  }
});

test('the page script is compiled, bundled JavaScript: one classic script with no imports or types', () => {
  const html = renderReport(trainInput(), ASSETS);
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 2, 'uPlot, then the page script');
  const page = scripts[1];
  assert.doesNotMatch(page, /^\s*(import|export)\b/m);
  assert.doesNotThrow(() => new Function(page), 'parses as a classic script (no TypeScript syntax, no module syntax)');
  assert.match(page, /window\.__wasmMlpReport = /);
  assert.match(page, /getElementById\('report-data'\)/);
  // the page's stylesheet is inlined after uPlot's
  assert.match(html, /<style>[^<]*\.u-legend[^<]*<\/style>\n<style>[^<]*\.cm-cell/);
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
