// examples/embed-c: build/scalar.wasm translated by wasm2c and compiled with cc, driven from C with
// the same PRNG, initialisation, packing, arena and call order, trains exactly as the library's
// scalar backend does. Built in a temporary folder; skipped where wasm2c, cc or make is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JS_EXAMPLE, ROOT, jsonEpochs, libraryEpochs } from './reference.js';

const EPOCHS = 2;
const has = (cmd) => !spawnSync(cmd, ['--version'], { stdio: 'ignore' }).error;

test(`${EPOCHS} epochs of the C embedding example (wasm2c + cc) give the library's scalar losses and accuracies to the bit`, async (t) => {
  if (!has('wasm2c')) { t.skip('wasm2c is not installed: apt-get install wabt'); return; }
  if (!has('cc')) { t.skip('cc is not installed: apt-get install gcc'); return; }
  if (!has('make')) { t.skip('make is not installed: apt-get install make'); return; }
  const out = mkdtempSync(join(tmpdir(), 'wasm-mlp-embed-c-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));

  const build = spawnSync('make', ['-C', join(ROOT, 'examples/embed-c'), `OUT=${out}`], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(build.status, 0, `make failed:\n${build.stdout}\n${build.stderr}`);
  const digits = join(out, 'digits.bin');
  const write = spawnSync(process.execPath, [JS_EXAMPLE, '--epochs', '0', '--write-digits', digits], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(write.status, 0, write.stderr);

  const [example, library] = await Promise.all([
    jsonEpochs(join(out, 'train'), [digits, '--epochs', String(EPOCHS), '--json']),
    libraryEpochs('scalar', EPOCHS),
  ]);
  assert.equal(example.length, EPOCHS, JSON.stringify(example));
  // exact: wasm2c keeps every f32/f64 operation of the binary (no FMA contraction, -ffp-contract=off),
  // and the initial weights match because libm's log/cos differ from V8's by at most an ulp of the
  // double, which rounding to f32 absorbs for seed 1
  assert.deepEqual(example, library);
});
