// Fashion-MNIST from Debian's dataset-fashion-mnist package through `train --dataset DIR`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findFashionMnistDir } from '../../dist/node/idx-files.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

test('one epoch on Fashion-MNIST reports 60,000 train and 10,000 test images and > 78% test accuracy', (t) => {
  const dir = findFashionMnistDir();
  if (dir === null) { t.skip('dataset-fashion-mnist is not installed: apt-get install dataset-fashion-mnist'); return; }
  const r = spawnSync(process.execPath, [CLI, 'train', '--dataset', dir, '--epochs', '1'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /60000 train, 10000 test/);
  const m = /epoch {2}1\/1 .* test (\d+\.\d\d)%/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) > 78, `test accuracy ${m[1]}%`);
});
