// The progress throttle of trainInWorker decides on the clock it is given: these times are the
// test's own, so the outcome cannot depend on the machine's speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Throttle } from '../../dist/workers/throttle.js';

const passes = (t, times) => times.filter((ms) => t.pass(ms));

test('the first message always passes, even at time 0', () => {
  assert.deepEqual(passes(new Throttle(30), [0]), [0]);
  assert.deepEqual(passes(new Throttle(30), [5e6]), [5e6]);
});

test('at 30 a second, messages closer than 1/30 s to the last one passed are held back', () => {
  const times = Array.from({ length: 100 }, (_, i) => i * 10); // one a 10 ms, for 1 s
  const sent = passes(new Throttle(30), times);
  assert.deepEqual(sent.slice(0, 4), [0, 40, 80, 120]); // 33.3 ms gap: every 4th of the 10-ms ticks
  assert.equal(sent.length, 25);
  for (let i = 1; i < sent.length; i++) assert.ok(sent[i] - sent[i - 1] >= 1000 / 30);
});

test('a burst after a long pause passes once, then waits a full gap', () => {
  assert.deepEqual(passes(new Throttle(10), [0, 1, 2, 500, 501, 599, 600, 650]), [0, 500, 600]);
});

test('Infinity passes every message; a rate of zero or less passes only the first', () => {
  assert.deepEqual(passes(new Throttle(Infinity), [0, 0, 0, 1]), [0, 0, 0, 1]);
  assert.deepEqual(passes(new Throttle(0), [0, 1e9, 2e9]), [0]);
  assert.deepEqual(passes(new Throttle(-5), [0, 1e9]), [0]);
  assert.deepEqual(passes(new Throttle(NaN), [0, 1e9]), [0]);
});
