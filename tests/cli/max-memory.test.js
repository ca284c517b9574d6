// `train --max-memory SIZE`: sizes with decimal and binary units, refusals that name the flag and
// value (exit 2), the bound in the run's options, and remembered by checkpoints so that --resume
// inherits it (a new value given on resume wins).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSize } from '../../dist/cli/args.js';
import { parseTrainOptions } from '../../dist/cli/train-options.js';
import { decodeSafetensors } from '../../dist/io/safetensors.js';
import { ok, run } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-max-memory-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = (name) => join(dir, name);
const trainConfig = (path) => JSON.parse(decodeSafetensors(readFileSync(path)).metadata.train_config);

test('sizes: a plain number is bytes; KB, MB, GB, TB are powers of 1000, KiB … TiB of 1024, any case', () => {
  const cases = {
    '1GB': 1e9, '512MB': 512e6, '1.5GiB': 1.5 * 2 ** 30, '800MiB': 800 * 2 ** 20, '64KB': 64000, '64kib': 65536,
    '1024': 1024, '7b': 7, '2tb': 2e12, '1TiB': 2 ** 40, ' 3 gb ': 3e9, '0.5KB': 500, '.5GiB': 2 ** 29, '1.': 1, '2.5': 2,
  };
  for (const [s, bytes] of Object.entries(cases)) assert.equal(parseSize(s), bytes, s);
});

test('sizes: zero, negative, fractions of a byte and junk are refused', () => {
  for (const s of ['0', '0GB', '0.4', '-1', '-1GB', '', ' ', 'GB', '1XB', '1 G B', '1e9', 'abc', '1.5.2', 'Infinity', 'NaN', '1GB2', '99999999999TB']) {
    assert.equal(parseSize(s), null, JSON.stringify(s));
  }
});

test('a bad --max-memory is a usage error naming the flag and the value, exit 2', () => {
  for (const value of ['junk', '0', '12XB', '-5']) {
    const r = run(['train', `--max-memory=${value}`, '--epochs', '1']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--max-memory must be a size of at least 1 byte/);
    assert.ok(r.stderr.includes(`got '${value}'`), r.stderr);
    assert.equal(r.stdout, '');
  }
});

test('train --help explains --max-memory and that a resumed stream keeps its checkpoint geometry', () => {
  const help = ok(['train', '--help']).stdout;
  assert.match(help, /--max-memory SIZE/);
  assert.match(help, /1GB, 800MiB/);
  assert.match(help, /chunk size and\s+window recorded in its checkpoint/);
});

test('--max-memory reaches the run options and is remembered: --resume inherits it, a new value wins', () => {
  assert.equal(parseTrainOptions(['--max-memory', '1.5GiB']).maxMemory, 1.5 * 2 ** 30);
  assert.equal(parseTrainOptions([]).maxMemory, undefined);
  const r = ok(['train', '--epochs', '1', '--layers', '16', '--max-memory', '1GB', '--checkpoint', file('ck.safetensors'), '--save', file('m.safetensors'), '--json'], { cwd: dir });
  assert.equal(r.stdout.trimEnd().split('\n').length, 1);
  assert.equal(trainConfig(file('ck.safetensors'))['max-memory'], '1GB');
  assert.equal(trainConfig(file('m.safetensors'))['max-memory'], '1GB');
  assert.equal(parseTrainOptions(['--resume', file('ck.safetensors')]).maxMemory, 1e9);
  assert.equal(parseTrainOptions(['--resume', file('ck.safetensors'), '--max-memory', '2GiB']).maxMemory, 2 ** 31);
  // a run without the flag remembers none
  ok(['train', '--epochs', '1', '--layers', '16', '--checkpoint', file('plain.safetensors'), '--json'], { cwd: dir });
  assert.equal(trainConfig(file('plain.safetensors'))['max-memory'], undefined);
  assert.equal(parseTrainOptions(['--resume', file('plain.safetensors')]).maxMemory, undefined);
});
