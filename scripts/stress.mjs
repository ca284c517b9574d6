// Runs test files again and again, one fresh `node --test` process per run, and reports every run
// that fails or hangs. A test that hangs one run in a hundred blocks one landing in a hundred, so
// the files that create the most networks are run this way before an issue is resolved.
//
//   node scripts/stress.mjs [--runs 100] [--timeout 60] [--jobs 1] FILE…
//   (default files: tests/host/parity.test.js)
//
// A run that has not ended after --timeout seconds counts as a hang: it is killed and its
// output's tail printed. Exit code 0 only if every run of every file passed.

import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '100' }, timeout: { type: 'string', default: '60' }, jobs: { type: 'string', default: '1' } },
  allowPositionals: true,
});
const runs = Number(values.runs), timeoutS = Number(values.timeout), jobs = Number(values.jobs);
for (const [name, v] of [['--runs', runs], ['--timeout', timeoutS], ['--jobs', jobs]]) {
  if (!Number.isInteger(v) || v < 1) { console.error(`stress: ${name} must be a positive integer`); process.exit(2); }
}
const files = positionals.length ? positionals : ['tests/host/parity.test.js'];

/** One run of one file: 'pass', 'fail' or 'hang', with its wall time and output. */
function once(file) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--test', '--test-reporter=dot', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    let hung = false;
    const timer = setTimeout(() => { hung = true; child.kill('SIGKILL'); }, timeoutS * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ outcome: hung ? 'hang' : code === 0 ? 'pass' : 'fail', seconds: (performance.now() - t0) / 1000, out });
    });
  });
}

let bad = 0;
for (const file of files) {
  const tally = { pass: 0, fail: 0, hang: 0 };
  const times = [];
  let next = 0;
  const worker = async () => {
    while (next < runs) {
      const i = ++next;
      const r = await once(file);
      tally[r.outcome]++;
      times.push(r.seconds);
      if (r.outcome !== 'pass') {
        console.log(`${file}: run ${i} ${r.outcome} after ${r.seconds.toFixed(1)} s\n${r.out.split('\n').slice(-25).join('\n')}`);
      }
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1];
  console.log(`${file}: ${runs} runs: ${tally.pass} passed, ${tally.fail} failed, ${tally.hang} hung (> ${timeoutS} s); median ${median.toFixed(2)} s, slowest ${times[times.length - 1].toFixed(2)} s`);
  bad += tally.fail + tally.hang;
}
process.exit(bad === 0 ? 0 : 1);
