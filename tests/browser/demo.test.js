// The demo page in Chromium, as a user meets it: built (scripts/demo-build.mjs, into a temporary
// folder) and served by the demo's own server (scripts/demo-serve.mjs, port 0), cross-origin
// isolated. The page trains an epoch in a worker while its curves fill and a click still gets an
// answer within 100 ms; a digit drawn with pointer events is preprocessed and predicted; the race
// reports two speeds and a speed-up; the model downloads as a file `wasm-mlp predict` reads, and
// loads back (bad files give a message in the page). No console error, no request off 127.0.0.1.
// Screenshots: tests/artifacts/demo-laptop.png (1280×800) and demo-phone.png (390×844).
// The page reports through window.__demo (demo/src/hook.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildDemo } from '../../scripts/demo-build.mjs';
import { serveDemo } from '../../scripts/demo-serve.mjs';
import { createNetwork } from '../../dist/index.js';
import { decodeModel, encodeModel } from '../../dist/io/index.js';
import { loadDigits } from '../../dist/node/digits.js';
import { run } from '../cli/cli.js';
import { NO_CHROMIUM, launch, recordErrors } from './chromium.js';

const SKIP = NO_CHROMIUM ?? false;
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

let dir, server, origin, browser, page;
const requests = [];
let errors = [];
const demo = () => page.evaluate(() => structuredClone(window.__demo));

before(async () => {
  if (SKIP) return;
  dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-demo-'));
  const out = await buildDemo({ outdir: join(dir, 'site') });
  ({ server, url: origin } = await serveDemo({ root: out, port: 0 }));
  browser = await launch(); // a fresh temporary profile
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  context.on('request', (r) => requests.push(r.url()));
  page = await context.newPage();
  errors = recordErrors(page);
  await page.goto(origin);
  await page.waitForFunction(() => window.__demo?.ready === true || window.__demo?.errors.length > 0, null, { timeout: 20_000 });
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the page loads the 10,000 embedded digits and is cross-origin isolated', { skip: SKIP }, async () => {
  const d = await demo();
  assert.deepEqual(d.errors, []);
  assert.equal(d.digits, 10_000);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.match(await page.textContent('#env'), /10,000 digits loaded · cross-origin isolated/);
});

test('it trains an epoch in a worker: the curves receive points, and a click during training is answered within 100 ms', { skip: SKIP }, async () => {
  // the pure-JS backend: slow enough (seconds) to click while it trains
  await page.fill('input[name=epochs]', '1');
  await page.selectOption('select[name=backend]', 'js');
  await page.click('#train-start');
  await page.waitForFunction(() => window.__demo.training && window.__demo.progressEvents >= 3, null, { timeout: 20_000 });
  const clicks = (await demo()).clickLatencies.length;
  await page.click('#pad-clear');
  const d = await demo();
  assert.equal(d.training, true, 'the click came while training');
  assert.equal(d.clears, 1, 'the click was handled');
  const latency = d.clickLatencies[clicks];
  assert.ok(latency >= 0 && latency < 100, `click answered after ${latency} ms`);
  await page.waitForFunction(() => window.__demo.runs === 1 && window.__demo.model !== null, null, { timeout: 30_000 });
  const done = await demo();
  assert.deepEqual(done.errors, []);
  assert.ok(done.points.loss >= 3 && done.points.accuracy >= 3, `points ${JSON.stringify(done.points)}`);
  assert.match(done.model, /^784-128-10, sgd 0\.1, batch 64, trained here for 1 epoch, \d+\.\d% on the test digits$/);
  assert.match(await page.textContent('#stat-test'), /^\d+\.\d%$/);
  assert.match(await page.textContent('#train-status'), /^Done: 1 epoch on js/);
});

test('a digit drawn with pointer events is preprocessed (centred at 14, 14) and predicted', { skip: SKIP }, async () => {
  const box = await page.locator('#pad').boundingBox();
  const at = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
  const stroke = async (points) => {
    await page.mouse.move(...at(...points[0]));
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(...at(...p), { steps: 8 });
    await page.mouse.up();
  };
  await stroke([[0.3, 0.25], [0.7, 0.25]]);            // a 7: the bar
  await stroke([[0.7, 0.25], [0.55, 0.55], [0.45, 0.8]]); // and the stem
  await page.waitForFunction(() => window.__demo.strokes === 2 && window.__demo.predictions > 0);
  const d = await demo();
  const p = d.prediction.probabilities;
  assert.equal(p.length, 10);
  assert.ok(Math.abs(p.reduce((s, v) => s + v, 0) - 1) < 1e-4);
  assert.equal(d.prediction.digit, p.indexOf(Math.max(...p)));
  assert.equal(await page.textContent('#answer'), String(d.prediction.digit));
  assert.ok(Math.abs(d.centre.x - 14) <= 0.5 && Math.abs(d.centre.y - 14) <= 0.5, `centre ${JSON.stringify(d.centre)}`);
});

test('the race shows samples/s for wasm and pure JS and the speed-up', { skip: SKIP }, async () => {
  await page.click('#race-start');
  await page.waitForFunction(() => window.__demo.race.speedup !== null || window.__demo.errors.length > 0, null, { timeout: 30_000 });
  const { race, errors: shown } = await demo();
  assert.deepEqual(shown, []);
  assert.ok(race.wasm > 0 && race.js > 0, JSON.stringify(race));
  assert.ok(Math.abs(race.speedup - race.wasm / race.js) < 1e-9);
  assert.notEqual(race.backend, 'js');
  assert.ok(race.threads >= 1);
  const speeds = await page.locator('.lane-speed').allTextContents();
  assert.equal(speeds.length, 2);
  for (const s of speeds) assert.match(s, /^[\d,]+ samples\/s$/);
  assert.match(await page.textContent('#race-result'), /^WebAssembly trained \d+\.\d× faster than pure JS$/);
});

test('screenshots at laptop and phone size; the phone layout has no sideways scrolling', { skip: SKIP }, async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'demo-laptop.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300); // the charts follow their containers' size
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the page is wider than the phone');
  const chart = await page.locator('#chart-loss canvas').boundingBox();
  assert.ok(chart.width <= 370, `the loss chart is ${chart.width}px wide`);
  await page.screenshot({ path: join(ARTIFACTS, 'demo-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('a bad setting is explained in the page, and Stop ends a run at the next batch', { skip: SKIP }, async () => {
  await page.fill('input[name=hidden]', '128,x');
  await page.click('#train-start');
  assert.match(await page.textContent('#train-status'), /^Hidden layers: write sizes from 1 to 4096 separated by commas, e\.g\. 128 or 256,64 \(got "128,x"\)$/);
  assert.equal((await demo()).training, false);
  await page.fill('input[name=hidden]', '128');
  await page.fill('input[name=epochs]', '5');
  const runs = (await demo()).runs;
  await page.click('#train-start');
  await page.waitForFunction(() => window.__demo.progressEvents > 0 && window.__demo.training);
  await page.click('#train-stop');
  await page.waitForFunction((n) => window.__demo.runs > n, runs, { timeout: 20_000 });
  assert.match(await page.textContent('#train-status'), /^Stopped after [0-4] epochs? \(js\)\.$/);
  assert.equal(await page.isDisabled('#train-stop'), true);
  assert.equal(await page.isDisabled('#train-start'), false);
  assert.equal((await demo()).errors.length, 1);
  await page.evaluate(() => { window.__demo.errors.length = 0; });
});

test('the model downloads as safetensors that wasm-mlp predict reads; models from the page and from wasm-mlp train load; bad files are refused in the page', { skip: SKIP }, async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#model-save')]);
  const file = join(dir, download.suggestedFilename());
  await download.saveAs(file);
  assert.match(file, /wasm-mlp-digits-784-128-10\.safetensors$/);
  const m = decodeModel(new Uint8Array(readFileSync(file)), file);
  assert.deepEqual(m.architecture.layers, [784, 128, 10]);
  assert.equal(m.metadata.source, 'wasm-mlp demo');

  // the CLI predicts with it, on a 28×28 PNG of a test digit, black on white
  const { PNG } = createRequire(import.meta.url)('pngjs');
  const digits = loadDigits();
  const png = new PNG({ width: 28, height: 28 });
  for (let i = 0; i < 784; i++) { const v = 255 - Math.round(255 * digits.test.x[i]); png.data.set([v, v, v, 255], 4 * i); }
  const image = join(dir, 'digit.png');
  writeFileSync(image, PNG.sync.write(png));
  const r = run(['predict', '--model', file, '--input', image, '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).probabilities.length, 10);

  const status = page.locator('#model-status');
  await page.setInputFiles('#model-load', { name: 'notes.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model') });
  await page.waitForFunction(() => document.querySelector('#model-status').dataset.kind === 'error');
  assert.match(await status.textContent(), /notes\.safetensors/);
  const net = await createNetwork({ layers: [16, 4, 2], backend: 'js' });
  const small = encodeModel({ architecture: { layers: [16, 4, 2], hidden: 'relu', output: 'softmax' }, parameters: net.getParameters() });
  await page.setInputFiles('#model-load', { name: 'small.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(small) });
  await page.waitForFunction(() => /small\.safetensors is a 16-4-2 network/.test(document.querySelector('#model-status').textContent));
  assert.match(await status.textContent(), /takes 784 inputs/);

  // a model written by `wasm-mlp train --save`
  const trained = join(dir, 'cli.safetensors');
  const t = run(['train', '--layers', '32', '--epochs', '1', '--save', trained, '--json']);
  assert.equal(t.status, 0, t.stderr);
  await page.setInputFiles('#model-load', trained);
  await page.waitForFunction(() => window.__demo.model === '784-32-10 from cli.safetensors');

  const before = (await demo()).predictions;
  await page.setInputFiles('#model-load', file);
  await page.waitForFunction(() => /^784-128-10 from wasm-mlp-digits/.test(window.__demo.model ?? ''));
  assert.match(await status.textContent(), /^Model: 784-128-10 from wasm-mlp-digits-784-128-10\.safetensors\.$/);
  await page.waitForFunction((n) => window.__demo.predictions > n, before);
  // the page reported the two refusals as shown errors, not as exceptions
  const shown = (await demo()).errors;
  assert.equal(shown.length, 2, JSON.stringify(shown));
  await page.evaluate(() => { window.__demo.errors.length = 0; });
});

test('no console error, and no request left 127.0.0.1', { skip: SKIP }, async () => {
  assert.deepEqual(errors, []);
  assert.deepEqual((await demo()).errors, []);
  const off = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(off, []);
  assert.ok(requests.some((u) => u.endsWith('/train-worker.js')), 'the worker script came from the demo server');
  assert.ok(requests.some((u) => u.endsWith('/digits/images.idx3-ubyte.gz')));
});
