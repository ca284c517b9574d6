// `wasm-mlp train --threads`: the embedded digits trained on 2 threads reach the same losses, to
// the bit, as on 1, and save the same model bytes; a checkpoint written with 2 threads resumes
// with 1 to the uninterrupted run's model; bad values are usage errors, and a backend that cannot
// split is refused with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, ok, run } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-threads-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = (name) => join(dir, name);

test('train --threads 2 matches --threads 1 to the bit: every epoch loss and the saved model', () => {
  const common = ['train', '--epochs', '3', '--json'];
  const one = ok([...common, '--threads', '1', '--save', file('one.safetensors')]);
  const two = ok([...common, '--threads', '2', '--save', file('two.safetensors')]);
  const l1 = jsonLines(one.stdout), l2 = jsonLines(two.stdout);
  assert.equal(l1.length, 3);
  assert.deepEqual(l2.map((l) => [l.loss, l.trainAccuracy, l.testAccuracy]), l1.map((l) => [l.loss, l.trainAccuracy, l.testAccuracy]));
  assert.ok(readFileSync(file('two.safetensors')).equals(readFileSync(file('one.safetensors'))), 'model files differ');
  assert.equal(two.stderr, '', 'nothing on stderr');
});

test('a checkpoint written on 2 threads resumes on 1 thread to the uninterrupted run\'s model bytes', () => {
  const common = ['--layers', '64', '--optimizer', 'momentum', '--json'];
  ok(['train', ...common, '--epochs', '3', '--save', file('whole.safetensors')]);
  ok(['train', ...common, '--epochs', '1', '--threads', '2', '--checkpoint', file('ck.safetensors')]);
  ok(['train', '--resume', file('ck.safetensors'), '--epochs', '3', '--threads', '1', '--save', file('resumed.safetensors')]);
  assert.ok(readFileSync(file('resumed.safetensors')).equals(readFileSync(file('whole.safetensors'))), 'resumed model differs');
});

test('--threads takes a count or auto; other values and a one-thread backend are refused with the reason', () => {
  for (const bad of ['0', '-2', '1.5', 'many', '65']) {
    const r = run(['train', '--epochs', '1', `--threads=${bad}`]);
    assert.equal(r.status, 2, `--threads ${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--threads must be 'auto' or an integer from 1 to 64/);
  }
  const js = run(['train', '--epochs', '1', '--threads', '2', '--backend', 'js']);
  assert.equal(js.status, 1);
  assert.match(js.stderr, /threads: 2 needs a SIMD wasm backend .* the 'js' backend runs on one thread/);
  const auto = ok(['train', '--epochs', '1', '--threads', 'auto', '--layers', '32']);
  assert.match(auto.stdout, /backend (relaxed|simd)(, \d+ threads)?\n/);
});
