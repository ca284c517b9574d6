// bench/stats.js: the figures bench/window-shuffle.js reports (mean ± sample SD per arm, the paired
// difference with its standard error, Student-t 95% interval and p-value), checked against values
// from printed t tables and worked by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, pairedDifference, sampleSd, summary, tCdf, tQuantile } from '../../bench/stats.js';

const close = (got, want, tol, what) => assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);

test('mean and sample standard deviation divide by n and n − 1', () => {
  assert.equal(mean([2, 4, 4, 4, 5, 5, 7, 9]), 5);
  close(sampleSd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12, 'sd'); // population sd would be 2
  assert.ok(Number.isNaN(sampleSd([3])), 'one value has no sample sd');
  assert.ok(Number.isNaN(mean([])));
  assert.deepEqual(summary([1, 3]), { n: 2, mean: 2, sd: Math.SQRT2 });
});

test("Student's t 97.5% quantiles equal the printed table (df 1, 2, 4, 9, 30, 120)", () => {
  const table = { 1: 12.7062, 2: 4.3027, 4: 2.7764, 9: 2.2622, 30: 2.0423, 120: 1.9799 };
  for (const [df, q] of Object.entries(table)) close(tQuantile(0.975, Number(df)), q, 6e-5, `t(0.975, ${df})`);
  close(tQuantile(0.025, 4), -2.7764, 6e-5, 'lower tail is the mirror image');
  close(tQuantile(0.95, 9), 1.8331, 6e-5, 't(0.95, 9)');
});

test("Student's t CDF: symmetric about 0, the Cauchy distribution at df 1, closed forms at df 2", () => {
  for (const df of [1, 2, 3, 7, 10]) {
    assert.equal(tCdf(0, df), 0.5);
    close(tCdf(1.3, df) + tCdf(-1.3, df), 1, 1e-12, `symmetry at df ${df}`);
    assert.ok(tCdf(2, df) < tCdf(2, df + 1), 'heavier tails with fewer degrees of freedom');
  }
  close(tCdf(1, 1), 0.75, 1e-12, 'Cauchy: atan(1)/π + 1/2');
  close(tCdf(2, 2), 0.5 + 1 / Math.sqrt(6), 1e-12, 'df 2: 1/2 + t / (2√(2 + t²))');
  assert.equal(tCdf(Infinity, 3), 1);
  assert.throws(() => tCdf(1, 0), RangeError);
  assert.throws(() => tQuantile(1, 4), RangeError);
});

test('the paired difference is b − a per seed: mean, SE, 95% interval, two-sided p', () => {
  // differences 0.5, 0.4, 0.7, 0.2: mean 0.45, sd √(0.13/3), se sd/2, t(0.975, 3) = 3.1824
  const d = pairedDifference([1, 2, 3, 4], [1.5, 2.4, 3.7, 4.2]);
  close(d.mean, 0.45, 1e-12, 'mean');
  close(d.sd, Math.sqrt(0.13 / 3), 1e-12, 'sd');
  close(d.se, Math.sqrt(0.13 / 3) / 2, 1e-12, 'se');
  assert.equal(d.df, 3);
  close(d.ci95[0], 0.45 - 3.18245 * d.se, 1e-5, 'lower');
  close(d.ci95[1], 0.45 + 3.18245 * d.se, 1e-5, 'upper');
  close(d.t, 0.45 / d.se, 1e-12, 't');
  // p of t = 4.3235 at df 3 is between 0.02 (t 4.541) and 0.05 (t 3.182) by the table
  assert.ok(d.p > 0.02 && d.p < 0.05, `p ${d.p}`);
  const swapped = pairedDifference([1.5, 2.4, 3.7, 4.2], [1, 2, 3, 4]);
  close(swapped.mean, -0.45, 1e-12, 'b − a, not a − b');
  close(swapped.p, d.p, 1e-12, 'two-sided');
});

test('a constant shift between paired arms has zero spread; identical arms give t 0 and p 1', () => {
  const d = pairedDifference([0.80, 0.85, 0.90], [0.81, 0.86, 0.91]);
  close(d.mean, 0.01, 1e-12, 'mean');
  assert.ok(d.se < 1e-12, 'no spread in the differences');
  const same = pairedDifference([1, 2, 3], [1, 2, 3]);
  assert.deepEqual([same.mean, same.t, same.p], [0, 0, 1]);
});

test('paired arms of different lengths, or one pair, are refused', () => {
  assert.throws(() => pairedDifference([1, 2], [1]), /as many values/);
  assert.throws(() => pairedDifference([1], [2]), /at least 2 pairs/);
});
