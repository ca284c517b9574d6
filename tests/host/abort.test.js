// The debug binaries check kernel arguments and call env.abort; the host must turn that into a
// WasmAbortError whose message is the decoded AssemblyScript string, never a RuntimeError trap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createKernels, WasmAbortError } from '../../dist/index.js';

for (const name of ['simd', 'scalar']) {
  test(`${name} debug build: a kernel called with K = 0 throws WasmAbortError naming the check and the file`, async () => {
    const bytes = readFileSync(new URL(`../../build/${name}.debug.wasm`, import.meta.url));
    const k = await createKernels(name, { [name]: bytes });
    const p = k.arenaBase;
    k.ensureBytes(p + 4096);
    assert.throws(() => k.dense_forward(p, p, p, p, p, 1, 0, 1, 1),
      (e) => e instanceof WasmAbortError && /inputs K must be > 0/.test(e.message) && /assembly\/index\.ts:\d+:\d+/.test(e.message));
    assert.throws(() => k.sgd_update(p, p, 4, 8, 0.1, 0), (e) => e instanceof WasmAbortError && /nDecay must be in \[0, n\]/.test(e.message));
    // valid calls still work on the debug build
    new Float32Array(k.buffer(), p, 4).set([1, 2, 3, 4]);
    assert.equal(k.sgd_update(p, p, 4, 0, 0.5, 0), 0);
    assert.deepEqual([...new Float32Array(k.buffer(), p, 4)], [0.5, 1, 1.5, 2]);
  });
}

test('release simd build: the same call compiles its checks away and returns without trapping', async () => {
  const k = await createKernels('simd');
  const p = k.arenaBase;
  k.ensureBytes(p + 4096);
  assert.doesNotThrow(() => k.dense_forward(p, p, p, p, p, 1, 0, 1, 1));
});
