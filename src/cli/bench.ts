// `wasm-mlp bench [args]`: runs the package's bench/run.js with the remaining arguments, stdio
// inherited; its exit code is ours.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WasmMlpError } from '../errors.js';

export async function benchCommand(argv: string[]): Promise<number> {
  const script = fileURLToPath(new URL('../../bench/run.js', import.meta.url));
  if (!existsSync(script)) throw new WasmMlpError('E_BENCH', `the benchmark runner is missing: ${script}`);
  if (argv.includes('--help')) process.stdout.write('usage: wasm-mlp bench [flags of bench/run.js]   (runs node bench/run.js)\n');
  const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit' });
  const forward = () => { /* the child gets Ctrl-C from the terminal itself; wait for it */ };
  process.on('SIGINT', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
    });
  } finally {
    process.off('SIGINT', forward);
  }
}
