// An IDX image/label file pair as a DataSource (docs/STREAMING.md "Sources"), for sets larger than
// memory. Plain files are read at byte positions (random access) straight into the trainer's
// views: the images are never copied on the way, and nothing limits a file but exact offsets (2^53):
// neither readFile's 2 GiB nor parseIdx's 2^31 elements. A gzip file (by its signature 1f 8b, as
// loadIdxFile) has no random access: then both files are streamed, a pass at a time, through
// createGunzip and the byte-stream reader of src/data/idx-stream.ts.

import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataFormatError, InputError } from '../errors.js';
import { hasGzipSignature, parseIdxHeader, type IdxHeader } from '../data/idx.js';
import { idxHeaderBytes, idxPairSource, pairShape } from '../data/idx-stream.js';
import type { DataSource } from '../data/source.js';
import { checkReadRange, checkView } from '../data/sources.js';
import { checkDivisor } from '../validate.js';
import { readProblem } from './atomic.js';

export interface IdxFileSourceOptions {
  /** a feature is f32(byte / divisor); default 255 (pixels to [0, 1], as loadIdx* give) */
  divisor?: number;
}

/** Largest read per call: Node refuses a length over 2^31 − 1; a view of more is read in parts. */
const READ_PART = 1 << 30;
/** Elements a header may announce: offsets stay exact numbers below 2^53. */
const MAX_ELEMENTS = 2 ** 53;

/** A DataSource over an IDX images file (ubyte, 3 dims or more) and its labels (ubyte, 1 dim). Both
 * plain: random access (`read`). Either gzip: sequential passes (`pass`) over both. bytesRead counts
 * the bytes read from the files (compressed bytes for gzip); close() releases them. Errors are
 * DataFormatErrors naming the file and byte offset. */
export async function idxFileSource(imagesPath: string, labelsPath: string, opts: IdxFileSourceOptions = {}): Promise<DataSource & { readonly bytesRead: number; close(): Promise<void> }> {
  const divisor = opts.divisor ?? 255;
  checkDivisor(divisor, `idxFileSource ${imagesPath}: options`);
  const images = await openFile(imagesPath);
  let labels: FileHandle | undefined;
  try {
    labels = await openFile(labelsPath);
    const gzip = { images: await isGzip(images), labels: await isGzip(labels) };
    if (gzip.images || gzip.labels) {
      await images.close();
      await labels.close();
      return await streamedSource({ images: imagesPath, labels: labelsPath }, gzip, divisor);
    }
    return await randomAccess({ fh: images, path: imagesPath, bytes: 0 }, { fh: labels, path: labelsPath, bytes: 0 }, divisor);
  } catch (e) {
    await images.close().catch(() => undefined);
    await labels?.close().catch(() => undefined);
    throw e;
  }
}

async function openFile(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try { fh = await open(path, 'r'); } catch (e) { throw new DataFormatError(readProblem(path, e), { file: path }); }
  if (!(await fh.stat()).isFile()) { // a folder opens on Linux; its read fails less clearly
    await fh.close();
    throw new DataFormatError(`expected a file, found a directory: ${path}`, { file: path });
  }
  return fh;
}

async function isGzip(fh: FileHandle): Promise<boolean> {
  const sig = new Uint8Array(2);
  const { bytesRead } = await fh.read(sig, 0, 2, 0);
  return bytesRead === 2 && hasGzipSignature(sig);
}

interface OpenFile { fh: FileHandle; path: string; /** read so far */ bytes: number }

/** Reads `length` bytes at `position` into view[at …], in parts of at most READ_PART; the bytes it
 * got (fewer only where the file ends). */
async function readAt(f: OpenFile, view: Uint8Array, at: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      ({ bytesRead: n } = await f.fh.read(view, at + done, Math.min(READ_PART, length - done), position + done));
    } catch (e) {
      throw new DataFormatError(`${f.path}: reading failed at byte ${position + done}: ${e instanceof Error ? e.message : String(e)}`, { file: f.path, offset: position + done });
    }
    if (n === 0) break;
    done += n;
    f.bytes += n;
  }
  return done;
}

/** The header at byte 0, and a DataFormatError unless the file's size is exactly what it announces
 * (checked once here: a file cut short fails at open, not in the middle of an epoch). */
async function readFileHeader(f: OpenFile, what: 'row' | 'label'): Promise<IdxHeader> {
  let at = 0;
  const head = await idxHeaderBytes(async (into) => { const n = await readAt(f, into, 0, into.length, at); at += n; return n; });
  const h = parseIdxHeader(head, f.path, MAX_ELEMENTS);
  const size = (await f.fh.stat()).size, expected = h.headerLen + h.count * h.size;
  if (size > expected) {
    throw new DataFormatError(`${f.path}: ${size - expected} trailing bytes at byte ${expected}: the header announces exactly ${expected} bytes`, { file: f.path, offset: expected });
  }
  if (size < expected) { // then rows > 0 and width > 0
    const rows = h.dims[0], width = (h.count / rows) * h.size, data = size - h.headerLen;
    throw new DataFormatError(
      `${f.path}: truncated at byte ${size}: ${what} ${Math.floor(data / width)} of ${rows} is ${data % width === 0 ? 'missing' : 'cut'}; the header announces ${rows} × ${width} bytes after its ${h.headerLen} bytes, ${expected} in all`,
      { file: f.path, offset: size },
    );
  }
  return h;
}

async function randomAccess(images: OpenFile, labels: OpenFile, divisor: number): Promise<DataSource & { readonly bytesRead: number; close(): Promise<void> }> {
  const ih = await readFileHeader(images, 'row');
  const lh = await readFileHeader(labels, 'label');
  const { rows, inputs } = pairShape(ih, lh, { images: images.path, labels: labels.path });
  let closed = false;
  const what = `idxFileSource ${images.path}`;
  /** A DataFormatError for a file that has shrunk since it was opened (its size was checked then). */
  const shrunk = (f: OpenFile, row: number, offset: number) =>
    new DataFormatError(`${f.path}: the file ends at byte ${offset}, inside row ${row}: it was cut after it was opened`, { file: f.path, offset });
  return {
    rows,
    inputs,
    divisor,
    normalizer: undefined,
    get bytesRead() { return images.bytes + labels.bytes; },
    async read(start, count, x, y) {
      if (closed) throw new InputError(`${what}: read after close()`);
      checkReadRange(start, count, rows, what);
      if (!(x instanceof Uint8Array)) throw new InputError(`${what}: x view is a ${x.constructor.name}, expected a Uint8Array (byte features)`);
      checkView(x, count, inputs, `${what} x`);
      checkView(y, count, 1, `${what} y`);
      // straight into the view: no copy of the images on the way
      const xBytes = count * inputs, xAt = ih.headerLen + start * inputs;
      const gotX = await readAt(images, x, 0, xBytes, xAt);
      if (gotX < xBytes) throw shrunk(images, start + Math.floor(gotX / inputs), xAt + gotX);
      // labels are bytes and y is i32 (or f32): read them into their own small buffer, one per
      // call, since reads may overlap, then widen
      const b = new Uint8Array(count);
      const gotY = await readAt(labels, b, 0, count, lh.headerLen + start);
      if (gotY < count) throw shrunk(labels, start + gotY, lh.headerLen + start + gotY);
      for (let i = 0; i < count; i++) y[i] = b[i];
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([images.fh.close(), labels.fh.close()]);
    },
  };
}

const PIECE_BYTES = 1 << 20;

/** Both files streamed per pass, a gzip one through createGunzip; bytesRead counts file bytes
 * (compressed for gzip). */
async function streamedSource(paths: { images: string; labels: string }, gzip: { images: boolean; labels: boolean }, divisor: number): Promise<DataSource & { readonly bytesRead: number; close(): Promise<void> }> {
  let fileBytes = 0;
  const live = new Set<Readable>(); // the streams of passes under way, for close()
  const opener = (which: 'images' | 'labels') => async function* (): AsyncGenerator<Uint8Array> {
    // pieces of 1 MiB rather than Node's 64 KiB (and zlib's 16 KiB): a pass read between training
    // jobs advances one piece per turn of the event loop, so small pieces starve it
    const file = createReadStream(paths[which], { highWaterMark: PIECE_BYTES });
    // counted while this reader holds the stream: a chunk read ahead and dropped when the reader
    // leaves (the header check does after a few bytes) does not show in a later pass's count
    let reading = true;
    // pipeline destroys both on an error or when the reader leaves early, and the reader sees the error
    const out: Readable = gzip[which] ? pipeline(file, createGunzip({ chunkSize: PIECE_BYTES }), () => undefined) : file;
    if (gzip[which]) file.on('data', (c: Buffer | string) => { if (reading) fileBytes += c.length; }); // pipe flows it at once: no chunk is missed
    live.add(out);
    try {
      for await (const chunk of out) {
        if (out === file) fileBytes += chunk.length;
        yield chunk;
      }
    } finally {
      reading = false;
      live.delete(out);
      out.destroy();
    }
  };
  const core = await idxPairSource({ images: opener('images'), labels: opener('labels') }, paths, divisor);
  return {
    rows: core.rows,
    inputs: core.inputs,
    divisor,
    normalizer: undefined,
    get bytesRead() { return fileBytes; },
    pass: core.pass,
    async close() {
      for (const s of live) s.destroy();
      live.clear();
    },
  };
}
