// While a fit runs, nothing may change what it trains with: lossAndGradients from one of its
// callbacks would replace its recipe (dropout, clipping) and could re-plan the arena under the
// resident or streamed training set, and a second fit would share its arena. Both are refused with
// an InputError naming why; the running fit is not harmed by the refused second one, and after the
// fit both work again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNetwork, InputError, Rng } from '../../dist/index.js';

const F = 5, N = 40;
const r = new Rng(2);
const x = Float32Array.from({ length: N * F }, () => r.next());
const y = Int32Array.from({ length: N }, () => r.int(3));
const make = () => createNetwork({ layers: [F, 6, 3], seed: 1, backend: 'simd' });

test('lossAndGradients from a fit\'s callback is refused; after the fit it works', async () => {
  const net = await make();
  const err = await net.fit(x, y, { epochs: 1, batchSize: 8, dropout: 0.2, onBatchEnd: () => { net.lossAndGradients(x, y); } }).catch((e) => e);
  assert.ok(err instanceof InputError, String(err));
  assert.match(err.message, /lossAndGradients cannot run while fit runs/);
  const g = net.lossAndGradients(x, y);
  assert.ok(Number.isFinite(g.loss));
  const log = await net.fit(x, y, { epochs: 1, batchSize: 8 });
  assert.equal(log.length, 1);
});

test('a second fit while one runs is refused; the first ends as it would alone', async () => {
  const alone = await make();
  await alone.fit(x, y, { epochs: 2, batchSize: 8 });
  const net = await make();
  const first = net.fit(x, y, { epochs: 2, batchSize: 8 });
  const err = await net.fit(x, y, { epochs: 1 }).catch((e) => e);
  assert.ok(err instanceof InputError, String(err));
  assert.match(err.message, /fit is already running on this network/);
  await first;
  assert.deepEqual(net.getParameters(), alone.getParameters());
  assert.equal((await net.fit(x, y, { epochs: 1, batchSize: 8 })).length, 1, 'fits again afterwards');
});
