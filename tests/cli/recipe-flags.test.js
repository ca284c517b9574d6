// The CLI's dropout and clipping flags (src/cli/recipe-flags.ts): a run with --dropout and
// --clip-norm cut at a checkpoint and resumed saves the uninterrupted run's model bytes (the
// checkpoint remembers both flags and the seed); the flags change the run; changing them on resume,
// and values that make no sense, are usage errors (exit 2) that name the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, ok, jsonLines } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-recipe-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = (name) => join(dir, name);
const common = ['--optimizer', 'momentum', '--layers', '48,24', '--seed', '5', '--json'];

test('--dropout and --clip-norm: 3 epochs straight and 1 + checkpoint + resume to 3 save identical model bytes; without them the model differs', () => {
  const recipe = ['--dropout', '0.3,0.1', '--clip-norm', '0.5'];
  ok(['train', ...common, ...recipe, '--epochs', '3', '--save', file('straight.safetensors')], { cwd: dir });
  ok(['train', ...common, ...recipe, '--epochs', '1', '--checkpoint', file('ck.safetensors')], { cwd: dir });
  const rest = jsonLines(ok(['train', '--resume', file('ck.safetensors'), '--epochs', '3', '--save', file('resumed.safetensors'), '--json'], { cwd: dir }).stdout);
  assert.deepEqual(rest.map((l) => l.epoch), [2, 3]);
  assert.ok(readFileSync(file('resumed.safetensors')).equals(readFileSync(file('straight.safetensors'))), 'model files differ');
  ok(['train', ...common, '--epochs', '3', '--save', file('plain.safetensors')], { cwd: dir });
  ok(['train', ...common, '--clip-value', '0.001', '--epochs', '3', '--save', file('value.safetensors')], { cwd: dir });
  const a = readFileSync(file('plain.safetensors'));
  assert.ok(!a.equals(readFileSync(file('straight.safetensors'))), 'dropout and clipping changed nothing');
  assert.ok(!a.equals(readFileSync(file('value.safetensors'))), '--clip-value changed nothing');
});

test('changing a recipe flag on resume is a usage error; repeating it is not', () => {
  const changed = run(['train', '--resume', file('ck.safetensors'), '--epochs', '2', '--dropout', '0.5'], { cwd: dir });
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /--dropout 0.5 differs from the checkpoint's 0.3,0.1/);
  const added = run(['train', '--resume', file('ck.safetensors'), '--epochs', '2', '--clip-value', '1'], { cwd: dir });
  assert.equal(added.status, 2);
  assert.match(added.stderr, /--clip-value 1 differs from the checkpoint's \(not set\)/);
  ok(['train', '--resume', file('ck.safetensors'), '--epochs', '2', '--clip-norm', '0.50', '--json'], { cwd: dir });
});

test('recipe flags that make no sense are usage errors that name them', () => {
  for (const [args, re] of [
    [['--dropout', '1'], /--dropout takes rates in \[0, 1\)/],
    [['--dropout', '0.2,'], /--dropout takes rates/],
    [['--dropout', '0.1,0.2,0.3', '--layers', '32,16'], /--dropout has 3 rates for 2 hidden layers/],
    [['--dropout', '0.1', '--layers', ''], /--dropout needs a hidden layer/],
    [['--clip-norm', '0'], /--clip-norm must be a number > 0; got '0'/],
    [['--clip-value', 'abc'], /--clip-value must be a number > 0/],
    [['--clip-norm', '1', '--clip-value', '1'], /--clip-norm and --clip-value are exclusive/],
  ]) {
    const r = run(['train', '--epochs', '1', ...args], { cwd: dir });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  assert.match(ok(['train', '--help']).stdout, /--dropout 0.2 .*\n.*\n.*\n  --clip-norm X .*\n  --clip-value X/);
});
