// The HTML report in a real browser: Debian's Chromium driven by playwright-core. Opens the written
// file, waits for the charts, counts points and confusion cells, reads the axis tick labels the
// charts draw, checks the console and the network, and saves a screenshot to
// tests/artifacts/report.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { writeReport } from '../../dist/node/report-file.js';
import { NO_CHROMIUM, launch } from './chromium.js';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** A deterministic, plausible 10-class confusion matrix (rows = true, columns = predicted). */
function confusion() {
  const n = LABELS.length;
  return Array.from({ length: n }, (_, t) =>
    Array.from({ length: n }, (_, p) => (t === p ? 880 + ((t * 37) % 100) : (t * 7 + p * 13) % 11 === 0 ? 20 + ((t + p) % 5) * 9 : (t + p) % 4)),
  );
}

function trainInput(epochs) {
  return {
    title: 'Fashion-MNIST · 784-256-128-10',
    kind: 'train',
    createdAt: '2025-06-01 12:00 UTC',
    architecture: { layers: [784, 256, 128, 10], hidden: 'relu', output: 'softmax' },
    hyperparameters: { optimizer: 'adam', learningRate: 0.001, batchSize: 128, epochs, backend: 'relaxed', seed: 42, '<b>label</b>': '<script>alert(1)</script>' },
    dataset: 'fashion-mnist (60,000 train / 10,000 test)',
    // accuracies from 76.5% to 89% over 7 epochs: a range where uPlot's default steps (which include
    // 2.5 × 10^k) put the accuracy grid lines at 77.5%, 82.5%, 87.5%
    history: Array.from({ length: epochs }, (_, i) => ({
      epoch: i + 1,
      loss: 0.3 + 0.6 * Math.exp(-i / 2),
      trainAccuracy: 0.895 - 0.12 * Math.exp(-i / 2),
      validationLoss: 0.36 + 0.55 * Math.exp(-i / 2) + i * 0.004,
      validationAccuracy: 0.885 - 0.115 * Math.exp(-i / 2),
      testAccuracy: 0.88 - 0.115 * Math.exp(-i / 2),
      samplesPerSecond: 41000 + ((i * 1700) % 5000),
      seconds: 1.4 + (i % 3) * 0.05,
    })),
    confusion: { labels: LABELS, matrix: confusion() },
    summary: { 'model file': 'fashion.mlp' },
  };
}

/** Runs in the page before its scripts: keeps, per canvas, the text drawn since the last full
 * clear (uPlot clears the whole canvas before each redraw), with its position and alignment. */
function recordCanvasText() {
  const proto = CanvasRenderingContext2D.prototype;
  const { clearRect, fillText } = proto;
  proto.clearRect = function (x, y, w, h) {
    if (x === 0 && y === 0 && w === this.canvas.width && h === this.canvas.height) this.canvas.drawnText = [];
    return clearRect.call(this, x, y, w, h);
  };
  proto.fillText = function (text, x, y, ...rest) {
    (this.canvas.drawnText ??= []).push({ text: String(text), x, y, align: this.textAlign });
    return fillText.call(this, text, x, y, ...rest);
  };
}

/** The value-axis tick labels of chart `id` with their canvas y positions: the left axis draws its
 * labels right-aligned; the epoch axis and the axis titles are centred. The kept-epoch marker's
 * label ('kept: epoch N') may be right-aligned too, beside its line: not a tick. */
async function valueAxisTicks(page, id) {
  return page.$eval(`#chart-${id} canvas`, (c) =>
    (c.drawnText ?? []).filter((t) => t.align === 'right' && !t.text.startsWith('kept: ')).map((t) => ({ text: t.text, y: t.y })),
  );
}

/** Asserts ticks are evenly spaced by 1, 2 or 5 × 10^k, each label a multiple of that step, and
 * each label drawn where its value belongs (positions linear in the labelled values). */
function assertRoundTicks(ticks, percent, what) {
  const pattern = percent ? /^\d+(\.\d+)?%$/ : /^-?\d+(\.\d+)?$/;
  for (const t of ticks) assert.match(t.text, pattern, `${what}: tick label ${t.text}`);
  assert.ok(ticks.length >= 3, `${what}: ${ticks.length} tick labels`);
  const values = ticks.map((t) => Number(percent ? t.text.slice(0, -1) : t.text));
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const v = order.map((i) => values[i]);
  const y = order.map((i) => ticks[i].y);
  const labels = order.map((i) => ticks[i].text).join(' ');
  const step = v[1] - v[0];
  const k = Math.floor(Math.log10(step) + 1e-9);
  assert.ok([1, 2, 5].includes(Math.round(step / 10 ** k * 1e6) / 1e6), `${what}: step ${step} is not 1, 2 or 5 × 10^k (${labels})`);
  for (let i = 1; i < v.length; i++) {
    assert.ok(Math.abs(v[i] - v[i - 1] - step) < step * 1e-6, `${what}: uneven tick labels ${labels}`);
    assert.ok(Math.abs(v[i] / step - Math.round(v[i] / step)) < 1e-6, `${what}: ${v[i]} is not a multiple of ${step}`);
  }
  const pxPerUnit = (y[y.length - 1] - y[0]) / (v[v.length - 1] - v[0]);
  v.forEach((value, i) => {
    const expected = y[0] + (value - v[0]) * pxPerUnit;
    assert.ok(Math.abs(y[i] - expected) <= 1, `${what}: label ${ticks[order[i]].text} drawn at y=${y[i]}, its value is at y=${expected.toFixed(1)}`);
  });
}

async function openReport(t, input, name) {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-report-browser-'));
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const path = join(dir, name);
  writeReport(path, input);
  const url = pathToFileURL(path).href;
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.addInitScript(recordCanvasText);
  const problems = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  await page.waitForFunction(() => window.__wasmMlpReport !== undefined, null, { timeout: 10000 });
  const report = await page.evaluate(() => window.__wasmMlpReport);
  return { page, report, problems, requests, url };
}

test('the training report draws every epoch, the full matrix, and loads nothing', async (t) => {
  if (NO_CHROMIUM) { t.skip(NO_CHROMIUM); return; }
  const EPOCHS = 7;
  const { page, report, problems, requests, url } = await openReport(t, trainInput(EPOCHS), 'report.html');

  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.charts.map((c) => c.id), ['loss', 'accuracy']);
  assert.deepEqual(report.charts[0].series.map((s) => s.label), ['train loss', 'validation loss']);
  assert.deepEqual(report.charts[1].series.map((s) => s.label), ['train accuracy', 'validation accuracy', 'test accuracy']);
  for (const chart of report.charts) {
    for (const s of chart.series) assert.equal(s.points, EPOCHS, `${chart.id} / ${s.label}`);
  }
  // each chart drew onto a real canvas
  const canvases = await page.$$eval('.chart canvas', (cs) => cs.map((c) => [c.width, c.height]));
  assert.equal(canvases.length, 2);
  for (const [w, h] of canvases) assert.ok(w > 200 && h > 100, `canvas ${w}x${h}`);

  const n = LABELS.length;
  assert.equal(await page.locator('#confusion-matrix td.cm-cell').count(), n * n);
  assert.equal(await page.locator('#confusion-matrix tbody tr').count(), n);
  assert.equal(await page.locator('#class-metrics tbody tr').count(), n);
  // the hostile hyper-parameter is text, not markup
  assert.equal(await page.locator('#hyperparameters b').count(), 0);
  assert.equal(await page.locator('#hyperparameters td', { hasText: '<script>alert(1)</script>' }).count(), 1);
  assert.doesNotMatch(await page.locator('body').innerText(), /NaN|undefined/);

  assert.deepEqual(problems, []);
  assert.deepEqual(requests, [url], 'the only request is the report file itself');

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
});

test('the value axes have round tick steps, each label the exact value at its grid line', async (t) => {
  if (NO_CHROMIUM) { t.skip(NO_CHROMIUM); return; }
  const { page, report, problems } = await openReport(t, trainInput(7), 'ticks.html');
  assert.deepEqual(report.errors, []);
  const accuracy = await valueAxisTicks(page, 'accuracy');
  assertRoundTicks(accuracy, true, 'accuracy axis');
  assert.ok(accuracy.some((t) => t.text === '80%'), `accuracy ticks: ${accuracy.map((t) => t.text).join(' ')}`);
  assertRoundTicks(await valueAxisTicks(page, 'loss'), false, 'loss axis');
  assert.deepEqual(problems, []);
});

test('a one-epoch report still draws one point per series', async (t) => {
  if (NO_CHROMIUM) { t.skip(NO_CHROMIUM); return; }
  const { report, problems } = await openReport(t, trainInput(1), 'one-epoch.html');
  assert.deepEqual(report.errors, []);
  assert.equal(report.charts.length, 2);
  for (const chart of report.charts) for (const s of chart.series) assert.equal(s.points, 1, `${chart.id} / ${s.label}`);
  assert.deepEqual(problems, []);
});

test('the evaluate report has no charts but the matrix and metrics', async (t) => {
  if (NO_CHROMIUM) { t.skip(NO_CHROMIUM); return; }
  const input = trainInput(1);
  delete input.history;
  const { page, report, problems } = await openReport(t, { ...input, kind: 'evaluate', title: 'Evaluation' }, 'evaluate.html');
  assert.deepEqual(report, { charts: [], errors: [] });
  assert.equal(await page.locator('.chart').count(), 0);
  assert.equal(await page.locator('#confusion-matrix td.cm-cell').count(), LABELS.length ** 2);
  assert.deepEqual(problems, []);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'report-evaluate.png'), fullPage: true });
});

test('with a training recipe: a learning-rate chart with round ticks, and the kept epoch marked on every chart', async (t) => {
  if (NO_CHROMIUM) { t.skip(NO_CHROMIUM); return; }
  const input = trainInput(7);
  input.history.forEach((h, i) => { h.learningRate = 0.05 * 0.5 * (1 + Math.cos((Math.PI * (i + 1)) / 7)); });
  input.keptEpoch = 4;
  const { page, report, problems } = await openReport(t, input, 'recipe.html');
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.charts.map((c) => c.id), ['loss', 'accuracy', 'learning-rate']);
  assert.deepEqual(report.charts[2].series, [{ label: 'learning rate', points: 7 }]);
  for (const c of report.charts) assert.equal(c.keptEpoch, 4, c.id);
  for (const id of ['loss', 'accuracy', 'learning-rate']) {
    const drawn = await page.$eval(`#chart-${id} canvas`, (c) => (c.drawnText ?? []).map((x) => x.text));
    assert.ok(drawn.includes('kept: epoch 4'), `${id}: the kept epoch is marked (${drawn.join(' | ')})`);
  }
  assertRoundTicks(await valueAxisTicks(page, 'learning-rate'), false, 'learning-rate axis');
  assert.equal(await page.locator('.card', { hasText: 'Kept epoch' }).count(), 1);
  assert.deepEqual(problems, []);
});
