// The training recipe through `wasm-mlp train`: the flags that do not fit together are one-line
// usage errors, each epoch (line and --json object) carries the learning rate, early stopping
// says when it stopped and which epoch it kept, --save writes that epoch's parameters, the report
// holds the learning-rate series and the kept epoch, and a recipe run cut at a checkpoint resumes
// to the same model bytes, with its recipe flags locked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { CLI, jsonLines, run, ok } from './cli.js';
import { learningRateAt } from '../../dist/index.js';
import { decodeModel } from '../../dist/io/model-file.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-recipe-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = (name) => join(dir, name);
// small and quick: 6,400 digits to train on (100 batches of 64), 1,600 to validate on
const BASE = ['train', '--layers', '16', '--validation', '0.2', '--backend', 'simd'];
const bits = (m) => [...m.parameters.weights, ...m.parameters.biases].flatMap((t) => Array.from(new Uint32Array(t.buffer, t.byteOffset, t.length)));

test('recipe flags that do not fit together are one-line usage errors (exit 2)', () => {
  const cases = [
    [['--lr-gamma', '0.5'], /--lr-gamma needs --lr-schedule \(it is read by --lr-schedule step, --lr-schedule exponential\)/],
    [['--lr-schedule', 'cosine', '--lr-gamma', '0.5'], /--lr-gamma does not apply to --lr-schedule cosine/],
    [['--lr-schedule', 'step'], /--lr-schedule step needs --lr-step-epochs/],
    [['--lr-schedule', 'exponential'], /--lr-schedule exponential needs --lr-gamma/],
    [['--lr-schedule', 'onecycle', '--warmup-epochs', '1'], /--warmup-epochs does not apply to --lr-schedule onecycle \(onecycle warms up by itself/],
    [['--lr-schedule', 'cosine', '--warmup-epochs', '1', '--warmup-steps', '5'], /warmupEpochs or warmupSteps, not both/],
    [['--lr-schedule', 'cosine', '--lr-alpha', '3'], /--lr-alpha must be a number in \[0, 1\]/],
    [['--lr-schedule', 'linear'], /--lr-schedule must be one of constant, step, exponential, cosine, onecycle; got 'linear'/],
    [['--early-stopping', '3'], /--early-stopping needs --validation F/],
    [['--monitor', 'val_accuracy'], /--monitor needs --early-stopping PATIENCE/],
    [['--no-restore-best'], /--no-restore-best needs --early-stopping PATIENCE/],
    [['--validation', '0.1', '--early-stopping', 'x'], /--early-stopping must be an integer ≥ 0; got 'x'/],
    [['--validation', '0.1', '--early-stopping', '2', '--monitor', 'loss'], /--monitor must be one of val_loss, val_accuracy/],
  ];
  for (const [args, re] of cases) {
    const r = run(['train', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    const [first] = r.stderr.split('\n');
    assert.match(first, re, args.join(' '));
  }
  const help = ok(['train', '--help']).stdout;
  for (const flag of ['--lr-schedule', '--lr-step-epochs', '--lr-gamma', '--lr-alpha', '--lr-max', '--lr-pct-start', '--warmup-epochs', '--warmup-steps', '--early-stopping', '--monitor', '--min-delta', '--start-from-epoch', '--no-restore-best']) {
    assert.ok(help.includes(flag), `train --help documents ${flag}`);
  }
});

test('--json: every epoch carries the schedule\'s learning rate, and a last object says what early stopping did', () => {
  const lines = jsonLines(ok([...BASE, '--epochs', '3', '--lr', '0.2', '--lr-schedule', 'cosine', '--warmup-epochs', '1', '--lr-alpha', '0.1', '--early-stopping', '4', '--json']).stdout);
  assert.equal(lines.length, 4);
  const schedule = { name: 'cosine', warmupEpochs: 1, alpha: 0.1 };
  assert.deepEqual(lines.slice(0, 3).map((l) => l.learningRate), [99, 199, 299].map((s) => learningRateAt(schedule, s, 100, 300, 0.2)));
  const es = lines[3].earlyStopping;
  assert.deepEqual(Object.keys(lines[3]), ['earlyStopping']);
  assert.equal(es.stopped, false);
  assert.equal(es.monitor, 'val_loss');
  assert.equal(es.keptEpoch, 3);
  const losses = lines.slice(0, 3).map((l) => l.validationLoss);
  assert.equal(es.bestEpoch, 1 + losses.indexOf(Math.min(...losses)));
  assert.equal(es.best, Math.min(...losses));
});

test('early stopping stops, says which epoch it kept, and --save writes that epoch\'s parameters; the report marks it and draws the learning rate', () => {
  // --min-delta 10: no epoch improves on the first, so patience 1 stops after epoch 2, keeping epoch 1
  const r = ok([...BASE, '--epochs', '5', '--early-stopping', '1', '--min-delta', '10', '--save', file('kept.safetensors'), '--report', file('kept.html')]);
  assert.match(r.stdout, /^epoch  1\/5  lr 0\.1  loss /m);
  assert.match(r.stdout, /^epoch  2\/5  lr 0\.1  /m);
  assert.doesNotMatch(r.stdout, /^epoch  3\/5/m);
  assert.match(r.stdout, /^early stopping: val_loss did not improve for 1 epoch: stopped after epoch 2; kept epoch 1's parameters \(best val_loss \d\.\d{4} at epoch 1\)$/m);
  ok([...BASE, '--epochs', '1', '--save', file('one.safetensors')]);
  const kept = decodeModel(new Uint8Array(readFileSync(file('kept.safetensors'))));
  assert.deepEqual(bits(kept), bits(decodeModel(new Uint8Array(readFileSync(file('one.safetensors'))))), 'the saved model is epoch 1\'s');
  assert.equal(kept.metadata.kept_epoch, '1');
  assert.equal(kept.metadata.trained_epochs, '2');

  const html = readFileSync(file('kept.html'), 'utf8');
  const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)[1]);
  assert.equal(data.keptEpoch, 1);
  assert.deepEqual(data.history.map((h) => h.learningRate), [0.1, 0.1]);
  const lr = data.charts.find((c) => c.id === 'learning-rate');
  assert.ok(lr, 'a learning-rate chart');
  assert.deepEqual(lr.series.map((s) => s.key), ['learningRate']);
  assert.match(html, /Kept epoch/);
  assert.equal(data.hyperparameters['stopped early'], 'after epoch 2');
});

/** Spawns a training run and sends SIGINT once its first epoch line is out. */
function interrupted(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', sent = false;
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      if (!sent && /^\{/m.test(stdout)) { sent = true; child.kill('SIGINT'); }
    });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('a recipe run cut by Ctrl-C and resumed from its checkpoint makes the same stop and saves the same model bytes; its recipe flags are locked', async () => {
  // --min-delta 10: nothing improves on epoch 1, so patience 3 stops after epoch 4 (after the cut)
  // and keeps epoch 1, whose parameters the checkpoint must carry
  const args = ['train', '--layers', '64', '--batch', '4', '--validation', '0.2', '--epochs', '6', '--lr', '0.05', '--lr-schedule', 'cosine', '--warmup-steps', '300',
    '--early-stopping', '3', '--min-delta', '10', '--json'];
  const straight = jsonLines(ok([...args, '--save', file('straight.safetensors')], { cwd: dir }).stdout);
  assert.deepEqual(straight.at(-1).earlyStopping, { stopped: true, stoppedEpoch: 4, monitor: 'val_loss', best: straight[0].validationLoss, bestEpoch: 1, keptEpoch: 1, restoreBestWeights: true });
  const cut = await interrupted([...args, '--save', 'cut.safetensors']);
  assert.equal(cut.code, 130, cut.stderr);
  const ck = file('cut.checkpoint.safetensors');
  const rest = jsonLines(ok(['train', '--resume', ck, '--json'], { cwd: dir }).stdout);
  assert.deepEqual(rest.at(-1), straight.at(-1));
  assert.deepEqual(rest.slice(0, -1).map((l) => l.learningRate), straight.slice(-1 - (rest.length - 1), -1).map((l) => l.learningRate));
  assert.ok(readFileSync(file('cut.safetensors')).equals(readFileSync(file('straight.safetensors'))), 'model files differ');

  const changed = run(['train', '--resume', ck, '--lr-schedule', 'step', '--lr-step-epochs', '1']);
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /--lr-schedule step differs from the checkpoint's cosine/);
  const off = run(['train', '--resume', ck, '--no-restore-best']);
  assert.equal(off.status, 2);
  assert.match(off.stderr, /--no-restore-best differs from the checkpoint's \(not set\)/);
  const same = run(['train', '--resume', ck, '--early-stopping', '3', '--warmup-steps', '300.0', '--json'], { cwd: dir });
  assert.equal(same.status, 0, same.stderr);
});
