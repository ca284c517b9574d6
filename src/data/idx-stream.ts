// An IDX image/label pair read as byte streams (docs/STREAMING.md "Sources"): a sequential
// DataSource whose pass re-opens both streams, checks their headers and yields pieces of whole rows
// (images as bytes, labels as class indices), never holding more than one piece. No Node built-ins:
// the streams may be fetch bodies in a browser (a .gz file goes through DecompressionStream('gzip')
// first, which is the caller's business) or Node streams (src/node/idx-source.ts).
//
// Stream layout: IDX header (src/data/idx.ts), then rows × inputs bytes (images) or rows bytes
// (labels), and nothing after. Offsets in errors count the bytes of that stream from its start.

import { DataFormatError, WasmMlpError } from '../errors.js';
import { hasGzipSignature, imageShape, labelCount, parseIdxHeader, type IdxHeader } from './idx.js';
import type { DataSource, SourcePiece } from './source.js';
import { checkDivisor } from '../validate.js';
import { chunksOf, isReadableStream } from './stream-chunks.js';

type ByteStream = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
/** Returns a new byte stream from its first byte each call, or a promise of one (a fetch:
 * `() => fetch(url).then((res) => res.body)`). */
export type ByteStreamFactory = () => ByteStream | Promise<ByteStream>;

export interface IdxStreamOptions {
  /** a feature is f32(byte / divisor); default 255 (pixels to [0, 1], as loadIdx* give) */
  divisor?: number;
  /** names the pair in errors: "<name> images stream", "<name> labels stream"; default "IDX" */
  name?: string;
}

/** Bytes per yielded piece (about; whole rows, at least one): large enough that a piece's
 * overhead vanishes, small enough that a pass holds little. */
const PIECE_BYTES = 1 << 20;
/** Streams never sit in one buffer: counts are bounded only by exact byte offsets. */
const MAX_ELEMENTS = 2 ** 53;

/** Reads one byte stream in exact sizes across its chunk boundaries, counting the bytes it pulls
 * and turning the stream's own failures (network, gzip) into a DataFormatError at its offset. */
class ByteReader {
  private readonly opening: Promise<ByteStream>;
  private it: AsyncIterator<Uint8Array> | null = null;
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  /** bytes of the stream handed out so far: the offset of the next one */
  offset = 0;

  constructor(open: ByteStreamFactory, readonly name: string, private readonly pulled: (bytes: number) => void) {
    try { this.opening = Promise.resolve(open()); } catch (e) { throw this.failure(e); }
    this.opening.catch(() => undefined); // a stream never read (its pair failed first) must not reject unhandled
  }

  /** Fills `out`; returns the bytes it got, fewer only where the stream ended. */
  async fill(out: Uint8Array): Promise<number> {
    let got = 0;
    while (got < out.length) {
      if (this.at === this.chunk.length && !(await this.pull())) break;
      const n = Math.min(out.length - got, this.chunk.length - this.at);
      out.set(this.chunk.subarray(this.at, this.at + n), got);
      this.at += n; got += n; this.offset += n;
    }
    return got;
  }

  /** Whether a byte is left (pulls the next chunk to know). */
  async more(): Promise<boolean> {
    return this.at < this.chunk.length || this.pull();
  }

  /** Releases the stream (cancels it if it has not ended). */
  async close(): Promise<void> {
    try {
      if (this.it) await this.it.return?.();
      else await cancel(await this.opening); // opened, never read
    } catch { /* failed to open, already failing or ended: nothing to release */ }
  }

  private async pull(): Promise<boolean> {
    for (;;) {
      let r: IteratorResult<Uint8Array>;
      try {
        this.it ??= chunksOf(await this.opening)[Symbol.asyncIterator]();
        r = await this.it.next();
      } catch (e) { throw this.failure(e); }
      if (r.done) return false;
      if (!(r.value instanceof Uint8Array)) {
        throw new DataFormatError(`${this.name}: at byte ${this.offset} the stream gave a ${describe(r.value)}, expected Uint8Array chunks`, { file: this.name, offset: this.offset });
      }
      this.pulled(r.value.length);
      if (r.value.length === 0) continue;
      this.chunk = r.value; this.at = 0;
      return true;
    }
  }

  private failure(e: unknown): Error {
    if (e instanceof WasmMlpError) return e;
    const err = new DataFormatError(`${this.name}: reading failed at byte ${this.offset}: ${e instanceof Error ? e.message : String(e)}`, { file: this.name, offset: this.offset });
    (err as Error & { cause?: unknown }).cause = e;
    return err;
  }
}

/** Releases a stream nobody has read from. */
async function cancel(src: ByteStream): Promise<void> {
  if (isReadableStream(src)) await src.cancel();
  else await src[Symbol.asyncIterator]().return?.(); // a Node Readable's iterator destroys it
}

const describe = (v: unknown): string => (v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v);

/** The bytes of an IDX header, read in order through `fill` (each call continues where the last
 * ended and resolves to the bytes it got): the magic number, then the 4-byte size of each of the
 * dimensions its byte 3 counts. Fewer where the data ends; parseIdxHeader says what is wrong. */
export async function idxHeaderBytes(fill: (into: Uint8Array) => Promise<number>): Promise<Uint8Array> {
  const magic = new Uint8Array(4);
  const got = await fill(magic);
  if (got < 4 || magic[0] !== 0 || magic[1] !== 0) return magic.subarray(0, got);
  const full = new Uint8Array(4 + 4 * magic[3]);
  full.set(magic);
  return full.subarray(0, 4 + await fill(full.subarray(4)));
}

/** Reads and checks the IDX header at the start of the stream. */
async function readHeader(r: ByteReader) {
  const head = await idxHeaderBytes((into) => r.fill(into));
  if (hasGzipSignature(head)) {
    throw new DataFormatError(`${r.name}: byte 0: found the gzip signature 1f 8b: decompress the stream first (in a browser, pipeThrough(new DecompressionStream('gzip')))`, { file: r.name, offset: 0 });
  }
  return parseIdxHeader(head, r.name, MAX_ELEMENTS);
}

/** rows and inputs of an images/labels pair from their headers; a DataFormatError unless they are
 * ubyte images (3 dims or more) and ubyte labels (1 dim), as many of each, and at least one. */
export function pairShape(images: IdxHeader, labels: IdxHeader, names: { images: string; labels: string }): { rows: number; inputs: number } {
  const { n, features } = imageShape(images, names.images);
  const count = labelCount(labels, names.labels);
  if (count !== n) {
    throw new DataFormatError(`image and label counts differ: ${names.images} has ${n} images, ${names.labels} has ${count} labels`, { file: names.labels, offset: 4 });
  }
  if (n === 0 || features === 0) {
    throw new DataFormatError(`${names.images}: the header announces ${n} images of ${features} bytes: a source needs at least one row of one feature`, { file: names.images, offset: 4 });
  }
  return { rows: n, inputs: features };
}

interface OpenPair { images: ByteReader; labels: ByteReader; rows: number; inputs: number; imagesHeader: number; labelsHeader: number }

/** Opens both streams and reads their headers: ubyte images of 3 dims or more, ubyte labels of 1,
 * as many of each. Closes both streams when that fails. */
async function openPair(open: { images: ByteStreamFactory; labels: ByteStreamFactory }, names: { images: string; labels: string }, pulled: (bytes: number) => void): Promise<OpenPair> {
  let images: ByteReader | undefined, labels: ByteReader | undefined;
  try {
    images = new ByteReader(open.images, names.images, pulled);
    labels = new ByteReader(open.labels, names.labels, pulled);
    const ih = await readHeader(images), lh = await readHeader(labels);
    return { images, labels, ...pairShape(ih, lh, names), imagesHeader: ih.headerLen, labelsHeader: lh.headerLen };
  } catch (e) {
    await images?.close();
    await labels?.close();
    throw e;
  }
}

/** A DataFormatError for a stream that ended at `r.offset`, short of `rows` rows of `width` bytes. */
function truncated(r: ByteReader, what: string, row: number, rows: number, width: number, header: number): DataFormatError {
  return new DataFormatError(
    `${r.name}: truncated at byte ${r.offset}: ${what} ${row} of ${rows} is ${(r.offset - header) % width === 0 ? 'missing' : 'cut'}; the header announces ${rows} × ${width} bytes after its ${header} bytes, ${header + rows * width} in all`,
    { file: r.name, offset: r.offset },
  );
}

/** The pieces of one pass over an opened pair; closes both streams when it ends or is left. */
async function* pieces(p: OpenPair): AsyncGenerator<SourcePiece, void, undefined> {
  const { images, labels, rows, inputs } = p;
  try {
    const per = Math.max(1, Math.floor(PIECE_BYTES / inputs));
    for (let row = 0; row < rows; row += per) {
      const k = Math.min(per, rows - row);
      const x = new Uint8Array(k * inputs); // a new piece each time: the consumer may still hold the last
      const gotX = await images.fill(x);
      if (gotX < x.length) throw truncated(images, 'row', row + Math.floor(gotX / inputs), rows, inputs, p.imagesHeader);
      const y = new Uint8Array(k);
      const gotY = await labels.fill(y);
      if (gotY < k) throw truncated(labels, 'label', row + gotY, rows, 1, p.labelsHeader);
      yield { x, y };
    }
    for (const r of [images, labels]) {
      if (await r.more()) {
        throw new DataFormatError(`${r.name}: trailing bytes at byte ${r.offset}: the header announces exactly ${r.offset} bytes`, { file: r.name, offset: r.offset });
      }
    }
  } finally {
    await images.close();
    await labels.close();
  }
}

/** The shared core of idxStreamSource and the Node .gz file source: reads the headers once (then
 * closes the streams), and each pass re-opens both and checks they still announce the same shape.
 * bytesRead counts the bytes the streams gave. */
export async function idxPairSource(
  open: { images: ByteStreamFactory; labels: ByteStreamFactory }, names: { images: string; labels: string }, divisor: number,
): Promise<DataSource & { readonly bytesRead: number }> {
  checkDivisor(divisor, `${names.images}: options`);
  let bytesRead = 0;
  const pulled = (n: number): void => { bytesRead += n; };
  const first = await openPair(open, names, pulled);
  await first.images.close();
  await first.labels.close();
  const { rows, inputs } = first;
  return {
    rows,
    inputs,
    divisor,
    normalizer: undefined,
    get bytesRead() { return bytesRead; },
    async *pass() {
      const p = await openPair(open, names, pulled);
      if (p.rows !== rows || p.inputs !== inputs) {
        await p.images.close();
        await p.labels.close();
        throw new DataFormatError(`${names.images}: re-opened for a new pass, it holds ${p.rows} rows of ${p.inputs} bytes, first opened it held ${rows} of ${inputs}: the data changed`, { file: names.images, offset: 4 });
      }
      yield* pieces(p);
    },
  };
}

/** A sequential DataSource over an IDX images stream (ubyte, 3 dims or more) and its labels stream
 * (ubyte, 1 dim). Each factory must return a new stream from the first byte every call: it is
 * called once here to read the header and once per pass. Streams are read through getReader()
 * (ReadableStream) or async iteration (Node streams, generators); a factory may return a promise of
 * either (a fetch body). A gzip file must be decompressed
 * by the caller (browser: `res.body.pipeThrough(new DecompressionStream('gzip'))`). Errors
 * (DataFormatError) name the stream and the byte offset: a wrong magic number, counts that differ,
 * a stream that ends inside a row or goes on after the last one, a stream that fails. */
export function idxStreamSource(openImages: ByteStreamFactory, openLabels: ByteStreamFactory, opts: IdxStreamOptions = {}): Promise<DataSource & { readonly bytesRead: number }> {
  const name = opts.name ?? 'IDX';
  return idxPairSource({ images: openImages, labels: openLabels }, { images: `${name} images stream`, labels: `${name} labels stream` }, opts.divisor ?? 255);
}
