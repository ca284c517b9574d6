// `wasm-mlp bench [args]`: runs the package's bench/run.js with the remaining arguments, stdio
// inherited; its exit code is ours.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WasmMlpError } from '../errors.js';

export async function benchCommand(argv: string[]): Promise<number> {
  const script = fileURLToPath(new URL('../../bench/run.js', import.meta.url));
  if (!existsSync(script)) throw new WasmMlpError('E_BENCH', `the benchmark runner is missing: ${script}`);
  if (argv.includes('--help')) {
    // bench/run.js has no --help of its own (it would start benchmarking): describe it here
    process.stdout.write(`usage: wasm-mlp bench [flags]\n\n  runs node ${script} with the flags given, stdio inherited; its exit code is returned\n`);
    return 0;
  }
  const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit' });
  // Ctrl-C reaches the child from the terminal itself: wait for it. A SIGTERM is passed on.
  const onSigint = () => {};
  const onSigterm = () => { child.kill('SIGTERM'); };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
    });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}
