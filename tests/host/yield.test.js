// fit yields to the event loop every 100 ms of training (src/network/trainer.ts yieldNow), so that
// timers, signals (Ctrl-C) and messages are served while it runs, without a timer's delay: Node's
// setTimeout(0) costs about 1 ms, a browser's at least 4 ms once timers nest; the pool's workers
// park meanwhile. Node takes setImmediate, browsers a MessageChannel message, setTimeout(0) last.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNetwork, Rng } from '../../dist/index.js';
import { yieldNow } from '../../dist/network/trainer.js';

test('a timer set before fit fires while fit runs: fit yields to the event loop', async () => {
  const r = new Rng(3);
  const x = Float32Array.from({ length: 40 * 5 }, () => r.next());
  const y = Int32Array.from({ length: 40 }, () => r.int(3));
  const net = await createNetwork({ layers: [5, 6, 3], seed: 1, backend: 'simd' });
  const ac = new AbortController();
  let fired = false;
  setTimeout(() => { fired = true; ac.abort(); }, 0);
  // far more epochs than any machine trains before its first yield (after 100 ms of training)
  const log = await net.fit(x, y, { epochs: 1_000_000, batchSize: 8, signal: ac.signal });
  assert.ok(fired, 'the timer fired');
  assert.equal(log.stopped, true, 'fit stopped at the abort the timer made');
  assert.ok(log.length < 1_000_000, `stopped early (${log.length} epochs)`);
});

test('yieldNow serves due timers within two turns (Node: setImmediate)', async () => {
  let fired = false;
  setTimeout(() => { fired = true; }, 0);
  const t = performance.now();
  while (performance.now() - t < 3) { /* the timer is due */ }
  await yieldNow();
  await yieldNow();
  assert.ok(fired);
});

test('without setImmediate (browsers, workers) it yields through a MessageChannel, and without that through setTimeout', async (t) => {
  const immediate = globalThis.setImmediate, channel = globalThis.MessageChannel;
  t.after(() => { globalThis.setImmediate = immediate; globalThis.MessageChannel = channel; });
  let made = 0;
  globalThis.setImmediate = undefined;
  globalThis.MessageChannel = class extends channel { constructor() { super(); made++; } };
  await yieldNow();
  assert.equal(made, 1, 'one MessageChannel a yield');
  globalThis.MessageChannel = undefined;
  let fired = false;
  setTimeout(() => { fired = true; }, 0);
  await yieldNow();
  assert.ok(fired, 'setTimeout(0): a timer set before it has fired');
});
