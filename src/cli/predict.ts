// `wasm-mlp predict --model FILE --input FILE`: class and probabilities for each input. The input
// is recognised by its first bytes: PNG, PGM (P2/P5), IDX images (plain or gzip); anything else is
// read as CSV (features only, or with --label-column naming a column to ignore). The model's
// normaliser is applied. An image (PNG, PGM) given to a model of 784 inputs is put into MNIST's form
// first (preprocessDigit: polarity, crop, 20×20 box, centre of mass at (14, 14)), whatever its size;
// with --no-preprocess, or for other models, it must have exactly the model's input size.

import { parseFlags, strFlag, UsageError } from './args.js';
import { COMMON_FLAGS, HELP_LINES, backendFlag, labelColumnFlag } from './options.js';
import { InputError } from '../errors.js';
import type { Dataset } from '../types.js';
import { parseCsv } from '../data/csv.js';
import { hasGzipSignature, idxImagesToFloat32 } from '../data/idx.js';
import { isPgm, readPgm, type GreyImage } from '../data/pgm.js';
import { DIGIT_SIDE, preprocessDigit } from '../data/digit-image.js';
import { modelInputs } from '../data/prepare.js';
import { loadIdxFile } from '../node/idx-files.js';
import { readFileChecked } from '../node/atomic.js';
import { isPng, readPng } from './png.js';
import { argmaxRows, modelNetwork, readModel } from './model.js';

const HELP = `usage: wasm-mlp predict --model FILE --input FILE [flags]

  --model FILE         a model (or checkpoint) written by 'wasm-mlp train --save'
  --input FILE         a PNG or PGM image, an IDX image file (plain or .gz), or a CSV of feature rows
  --label-column C     CSV: a column to ignore (header name or 0-based index)
  --invert             images: use 1 - pixel (MNIST models want white ink on black); without it a
                       PNG or PGM for a 784-input model is inverted when its background is light
  --no-preprocess      PNG, PGM: use the pixels as they are (the image must have the model's input
                       size, e.g. 28×28 for 784). By default an image for a 784-input model is put
                       into MNIST's form: white on black, the ink cropped, scaled to fit 20×20
                       (aspect kept, area-averaged) and centred by its centre of mass in 28×28
${HELP_LINES.backend}
  --json               one JSON object per input on stdout: {index, class, probabilities}
${HELP_LINES.verbose}`;

const FLAGS = {
  model: 'string', input: 'string', 'label-column': 'string', invert: 'boolean', 'no-preprocess': 'boolean', backend: 'string',
  json: 'boolean', ...COMMON_FLAGS,
} as const;

/** "28×28" when n is a square, for messages about image sizes. */
const side = (n: number): string => {
  const s = Math.round(Math.sqrt(n));
  return s * s === n ? ` (${s}×${s})` : '';
};

/** Inputs to predict: a dataset without labels, x (n, features). */
export type Unlabeled = Omit<Dataset, 'y' | 'targetWidth'>;

export interface ReadOptions {
  labelColumn?: string | number;
  invert: boolean;
  /** images for a 784-input model: into MNIST's form (default true) */
  preprocess?: boolean;
  /** one line for the user (stderr), e.g. that an image was inverted */
  onNotice?: (message: string) => void;
}

export function readInputs(path: string, inputs: number, opts: ReadOptions): Unlabeled {
  const bytes = readFileChecked(path, 'data');
  const preprocess = opts.preprocess !== false && inputs === DIGIT_SIDE * DIGIT_SIDE;
  // preprocessing without --invert: transparency under the opposite of the ink, and
  // preprocessDigit judges the polarity
  const image: GreyImage | null = isPng(bytes) ? readPng(bytes, path, opts.invert, preprocess && !opts.invert ? 'contrast' : 'model')
    : isPgm(bytes) ? readPgm(bytes, path, opts.invert) : null;
  if (image && preprocess) {
    const digit = preprocessDigit(image, { invert: opts.invert ? false : 'auto' });
    if (digit.empty) opts.onNotice?.(`wasm-mlp: ${path} has no ink (one grey level everywhere): predicting on a blank digit`);
    else if (digit.inverted) opts.onNotice?.(`wasm-mlp: ${path} has a light background: inverted to white on black (pass --invert to force it, --no-preprocess for images already in MNIST form)`);
    return { x: digit.pixels, n: 1, features: inputs };
  }
  if (image) {
    if (image.width * image.height !== inputs) {
      throw new InputError(`${path} is ${image.width}×${image.height} = ${image.width * image.height} pixels; the model expects ${inputs} inputs${side(inputs)}: resize the image first`);
    }
    return { x: image.pixels, n: 1, features: inputs };
  }
  const isIdx = hasGzipSignature(bytes) || (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] >= 0x08);
  if (isIdx) {
    const im = idxImagesToFloat32(loadIdxFile(path), path);
    if (im.features !== inputs) throw new InputError(`${path} holds images of ${im.features} pixels; the model expects ${inputs} inputs${side(inputs)}`);
    if (opts.invert) for (let i = 0; i < im.x.length; i++) im.x[i] = 1 - im.x[i];
    return im;
  }
  if (opts.invert) throw new UsageError('--invert applies to images (PNG, PGM, IDX), not CSV');
  const text = new TextDecoder('utf-8').decode(bytes);
  const d = parseCsv(text, { file: path, labelColumn: opts.labelColumn ?? null });
  if (d.features !== inputs) {
    const hint = opts.labelColumn === undefined && d.features === inputs + 1 ? ' (if one column is a label, pass --label-column)' : '';
    throw new InputError(`${path} has ${d.features} feature columns; the model expects ${inputs}${hint}`);
  }
  return { x: d.x, n: d.n, features: d.features };
}

export async function predictCommand(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, FLAGS, { command: 'predict' });
  if (flags.help) { process.stdout.write(HELP + '\n'); return 0; }
  const modelPath = strFlag(flags, 'model');
  const inputPath = strFlag(flags, 'input');
  if (modelPath === undefined || inputPath === undefined) throw new UsageError('predict needs --model FILE and --input FILE');
  const backend = backendFlag(flags);
  const model = readModel(modelPath);
  const { layers } = model.architecture;
  const classes = layers[layers.length - 1];
  const inp = readInputs(inputPath, layers[0], {
    labelColumn: labelColumnFlag(flags), invert: flags.invert === true, preprocess: flags['no-preprocess'] !== true,
    onNotice: (m) => process.stderr.write(m + '\n'),
  });
  const x = modelInputs(inp.x, inp.n, inp.features, layers[0], model.normalizer, inputPath);
  const net = await modelNetwork(model, backend);
  const p = net.predict(x); // (n, classes)
  const cls = argmaxRows(p, inp.n, classes);
  const lines: string[] = [];
  for (let i = 0; i < inp.n; i++) {
    const probs = Array.from(p.subarray(i * classes, (i + 1) * classes));
    if (flags.json) lines.push(JSON.stringify({ index: i, class: cls[i], probabilities: probs }));
    else lines.push(`${inp.n > 1 ? `#${i}  ` : ''}class ${cls[i]}  (p ${probs[cls[i]].toFixed(4)})  probabilities ${probs.map((v) => v.toFixed(4)).join(' ')}`);
    if (lines.length >= 1024) { process.stdout.write(lines.join('\n') + '\n'); lines.length = 0; }
  }
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
