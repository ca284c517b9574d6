// Multi-core training in a real browser: Chromium loads dist/index.js from a loopback server that
// sends the cross-origin-isolation headers (COOP same-origin, COEP require-corp), so the page has
// SharedArrayBuffer; `threads: 2` then starts a module Worker over the shared memory, and training
// ends bit-identical to one thread. The page's main thread coordinates (it may not block in
// Atomics.wait, so it spins while it waits for the worker). Served without those headers, the same
// page falls back to one thread with one notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_CHROMIUM, pageResult, serveDist } from './chromium.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>wasm-mlp threads</title>
<script type="module">
import { createNetwork, Rng } from '/dist/index.js';
const r = new Rng(4), n = 512, K = 196, x = new Float32Array(n * K), y = new Int32Array(n);
for (let i = 0; i < n; i++) { y[i] = r.int(10); for (let k = 0; k < K; k++) x[i * K + k] = r.normal() * 0.5 + (k % 10 === y[i] ? 1 : 0); }
const bits = (p) => [...p.weights, ...p.biases].flatMap((t) => Array.from(new Uint32Array(t.buffer)));
try {
  const notices = [];
  const run = async (threads) => {
    const net = await createNetwork({ layers: [K, 256, 10], seed: 2, threads, onNotice: (m) => notices.push(m) });
    const h = await net.fit(x, y, { epochs: 2, batchSize: 64 });
    const out = { threads: net.threads, loss: h.map((e) => e.loss), bits: bits(net.getParameters()) };
    await net.dispose();
    return out;
  };
  const one = await run(1), two = await run(2);
  const differ = one.bits.findIndex((v, i) => v !== two.bits[i]);
  window.__result = { isolated: crossOriginIsolated, threads: [one.threads, two.threads], loss: [one.loss, two.loss], differ, notices };
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
}
</script>`;

async function runPage(t, isolated) {
  const server = await serveDist({ page: PAGE, isolated });
  t.after(() => server.close());
  return pageResult(t, `http://127.0.0.1:${server.address().port}/`);
}

test('in a cross-origin-isolated page, threads: 2 trains on a worker and ends bit-identical to one thread', async (t) => {
  if (NO_CHROMIUM) { t.skip(NO_CHROMIUM); return; }
  const r = await runPage(t, true);
  assert.equal(r.isolated, true);
  assert.deepEqual(r.threads, [1, 2]);
  assert.deepEqual(r.loss[1], r.loss[0]);
  assert.equal(r.differ, -1, `parameter #${r.differ} differs between 1 and 2 threads`);
  assert.deepEqual(r.notices, []);
});

test('in a page without cross-origin isolation, threads: 2 runs on one thread with one notice', async (t) => {
  if (NO_CHROMIUM) { t.skip(NO_CHROMIUM); return; }
  const r = await runPage(t, false);
  assert.equal(r.isolated, false);
  assert.deepEqual(r.threads, [1, 1]);
  assert.equal(r.notices.length, 1);
  assert.match(r.notices[0], /threads: 2 falls back to 1 thread: the page is not cross-origin isolated \(serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp\)/);
});
