// Checkpoints through the CLI: a run cut at a checkpoint and resumed saves a model byte-identical
// to the uninterrupted run's; Ctrl-C (SIGINT) stops at a batch boundary, writes a checkpoint,
// says how to resume, exits 130, and the resumed run again matches the uninterrupted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFashionMnistDir } from '../../dist/node/idx-files.js';
import { loadDigits } from '../../dist/node/digits.js';
import { createNetwork } from '../../dist/index.js';
import { encodeCheckpoint } from '../../dist/io/checkpoint.js';
import { decodeSafetensors } from '../../dist/io/safetensors.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const run = (args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, cwd: dir });
const ok = (args) => {
  const r = run(args);
  assert.equal(r.status, 0, `wasm-mlp ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r;
};
const jsonLines = (s) => s.trimEnd().split('\n').map((l) => JSON.parse(l));
const file = (name) => join(dir, name);

test('4 epochs straight and 2 epochs + checkpoint + resume to 4 save identical model bytes (adam)', () => {
  const common = ['--optimizer', 'adam', '--layers', '64,32', '--validation', '0.1', '--json'];
  ok(['train', ...common, '--epochs', '4', '--save', file('straight.safetensors')]);
  const first = jsonLines(ok(['train', ...common, '--epochs', '2', '--checkpoint', file('ck.safetensors'), '--checkpoint-every', '2']).stdout);
  assert.deepEqual(first.map((l) => l.epoch), [1, 2]);
  const info = JSON.parse(ok(['info', '--model', file('ck.safetensors'), '--json']).stdout);
  assert.equal(info.kind, 'checkpoint');
  assert.equal(info.checkpoint.epoch, 2);
  assert.ok(info.checkpoint.optimizerStep > 0);
  // the checkpoint remembers the flags: only the new total and the output are given
  const rest = jsonLines(ok(['train', '--resume', file('ck.safetensors'), '--epochs', '4', '--save', file('resumed.safetensors'), '--json']).stdout);
  assert.deepEqual(rest.map((l) => l.epoch), [3, 4]);
  assert.ok(readFileSync(file('resumed.safetensors')).equals(readFileSync(file('straight.safetensors'))), 'model files differ');
});

test('resuming with a different model or data flag is a usage error', () => {
  const r = run(['train', '--resume', file('ck.safetensors'), '--epochs', '4', '--layers', '128']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--layers 128 differs from the checkpoint's 64,32/);
  const same = run(['train', '--resume', file('ck.safetensors'), '--epochs', '3', '--layers', '64,32', '--optimizer', 'adam', '--json']);
  assert.equal(same.status, 0, same.stderr);
});

test('resuming from a plain model file exits 1 explaining that it is not a checkpoint', () => {
  const r = run(['train', '--resume', file('straight.safetensors')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not a checkpoint/);
});

/** Spawns a training run and sends SIGINT once its first epoch line (text or JSON) is out. */
function interrupted(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', sent = false;
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      if (!sent && /^(epoch |\{)/m.test(stdout)) { sent = true; child.kill('SIGINT'); }
    });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test('Ctrl-C writes a checkpoint next to --save, says how to resume, exits 130; the resumed run matches', async () => {
  // a larger dataset keeps the run busy long enough to be cut in its second epoch
  const fashion = findFashionMnistDir();
  const data = fashion ? ['--dataset', fashion, '--epochs', '2'] : ['--batch', '2', '--epochs', '3'];
  const r = await interrupted(['train', ...data, '--save', 'cut.safetensors', '--json']);
  assert.equal(r.code, 130, r.stderr);
  assert.equal(jsonLines(r.stdout).length, 1, 'stdout holds only the JSON line of the finished epoch');
  const ck = file('cut.checkpoint.safetensors');
  assert.ok(existsSync(ck), 'checkpoint written');
  assert.ok(!existsSync(file('cut.safetensors')), 'no model saved for an interrupted run');
  assert.match(r.stderr, /interrupted .*; checkpoint saved to cut\.checkpoint\.safetensors\nwasm-mlp: resume with: wasm-mlp train --resume cut\.checkpoint\.safetensors\n$/);

  const info = JSON.parse(ok(['info', '--model', ck, '--json']).stdout);
  assert.equal(info.checkpoint.epoch, 1);
  // progress in the epoch is the checkpoint format's own metadata, no longer the CLI's train_batch
  const meta = decodeSafetensors(new Uint8Array(readFileSync(ck))).metadata;
  assert.equal(meta.train_batch, undefined);
  assert.ok(Number(meta.batch) > 0 && Number(meta.sample) > 0, `batch ${meta.batch}, sample ${meta.sample}`);
  ok(['train', '--resume', ck, '--json']); // writes cut.safetensors, as the interrupted run would have
  ok(['train', ...data, '--save', 'straight-sigint.safetensors', '--json']);
  assert.ok(readFileSync(file('cut.safetensors')).equals(readFileSync(file('straight-sigint.safetensors'))), 'resumed model differs');
});

test('without --save or --checkpoint, Ctrl-C writes ./wasm-mlp-interrupted.checkpoint.safetensors', async () => {
  const r = await interrupted(['train', '--batch', '2', '--epochs', '3']);
  assert.equal(r.code, 130, r.stderr);
  assert.ok(existsSync(file('wasm-mlp-interrupted.checkpoint.safetensors')));
  assert.match(r.stderr, /resume with: wasm-mlp train --resume .*wasm-mlp-interrupted\.checkpoint\.safetensors/);
});

test('a checkpoint written the old way (batches done in train_batch metadata, no sample) resumes to the same model', async () => {
  // what the CLI used to write when cut in epoch 1 after 5 batches of 256: built here with the library
  const digits = loadDigits();
  const net = await createNetwork({ layers: [784, 32, 10], hidden: 'relu', output: 'softmax', optimizer: { name: 'sgd', learningRate: 0.1 }, seed: 1, backend: 'simd' });
  const stop = new AbortController();
  await net.fit(digits.train.x, digits.train.y, {
    epochs: 2, batchSize: 256, shuffle: true, signal: stop.signal,
    onBatchEnd: (log) => { if (log.batch === 5) stop.abort(); },
  });
  const st = net.getTrainingState();
  assert.equal(st.batch, 5);
  const opt = net.getOptimizerState();
  const flags = { layers: '32', batch: '256', dataset: 'digits', epochs: '2' };
  const old = file('old-style.checkpoint.safetensors');
  writeFileSync(old, encodeCheckpoint(
    { architecture: net.architecture, parameters: net.getParameters(), metadata: { dataset: 'mnist digits', train_config: JSON.stringify(flags), train_batch: String(st.batch) } },
    { epoch: st.epoch, optimizer: { ...net.optimizer }, optimizerStep: opt.step, optimizerTensors: opt.tensors, rngState: st.rngState, order: st.order, history: [] },
  ));
  assert.equal(decodeSafetensors(new Uint8Array(readFileSync(old))).metadata.sample, undefined);

  const resumed = ok(['train', '--resume', old, '--backend', 'simd', '--save', file('old-resumed.safetensors')]);
  assert.match(resumed.stdout, /resuming .*old-style\.checkpoint\.safetensors at epoch 0, batch 5 of 2\n/);
  ok(['train', '--layers', '32', '--batch', '256', '--epochs', '2', '--backend', 'simd', '--save', file('old-straight.safetensors'), '--json']);
  assert.ok(readFileSync(file('old-resumed.safetensors')).equals(readFileSync(file('old-straight.safetensors'))), 'resumed model differs');
});
