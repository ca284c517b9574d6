// The package entries that must run outside Node: 'wasm-mlp' (the library) and 'wasm-mlp/io' (the
// pure codecs, data transforms and the report renderer). Their import graphs, followed through the
// built files, reach no Node built-in and no other package; 'wasm-mlp/io' resolves through the
// package's "exports" and offers what it promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));

/** Every module specifier in a built ES module: static imports and re-exports, bare imports, import(). */
function specifiers(source) {
  const found = [];
  for (const re of [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const m of source.matchAll(re)) found.push(m[1]);
  }
  return found;
}

/** Files reached from `entry` by relative imports, and the non-relative specifiers met, by file. */
function importGraph(entry) {
  const files = new Set();
  const external = [];
  const visit = (file) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else external.push(`${relative(ROOT, file)} imports '${spec}'`);
    }
  };
  visit(resolve(ROOT, entry));
  return { files, external };
}

const isBuiltin = (s) => s.startsWith('node:') || builtinModules.includes(s.split('/')[0]);

test('the import walk sees Node built-ins where they are (wasm-mlp/node reads files)', () => {
  const { external } = importGraph(pkg.exports['./node'].default);
  assert.ok(external.some((e) => isBuiltin(e.split("'")[1])), 'expected node:fs and friends under wasm-mlp/node');
});

for (const entry of ['.', './io']) {
  test(`'wasm-mlp${entry.slice(1)}' reaches no Node built-in and no other package`, () => {
    const { files, external } = importGraph(pkg.exports[entry].default);
    assert.ok(files.size > 3, `${files.size} modules`);
    assert.deepEqual(external, []);
  });
}

test("'wasm-mlp/io' is in the package exports with types and resolves to the codecs and the report", async () => {
  assert.deepEqual(pkg.exports['./io'], { types: './dist/io/index.d.ts', default: './dist/io/index.js' });
  const io = await import('wasm-mlp/io');
  for (const name of [
    'encodeSafetensors', 'decodeSafetensors', 'encodeModel', 'decodeModel', 'encodeCheckpoint', 'decodeCheckpoint',
    'exportOnnx', 'importOnnx', 'importSafetensors', 'parseIdx', 'idxImagesToFloat32', 'idxLabels', 'parseCsv', 'readPgm', 'fitNormalizer', 'fitNormalizerFromSource',
    'applyNormalizer', 'splitValidation', 'prepareTraining', 'modelInputs', 'renderReport', 'confusionMatrix',
  ]) {
    assert.equal(typeof io[name], 'function', name);
  }
  // the same functions wasm-mlp/node re-exports, not copies
  const node = await import('wasm-mlp/node');
  assert.equal(io.decodeModel, node.decodeModel);
  assert.equal(io.splitValidation, node.splitValidation);
  assert.equal(io.fitNormalizerFromSource, node.fitNormalizerFromSource);
});
