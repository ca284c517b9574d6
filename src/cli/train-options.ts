// The flags of `wasm-mlp train`, parsed into TrainOptions: typed values, defaults, and on --resume
// the checkpoint's remembered flags under the explicit ones (resume-flags.ts).

import { resolve } from 'node:path';
import { HIDDEN, OPTIMIZERS, type BackendName, type Hidden, type NormalizerKind, type OptimizerName } from '../vocabulary.js';
import { decodeCheckpoint, type DecodedCheckpoint } from '../io/checkpoint.js';
import { readFileChecked } from '../node/atomic.js';
import { choice, intFlag, numFlag, parseFlags, sizeFlag, strFlag, UsageError, type Flags } from './args.js';
import { COMMON_FLAGS, DATASET_FLAGS, HELP_LINES, backendFlag, fractionFlag, labelColumnFlag, normalizeFlag, threadsFlag, NORMALIZE_CHOICES } from './options.js';
import { mergeResumeFlags } from './resume-flags.js';
import { parseStepFlags, STEP_FLAGS, STEP_HELP } from './recipe-flags.js';
import type { RecipeOptions as StepRecipe } from '../network/recipe.js';
import { parseRecipeOptions, RECIPE_FLAGS, RECIPE_HELP, type RecipeOptions } from './recipe-options.js';

export const HELP = `usage: wasm-mlp train [flags]

model and optimiser
  --layers 128,64      hidden layer sizes (input and output sizes come from the data; default 128)
  --hidden relu        ${HIDDEN.join(' | ')}
  --optimizer sgd      ${OPTIMIZERS.join(' | ')}
  --lr 0.1             learning rate (default 0.1 for sgd, 0.01 momentum, 0.001 adam)
  --weight-decay 0     decoupled weight decay on the weights
  --epochs 10          total epochs (with --resume: the total to reach)
  --batch 64           --seed 1 (initialisation, shuffling and the validation split)
${HELP_LINES.backend}
${HELP_LINES.threads}
data
  --dataset DIR|FILE   'digits' (default, embedded), an IDX folder (train-/t10k- files, e.g.
                       /usr/share/datasets/fashion-mnist or 'fashion-mnist'), or a .csv file
${HELP_LINES.labelColumn}
  --classes N          number of classes (default: the largest label + 1, the least allowed)
  --normalize none     ${NORMALIZE_CHOICES.join(' | ')}: fitted on the training split, saved with the model
  --validation F       hold out fraction F of the training data, reported per epoch
  --max-memory SIZE    bound the training memory (the arena), e.g. 1GB, 800MiB (GB = 10^9 bytes,
                       GiB = 2^30): a training set that does not fit streams through it in chunks.
                       --resume inherits it; a resumed streamed run keeps the chunk size and
                       window recorded in its checkpoint whatever SIZE is given
${RECIPE_HELP}
${STEP_HELP}
files
  --save FILE          write the model (safetensors, with its normaliser) at the end
  --checkpoint FILE    write a resumable checkpoint every --checkpoint-every epochs (default 1)
  --checkpoint-every N
  --resume FILE        continue from a checkpoint (its flags are remembered)
  --report FILE.html   HTML report: curves, confusion matrix, hyper-parameters, throughput
output
  --json               one JSON object per epoch on stdout, nothing else
${HELP_LINES.verbose}

Ctrl-C stops at the next batch, writes a checkpoint (--checkpoint FILE, else <save>.checkpoint
.safetensors, else ./wasm-mlp-interrupted.checkpoint.safetensors) and exits with code 130.`;

export const TRAIN_FLAGS = {
  layers: 'string', hidden: 'string', optimizer: 'string', lr: 'string', 'weight-decay': 'string',
  epochs: 'string', batch: 'string', seed: 'string', backend: 'string', threads: 'string', json: 'boolean',
  ...DATASET_FLAGS, classes: 'string', normalize: 'string', validation: 'string', 'max-memory': 'string',
  save: 'string', checkpoint: 'string', 'checkpoint-every': 'string', resume: 'string', report: 'string',
  ...RECIPE_FLAGS,
  ...STEP_FLAGS,
  ...COMMON_FLAGS,
} as const;

export const INTERRUPTED_CHECKPOINT = 'wasm-mlp-interrupted.checkpoint.safetensors';

export interface TrainOptions {
  /** the flags of the run: explicit ones over a resumed checkpoint's remembered ones */
  flags: Flags;
  json: boolean;
  /** total epochs to reach */
  epochs: number;
  batchSize: number;
  seed: number;
  backend: BackendName | 'auto';
  /** --threads: not remembered by checkpoints (any count resumes a run bit for bit) */
  threads: number | 'auto';
  hidden: Hidden;
  hiddenSizes: number[];
  /** dropout and clipping (fit options; recipe-flags.ts) */
  stepRecipe: StepRecipe;
  /** learningRate NaN: the optimizer's default */
  optimizer: { name: OptimizerName; learningRate: number; weightDecay: number };
  dataset?: string;
  labelColumn?: string | number;
  /** --classes: the class count, when stated */
  classes?: number;
  normalize: NormalizerKind | 'none';
  validation?: number;
  /** --max-memory: the bound on the arena in bytes (FitOptions.maxMemory) */
  maxMemory?: number;
  save?: string;
  report?: string;
  /** periodic checkpoints */
  checkpoint?: { path: string; every: number };
  /** where Ctrl-C writes its checkpoint */
  interruptPath: string;
  resume?: { path: string; checkpoint: DecodedCheckpoint };
  /** --lr-schedule and --early-stopping (recipe-options.ts) */
  recipe: RecipeOptions;
}

/** `--layers 128,64`: the hidden sizes ('' for none). */
export function parseHidden(s: string | undefined): number[] {
  if (s === undefined) return [128];
  if (s.trim() === '') return [];
  return s.split(',').map((t) => {
    const n = Number(t.trim());
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--layers must be comma-separated positive integers (hidden sizes), e.g. 128,64; got '${s}'`);
    return n;
  });
}

/** Where Ctrl-C (or --checkpoint-every without --checkpoint) writes: model.safetensors → model.checkpoint.safetensors. */
export function defaultCheckpointPath(save: string | undefined): string {
  if (save === undefined) return resolve(INTERRUPTED_CHECKPOINT);
  return save.replace(/\.safetensors$/i, '') + '.checkpoint.safetensors';
}

/** The options of a train run, or null for --help. */
export function parseTrainOptions(argv: string[]): TrainOptions | null {
  const explicit = parseFlags(argv, TRAIN_FLAGS, { command: 'train' }).flags;
  if (explicit.help) return null;
  const resumePath = strFlag(explicit, 'resume');
  const checkpoint = resumePath === undefined ? undefined : decodeCheckpoint(readFileChecked(resumePath, 'model'), resumePath);
  const flags = checkpoint ? mergeResumeFlags(explicit, checkpoint, resumePath!) : explicit;

  const lr = numFlag(flags, 'lr', undefined);
  const weightDecay = numFlag(flags, 'weight-decay', 0) ?? 0;
  if (lr !== undefined && !(lr > 0)) throw new UsageError(`--lr must be a number > 0; got '${String(flags.lr)}'`);
  if (!(weightDecay >= 0)) throw new UsageError(`--weight-decay must be a number ≥ 0; got '${String(flags['weight-decay'])}'`);
  const hiddenSizes = parseHidden(strFlag(flags, 'layers'));
  const stepRecipe = parseStepFlags(flags, hiddenSizes.length);
  const save = strFlag(flags, 'save');
  const every = flags['checkpoint-every'] !== undefined ? intFlag(flags, 'checkpoint-every', 1) : undefined;
  const checkpointPath = strFlag(flags, 'checkpoint') ?? (every !== undefined ? defaultCheckpointPath(save) : undefined);
  const validation = fractionFlag(flags, 'validation');
  return {
    flags,
    json: flags.json === true,
    epochs: intFlag(flags, 'epochs', 10, checkpoint ? 0 : 1),
    batchSize: intFlag(flags, 'batch', 64),
    seed: intFlag(flags, 'seed', 1, 0),
    backend: backendFlag(flags),
    threads: threadsFlag(explicit),
    hidden: choice(flags, 'hidden', HIDDEN, 'relu'),
    hiddenSizes,
    stepRecipe,
    optimizer: { name: choice(flags, 'optimizer', OPTIMIZERS, 'sgd'), learningRate: lr ?? NaN, weightDecay },
    dataset: strFlag(flags, 'dataset'),
    labelColumn: labelColumnFlag(flags),
    classes: flags.classes !== undefined ? intFlag(flags, 'classes', 2, 2) : undefined,
    normalize: normalizeFlag(flags),
    validation,
    maxMemory: sizeFlag(flags, 'max-memory'),
    save,
    report: strFlag(flags, 'report'),
    checkpoint: checkpointPath !== undefined ? { path: checkpointPath, every: every ?? 1 } : undefined,
    interruptPath: strFlag(flags, 'checkpoint') ?? defaultCheckpointPath(save),
    resume: checkpoint ? { path: resumePath!, checkpoint } : undefined,
    recipe: parseRecipeOptions(flags, validation !== undefined),
  };
}
