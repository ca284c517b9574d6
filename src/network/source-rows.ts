// Rows of a DataSource written into the arena's data block, checked on the way in: the one place
// that calls a source. Random-access sources are read at any row; sequential ones through one
// pass at a time, skipped forward when a window starts later (a resumed epoch).

import { DataSourceError, InputError, WasmMlpError } from '../errors.js';
import type { DataSource, SourcePiece } from '../data/source.js';
import type { Core } from './core.js';

type Pass = AsyncIterator<SourcePiece> | Iterator<SourcePiece>;

export class SourceRows {
  /** rows and bytes written into the arena since the last reset (progress) */
  rows = 0;
  bytes = 0;
  /** the source's own count when the epoch began (sources that count what they read) */
  private bytesAtReset = 0;
  private pass: Pass | null = null;
  /** the next row the pass gives, and what is left of its current piece */
  private passRow = 0;
  private piece: { x: SourcePiece['x']; y: ArrayLike<number>; at: number; rows: number } | null = null;

  constructor(private readonly c: Core, readonly src: DataSource, readonly n: number) {}

  get random(): boolean { return typeof this.src.read === 'function'; }
  private get floats(): boolean { return this.src.divisor === undefined; }
  /** bytes read from the source this epoch: its own count, else what reached the arena */
  get bytesRead(): number { return this.src.bytesRead !== undefined ? this.src.bytesRead - this.bytesAtReset : this.bytes; }

  /** A new epoch: the counts restart; a sequential source will start a new pass. */
  async reset(): Promise<void> {
    this.rows = 0; this.bytes = 0;
    this.bytesAtReset = this.src.bytesRead ?? 0;
    await this.endPass();
  }

  /** Lets go of a sequential pass in progress (its stream is cancelled). */
  async endPass(): Promise<void> {
    const p = this.pass;
    this.pass = null; this.piece = null; this.passRow = 0;
    if (p?.return) { try { await p.return(); } catch { /* the pass is abandoned either way */ } }
  }

  private xView(blockRow: number, count: number): Uint8Array | Float32Array {
    const d = this.c.plan.data!, n0 = this.c.inputs;
    return this.floats ? this.c.f32(d.x + 4 * blockRow * n0, count * n0) : new Uint8Array(this.c.k.buffer(), d.x + blockRow * n0, count * n0);
  }

  private yView(blockRow: number, count: number): Int32Array | Float32Array {
    const d = this.c.plan.data!, w = d.targetWidth;
    return this.c.head.labels ? this.c.i32(d.y + 4 * blockRow, count) : this.c.f32(d.y + 4 * blockRow * w, count * w);
  }

  /** Random access: rows [start, start + count) into block rows from `blockRow`. */
  async read(blockRow: number, start: number, count: number): Promise<void> {
    try {
      await this.src.read!(start, count, this.xView(blockRow, count), this.yView(blockRow, count));
    } catch (e) {
      throw failure(e, start, start + count);
    }
    this.check(blockRow, start, count);
  }

  /** Sequential: rows [start, start + count) of the pass into block rows from `blockRow`; the pass
   * is skipped forward to `start` (or started anew when it is past it). */
  async fill(blockRow: number, start: number, count: number): Promise<void> {
    if (this.pass === null || this.passRow > start) await this.open();
    const n0 = this.c.inputs, w = this.c.plan.data!.targetWidth;
    let done = 0;
    while (done < count) {
      const p = this.piece ?? await this.nextPiece(start + done, start + count);
      const skip = Math.min(p.rows - p.at, Math.max(0, start - this.passRow));
      const take = skip > 0 ? 0 : Math.min(p.rows - p.at, count - done);
      if (take > 0) {
        const x = p.x.subarray(p.at * n0, (p.at + take) * n0);
        this.xView(blockRow + done, take).set(x as ArrayLike<number>);
        const y = this.yView(blockRow + done, take), labels = this.c.head.labels;
        for (let i = 0; i < take * w; i++) {
          const v = p.y[p.at * w + i];
          // an Int32Array would truncate 2.5 and turn NaN into 0: refuse them before they do
          if (labels && !Number.isInteger(v)) throw new InputError(`data source row ${this.passRow + i}: label ${v} is not an integer class index`);
          y[i] = v;
        }
        done += take;
      }
      p.at += skip + take; this.passRow += skip + take;
      if (p.at === p.rows) this.piece = null;
    }
    this.check(blockRow, start, count);
  }

  private async open(): Promise<void> {
    await this.endPass();
    try {
      const it = this.src.pass!();
      this.pass = Symbol.asyncIterator in it ? (it as AsyncIterable<SourcePiece>)[Symbol.asyncIterator]() : (it as Iterable<SourcePiece>)[Symbol.iterator]();
    } catch (e) {
      throw failure(e, 0, this.n);
    }
  }

  /** The pass's next piece, checked: whole rows of the source's kind of features. */
  private async nextPiece(from: number, to: number): Promise<NonNullable<SourceRows['piece']>> {
    let r: IteratorResult<SourcePiece>;
    try {
      r = await this.pass!.next();
    } catch (e) {
      throw failure(e, from, to);
    }
    const at = this.passRow;
    if (r.done) throw new DataSourceError(`the data source's pass ended after ${at} rows; it has ${this.n} (rows ${from}–${to - 1} were asked for)`, from, to);
    const { x, y } = r.value ?? {} as SourcePiece;
    const n0 = this.c.inputs, w = this.c.plan.data!.targetWidth;
    const kindOk = this.floats ? x instanceof Float32Array : (x instanceof Uint8Array || x instanceof Uint8ClampedArray);
    if (!kindOk) throw new DataSourceError(`the data source's piece at row ${at} has x of type ${x?.constructor?.name ?? typeof x}; expected ${this.floats ? 'a Float32Array (the source has no divisor)' : 'a Uint8Array of bytes (the source has a divisor)'}`, from, to);
    if (x.length % n0 !== 0) throw new DataSourceError(`the data source's piece at row ${at} has ${x.length} features, not whole rows of ${n0}`, from, to);
    const rows = x.length / n0;
    if (!y || y.length !== rows * w) throw new DataSourceError(`the data source's piece at row ${at} has ${rows} rows of x but ${y?.length ?? 'no'} values of y (expected ${rows * w})`, from, to);
    this.piece = { x, y, at: 0, rows };
    return this.piece;
  }

  /** What arrived is usable: labels in range, float values finite; then counted. */
  private check(blockRow: number, start: number, count: number): void {
    const N = this.c.outputs, y = this.yView(blockRow, count);
    if (this.c.head.labels) {
      for (let i = 0; i < count; i++) {
        const v = y[i];
        if (!(v >= 0 && v < N)) throw new InputError(`data source row ${start + i}: label ${v} is not a class in [0, ${N}) (the output layer has ${N} units)`);
      }
    } else {
      const w = this.c.plan.data!.targetWidth;
      for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i])) throw new InputError(`data source row ${start + Math.floor(i / w)}: target ${i % w} is ${y[i]}`);
    }
    if (this.floats) {
      const x = this.xView(blockRow, count), n0 = this.c.inputs;
      for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new InputError(`data source row ${start + Math.floor(i / n0)}: feature ${i % n0} is ${x[i]}`);
    }
    this.rows += count;
    this.bytes += count * (this.c.inputs * (this.floats ? 4 : 1) + 4 * this.c.plan.data!.targetWidth);
  }
}

/** A source's own failure as a DataSourceError naming the rows; wasm-mlp's typed errors (a
 * DataFormatError naming a file and offset) pass through as they are. */
function failure(e: unknown, start: number, end: number): Error {
  if (e instanceof WasmMlpError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new DataSourceError(`the data source failed reading rows ${start}–${end - 1}: ${why}`, start, end, e);
}
