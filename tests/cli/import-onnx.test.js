// `wasm-mlp import MODEL.onnx`: the CLI's ONNX branch. Graphs written by torch.onnx.export
// (tests/fixtures/onnx, with the script that made them) import and predict PyTorch's outputs
// within 1e-5; `export --onnx` then `import` gives back the model file's tensors to the bit,
// normaliser included; --hidden/--output (a state_dict's flags) are refused for a graph, and a
// file that is neither format fails with one line and writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors } from '../../dist/io/safetensors.js';
import { ok, run } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-import-onnx-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name) => join(dir, name);
const FIXTURES = new URL('../fixtures/onnx/', import.meta.url);

/** Probabilities (or values) `predict --json` gives for the rows of `csv`, flattened. */
const predicted = (model, csv) => ok(['predict', '--model', model, '--input', csv, '--json']).stdout.trim().split('\n').flatMap((l) => JSON.parse(l).probabilities);

for (const [name, summary] of [
  ['relu-linear', '12-10-8-3, hidden relu, output linear, from ONNX graph (3 dense layers)'],
  ['tanh-softmax', '12-10-8-3, hidden tanh, output softmax, from ONNX graph (3 dense layers)'],
  ['matmul-normalized', '12-10-8-3, hidden leaky_relu, output sigmoid, from ONNX graph (3 dense layers, a normaliser)'],
]) {
  test(`import ${name}.onnx (torch.onnx.export) then predict: PyTorch's outputs within 1e-5`, () => {
    const fixture = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8'));
    const input = new URL(`${name}.onnx`, FIXTURES).pathname;
    const out = at(`${name}.safetensors`), csv = at(`${name}.csv`);
    const r = ok(['import', input, '--save', out]);
    assert.match(r.stdout, new RegExp(`^wrote .* bytes\\): ${summary.replace(/[()]/g, '\\$&')} in `));
    writeFileSync(csv, fixture.input.map((row) => row.join(',')).join('\n') + '\n');
    const got = predicted(out, csv), want = fixture.output.flat();
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-5, `output ${i}: ${got[i]} vs PyTorch ${want[i]}`);
  });
}

test('export --onnx then import: the same tensors to the bit, normaliser included', () => {
  // a small model with a z-score normaliser, trained for one epoch on a CSV
  const rows = Array.from({ length: 40 }, (_, i) => [i % 3, (i * 7) % 11, (i * 5) % 13 - 6, i / 3].join(','));
  writeFileSync(at('train.csv'), 'label,a,b,c\n' + rows.join('\n') + '\n');
  ok(['train', '--dataset', at('train.csv'), '--label-column', 'label', '--layers', '7', '--hidden', 'tanh', '--normalize', 'zscore', '--epochs', '1', '--save', at('orig.safetensors'), '--seed', '5']);
  ok(['export', '--model', at('orig.safetensors'), '--onnx', at('orig.onnx')]);
  ok(['import', at('orig.onnx'), '--save', at('back.safetensors')]);
  const a = decodeSafetensors(readFileSync(at('orig.safetensors'))), b = decodeSafetensors(readFileSync(at('back.safetensors')));
  assert.deepEqual([...b.tensors.keys()].sort(), [...a.tensors.keys()].sort());
  assert.ok(a.tensors.has('normalizer.offset') && a.tensors.has('normalizer.scale'), 'the original has a normaliser');
  for (const [key, t] of a.tensors) {
    const u = b.tensors.get(key);
    assert.deepEqual(u.shape, t.shape, key);
    assert.deepEqual(new Uint32Array(u.data.buffer, u.data.byteOffset, u.data.length), new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length), `${key} bits`);
  }
  assert.deepEqual(JSON.parse(b.metadata.architecture), JSON.parse(a.metadata.architecture));
});

test('a graph refuses --hidden and --output (exit 2); a file of neither format fails with one line (exit 1), writing nothing', () => {
  const input = new URL('relu-linear.onnx', FIXTURES).pathname;
  for (const flag of [['--hidden', 'tanh'], ['--output', 'linear']]) {
    const r = run(['import', input, ...flag, '--save', at('flagged.safetensors')]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /read as ONNX, whose graph names its activations: drop --hidden and --output/);
  }
  const sub = mkdtempSync(join(dir, 'bad-'));
  writeFileSync(join(sub, 'text.onnx'), 'label,a,b\n1,2,3\n');
  writeFileSync(join(sub, 'conv.onnx'), readFileSync(new URL('tanh-softmax.onnx', FIXTURES)).subarray(0, 100));
  for (const name of ['text.onnx', 'conv.onnx']) {
    const r = run(['import', join(sub, name), '--save', join(sub, 'out.safetensors')]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^wasm-mlp: ONNX file .*${name.replace('.', '\\.')}: .*byte`));
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  }
  assert.deepEqual(readdirSync(sub).sort(), ['conv.onnx', 'text.onnx']);
});
