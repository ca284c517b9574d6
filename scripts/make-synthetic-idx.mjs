// Writes a synthetic, learnable byte dataset as an IDX folder in the MNIST layout
// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte; `--gzip` adds .gz), for measuring training at scale (issue 17).
//
//   node scripts/make-synthetic-idx.mjs --out DIR [--train 60000] [--test 10000] [--rows 28]
//        [--cols 28] [--classes 10] [--seed 1] [--gzip]
//
// Each class has a fixed random prototype of bytes; an image is its class's prototype plus
// uniform noise in [−NOISE, NOISE], clamped to 0..255. A linear model separates the classes, so
// accuracy rises far above chance within one epoch (the default 784-128-10 network: ~90% test
// accuracy after 2 epochs on 300 images, ~100% after one on 60,000), yet no pixel alone gives the
// class away. (Prototypes that differ less, a shared base ± 24..64 per pixel, hardly trained with
// the CLI's defaults: unnormalised inputs, lr 0.1; the speed does not depend on it.)
// Labels are uniform random classes. Everything comes from one seed (the project's Rng): the same
// flags write the same bytes. Train and test share the prototypes and draw their own noise.
//
// Images stream to disk in chunks of about CHUNK_BYTES, so 3,000,000 × 784 bytes (2.35 GB) are
// written with a footprint of a few MB; labels (one byte per image) are kept in memory. Each file
// is written under a temporary name and renamed when complete: an interrupted run leaves no
// half-written file under a final name.

import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { parseArgs } from 'node:util';
import { Rng } from '../dist/index.js';

const USAGE = `usage: node scripts/make-synthetic-idx.mjs --out DIR [--train N] [--test M] [--rows R] [--cols C]
       [--classes K] [--seed S] [--gzip]
  --out DIR      folder to write (created if missing; the four IDX files of an earlier run, plain or
                 .gz, are removed first)
  --train N      training images (default 60000, at least 1)
  --test M       test images (default 10000; 0 writes no t10k files)
  --rows R       --cols C   image size (default 28 × 28)
  --classes K    number of classes, 2..256 (default 10)
  --seed S       seed of the prototypes, labels and noise (default 1)
  --gzip         write .gz files (default plain)`;

/** Half-width of the uniform pixel noise added to the prototype: wide enough that one pixel
 * rarely decides the class, narrow enough that 784 of them together do. */
export const NOISE = 100;
const CHUNK_BYTES = 4 << 20;

class UsageError extends Error {}

function positiveInt(flags, name, fallback, min, max = 2 ** 31 - 1) {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return v;
}

export function parseOptions(argv) {
  let flags;
  try {
    ({ values: flags } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' }, train: { type: 'string' }, test: { type: 'string' }, rows: { type: 'string' },
        cols: { type: 'string' }, classes: { type: 'string' }, seed: { type: 'string' }, gzip: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError(e.message);
  }
  if (flags.help) return { help: true };
  if (!flags.out) throw new UsageError('--out DIR is required');
  const o = {
    out: flags.out,
    train: positiveInt(flags, 'train', 60000, 1),
    test: positiveInt(flags, 'test', 10000, 0),
    rows: positiveInt(flags, 'rows', 28, 1, 65535),
    cols: positiveInt(flags, 'cols', 28, 1, 65535),
    classes: positiveInt(flags, 'classes', 10, 2, 256),
    seed: positiveInt(flags, 'seed', 1, 0, 2 ** 32 - 1),
    gzip: flags.gzip === true,
  };
  // IDX sizes are u32; the image file's element count must fit one too
  for (const n of [o.train, o.test]) {
    if (n * o.rows * o.cols > 2 ** 32 - 1) throw new UsageError(`${n} images of ${o.rows}×${o.cols} exceed the IDX limit of 2^32 − 1 bytes per file`);
  }
  return o;
}

function header(magic, dims) {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((v, i) => b.writeUInt32BE(v, 4 + 4 * i));
  return b;
}

/** Yields the image file's header, then the images in chunks of whole images. */
function* imageChunks(n, prototypes, labels, features, rng) {
  yield header(0x0803, [n, prototypes.rows, prototypes.cols]);
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / features));
  const span = 2 * NOISE + 1;
  for (let start = 0; start < n; start += perChunk) {
    const count = Math.min(perChunk, n - start);
    const buf = Buffer.allocUnsafe(count * features); // a fresh buffer: the stream may still hold the last one
    for (let i = 0; i < count; i++) {
      const proto = prototypes.bytes.subarray(labels[start + i] * features, (labels[start + i] + 1) * features);
      const base = i * features;
      for (let p = 0; p < features; p++) {
        // one 32-bit draw per pixel: modulo bias of 2^32 mod 201 is negligible here
        const v = proto[p] + (rng.nextU32() % span) - NOISE;
        buf[base + p] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
    yield buf;
  }
}

async function writeFile(path, chunks, gzip) {
  const temp = `${path}.tmp`;
  try {
    await pipeline(chunks, ...(gzip ? [createGzip({ level: 1 })] : []), createWriteStream(temp));
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

function drawLabels(n, classes, rng) {
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.int(classes);
  return y;
}

/** Writes the dataset described by `o` (parseOptions' result); returns the paths written. */
export async function makeSyntheticIdx(o) {
  mkdirSync(o.out, { recursive: true });
  const features = o.rows * o.cols;
  const rng = new Rng(o.seed);
  const prototypes = { rows: o.rows, cols: o.cols, bytes: new Uint8Array(o.classes * features) };
  for (let i = 0; i < prototypes.bytes.length; i++) prototypes.bytes[i] = rng.nextU32() & 255;
  const ext = o.gzip ? '.gz' : '';
  // a loader takes plain before .gz and t10k files whenever present: leave no file of an earlier
  // run in the folder that it could pick up beside this one's
  for (const stem of ['train', 't10k']) {
    for (const kind of ['images-idx3-ubyte', 'labels-idx1-ubyte']) {
      for (const e of ['', '.gz']) rmSync(join(o.out, `${stem}-${kind}${e}`), { force: true });
    }
  }
  const written = [];
  const splits = [['train', o.train], ['t10k', o.test]];
  for (const [stem, n] of splits) {
    if (n === 0) continue;
    const labels = drawLabels(n, o.classes, rng);
    const labelsPath = join(o.out, `${stem}-labels-idx1-ubyte${ext}`);
    const imagesPath = join(o.out, `${stem}-images-idx3-ubyte${ext}`);
    await writeFile(labelsPath, [header(0x0801, [n]), labels], o.gzip);
    await writeFile(imagesPath, imageChunks(n, prototypes, labels, features, rng), o.gzip);
    written.push(imagesPath, labelsPath);
  }
  return written;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  try {
    const o = parseOptions(process.argv.slice(2));
    if (o.help) {
      console.log(USAGE);
    } else {
      const t0 = performance.now();
      const files = await makeSyntheticIdx(o);
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      console.error(`wrote ${o.train} train + ${o.test} test images of ${o.rows}×${o.cols}, ${o.classes} classes, seed ${o.seed}, in ${s} s:\n  ${files.join('\n  ')}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`make-synthetic-idx: ${e.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(`make-synthetic-idx: ${e.message}`);
    process.exit(1);
  }
}
