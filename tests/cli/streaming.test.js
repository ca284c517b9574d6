// `train` on IDX data read as a source (issue 17): resident when it fits (read straight into the
// arena, the same model as before), streamed beyond --max-memory with the samples and bytes read in
// each epoch's JSON line; a bound too small is one line naming the smallest that works, and that
// one trains; a data file that breaks mid-epoch of a resumed streamed run exits 1 naming it, the
// checkpoint it resumed from is untouched, and resuming once the file is whole again ends on the
// model of the run that never broke.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsonLines, ok, run } from './cli.js';
import { decodeSafetensors } from '../../dist/io/safetensors.js';

const MAKE = fileURLToPath(new URL('../../scripts/make-synthetic-idx.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-streaming-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = (name) => join(dir, name);
const RAW = file('raw'), GZ = file('gz');
for (const [out, extra] of [[RAW, []], [GZ, ['--gzip']]]) {
  execFileSync(process.execPath, [MAKE, '--out', out, '--train', '3000', '--test', '300', ...extra], { stdio: 'ignore' });
}
/** The tensors of two model files are equal to the bit (their metadata name the data folder). */
function sameTensors(a, b) {
  const A = decodeSafetensors(new Uint8Array(readFileSync(a))).tensors, B = decodeSafetensors(new Uint8Array(readFileSync(b))).tensors;
  assert.deepEqual([...A.keys()].sort(), [...B.keys()].sort());
  assert.ok(A.size >= 4, 'a 784-128-10 model has four tensors');
  const bytes = (t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return [...A.keys()].every((k) => bytes(A.get(k)).equals(bytes(B.get(k))));
}

test('an IDX set that fits is read straight into the arena: raw and gzip files give the same model, with no read counts', () => {
  const a = jsonLines(ok(['train', '--dataset', RAW, '--epochs', '2', '--json', '--save', file('raw.safetensors')]).stdout);
  ok(['train', '--dataset', GZ, '--epochs', '2', '--json', '--save', file('gz.safetensors')]);
  assert.ok(sameTensors(file('raw.safetensors'), file('gz.safetensors')), 'the raw and gzip runs differ');
  assert.equal(a.length, 2);
  assert.equal(a[0].samplesRead, undefined, 'a resident run has no per-epoch read counts');
});

test('beyond --max-memory the set streams: each epoch reads every sample, the JSON line says how many bytes', () => {
  const lines = jsonLines(ok(['train', '--dataset', RAW, '--epochs', '2', '--json', '--max-memory', '3.4MB', '--save', file('streamed.safetensors')]).stdout);
  assert.equal(lines.length, 2);
  for (const l of lines) {
    assert.equal(l.samplesRead, 3000);
    assert.equal(l.bytesRead, 3000 * 784 + 3000, 'the images and labels read from the files');
  }
  assert.ok(lines[1].testAccuracy > 0.9, `it learns (${lines[1].testAccuracy})`);
  assert.ok(!sameTensors(file('streamed.safetensors'), file('raw.safetensors')), 'a streamed epoch has its own order');
  const text = ok(['train', '--dataset', GZ, '--epochs', '1', '--max-memory', '3.4MB']).stdout;
  assert.match(text, /epoch {2}1\/1 .* samples\/s .* s {2}[\d.]+ MB read\n/);
});

test('a bound too small is one line naming the smallest that works, and that one trains', () => {
  const r = run(['train', '--dataset', RAW, '--epochs', '1', '--max-memory', '100KB', '--json']);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout, '');
  const m = /^wasm-mlp: maxMemory 0\.1 MB is too small: training on 3000 samples needs at least (\d+\.\d) MB \(.*\)\n$/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const lines = jsonLines(ok(['train', '--dataset', RAW, '--epochs', '1', '--max-memory', `${m[1]}MB`, '--json']).stdout);
  assert.equal(lines[0].samplesRead, 3000);
});

test('a file that breaks mid-epoch: exit 1 naming it, the checkpoint untouched; resumed once whole, the model of the unbroken run', () => {
  const data = file('breaks');
  mkdirSync(data);
  for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) copyFileSync(join(GZ, f), join(data, f));
  const flags = ['--dataset', data, '--max-memory', '3.4MB', '--json'];
  ok(['train', ...flags, '--epochs', '2', '--save', file('unbroken.safetensors')]);
  ok(['train', ...flags, '--epochs', '1', '--checkpoint', file('run.checkpoint.safetensors')]);
  const ck = readFileSync(file('run.checkpoint.safetensors'));
  assert.equal(JSON.parse(ok(['info', '--model', file('run.checkpoint.safetensors'), '--json']).stdout).checkpoint.epoch, 1);
  // the images cut at 60%: the pass of epoch 2 fails after its first windows
  const images = join(data, 'train-images-idx3-ubyte.gz');
  const whole = readFileSync(images);
  writeFileSync(images, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const resume = ['train', '--resume', file('run.checkpoint.safetensors'), '--epochs', '2', '--json', '--save', file('resumed.safetensors')];
  const r = run(resume);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.ok(r.stderr.includes('train-images-idx3-ubyte.gz'), r.stderr);
  assert.equal(r.stdout, '', 'epoch 2 did not finish');
  assert.ok(readFileSync(file('run.checkpoint.safetensors')).equals(ck), 'the checkpoint was changed');
  writeFileSync(images, whole);
  ok(resume);
  assert.ok(sameTensors(file('resumed.safetensors'), file('unbroken.safetensors')), 'the resumed run ends on another model');
});
