// The real Fashion-MNIST from Debian's dataset-fashion-mnist, when it is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findFashionMnistDir, loadIdxDataset } from '../../dist/node/idx-files.js';

test('Fashion-MNIST loads as 60,000 train and 10,000 test images of 784 pixels in [0, 1], labels 0..9', (t) => {
  const dir = findFashionMnistDir();
  if (dir === null) {
    t.skip('dataset-fashion-mnist is not installed: apt-get install dataset-fashion-mnist');
    return;
  }
  const d = loadIdxDataset(dir);
  assert.equal(d.features, 784);
  assert.equal(d.classes, 10);
  assert.equal(d.train.n, 60000);
  assert.equal(d.test.n, 10000);
  for (const part of [d.train, d.test]) {
    assert.equal(part.x.length, part.n * 784);
    assert.equal(part.y.length, part.n);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < part.x.length; i++) {
      const v = part.x[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    assert.equal(lo, 0);
    assert.equal(hi, 1);
    const counts = new Array(10).fill(0);
    for (const y of part.y) {
      assert.ok(y <= 9, `label ${y}`);
      counts[y]++;
    }
    // Fashion-MNIST is balanced: 6,000 per class in train, 1,000 in test.
    assert.deepEqual(counts, new Array(10).fill(part.n / 10));
  }
});
