// The byte form of IDX loading (issue 17): gzip inflated as a stream into one buffer of the size the
// header announces (loadIdxFileStreaming), images kept as bytes with divisor 255
// (loadIdxDatasetBytes) whose widened values are loadIdxDataset's floats, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadIdxFile, loadIdxFileStreaming, loadIdxDataset, loadIdxDatasetBytes } from '../../dist/node/idx-files.js';
import { idxAnnouncedBytes } from '../../dist/data/idx.js';
import { DataFormatError } from '../../dist/errors.js';
import { ubyte, tempDir as tempIn } from './idx-fixtures.js';

const tempDir = (t) => tempIn(t, 'wasm-mlp-idx-stream-');

async function rejectsWith(promise, props, ...patterns) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof DataFormatError, `expected DataFormatError, got ${e?.constructor?.name}: ${e?.message}`);
    for (const [k, v] of Object.entries(props)) assert.equal(e[k], v, `${k} in ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('idxAnnouncedBytes reads the size from a complete header only', () => {
  const f = ubyte([3, 5, 7]);
  assert.equal(idxAnnouncedBytes(f.subarray(0, 16)), 16 + 105);
  assert.equal(idxAnnouncedBytes(f.subarray(0, 15)), null, 'header cut inside the dims');
  assert.equal(idxAnnouncedBytes(Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 1)), null, 'not IDX');
});

test('loadIdxFileStreaming reads gzip (in many stream chunks) and plain files as loadIdxFile does', async (t) => {
  const dir = tempDir(t);
  const file = ubyte([300, 28, 28]); // 235 KB: many chunks of the inflate stream
  writeFileSync(join(dir, 'a.gz'), gzipSync(file));
  writeFileSync(join(dir, 'b'), file);
  for (const name of ['a.gz', 'b']) {
    const s = await loadIdxFileStreaming(join(dir, name));
    const r = loadIdxFile(join(dir, name));
    assert.deepEqual(s.dims, [300, 28, 28]);
    assert.ok(Buffer.from(s.data).equals(Buffer.from(r.data)), `${name}: the same bytes`);
  }
  // the buffer is exactly the announced size: the data is a view on it, nothing more was allocated
  const s = await loadIdxFileStreaming(join(dir, 'a.gz'));
  assert.equal(s.data.buffer.byteLength, file.length);
});

test('loadIdxFileStreaming refuses gzip that inflates past its announced size, at that offset', async (t) => {
  const dir = tempDir(t);
  const file = ubyte([2, 3, 3]);
  const p = join(dir, 'long.gz');
  writeFileSync(p, gzipSync(Buffer.concat([file, Buffer.from([1, 2, 3])])));
  await rejectsWith(loadIdxFileStreaming(p), { file: p, offset: file.length }, /more than the 34 bytes its IDX header announces/);
});

test('loadIdxFileStreaming refuses truncated and corrupt gzip, a short file, a bad header and a size above the cap', async (t) => {
  const dir = tempDir(t);
  const z = gzipSync(ubyte([40, 8, 8]));
  const cut = join(dir, 'cut.gz'); writeFileSync(cut, z.subarray(0, z.length - 10));
  await rejectsWith(loadIdxFileStreaming(cut), { file: cut }, /cut\.gz/);
  const bad = join(dir, 'bad.gz'); const zb = Buffer.from(z); zb.fill(0x55, 12, 40); writeFileSync(bad, zb);
  await rejectsWith(loadIdxFileStreaming(bad), { file: bad }, /corrupt or truncated/);
  const short = join(dir, 'short.gz'); writeFileSync(short, gzipSync(ubyte([4, 8, 8]).subarray(0, 100)));
  await rejectsWith(loadIdxFileStreaming(short), { file: short }, /short\.gz/);
  const notIdx = join(dir, 'text.gz'); writeFileSync(notIdx, gzipSync(Buffer.from('hello, not an IDX file')));
  await rejectsWith(loadIdxFileStreaming(notIdx), { file: notIdx, offset: 0 });
  const big = join(dir, 'big.gz'); writeFileSync(big, gzipSync(ubyte([100, 8, 8])));
  await rejectsWith(loadIdxFileStreaming(big, 1000), { file: big }, /more than 1000 bytes/);
  await rejectsWith(loadIdxFileStreaming(join(dir, 'none.gz')), {}, /file not found/);
});

test('loadIdxDatasetBytes keeps the images as bytes whose widened values are loadIdxDataset\'s floats', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(ubyte([20, 4, 4])));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(ubyte([20], (i) => i % 3)));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), ubyte([5, 4, 4], (i) => 255 - i));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), ubyte([5], (i) => i % 4));
  const b = await loadIdxDatasetBytes(dir), f = loadIdxDataset(dir);
  assert.equal(b.classes, f.classes);
  assert.equal(b.features, 16);
  for (const part of ['train', 'test']) {
    assert.ok(b[part].x.bytes instanceof Uint8Array);
    assert.equal(b[part].x.divisor, 255);
    const widened = Float32Array.from(b[part].x.bytes, (v) => v / b[part].x.divisor);
    assert.deepEqual(new Uint32Array(widened.buffer), new Uint32Array(f[part].x.buffer), `${part} x`);
    assert.deepEqual([...b[part].y], [...f[part].y], `${part} y`);
  }
  // a count mismatch is loadIdxDataset's error
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), ubyte([4]));
  await rejectsWith(loadIdxDatasetBytes(dir), { offset: 4 }, /image and label counts differ/);
});
