// Per-epoch progress bar (cli-progress) for interactive runs. Only drawn when stdout is a TTY and
// --json is off; otherwise every method is a no-op and the output stays plain lines. Updates are
// throttled here as well as in cli-progress, so the per-batch callback stays cheap. During a
// streamed epoch the bar also shows the samples and bytes read from the source so far.

import { createRequire } from 'node:module';

interface Bar {
  start(total: number, value: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}
interface CliProgress { SingleBar: new (opts: Record<string, unknown>, preset?: unknown) => Bar; Presets: Record<string, unknown> }

/** A streamed epoch's reading so far (BatchLog.samplesRead / bytesRead) and the set's size. */
export interface StreamRead { samples: number; total: number; bytes?: number }

export interface Progress {
  /** a new bar for `epoch` of `epochs` with `batches` steps, starting at `start` */
  begin(epoch: number, epochs: number, batches: number, start: number): void;
  /** `read`: during a streamed epoch only */
  batch(done: number, loss: number, read?: StreamRead): void;
  /** erases the bar so the epoch line can take its place */
  end(): void;
}

const NONE: Progress = { begin() {}, batch() {}, end() {} };
const THROTTLE_MS = 80;

/** Bytes in decimal units, 3 significant digits: 812 B, 64.2 kB, 944 MB, 2.35 GB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (i + 1 < units.length && bytes >= 999.5 * 1000 ** i) i++;
  return `${i === 0 ? bytes : Number((bytes / 1000 ** i).toPrecision(3))} ${units[i]}`;
}

/** `1,204,000/3,000,000 samples, 944 MB read` (without bytes: `… samples read`). */
export function formatRead(read: StreamRead): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  return `${n(read.samples)}/${n(read.total)} samples${read.bytes === undefined ? '' : `, ${formatBytes(read.bytes)}`} read`;
}

export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stdout): Progress {
  if (!enabled || !stream.isTTY) return NONE;
  const lib = createRequire(import.meta.url)('cli-progress') as CliProgress;
  let bar: Bar | null = null;
  let last = 0;
  return {
    begin(epoch, epochs, batches, start) {
      bar = new lib.SingleBar({
        stream, clearOnComplete: true, hideCursor: true, fps: 12,
        // {read} is empty for a resident training set: the bar reads as it always did
        format: `epoch ${epoch}/${epochs} {bar} {value}/{total} batches  loss {loss}{read}  eta {eta_formatted}`,
      }, lib.Presets.shades_classic);
      bar.start(batches, start, { loss: '—', read: '' });
      last = -Infinity; // the epoch's first batch is always drawn
    },
    batch(done, loss, read) {
      const now = performance.now();
      if (bar && now - last >= THROTTLE_MS) {
        last = now;
        bar.update(done, { loss: loss.toFixed(4), read: read ? `  ${formatRead(read)}` : '' });
      }
    },
    end() {
      if (bar) { bar.stop(); bar = null; }
    },
  };
}
