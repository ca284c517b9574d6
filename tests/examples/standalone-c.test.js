// examples/standalone-c: a model exported as one standalone module, translated by wasm2c and
// compiled with cc around classify.c, classifies a digit with exactly (bit for bit) the
// probabilities of wasm-mlp's predict path on the matching backend. Built in a temporary folder;
// skipped where wasm2c, cc or make is missing, and for SIMD where this wasm2c cannot translate it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bits, digitModel, exportStandaloneWasm, referencePredictor, ROOT, template } from '../io/standalone-fixture.js';

const EXAMPLE = fileURLToPath(new URL('examples/standalone-c', ROOT));
const has = (cmd) => !spawnSync(cmd, ['--version'], { stdio: 'ignore' }).error;
const missing = !has('wasm2c') ? 'wasm2c is not installed: apt-get install wabt'
  : !has('cc') ? 'cc is not installed: apt-get install gcc'
  : !has('make') ? 'make is not installed: apt-get install make' : null;

let fixture;
const digit = async () => {
  fixture ??= await digitModel();
  const i = 0, x = fixture.test.x.subarray(i * 784, (i + 1) * 784);
  return { model: fixture.model, x, label: fixture.test.y[i] };
};

/** Builds the example around `wasm` in `out` and classifies `x`: {class, probabilities (f32)}. */
function classify(out, wasm, x) {
  writeFileSync(join(out, 'model.wasm'), wasm);
  writeFileSync(join(out, 'row.f32'), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  const build = spawnSync('make', ['-C', EXAMPLE, `WASM=${join(out, 'model.wasm')}`, `OUT=${out}`], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(build.status, 0, `make failed:\n${build.stdout}\n${build.stderr}`);
  const r = spawnSync(join(out, 'classify'), [join(out, 'row.f32')], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const [head, ...rows] = r.stdout.trimEnd().split('\n');
  const probabilities = new Float32Array(new Uint32Array(rows.map((l) => parseInt(l.split(' ')[2], 16))).buffer);
  return { class: Number(head.match(/^class (\d+)$/)[1]), probabilities };
}

function tempDir(t) {
  const out = mkdtempSync(join(tmpdir(), 'wasm-mlp-standalone-c-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  return out;
}

test('the C example (wasm2c + cc) classifies a digit with a --scalar module: predict --backend scalar\'s probabilities to the bit', async (t) => {
  if (missing) { t.skip(missing); return; }
  const { model, x, label } = await digit();
  const got = classify(tempDir(t), exportStandaloneWasm(template('scalar'), model, { maxRows: 1 }), x);
  const want = (await referencePredictor(model, 'scalar'))(x, 1);
  // exact: wasm2c keeps every f32/f64 operation (no FMA contraction: -ffp-contract=off)
  assert.deepEqual(bits(got.probabilities), bits(want));
  assert.equal(got.class, label, 'the trained model reads the first test digit right');
});

test('the C example with a --simd module, where wasm2c translates SIMD', async (t) => {
  if (missing) { t.skip(missing); return; }
  const { model, x } = await digit();
  const out = tempDir(t);
  const wasm = exportStandaloneWasm(template('simd'), model, { maxRows: 1 });
  writeFileSync(join(out, 'probe.wasm'), wasm);
  const probe = spawnSync('wasm2c', [join(out, 'probe.wasm'), '-o', join(out, 'probe.c')], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const version = spawnSync('wasm2c', ['--version'], { encoding: 'utf8' }).stdout.trim();
    t.skip(`wasm2c ${version} cannot translate SIMD (${probe.signal ?? `exit ${probe.status}`}): the C example uses a --scalar module`);
    return;
  }
  const got = classify(out, wasm, x);
  assert.deepEqual(bits(got.probabilities), bits((await referencePredictor(model, 'simd'))(x, 1)));
});
