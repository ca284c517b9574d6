// fitNormalizerFromSource: the bits of fitNormalizer on the same rows in memory, for byte and float
// features, minmax and zscore, read at random access in chunks of 1, 7 and every row, or from
// sequential passes in pieces of any size; sources that break their contract are refused with a
// message naming the row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitNormalizer } from '../../dist/data/normalize.js';
import { fitNormalizerFromSource } from '../../dist/data/normalize-source.js';
import { InputError } from '../../dist/errors.js';

const N = 41, F = 6;
/** A deterministic generator (LCG), so the data are the same on every run. */
function lcg(seed) {
  let s = seed;
  return () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 2 ** 32; };
}
const rand = lcg(17);
const bytes = Uint8Array.from({ length: N * F }, () => Math.floor(rand() * 256));
// float features over many magnitudes; feature 0 of rows 0 and 1 cancel (±1e20) and swallow the
// small values summed before them, so a sum in another order gives other bits (checked below)
const floats = Float32Array.from({ length: N * F }, () => (rand() - 0.3) * 10 ** Math.floor(rand() * 9 - 3));
floats[0] = 1e20;
floats[F] = -1e20;
const byteFeatures = { bytes, divisor: 255 };

/** A random-access source over the arrays; it records the reads it was asked for. */
function readSource(x, divisor, reads = []) {
  return {
    rows: N, inputs: F, divisor, reads,
    read(start, count, xv, yv) {
      reads.push([start, count, xv.length, yv.length]);
      xv.set(x.subarray(start * F, (start + count) * F));
      for (let i = 0; i < count; i++) yv[i] = (start + i) % 3;
    },
  };
}
/** A sequential source yielding pieces of the given sizes in turn (cycling), as sync or async iterables. */
function passSource(x, divisor, sizes, asyncPass = true) {
  function* pieces() {
    for (let r = 0, k = 0; r < N; k++) {
      const n = Math.min(sizes[k % sizes.length], N - r);
      yield { x: x.slice(r * F, (r + n) * F), y: new Int32Array(n) };
      r += n;
    }
  }
  return {
    rows: N, inputs: F, divisor,
    pass: asyncPass ? async function* () { yield* pieces(); } : pieces,
  };
}

const bitsOf = (n) => [Buffer.from(n.offset.buffer).toString('hex'), Buffer.from(n.scale.buffer).toString('hex')];
const same = (got, want, what) => {
  assert.equal(got.kind, want.kind, what);
  assert.deepEqual(bitsOf(got), bitsOf(want), what);
};

test('the float data are order-sensitive: the test could tell a different summation order', () => {
  const reversed = new Float32Array(N * F);
  for (let i = 0; i < N; i++) reversed.set(floats.subarray((N - 1 - i) * F, (N - i) * F), i * F);
  assert.notDeepEqual(bitsOf(fitNormalizer(reversed, N, F, 'zscore')), bitsOf(fitNormalizer(floats, N, F, 'zscore')));
});

for (const kind of ['minmax', 'zscore']) {
  for (const chunkRows of [1, 7, N]) {
    test(`${kind}, random access in chunks of ${chunkRows}: the bits of fitNormalizer, bytes and floats`, async () => {
      const reads = [];
      same(await fitNormalizerFromSource(kind, readSource(bytes, 255, reads), { chunkRows }), fitNormalizer(byteFeatures, N, F, kind), 'bytes');
      same(await fitNormalizerFromSource(kind, readSource(floats, undefined), { chunkRows }), fitNormalizer(floats, N, F, kind), 'floats');
      // whole chunks in order, the last one short; zscore reads the set twice
      const chunks = Math.ceil(N / chunkRows);
      assert.equal(reads.length, chunks * (kind === 'zscore' ? 2 : 1));
      assert.deepEqual(reads.slice(0, chunks).map((r) => r[0]), Array.from({ length: chunks }, (_, i) => i * chunkRows));
      assert.deepEqual(reads[chunks - 1], [(chunks - 1) * chunkRows, N - (chunks - 1) * chunkRows, (N - (chunks - 1) * chunkRows) * F, N - (chunks - 1) * chunkRows]);
    });
  }
  test(`${kind}, sequential passes in pieces of 1, 7, all rows and mixed sizes (chunks of 1, 7, all): the same bits`, async () => {
    for (const sizes of [[1], [7], [N], [3, 11, 1, 20]]) {
      for (const chunkRows of [1, 7, N]) {
        const what = `pieces ${sizes} chunkRows ${chunkRows}`;
        same(await fitNormalizerFromSource(kind, passSource(bytes, 255, sizes), { chunkRows }), fitNormalizer(byteFeatures, N, F, kind), `bytes, ${what}`);
        same(await fitNormalizerFromSource(kind, passSource(floats, undefined, sizes, false), { chunkRows }), fitNormalizer(floats, N, F, kind), `floats, ${what}`);
      }
    }
  });
}

test('a byte source\'s own normalizer is not applied: the fit is of the widened bytes', async () => {
  const src = { ...readSource(bytes, 255), normalizer: { kind: 'minmax', offset: new Float32Array(F).fill(3), scale: new Float32Array(F).fill(2) } };
  same(await fitNormalizerFromSource('zscore', src), fitNormalizer(byteFeatures, N, F, 'zscore'), 'bytes');
});

test('the default chunk size reads the small set at once; float targets get a y buffer of their width', async () => {
  const reads = [];
  await fitNormalizerFromSource('minmax', readSource(bytes, 255, reads));
  assert.deepEqual(reads, [[0, N, N * F, N]]);
  const widths = [];
  const src = { rows: N, inputs: F, read(start, count, xv, yv) { widths.push(yv.constructor.name, yv.length / count); xv.set(floats.subarray(start * F, (start + count) * F)); } };
  same(await fitNormalizerFromSource('minmax', src, { chunkRows: 7, targetWidth: 3 }), fitNormalizer(floats, N, F, 'minmax'), 'floats');
  assert.deepEqual(widths.slice(0, 2), ['Float32Array', 3]);
});

const refused = async (promise, pattern) => assert.rejects(promise, (e) => {
  assert.ok(e instanceof InputError, `${e?.constructor?.name}: ${e?.message}`);
  assert.match(e.message, /^fitNormalizerFromSource: /);
  assert.match(e.message, pattern);
  return true;
});

test('a non-finite float is refused naming its row and feature', async () => {
  const bad = Float32Array.from(floats);
  bad[23 * F + 4] = NaN;
  await refused(fitNormalizerFromSource('minmax', readSource(bad, undefined), { chunkRows: 7 }), /row 23 feature 4 is NaN/);
  bad[23 * F + 4] = Infinity;
  await refused(fitNormalizerFromSource('zscore', passSource(bad, undefined, [5]), { chunkRows: 3 }), /row 23 feature 4 is Infinity/);
});

test('a pass that breaks the source contract is refused naming the row', async () => {
  const pieces = (list) => ({ rows: N, inputs: F, pass: function* () { yield* list; } });
  const rows = (from, n, x = floats) => ({ x: x.slice(from * F, (from + n) * F), y: new Int32Array(n) });
  await refused(fitNormalizerFromSource('minmax', pieces([rows(0, 10), { x: floats.slice(0, F + 2), y: [] }])), /a piece at row 10 holds 8 values, not whole rows of 6/);
  await refused(fitNormalizerFromSource('minmax', pieces([rows(0, 10), rows(10, 20)])), /the pass ended after 30 rows, the source has 41/);
  await refused(fitNormalizerFromSource('minmax', pieces([rows(0, 40), rows(0, 2)])), /more than the source's 41 rows \(a piece at row 40 holds 2\)/);
  await refused(fitNormalizerFromSource('minmax', pieces([rows(0, 10, bytes)])), /a piece at row 0 holds bytes, but the source declares float32 features/);
  await refused(fitNormalizerFromSource('minmax', { ...pieces([rows(0, 10)]), divisor: 255 }), /holds float32 values, but the source declares byte features/);
});

test('bad kinds, shapes, divisors and options are refused', async () => {
  await refused(fitNormalizerFromSource('robust', readSource(bytes, 255)), /unknown kind "robust"/);
  await refused(fitNormalizerFromSource('minmax', { ...readSource(bytes, 255), rows: 0 }), /the source has 0 rows, needs at least 1/);
  await refused(fitNormalizerFromSource('minmax', { ...readSource(bytes, 255), inputs: 0 }), /0 inputs per row/);
  await refused(fitNormalizerFromSource('minmax', readSource(bytes, 0)), /divisor must be a positive number exact in float32 \(255 for pixels\); got 0/);
  await refused(fitNormalizerFromSource('minmax', readSource(bytes, 255), { chunkRows: 0 }), /chunkRows must be an integer ≥ 1, found 0/);
  await refused(fitNormalizerFromSource('minmax', readSource(bytes, 255), { chunkRows: 2.5 }), /chunkRows must be an integer ≥ 1, found 2\.5/);
  await refused(fitNormalizerFromSource('minmax', readSource(bytes, 255), { targetWidth: 0 }), /targetWidth must be an integer ≥ 1, found 0/);
  await refused(fitNormalizerFromSource('minmax', { rows: N, inputs: F }), /neither read\(\) nor pass\(\)/);
});

test('a read that fails rejects with its error, not a normaliser of part of the set', async () => {
  const src = readSource(bytes, 255);
  const read = src.read;
  src.read = (start, ...rest) => { if (start >= 21) throw new RangeError('disk gone at row 21'); return read.call(src, start, ...rest); };
  await assert.rejects(fitNormalizerFromSource('minmax', src, { chunkRows: 7 }), /disk gone at row 21/);
});
