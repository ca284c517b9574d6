// `wasm-mlp import`: a PyTorch state_dict (safetensors) becomes a model file that predict and info
// use; usage errors exit 2, bad files exit 1 with one line and leave no output behind; with real
// PyTorch (skipped, and said so, without it), a model it builds and saves goes through import and
// predict to PyTorch's own probabilities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors } from '../../dist/io/safetensors.js';
import { encodeModel } from '../../dist/io/model-file.js';
import { DOC_WRITER, NO_TORCH, assertClose, docPython, hasTorch, runPython } from '../data/pytorch.js';
import { ok, run } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-import-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const at = (name) => join(dir, name);

const FIXTURE = new URL('../fixtures/pytorch/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8'));
copyFileSync(new URL('mlp-f32.safetensors', FIXTURE), at('mlp.safetensors'));
writeFileSync(at('inputs.csv'), expected.inputs.map((r) => r.join(',')).join('\n') + '\n');

/** Probabilities `predict --json` gives for the rows of `csv`, flattened. */
const predicted = (model, csv) => ok(['predict', '--model', model, '--input', csv, '--json']).stdout.trim().split('\n').flatMap((l) => JSON.parse(l).probabilities);

test('import --help names its flags and exits 0; the top-level usage lists the command', () => {
  const r = run(['import', '--help']);
  assert.equal(r.status, 0);
  for (const flag of ['--save', '--hidden', '--output', 'leaky_relu', 'nn.LeakyReLU(0.01)']) assert.ok(r.stdout.includes(flag), flag);
  assert.match(run(['--help']).stdout, /^ {2}import {5}read a PyTorch state_dict/m);
});

test('import then predict: the fixture gives PyTorch\'s probabilities within 1e-5; info shows the architecture', () => {
  const r = ok(['import', at('mlp.safetensors'), '--save', at('m.safetensors')]);
  assert.equal(r.stdout, `wrote ${at('m.safetensors')} (${readFileSync(at('m.safetensors')).length.toLocaleString('en-US')} bytes): 12-8-6-3, hidden relu, output softmax, from PyTorch state_dict (net.0, net.2, net.4) in ${at('mlp.safetensors')}\n`);
  assert.equal(r.stderr, '');
  assertClose(predicted(at('m.safetensors'), at('inputs.csv')), expected.f32.flat(), 1e-5, 'predict');
  const info = JSON.parse(ok(['info', '--model', at('m.safetensors'), '--json']).stdout);
  assert.deepEqual(info.architecture, { layers: [12, 8, 6, 3], hidden: 'relu', output: 'softmax' });
  assert.equal(info.parameters, 12 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3);
  assert.deepEqual(info.metadata, { imported_from: 'PyTorch state_dict (safetensors)' });
});

test('--hidden and --output are written into the model', () => {
  ok(['import', at('mlp.safetensors'), '--hidden', 'tanh', '--output', 'sigmoid', '--save', at('t.safetensors')]);
  const info = JSON.parse(ok(['info', '--model', at('t.safetensors'), '--json']).stdout);
  assert.deepEqual(info.architecture, { layers: [12, 8, 6, 3], hidden: 'tanh', output: 'sigmoid' });
});

test('a bare nn.Linear (keys weight and bias) imports as one layer and the summary says so', () => {
  writeFileSync(at('bare.safetensors'), encodeSafetensors([{ name: 'weight', dtype: 'F32', shape: [2, 3], data: new Float32Array(6) }, { name: 'bias', dtype: 'F32', shape: [2], data: new Float32Array(2) }]));
  const r = ok(['import', at('bare.safetensors'), '--output', 'sigmoid', '--save', at('bare-m.safetensors')]);
  assert.match(r.stdout, /: 3-2, hidden relu, output sigmoid, from PyTorch state_dict \(top-level weight, bias\) in /);
});

test('usage errors exit 2 and write nothing', () => {
  const cases = [
    [['import'], /import needs one input file and --save OUT/],
    [['import', at('mlp.safetensors')], /import needs one input file and --save OUT/],
    [['import', '--save', at('u.safetensors')], /import needs one input file/],
    [['import', at('mlp.safetensors'), at('mlp.safetensors'), '--save', at('u.safetensors')], /import needs one input file/],
    [['import', at('mlp.safetensors'), '--hidden', 'gelu', '--save', at('u.safetensors')], /--hidden must be one of relu, leaky_relu, sigmoid, tanh; got 'gelu'/],
    [['import', at('mlp.safetensors'), '--output', 'softmax2', '--save', at('u.safetensors')], /--output must be one of softmax, sigmoid, linear/],
    [['import', at('mlp.safetensors'), '--onnx', at('u.onnx')], /unknown flag --onnx/],
  ];
  for (const [args, re] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /wasm-mlp import --help/);
  }
  assert.ok(!existsSync(at('u.safetensors')));
});

test('bad files exit 1 with one line naming the file (and the key), leaving no output or temporary file', () => {
  const files = {
    'nobias.safetensors': encodeSafetensors([{ name: 'net.0.weight', dtype: 'F32', shape: [2, 3], data: new Float32Array(6) }]),
    'text.onnx': new TextEncoder().encode('\x08\x07\x12\x07pytorch garbage that is not safetensors'),
    'ours.safetensors': encodeModel({ architecture: { layers: [3, 2], hidden: 'relu', output: 'softmax' }, parameters: { weights: [new Float32Array(6)], biases: [new Float32Array(2)] } }),
  };
  const sub = mkdtempSync(join(dir, 'bad-'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(sub, name), bytes);
  const out = join(sub, 'out.safetensors');
  const cases = [
    ['nobias.safetensors', /^wasm-mlp: PyTorch state_dict .*nobias\.safetensors: missing tensor "net\.0\.bias" for "net\.0\.weight" \[2, 3\]/],
    ['text.onnx', /^wasm-mlp: ONNX file .*text\.onnx: /],
    ['ours.safetensors', /ours\.safetensors: this is already a wasm-mlp model file .*use it directly/],
    ['missing.safetensors', /^wasm-mlp: file not found: .*missing\.safetensors/],
  ];
  for (const [name, re] of cases) {
    const r = run(['import', join(sub, name), '--save', out]);
    assert.equal(r.status, 1, `${name}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
  assert.deepEqual(readdirSync(sub).sort(), Object.keys(files).sort(), 'no output and no temporary file');
});

test('a failed import leaves an existing output file as it was', () => {
  const sub = mkdtempSync(join(dir, 'keep-'));
  const out = join(sub, 'out.safetensors');
  writeFileSync(out, 'previous');
  writeFileSync(join(sub, 'in.safetensors'), encodeSafetensors([{ name: '0.weight', dtype: 'I32', shape: [2, 3], data: new Int32Array(6) }, { name: '0.bias', dtype: 'F32', shape: [2], data: new Float32Array(2) }]));
  const r = run(['import', join(sub, 'in.safetensors'), '--save', out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /tensor "0\.weight" has dtype I32, expected F32, F16 or BF16/);
  assert.equal(readFileSync(out, 'utf8'), 'previous');
  assert.deepEqual(readdirSync(sub).sort(), ['in.safetensors', 'out.safetensors']);
});

test('PyTorch → wasm-mlp: an nn.Sequential saved by PyTorch (gaps for LeakyReLU and Dropout) imports and predicts its probabilities within 1e-5', (t) => {
  if (!hasTorch()) { t.skip(`${NO_TORCH}; the fixture tests above still run`); return; }
  const sub = mkdtempSync(join(dir, 'torch-'));
  const saved = join(sub, 'torch.safetensors');
  // safetensors.torch.save_file where the package is importable, else docs/pytorch.md's writer
  const script = `${docPython(DOC_WRITER)}
import sys
from torch import nn
job = json.load(sys.stdin)
torch.manual_seed(7)
model = nn.Sequential(nn.Linear(5, 9), nn.LeakyReLU(0.01), nn.Dropout(0.2), nn.Linear(9, 7), nn.LeakyReLU(0.01), nn.Linear(7, 4), nn.Softmax(dim=1)).eval()
try:
    from safetensors.torch import save_file
    save_file(model.state_dict(), job["path"])
    how = "safetensors.torch.save_file"
except ImportError:
    write_safetensors(model.state_dict(), job["path"])
    how = "docs/pytorch.md write_safetensors"
x = torch.randn(6, 5)
with torch.no_grad():
    print(json.dumps({"how": how, "x": x.tolist(), "p": model(x).flatten().tolist()}))
`;
  const torch = runPython(script, { path: saved });
  t.diagnostic(`saved by ${torch.how}`);
  const r = ok(['import', saved, '--hidden', 'leaky_relu', '--save', join(sub, 'm.safetensors')]);
  assert.match(r.stdout, /: 5-9-7-4, hidden leaky_relu, output softmax, from PyTorch state_dict \(0, 3, 5\)/);
  writeFileSync(join(sub, 'x.csv'), torch.x.map((row) => row.join(',')).join('\n') + '\n');
  assertClose(predicted(join(sub, 'm.safetensors'), join(sub, 'x.csv')), torch.p, 1e-5, 'predict vs PyTorch');
});
