// The library core in a real browser: Debian's Chromium loads dist/index.js as an ES module from a
// loopback HTTP server (this test's own, on 127.0.0.1), picks its backend with 'auto' (Chromium
// enables relaxed SIMD by default), trains a small network and predicts. Proves the core path
// needs no Node built-in and finds its embedded wasm without file or network access.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_CHROMIUM, pageResult, serveDist } from './chromium.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>wasm-mlp in a page</title>
<script type="module">
import { createNetwork, bestBackend, ConfigError } from '/dist/index.js';
// three Gaussian blobs in 2-D, drawn from a seeded generator so every run sees the same data
let s = 7;
const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
const n = 600, x = new Float32Array(n * 2), y = new Uint8Array(n);
const centres = [[-2, 0], [2, 0], [0, 2.5]];
for (let i = 0; i < n; i++) {
  const c = i % 3, r = Math.sqrt(-2 * Math.log(1 - rnd())) * 0.5, a = 2 * Math.PI * rnd();
  x[2 * i] = centres[c][0] + r * Math.cos(a); x[2 * i + 1] = centres[c][1] + r * Math.sin(a); y[i] = c;
}
try {
  const net = await createNetwork({ layers: [2, 16, 3], optimizer: { name: 'sgd', learningRate: 0.1 }, seed: 3 });
  const history = await net.fit(x, y, { epochs: 20, batchSize: 32 });
  const p = net.predict(x.subarray(0, 6));
  let badError = null;
  try { await createNetwork({ layers: [2, 0, 3] }); } catch (e) { badError = { isConfigError: e instanceof ConfigError, message: e.message }; }
  window.__result = { backend: net.backend, best: bestBackend(), first: history[0].loss, last: history.at(-1).loss,
    accuracy: net.evaluate(x, y).accuracy, rowSums: [0, 1].map((r) => p[3 * r] + p[3 * r + 1] + p[3 * r + 2]), badError };
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
}
</script>`;

test('the library trains and predicts in Chromium from dist/index.js, on its best wasm backend', async (t) => {
  if (NO_CHROMIUM) { t.skip(NO_CHROMIUM); return; }
  const server = await serveDist({ page: PAGE });
  t.after(() => server.close());
  const r = await pageResult(t, `http://127.0.0.1:${server.address().port}/`, 30000);
  t.diagnostic(`backend ${r.backend}, loss ${r.first.toFixed(3)} → ${r.last.toFixed(3)}, accuracy ${r.accuracy}`);
  assert.equal(r.backend, r.best, "'auto' uses the best backend the page validates");
  assert.ok(['relaxed', 'simd'].includes(r.backend), `a SIMD backend in Chromium, got ${r.backend}`);
  assert.ok(r.last < r.first / 3, `the loss falls: ${r.first} → ${r.last}`);
  assert.ok(r.accuracy >= 0.95, `three separated blobs are learned, accuracy ${r.accuracy}`);
  for (const sum of r.rowSums) assert.ok(Math.abs(sum - 1) < 1e-5, `softmax rows sum to 1, got ${sum}`);
  assert.equal(r.badError?.isConfigError, true);
  assert.match(r.badError.message, /layers\[1\] must be a positive integer/);
});
