// examples/embed/train.mjs: build/simd.wasm driven with no glue (bare WebAssembly.instantiate and
// typed-array views, docs/ABI.md step by step) trains exactly as the library's simd backend does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JS_EXAMPLE, jsonEpochs, libraryEpochs } from './reference.js';

const EPOCHS = 2;

test('the JS embedding example imports only node: built-ins (no wasm-mlp JavaScript, no loader)', () => {
  const src = readFileSync(JS_EXAMPLE, 'utf8');
  const specifiers = [...src.matchAll(/^\s*(?:import|export)\b[^;'"]*?(?:from\s*)?['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  assert.ok(specifiers.length > 0, 'no import found: the scan is broken');
  for (const s of specifiers) assert.match(s, /^node:/, `the example imports ${s}`);
  assert.doesNotMatch(src, /\bimport\s*\(/, 'the example has a dynamic import()');
  assert.doesNotMatch(src, /\brequire\s*\(/, 'the example calls require()');
});

test(`${EPOCHS} epochs of the JS embedding example give the library's simd losses and accuracies to the bit`, async () => {
  const [example, library] = await Promise.all([
    jsonEpochs(process.execPath, [JS_EXAMPLE, '--epochs', String(EPOCHS), '--json']),
    libraryEpochs('simd', EPOCHS),
  ]);
  assert.equal(example.length, EPOCHS, JSON.stringify(example));
  // exact: the same kernels on the same f32 inputs in the same order (initial weights, shuffles,
  // call sequence), so every sum is taken in the same order
  assert.deepEqual(example, library);
  assert.ok(example[EPOCHS - 1].testAccuracy > 0.85, `test accuracy ${example[EPOCHS - 1].testAccuracy}`);
});
