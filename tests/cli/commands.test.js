// The CLI's exit-code contract: 0 success, 1 a user error on one line (no stack trace unless
// --verbose), 2 bad usage; --help on every command; data errors name the file and the place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, run } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A user error: exit 1, exactly one line on stderr, nothing that looks like a stack frame. */
function assertUserError(r, pattern) {
  assert.equal(r.status, 1, `exit code 1 expected; stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.match(lines[0], pattern);
}

test('no command prints the usage and exits 2; --help exits 0', () => {
  const r = run([]);
  assert.equal(r.status, 2);
  assert.match(r.stdout, /usage: wasm-mlp <command>/);
  assert.equal(run(['--help']).status, 0);
});

test('an unknown command exits 2 naming it', () => {
  const r = run(['fly']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'fly'/);
});

test('an unknown flag exits 2 naming it, on every command', () => {
  for (const cmd of ['train', 'evaluate', 'predict', 'info', 'export']) {
    const r = run([cmd, '--frobnicate']);
    assert.equal(r.status, 2, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, /unknown flag --frobnicate/);
  }
});

test('a flag without its value, a value on a boolean flag, or a stray argument exits 2 naming it', () => {
  const cases = [
    [['train', '--epochs'], /^wasm-mlp: --epochs needs a value\n/],
    [['train', '--epochs', '--json'], /^wasm-mlp: --epochs needs a value\n/],
    [['train', '--lr', '-1'], /^wasm-mlp: --lr needs a value; write --lr=-1 for one starting with '-'\n/],
    [['train', '--json=yes'], /^wasm-mlp: --json takes no value\n/],
    [['train', 'mnist'], /^wasm-mlp: train takes no positional arguments; got 'mnist'\n/],
    [['evaluate', '--model', 'm.safetensors', 'extra'], /^wasm-mlp: evaluate takes no positional arguments; got 'extra'\n/],
    [['info', 'a.safetensors', 'b.safetensors'], /^wasm-mlp: info needs one model file: --model FILE\n/],
  ];
  for (const [args, pattern] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(' '));
  }
});

test('a bad flag value or a missing required flag exits 2', () => {
  assert.equal(run(['train', '--epochs', 'ten']).status, 2);
  assert.equal(run(['train', '--optimizer', 'lbfgs']).status, 2);
  assert.equal(run(['train', '--validation', '1.5']).status, 2);
  assert.equal(run(['train', '--normalize', 'robust']).status, 2);
  assert.equal(run(['evaluate']).status, 2);
  assert.equal(run(['predict', '--model', 'm.safetensors']).status, 2);
  assert.equal(run(['export', '--model', 'm.safetensors']).status, 2);
});

test('--help on each command prints its flags and exits 0', () => {
  for (const [cmd, flag] of [['train', '--checkpoint-every'], ['evaluate', '--model'], ['predict', '--invert'], ['info', '--model'], ['export', '--onnx']]) {
    const r = run([cmd, '--help']);
    assert.equal(r.status, 0, cmd);
    assert.ok(r.stdout.includes(flag), `${cmd} --help mentions ${flag}`);
  }
});

test('bench --help describes the pass-through to bench/run.js without starting it', () => {
  const r = run(['bench', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: wasm-mlp bench.*\n\n {2}runs node .*bench\/run\.js/s);
});

test('a missing model file exits 1 with one line naming it, and --verbose adds the stack', () => {
  const missing = join(dir, 'nope.safetensors');
  for (const cmd of ['evaluate', 'info', 'export']) {
    const args = cmd === 'export' ? [cmd, '--model', missing, '--onnx', join(dir, 'x.onnx')] : [cmd, '--model', missing];
    assertUserError(run(args), /file not found: .*nope\.safetensors/);
  }
  const v = run(['info', '--model', missing, '--verbose']);
  assert.equal(v.status, 1);
  assert.match(v.stderr, /\n\s+at /);
});

test('a file that is not a model exits 1 naming the file', () => {
  const junk = join(dir, 'junk.safetensors');
  writeFileSync(junk, 'this is not safetensors at all');
  assertUserError(run(['info', '--model', junk]), /junk\.safetensors/);
});

test('a bad CSV exits 1 naming the line and column', () => {
  const csv = join(dir, 'bad.csv');
  writeFileSync(csv, 'a,b,label\n1,2,0\n3,oops,1\n');
  assertUserError(run(['train', '--dataset', csv, '--epochs', '1']), /bad\.csv:3:2: non-numeric cell "oops"/);
});

test('a missing dataset exits 1 naming it', () => {
  assertUserError(run(['train', '--dataset', join(dir, 'no-such-dir')]), /dataset not found: .*no-such-dir/);
});

test('--label-column by a name the CSV lacks exits 1 listing the header', () => {
  const csv = join(dir, 'ok.csv');
  writeFileSync(csv, 'a,b,label\n1,2,0\n3,4,1\n');
  assertUserError(run(['train', '--dataset', csv, '--label-column', 'species']), /label column "species" is not in the header; found "a", "b", "label"/);
});
