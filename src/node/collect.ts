// A garbage collection on demand, for the CLI's sequential reads. A pass over a gzip file
// allocates a buffer for every piece it inflates; V8 collects such buffers only once some 64 MB of
// them have piled up, which would be most of the memory a streamed or sourced run is meant to take
// (issue 17: Fashion-MNIST in 150 MB). Collecting every 2 MiB keeps that pile small at the cost of
// a few milliseconds a collection (the JavaScript heap of a run is small). Measured on one epoch of
// Fashion-MNIST (peak RSS, wall time): never 153–178 MiB, 1.55 s; every 2 MiB 143–144 MiB, 1.8 s;
// every piece 137–141 MiB, 2.1 s.

import v8 from 'node:v8';
import vm from 'node:vm';
import type { DataSource, SourcePiece } from '../data/source.js';

let gc: (() => void) | null | undefined;

/** V8's collector (exposed through a new context once the flag is set), or null if unavailable. */
export function collector(): (() => void) | null {
  if (gc !== undefined) return gc;
  try {
    v8.setFlagsFromString('--expose-gc');
    const f = vm.runInNewContext('gc') as unknown;
    gc = typeof f === 'function' ? (f as () => void) : null;
  } catch {
    gc = null;
  }
  return gc;
}

/** `src` with each pass collecting garbage after every `every` bytes of pieces it has handed on;
 * everything else (read, bytesRead, close) is the source's own. */
export function collectingPasses(src: DataSource, collect: () => void, every = 2 << 20): DataSource {
  if (!src.pass) return src;
  const inner = src.pass.bind(src);
  const wrapped: DataSource = Object.create(src);
  Object.defineProperty(wrapped, 'pass', {
    value: async function* pass(): AsyncGenerator<SourcePiece> {
      let since = 0;
      for await (const piece of inner() as AsyncIterable<SourcePiece>) {
        yield piece;
        since += piece.x.byteLength;
        if (since >= every) { since = 0; collect(); }
      }
    },
  });
  return wrapped;
}
