// bench/window-shuffle.js's smoke run on the first 6,400 Fashion-MNIST images (skipped when Debian's
// dataset-fashion-mnist is absent): the streamed arm trained with the window it planned, every arm
// has a record per seed and epoch, the summaries agree with those records, and --no-write writes no
// results file. No accuracy is asserted: two seeds of one epoch on 6,400 images say nothing about it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const RESULTS = join(ROOT, 'bench', 'results');
const FASHION = '/usr/share/datasets/fashion-mnist';

function runBench(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bench/window-shuffle.js', ...args], { cwd: ROOT, timeout: 100_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`bench/window-shuffle.js ${args.join(' ')} failed (exit ${err.code}): ${err.message}\n${stderr.slice(-2000)}`));
      else resolve({ result: JSON.parse(stdout), stderr });
    });
  });
}

test('window-shuffle on 6,400 images: the planned window, a record per seed and epoch, summaries that match them, nothing written', { skip: !existsSync(FASHION) && 'Fashion-MNIST (dataset-fashion-mnist) is not installed' }, async () => {
  const before = existsSync(RESULTS) ? readdirSync(RESULTS).sort() : [];
  const { result, stderr } = await runBench(['--train-rows', '6400', '--seeds', '2', '--epochs', '2', '--arms', 'resident,window10', '--no-write', '--json']);
  assert.deepEqual(existsSync(RESULTS) ? readdirSync(RESULTS).sort() : [], before, '--no-write wrote nothing');
  assert.match(stderr, /\| streamed, 10% window \| 10 × 64 rows \|/, 'the table names the window');

  assert.deepEqual(result.arms.window10.geometry, { chunkRows: 64, windowChunks: 10 }, '10% of 6,400 rows in 10 chunks');
  assert.ok(result.arms.window10.maxMemory > 0);
  assert.equal(result.arms.resident.geometry, null);
  assert.equal(result.settings.threads, 1);

  assert.equal(result.runs.length, 4, '2 seeds × 2 arms');
  for (const r of result.runs) {
    assert.equal(r.epochs.length, 2);
    for (const e of r.epochs) {
      assert.ok(e.testAccuracy > 0.1 && e.testAccuracy <= 1, `seed ${r.seed} ${r.arm}: test accuracy ${e.testAccuracy}`);
      assert.ok(Number.isFinite(e.trainLoss) && Number.isFinite(e.testLoss));
    }
  }
  const acc = (arm, e) => result.runs.filter((r) => r.arm === arm).map((r) => r.epochs[e].testAccuracy);
  for (const e of [0, 1]) {
    const [a, b] = [acc('resident', e), acc('window10', e)];
    const close = (x, y, what) => assert.ok(Math.abs(x - y) < 1e-4, `${what}: ${x} vs ${y}`);
    close(result.summary.resident.testAccuracy[e].mean, (a[0] + a[1]) / 2, `epoch ${e + 1} resident mean`);
    close(result.summary.window10.testAccuracy[e].sd, Math.abs(b[0] - b[1]) / Math.SQRT2, `epoch ${e + 1} window10 sd`);
    close(result.summary.window10.minusResident.testAccuracy[e].mean, (b[0] + b[1] - a[0] - a[1]) / 2, `epoch ${e + 1} paired difference`);
  }
});
