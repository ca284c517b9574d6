// openTrainingSource: the train command's way to get an IDX training set as a DataSource for a
// streamed run. The opener is a stand-in here (random access over the loaded bytes) until the Node
// IDX file source is there; what is checked is what this function adds: the files it opens, the
// class count from the labels, the test split, the checks between them, and closing on refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSyntheticIdx, parseOptions } from '../../scripts/make-synthetic-idx.mjs';
import { openTrainingSource, loadDataset } from '../../dist/cli/data.js';
import { UsageError } from '../../dist/cli/args.js';
import { fitNormalizer } from '../../dist/data/normalize.js';
import { fitNormalizerFromSource } from '../../dist/data/normalize-source.js';
import { loadIdxDatasetBytes } from '../../dist/node/idx-files.js';
import { DataFormatError } from '../../dist/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-data-source-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const folder = async (name, ...flags) => {
  const out = join(dir, name);
  await makeSyntheticIdx(parseOptions(['--out', out, '--train', '50', '--test', '12', '--rows', '4', '--cols', '5', '--classes', '7', ...flags]));
  return out;
};
const plain = await folder('plain');
const gz = await folder('gz', '--gzip', '--seed', '3');
const noTest = await folder('no-test', '--test', '0');

/** A stand-in for idxFileSource: random access over the images loaded as bytes; records its calls. */
function opener(calls, lie = {}) {
  return async (imagesPath, labelsPath) => {
    const folderOf = imagesPath.slice(0, imagesPath.lastIndexOf('/'));
    const { train } = await loadIdxDatasetBytes(folderOf);
    const call = { imagesPath, labelsPath, closed: false };
    calls.push(call);
    return {
      rows: train.n, inputs: train.features, divisor: 255, ...lie,
      read(start, count, x, y) {
        x.set(train.x.bytes.subarray(start * train.features, (start + count) * train.features));
        for (let i = 0; i < count; i++) y[i] = train.y[start + i];
      },
      async close() { call.closed = true; },
    };
  };
}

const bitsOf = (n) => [Buffer.from(n.offset.buffer).toString('hex'), Buffer.from(n.scale.buffer).toString('hex')];

for (const [name, path, ext] of [['plain', () => plain, ''], ['gzip', () => gz, '.gz']]) {
  test(`${name} IDX folder: the train files go to the opener, classes and test split as loadDataset gives them`, async () => {
    const calls = [];
    const d = await openTrainingSource(path(), opener(calls));
    const loaded = await loadDataset(path());
    assert.deepEqual(calls.map((c) => [c.imagesPath, c.labelsPath]), [[join(path(), `train-images-idx3-ubyte${ext}`), join(path(), `train-labels-idx1-ubyte${ext}`)]]);
    assert.equal(d.kind, 'idx');
    assert.equal(d.source, path());
    assert.equal(d.name, loaded.name);
    assert.equal(d.features, 20);
    assert.equal(d.classes, loaded.classes);
    assert.equal(d.train.rows, 50);
    assert.deepEqual(d.test.x.bytes, loaded.test.x.bytes);
    assert.deepEqual(d.test.y, loaded.test.y);
    assert.equal(calls[0].closed, false);
    // the normaliser of the streamed set is the one the loaded set gives
    assert.deepEqual(bitsOf(await fitNormalizerFromSource('zscore', d.train, { chunkRows: 7 })), bitsOf(fitNormalizer(loaded.train.x, 50, 20, 'zscore')));
  });
}

test('a folder without t10k files has no test split; classes come from the train labels', async () => {
  const d = await openTrainingSource(noTest, opener([]));
  const loaded = await loadDataset(noTest);
  assert.equal(d.test, null);
  assert.equal(d.classes, loaded.classes);
});

test('the digits and CSV files are not IDX: null, and the opener is not called', async () => {
  const csv = join(dir, 'rows.csv');
  writeFileSync(csv, 'a,b,label\n1,2,0\n3,4,1\n');
  const calls = [];
  assert.equal(await openTrainingSource(undefined, opener(calls)), null);
  assert.equal(await openTrainingSource('digits', opener(calls)), null);
  assert.equal(await openTrainingSource(csv, opener(calls)), null);
  assert.equal(calls.length, 0);
});

test('a source whose row count differs from the labels is refused naming the labels file, and closed', async () => {
  const calls = [];
  await assert.rejects(openTrainingSource(plain, opener(calls, { rows: 49 })), (e) => {
    assert.ok(e instanceof DataFormatError, e?.message);
    assert.equal(e.file, join(plain, 'train-labels-idx1-ubyte'));
    assert.equal(e.offset, 4);
    assert.match(e.message, /image and label counts differ: .*train-images-idx3-ubyte has 49 images, .*train-labels-idx1-ubyte has 50 labels/);
    return true;
  });
  assert.equal(calls[0].closed, true);
});

test('a source whose features differ from the test images is refused naming the test file, and closed', async () => {
  const calls = [];
  await assert.rejects(openTrainingSource(plain, opener(calls, { inputs: 21 })), (e) => {
    assert.ok(e instanceof DataFormatError, e?.message);
    assert.equal(e.file, join(plain, 't10k-images-idx3-ubyte'));
    assert.equal(e.offset, 8);
    assert.match(e.message, /feature counts differ: .* has 21 features per image, .* has 20/);
    return true;
  });
  assert.equal(calls[0].closed, true);
});

test('an empty training set is refused; --label-column and a missing folder as loadDataset refuses them', async () => {
  const calls = [];
  await assert.rejects(openTrainingSource(plain, opener(calls, { rows: 0 })), (e) => e instanceof DataFormatError && /the training set has 0 images/.test(e.message));
  assert.equal(calls[0].closed, true);
  await assert.rejects(openTrainingSource(plain, opener([]), { labelColumn: 2 }), (e) => e instanceof UsageError && /--label-column applies to CSV datasets only/.test(e.message));
  await assert.rejects(openTrainingSource(join(dir, 'nowhere'), opener([])), (e) => e instanceof DataFormatError && /dataset not found/.test(e.message));
});
