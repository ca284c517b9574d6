// bench/data-scale.js's smoke test on a tiny synthetic set: the JSON has a figure for every
// measured quantity (no value of speed is asserted: the machine is shared), --no-write writes no
// results file, and the temporary dataset folder is removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const RESULTS = join(ROOT, 'bench', 'results');

function runBench(args, env) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bench/data-scale.js', ...args], { cwd: ROOT, env, timeout: 100_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`bench/data-scale.js ${args.join(' ')} failed (exit ${err.code}): ${err.message}\n${stderr.slice(-2000)}`));
      else resolve({ result: JSON.parse(stdout), stderr });
    });
  });
}

test('data-scale on 500 synthetic images: peak memory, wall time, samples/s and accuracy per run; temp folder removed', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'wasm-mlp-data-scale-test-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const before = existsSync(RESULTS) ? readdirSync(RESULTS).sort() : [];
  const { result, stderr } = await runBench(
    ['--cases', 'synthetic,max-memory', '--images', '500', '--threads', '1', '--runs', '2', '--no-write', '--json'],
    { ...process.env, TMPDIR: tmp },
  );
  assert.equal(result.kind, 'data-scale');
  assert.ok(result.machine.cpu && result.machine.node, 'machine record missing');
  assert.equal(result.cases.filter((c) => c.extra === '').length, 1, 'one in-memory case');
  const c = result.cases.find((k) => k.extra === '');
  assert.equal(c.images, 500);
  assert.equal(c.runs.length, 2);
  for (const r of c.runs) {
    assert.equal(r.ok, true, `a run failed: ${r.error}`);
    assert.ok(r.peakRssBytes > 20 * 2 ** 20, `peak RSS ${r.peakRssBytes} is not a Node process's`);
    assert.ok(r.samplesPerSecond > 0 && r.wallSeconds > 0 && r.epochSeconds > 0);
    assert.ok(r.testAccuracy > 0.5, `test accuracy ${r.testAccuracy}: the synthetic data did not train`);
  }
  assert.equal(c.peakRssBytes, (c.runs[0].peakRssBytes + c.runs[1].peakRssBytes) / 2, 'the summary is not the median of the runs');
  // --max-memory: either measured (train accepts it) or skipped with a note saying so
  if (result.settings.maxMemorySupported) assert.ok(result.cases.some((k) => k.extra.startsWith('--max-memory')));
  else assert.match(result.notes.join('\n'), /--max-memory cases skipped/);
  assert.deepEqual(readdirSync(tmp), [], 'the temporary dataset folder was left behind');
  assert.deepEqual(existsSync(RESULTS) ? readdirSync(RESULTS).sort() : [], before, '--no-write wrote a results file');
  assert.match(stderr, /peak/);
});

test('data-scale refuses an unknown flag with exit code 2', async () => {
  await assert.rejects(runBench(['--bogus']), /exit 2\)[\s\S]*Unknown option '--bogus'/);
});
