// `info` reads its file once (it used to read it three times: as a model, as safetensors, and again
// as a checkpoint) and still tells a model from a checkpoint. Run in-process with fs.readFileSync
// counted (syncBuiltinESMExports makes the ES-module bindings see the counting function).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel } from '../../dist/io/model-file.js';
import { encodeCheckpoint } from '../../dist/io/checkpoint.js';
import { infoCommand } from '../../dist/cli/info.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const model = {
  architecture: { layers: [3, 2], hidden: 'relu', output: 'softmax' },
  parameters: { weights: [new Float32Array(6).fill(0.5)], biases: [new Float32Array(2)] },
  metadata: { note: 'tiny' },
};
const state = { epoch: 2, optimizer: { name: 'sgd', learningRate: 0.1 }, optimizerStep: 7, optimizerTensors: {}, rngState: Uint32Array.from([1, 2, 3, 4]) };

/** Runs info on `file`, returning its JSON and how many times `file` was read. */
async function infoReads(file) {
  const read = fs.readFileSync, write = process.stdout.write;
  let reads = 0, stdout = '';
  fs.readFileSync = (p, ...rest) => { if (p === file) reads++; return read(p, ...rest); };
  syncBuiltinESMExports();
  process.stdout.write = (s) => { stdout += s; return true; };
  try {
    assert.equal(await infoCommand(['--model', file, '--json']), 0);
  } finally {
    fs.readFileSync = read;
    syncBuiltinESMExports();
    process.stdout.write = write;
  }
  return { info: JSON.parse(stdout), reads };
}

test('info reads a checkpoint once and shows its training state', async () => {
  const file = join(dir, 'ck.safetensors');
  writeFileSync(file, encodeCheckpoint(model, state));
  const { info, reads } = await infoReads(file);
  assert.equal(reads, 1);
  assert.equal(info.kind, 'checkpoint');
  assert.deepEqual(info.checkpoint, { epoch: 2, optimizer: state.optimizer, optimizerStep: 7, epochsInHistory: 0 });
  assert.deepEqual(info.metadata, { note: 'tiny' });
});

test('info reads a model once', async () => {
  const file = join(dir, 'model.safetensors');
  const bytes = encodeModel(model);
  writeFileSync(file, bytes);
  const { info, reads } = await infoReads(file);
  assert.equal(reads, 1);
  assert.equal(info.kind, 'model');
  assert.equal(info.bytes, bytes.length);
  assert.equal(info.formatVersion, '1');
  assert.equal(info.checkpoint, undefined);
});
