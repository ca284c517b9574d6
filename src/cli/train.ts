// `wasm-mlp train`: trains on the embedded digits (or --dataset), printing one line per epoch, or
// with --json one JSON object per epoch and nothing else on stdout. Saves models (--save),
// checkpoints (--checkpoint, every --checkpoint-every epochs, and on Ctrl-C), resumes (--resume)
// bit-identically, and writes an HTML report (--report).
//
// The run in four steps, one module each: the flags (train-options.ts, resume-flags.ts), the data
// and network (train-prepare.ts), the epochs (train-loop.ts), the files (train-outputs.ts).

import { HELP, parseTrainOptions } from './train-options.js';
import { prepare } from './train-prepare.js';
import { runTraining } from './train-loop.js';
import { writeOutputs } from './train-outputs.js';

export async function trainCommand(argv: string[]): Promise<number> {
  const opts = parseTrainOptions(argv);
  if (opts === null) { process.stdout.write(HELP + '\n'); return 0; }
  const run = await prepare(opts);
  try {
    if (!(await runTraining(run))) return 130; // Ctrl-C: checkpoint written, resume command printed
    writeOutputs(run);
    return 0;
  } finally {
    await run.net.dispose(); // the worker threads, if any
    await run.source?.close?.(); // the training files of a sourced run
  }
}
