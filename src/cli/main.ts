// Command dispatch and the exit-code contract: 0 success, 1 a user error (one line, no stack trace
// unless --verbose), 2 bad usage, 130 interrupted (Ctrl-C during training, checkpoint written).

import { UsageError } from './args.js';
import { WasmMlpError } from '../errors.js';
import { trainCommand } from './train.js';
import { evaluateCommand } from './evaluate.js';
import { predictCommand } from './predict.js';
import { infoCommand } from './info.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { benchCommand } from './bench.js';

const USAGE = `usage: wasm-mlp <command> [flags]

commands:
  train      train a network (default data: the embedded MNIST digits)
  evaluate   loss and accuracy of a saved model on a dataset
  predict    classify images (PNG, PGM, IDX) or CSV rows with a saved model
  info       what a model or checkpoint file holds
  export     write a saved model as ONNX or as one standalone .wasm
  import     read a PyTorch state_dict (safetensors) or an ONNX graph into a model file
  bench      run the benchmarks (node bench/run.js)

run 'wasm-mlp <command> --help' for the flags of a command`;

const COMMANDS = ['train', 'evaluate', 'predict', 'info', 'export', 'import'];

/** Node file-system errors a user causes (missing file, no permission, ...). */
const USER_ERRNO = ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EPERM', 'EEXIST', 'ENOSPC', 'EROFS'];

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const verbose = rest.includes('--verbose');
  try {
    switch (cmd) {
      case 'train': return await trainCommand(rest);
      case 'evaluate': return await evaluateCommand(rest);
      case 'predict': return await predictCommand(rest);
      case 'info': return await infoCommand(rest);
      case 'export': return await exportCommand(rest);
      case 'import': return await importCommand(rest);
      case 'bench': return await benchCommand(rest);
      case undefined: case '--help': case '-h': case 'help':
        process.stdout.write(USAGE + '\n');
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`wasm-mlp: ${e.message}\n${cmd && COMMANDS.includes(cmd) ? `run 'wasm-mlp ${cmd} --help' for its flags` : USAGE}\n`);
      return 2;
    }
    if (e instanceof WasmMlpError || USER_ERRNO.includes((e as NodeJS.ErrnoException)?.code ?? '')) {
      process.stderr.write(`wasm-mlp: ${(e as Error).message.replace(/\s*\n\s*/g, ' ')}\n`);
      if (verbose) process.stderr.write(`${(e as Error).stack}\n`);
      return 1;
    }
    process.stderr.write(`wasm-mlp: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
