// Atomic writes: the target is either the old or the new content, and no temporary file survives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, readFileChecked } from '../../dist/node/atomic.js';
import { ModelFileError, DataFormatError } from '../../dist/errors.js';

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-atomic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('writeFileAtomic creates a new file with exactly the bytes given', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'model.safetensors');
  const bytes = Uint8Array.from({ length: 100000 }, (_, i) => i * 7);
  writeFileAtomic(p, bytes);
  assert.deepEqual(new Uint8Array(readFileSync(p)), bytes);
  assert.deepEqual(readdirSync(dir), ['model.safetensors']);
});

test('writeFileAtomic replaces an existing file and leaves no temporary file', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'm.bin');
  writeFileSync(p, 'old');
  writeFileAtomic(p, new TextEncoder().encode('new content'));
  assert.equal(readFileSync(p, 'utf8'), 'new content');
  assert.deepEqual(readdirSync(dir), ['m.bin']);
});

test('writeFileAtomic writes a subarray view (byteOffset honoured)', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'v.bin');
  const big = Uint8Array.from([9, 9, 1, 2, 3, 9]);
  writeFileAtomic(p, big.subarray(2, 5));
  assert.deepEqual([...readFileSync(p)], [1, 2, 3]);
});

test('a failure before the rename keeps the old file intact and removes the temporary file', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'm.bin');
  writeFileSync(p, 'old');
  let sawTemp = false;
  assert.throws(
    () => writeFileAtomic(p, new TextEncoder().encode('new'), {
      beforeRename: (temp) => {
        // The temporary file sits beside the target with the full new content.
        sawTemp = readdirSync(dir).length === 2 && readFileSync(temp, 'utf8') === 'new';
        throw new Error('simulated crash');
      },
    }),
    (e) => e instanceof ModelFileError && e.file === p && /cannot write .*m\.bin: simulated crash/.test(e.message),
  );
  assert.ok(sawTemp, 'temporary file existed before the rename');
  assert.equal(readFileSync(p, 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir), ['m.bin']);
});

test('writing into a missing folder fails with ModelFileError naming the path, leaving nothing behind', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'no-such-folder', 'm.bin');
  assert.throws(() => writeFileAtomic(p, new Uint8Array(4)), (e) => e instanceof ModelFileError && e.file === p && e.message.includes(p));
  assert.deepEqual(readdirSync(dir), []);
});

test('a rename that fails (target is a directory) removes the temporary file', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'target');
  mkdirSync(p);
  writeFileSync(join(p, 'keep'), 'x');
  assert.throws(() => writeFileAtomic(p, new Uint8Array(4)), ModelFileError);
  assert.deepEqual(readdirSync(dir), ['target']);
  assert.equal(readFileSync(join(p, 'keep'), 'utf8'), 'x');
});

test('concurrent writers use distinct temporary names', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'm.bin');
  const temps = new Set();
  for (let i = 0; i < 5; i++) writeFileAtomic(p, Uint8Array.from([i]), { beforeRename: (temp) => temps.add(temp) });
  assert.equal(temps.size, 5);
  assert.deepEqual([...readFileSync(p)], [4]);
});

test('readFileChecked returns the file bytes as a Uint8Array', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'a');
  writeFileSync(p, Uint8Array.from([1, 2, 3]));
  const b = readFileChecked(p);
  assert.ok(b instanceof Uint8Array);
  assert.deepEqual([...b], [1, 2, 3]);
});

test('readFileChecked names a missing path (DataFormatError by default, ModelFileError for models)', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'missing.csv');
  assert.throws(() => readFileChecked(p), (e) => e instanceof DataFormatError && e.file === p && /file not found: .*missing\.csv/.test(e.message));
  assert.throws(() => readFileChecked(p, 'model'), (e) => e instanceof ModelFileError && e.file === p);
});

test('readFileChecked says when the path is a directory', (t) => {
  const dir = tempDir(t);
  assert.throws(() => readFileChecked(dir), (e) => e instanceof DataFormatError && /found a directory/.test(e.message));
});
