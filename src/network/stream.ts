// How fit holds its training set (docs/STREAMING.md): resident in the arena, or streamed through it.
//
// A streamed set is read in chunks of `chunkRows` rows into the two halves of the arena's data
// block, each holding a window of `windowChunks` chunks: while the kernels train on one window the
// next one is read into the other half. An epoch's order is drawn at its start from the network's
// PRNG: a shuffle of the chunks (random-access sources only; the last, short chunk stays last, so
// every window but the last is full), then, window by window, a shuffle of the window's rows. The
// order covers the whole epoch and names rows of the data block, so batches cross from one window
// into the next exactly as they run over a resident set, and the PRNG state at the epoch's start
// (the training state keeps it) draws the same order again when a run resumes mid-epoch.

import { InputError } from '../errors.js';
import type { DataBytes } from '../arena.js';
import type { DataSource } from '../data/source.js';
import type { FitOptions, StreamGeometry } from './types.js';
import type { Core } from './core.js';
import { SourceRows } from './source-rows.js';

/** A chunk's features come to about this many bytes unless FitOptions.chunkRows says otherwise. */
const CHUNK_BYTES = 1 << 20;
/** wasm32's linear memory ends here; with no maxMemory a set that does not fit streams in this */
const WASM32_BYTES = 2 ** 32;
const DEFAULT_STREAM_BYTES = 2 ** 30;

const mb = (b: number): string => `${(Math.ceil(b / 1e5) / 10).toFixed(1)} MB`;

/** Resident, or streamed with this geometry. */
export type Holding = { resident: true } | { resident: false; geometry: StreamGeometry };

/** Checks maxMemory and chunkRows; then: resident when the set fits the bound (and no saved state
 * says the epoch is streamed), else the saved geometry when it fits, else the largest window that
 * does. Throws when not even one chunk a half fits, naming the smallest bound that works. */
export function chooseHolding(c: Core, n: number, bytes: DataBytes | null, bs: number, capacity: number, options: FitOptions, saved: StreamGeometry | undefined, midEpoch: boolean): Holding {
  const { maxMemory, chunkRows } = options;
  if (maxMemory !== undefined && !(Number.isFinite(maxMemory) && maxMemory > 0)) throw new InputError(`maxMemory must be a positive number of bytes; got ${String(maxMemory)}`);
  if (chunkRows !== undefined && !(Number.isInteger(chunkRows) && chunkRows >= bs)) {
    throw new InputError(`chunkRows must be an integer of at least the batch size (${bs}); got ${String(chunkRows)}`);
  }
  const limit = maxMemory ?? WASM32_BYTES;
  const streamedMid = midEpoch && saved !== undefined;
  if (!streamedMid && c.planFor(capacity, n, bytes).bytes <= limit) return { resident: true };
  const need = (C: number, W: number) => c.planFor(capacity, 2 * W * C, bytes, n).bytes;
  const budget = maxMemory ?? DEFAULT_STREAM_BYTES;
  if (saved && (streamedMid || need(saved.chunkRows, saved.windowChunks) <= budget)) {
    if (saved.chunkRows < bs) throw new InputError(`the saved training state streams chunks of ${saved.chunkRows} rows, fewer than the batch size ${bs}: resume with the batch size the run had`);
    const b = need(saved.chunkRows, saved.windowChunks);
    if (b > budget) throw new InputError(`maxMemory ${mb(budget)} is too small to resume this streamed epoch: its windows of ${saved.windowChunks} chunks of ${saved.chunkRows} rows need ${mb(b)}; resume with at least that, or from the epoch's end`);
    return { resident: false, geometry: { chunkRows: saved.chunkRows, windowChunks: saved.windowChunks } };
  }
  let C = Math.min(chunkRows ?? Math.max(bs, Math.ceil(CHUNK_BYTES / ((bytes ? 1 : 4) * c.inputs))), n);
  // a bound too small for two chunks of the default size takes smaller chunks, down to a batch
  if (chunkRows === undefined) C = largest(Math.min(bs, C), C, (r) => need(r, 1) <= budget) ?? Math.min(bs, C);
  const smallest = need(C, 1);
  if (smallest > budget) {
    const rest = c.planFor(capacity, 0, bytes).bytes;
    throw new InputError(`maxMemory ${mb(budget)} is too small: training on ${n} samples needs at least ${mb(smallest)} (the network, its optimizer state and activations ${mb(rest)}; the epoch's order and two chunks of ${C} rows ${mb(smallest - rest)})`);
  }
  // the largest window that fits; two windows of half the set or more would have been resident
  const W = largest(1, Math.max(1, Math.ceil(Math.ceil(n / C) / 2)), (w) => need(C, w) <= budget)!;
  return { resident: false, geometry: { chunkRows: C, windowChunks: W } };
}

/** The largest integer in [lo, hi] for which `fits` holds (it holds up to some point, then not), or null. */
function largest(lo: number, hi: number, fits: (v: number) => boolean): number | null {
  if (!fits(lo)) return null;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/** Fills the whole data block (planned for the n rows) from the source: the resident case. */
export async function fillResident(rows: SourceRows, n: number, chunkRows: number): Promise<void> {
  if (!rows.random) { await rows.fill(0, 0, n); await rows.endPass(); return; }
  // a few reads in flight keep a file's reads going while the previous ones are checked
  for (let s = 0; s < n; s += 4 * chunkRows) {
    const reads: Promise<void>[] = [];
    for (let a = s; a < Math.min(n, s + 4 * chunkRows); a += chunkRows) reads.push(rows.read(a, a, Math.min(chunkRows, n - a)));
    await settleAll(reads);
  }
}

/** Awaits every promise (so no read is left writing into the arena), then throws the first failure. */
async function settleAll(ps: Promise<void>[]): Promise<void> {
  const r = await Promise.allSettled(ps);
  const bad = r.find((x) => x.status === 'rejected');
  if (bad) throw (bad as PromiseRejectedResult).reason;
}

/** The windows of a streamed fit: each epoch's order, and the reads that keep the next window
 * coming while the current one trains. */
export class StreamFeed {
  readonly rows: SourceRows;
  private readonly C: number;
  private readonly W: number;
  private chunkOrder = new Int32Array(0);
  /** the window each half holds (or is being read into), and its read */
  private held = [-1, -1];
  private reads: [Promise<void> | null, Promise<void> | null] = [null, null];
  private inFlight = 0;
  /** sequential sources: the previous window's read, which the next one follows */
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly c: Core, src: DataSource, private readonly n: number, readonly geometry: StreamGeometry) {
    this.rows = new SourceRows(c, src, n);
    this.C = geometry.chunkRows;
    this.W = geometry.windowChunks;
  }

  private get windowRows(): number { return this.C * this.W; }
  /** reads in flight: the loop returns to the event loop after every job so that they progress */
  get busy(): boolean { return this.inFlight > 0; }

  /** A new epoch's order, drawn from the network's PRNG into the arena (see the top of the file). */
  async beginEpoch(shuffle: boolean): Promise<void> {
    await this.settle();
    await this.rows.reset();
    const { n, C, W, c } = this;
    const K = Math.ceil(n / C), full = Math.floor(n / C);
    this.chunkOrder = Int32Array.from({ length: K }, (_, i) => i);
    if (shuffle && this.rows.random) c.rng.shuffle(this.chunkOrder.subarray(0, full));
    const order = c.i32(c.plan.data!.order, n);
    for (let w = 0, pos = 0; w * W < K; w++) {
      const first = pos, half = w & 1;
      for (let j = 0; j < W && w * W + j < K; j++) {
        const size = Math.min(C, n - this.chunkOrder[w * W + j] * C), base = (half * W + j) * C;
        for (let r = 0; r < size; r++) order[pos++] = base + r;
      }
      if (shuffle) c.rng.shuffle(order.subarray(first, pos));
    }
    this.held = [-1, -1];
  }

  /** Before a job of up to `steps` batches of `bs` from `start`: the rows they need are resident
   * (awaited), the next window is on its way; resolves to the batches the job may run, which all
   * start in the current window. */
  async ready(start: number, steps: number, bs: number): Promise<number> {
    const w = Math.floor(start / this.windowRows), end = Math.min(this.n, (w + 1) * this.windowRows);
    await this.load(w);
    if (end < this.n) this.load(w + 1);
    const s = Math.min(steps, Math.ceil((end - start) / bs));
    if (start + s * bs > end && end < this.n) await this.load(w + 1);
    return s;
  }

  /** Window w's read into its half (started once; the half's previous window is done with). */
  private load(w: number): Promise<void> {
    const h = w & 1;
    if (this.held[h] === w) return this.reads[h]!;
    this.held[h] = w;
    const p = this.rows.random ? this.readWindow(w, h)
      : this.last = this.last.catch(() => undefined).then(() => this.rows.fill(h * this.windowRows, w * this.windowRows, Math.min(this.windowRows, this.n - w * this.windowRows)));
    this.inFlight++;
    // a failure surfaces where the window's rows are awaited; a window never awaited (the fit
    // stopped) must not become an unhandled rejection
    p.catch(() => undefined).finally(() => { this.inFlight--; });
    this.reads[h] = p;
    return p;
  }

  private readWindow(w: number, h: number): Promise<void> {
    const { C, W, n } = this, reads: Promise<void>[] = [];
    for (let j = 0; j < W && w * W + j < this.chunkOrder.length; j++) {
      const chunk = this.chunkOrder[w * W + j];
      reads.push(this.rows.read((h * W + j) * C, chunk * C, Math.min(C, n - chunk * C)));
    }
    return settleAll(reads);
  }

  /** Waits for every read in flight (none may write into the arena after the fit), ignoring failures. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.reads.filter((p) => p !== null), this.last]);
    this.reads = [null, null];
    this.last = Promise.resolve();
  }

  /** At the fit's end: reads settled, a sequential pass let go. */
  async close(): Promise<void> {
    await this.settle();
    await this.rows.endPass();
  }
}
