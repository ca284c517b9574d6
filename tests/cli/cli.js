// Shared by the CLI tests: run the built `wasm-mlp` command in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Runs `wasm-mlp ...args`; returns spawnSync's result (status, stdout, stderr). */
export const run = (args, opts = {}) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, ...opts });

/** Runs it and asserts exit code 0, showing stderr otherwise. */
export const ok = (args, opts = {}) => {
  const r = run(args, opts);
  assert.equal(r.status, 0, `wasm-mlp ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r;
};

/** The JSON objects of a --json run's stdout, one per line. */
export const jsonLines = (s) => s.trimEnd().split('\n').map((l) => JSON.parse(l));
