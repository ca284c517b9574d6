// `wasm-mlp export --wasm`: the module the command writes predicts what `wasm-mlp predict --json`
// prints for the same CSV rows, to the bit, on the matching backend (--simd: --backend simd,
// --scalar: --backend scalar), with the model's normaliser applied inside the module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel } from '../../dist/io/index.js';
import { run, ok, jsonLines } from './cli.js';
import { bits, instantiateStandalone, seededModel } from '../io/standalone-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-export-wasm-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const { model, x, n } = seededModel({ layers: [6, 10, 4], hidden: 'sigmoid', output: 'softmax', normalizer: 'zscore', n: 6, seed: 9 });
const MODEL = join(dir, 'm.safetensors');
const CSV = join(dir, 'rows.csv');
writeFileSync(MODEL, encodeModel(model));
// String(f32 value) round-trips: the CSV reader gets back exactly the rows the module is given
const rows = Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * 6, (i + 1) * 6), String).join(','));
writeFileSync(CSV, rows.join('\n') + '\n');

for (const isa of ['simd', 'scalar']) {
  test(`export --wasm ${isa === 'simd' ? '(default --simd)' : '--scalar'} equals predict --backend ${isa} --json on the same CSV, to the bit`, async () => {
    const out = join(dir, `${isa}.wasm`);
    const r = ok(['export', '--model', MODEL, '--wasm', out, ...(isa === 'scalar' ? ['--scalar'] : []), '--max-rows', '8']);
    const size = readFileSync(out).length;
    assert.equal(r.stdout, `wrote ${out} (${size.toLocaleString('en-US')} bytes)\n`);
    const cli = jsonLines(ok(['predict', '--model', MODEL, '--input', CSV, '--backend', isa, '--json']).stdout);
    const want = Float32Array.from(cli.flatMap((l) => l.probabilities));
    const { e, run: predict } = await instantiateStandalone(new Uint8Array(readFileSync(out)));
    assert.equal(e.max_rows(), 8);
    const got = predict(n, x);
    assert.equal(got.ret, n);
    assert.deepEqual(bits(got.out), bits(want));
  });
}

test('export --onnx and --wasm at once write both files; the flags are checked', () => {
  const onnx = join(dir, 'both.onnx'), wasm = join(dir, 'both.wasm');
  const r = ok(['export', '--model', MODEL, '--onnx', onnx, '--wasm', wasm]);
  assert.equal(r.stdout.split('\n').filter(Boolean).length, 2);
  assert.ok(existsSync(onnx) && existsSync(wasm));
  const usage = (args, pattern) => {
    const u = run(['export', '--model', MODEL, ...args]);
    assert.equal(u.status, 2, u.stderr);
    assert.match(u.stderr, pattern);
  };
  usage(['--wasm', wasm, '--simd', '--scalar'], /--simd and --scalar exclude each other/);
  usage(['--onnx', onnx, '--scalar'], /--scalar applies to --wasm/);
  usage(['--wasm', wasm, '--max-rows', '0'], /--max-rows must be an integer ≥ 1/);
  usage([], /--onnx OUT or --wasm OUT/);
  assert.match(ok(['export', '--help']).stdout, /--wasm OUT[\s\S]*--scalar[\s\S]*--max-rows N/);
});
