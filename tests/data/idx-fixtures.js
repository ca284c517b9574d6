// Small IDX files built in memory, and temporary folders removed after the test, for the tests
// that read IDX data (tests/data/idx-stream.test.js, tests/host/sources.test.js).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An IDX ubyte file of the given dims whose element i is f(i). */
export function ubyte(dims, f = (i) => (i * 37 + 11) % 256) {
  const head = 4 + 4 * dims.length, count = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(head + count), dv = new DataView(out.buffer);
  out[2] = 0x08; out[3] = dims.length;
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) out[head + i] = f(i);
  return out;
}

/** A new folder in the system's temporary folder, removed when test `t` ends. */
export function tempDir(t, prefix = 'wasm-mlp-idx-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
