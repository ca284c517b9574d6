// PyTorch for the import/export tests: Debian's python3-torch through /usr/bin/python3 (the tests
// skip, and say so, where it is not importable), and the Python blocks of docs/pytorch.md, so the
// tests run the page's code exactly as it stands.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';
export const NO_TORCH = 'PyTorch is not importable by /usr/bin/python3 (apt-get install python3-torch)';

let probed;
/** Whether /usr/bin/python3 can import torch (probed once). */
export function hasTorch() {
  probed ??= existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { timeout: 60_000 }).status === 0;
  return probed;
}

const DOC = new URL('../../docs/pytorch.md', import.meta.url);

/** The ```python blocks of docs/pytorch.md matching each pattern, joined in the order given;
 * fails when a pattern matches no block or several. */
export function docPython(...patterns) {
  const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
  return patterns.map((re) => {
    const found = blocks.filter((b) => re.test(b));
    assert.equal(found.length, 1, `docs/pytorch.md: one python block should match ${re}, found ${found.length}`);
    return found[0];
  }).join('\n');
}

/** The page's reader without the safetensors package, its model builder, and its writer. */
export const DOC_READER = /def read_safetensors[\s\S]*struct\.unpack/;
export const DOC_TO_TORCH = /^def to_torch\(/m;
export const DOC_WRITER = /^def write_safetensors\(/m;

/** Runs a Python script with `input` as JSON on stdin; returns the JSON of its last stdout line. */
export function runPython(script, input = null) {
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `python failed (${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/** Asserts |a[i] - b[i]| ≤ tol for every i (a NaN fails), and equal lengths. */
export function assertClose(a, b, tol, what) {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= tol)) assert.fail(`${what}: |${a[i]} - ${b[i]}| = ${d} at ${i}, above ${tol}`);
  }
}
