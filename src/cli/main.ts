// Command dispatch and the exit-code contract: 0 success, 1 a user error (one line, no stack trace
// unless --verbose), 2 bad usage.

import { UsageError } from './args.js';
import { WasmMlpError } from '../errors.js';
import { trainCommand } from './train.js';

const USAGE = `usage: wasm-mlp <command> [flags]

commands:
  train      train a network (default data: the embedded MNIST digits)

run 'wasm-mlp <command> --help' for the flags of a command`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const verbose = rest.includes('--verbose');
  try {
    switch (cmd) {
      case 'train': return await trainCommand(rest);
      case undefined: case '--help': case '-h': case 'help':
        process.stdout.write(USAGE + '\n');
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`wasm-mlp: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof WasmMlpError || (e as NodeJS.ErrnoException)?.code === 'ENOENT') {
      process.stderr.write(`wasm-mlp: ${(e as Error).message}\n`);
      if (verbose) process.stderr.write(`${(e as Error).stack}\n`);
      return 1;
    }
    process.stderr.write(`wasm-mlp: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
