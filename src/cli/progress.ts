// Per-epoch progress bar (cli-progress) for interactive runs. Only drawn when stdout is a TTY and
// --json is off; otherwise every method is a no-op and the output stays plain lines. Updates are
// throttled here as well as in cli-progress, so the per-batch callback stays cheap.

import { createRequire } from 'node:module';

interface Bar {
  start(total: number, value: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}
interface CliProgress { SingleBar: new (opts: Record<string, unknown>, preset?: unknown) => Bar; Presets: Record<string, unknown> }

export interface Progress {
  /** a new bar for `epoch` of `epochs` with `batches` steps, starting at `start` */
  begin(epoch: number, epochs: number, batches: number, start: number): void;
  batch(done: number, loss: number): void;
  /** erases the bar so the epoch line can take its place */
  end(): void;
}

const NONE: Progress = { begin() {}, batch() {}, end() {} };
const THROTTLE_MS = 80;

export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stdout): Progress {
  if (!enabled || !stream.isTTY) return NONE;
  const lib = createRequire(import.meta.url)('cli-progress') as CliProgress;
  let bar: Bar | null = null;
  let last = 0;
  return {
    begin(epoch, epochs, batches, start) {
      bar = new lib.SingleBar({
        stream, clearOnComplete: true, hideCursor: true, fps: 12,
        format: `epoch ${epoch}/${epochs} {bar} {value}/{total} batches  loss {loss}  eta {eta_formatted}`,
      }, lib.Presets.shades_classic);
      bar.start(batches, start, { loss: '—' });
      last = 0;
    },
    batch(done, loss) {
      const now = performance.now();
      if (bar && now - last >= THROTTLE_MS) {
        last = now;
        bar.update(done, { loss: loss.toFixed(4) });
      }
    },
    end() {
      if (bar) { bar.stop(); bar = null; }
    },
  };
}
