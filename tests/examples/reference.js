// What the embedding examples are compared with: the library's own run of the same training
// (784-128-10, ReLU, softmax, SGD lr 0.1, batch 64, seed 1, the embedded digits), per epoch.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createNetwork } from '../../dist/index.js';
import { loadDigits } from '../../dist/node/digits.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const JS_EXAMPLE = fileURLToPath(new URL('../../examples/embed/train.mjs', import.meta.url));

/** Per-epoch { epoch, loss, trainAccuracy, testLoss, testAccuracy } of the library on `backend`. */
export async function libraryEpochs(backend, epochs) {
  const { train, test } = loadDigits();
  const net = await createNetwork({ layers: [784, 128, 10], backend, seed: 1, optimizer: { name: 'sgd', learningRate: 0.1 } });
  const history = await net.fit(train.x, train.y, { epochs, batchSize: 64, validation: { x: test.x, y: test.y } });
  return history.map((l) => ({ epoch: l.epoch, loss: l.loss, trainAccuracy: l.trainAccuracy, testLoss: l.validationLoss, testAccuracy: l.validationAccuracy }));
}

/** Runs a program that prints one JSON object per epoch (--json) and returns them. */
export async function jsonEpochs(file, args) {
  const { stdout } = await promisify(execFile)(file, args, { cwd: ROOT, maxBuffer: 1 << 20, timeout: 120_000 });
  return stdout.trim().split('\n').map((line) => JSON.parse(line));
}
