// How many threads a network gets: the caller's `threads` ('auto' or a count), checked against the
// backend and what the engine allows. Shared memory needs SharedArrayBuffer, which a browser page
// has only when cross-origin isolated; without it the network runs on one thread with one notice,
// never an error.

import { ConfigError } from '../../errors.js';
import type { BackendName } from '../../vocabulary.js';
/** The most threads a network may have (the engine's descriptor allows 64). */
export const MAX_THREADS = 64;
import { availableCores } from './spawn.js';

export type ThreadsOption = 'auto' | number;

/** 'auto' takes the available cores up to this many: past it the model in BENCHMARKS.md
 * ("Threads") predicts under 10% more per doubling for the workloads measured. */
export const AUTO_THREADS_CAP = 8;

export interface ThreadChoice {
  threads: number;
  /** threads > cores: workers park at once instead of spinning (a spinning thread would take the
   * core another needs) */
  oversubscribed: boolean;
  notice: string | null;
}

function sharedMemoryProblem(): string | null {
  // browsers define crossOriginIsolated; without isolation they hide SharedArrayBuffer
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return 'this engine has no SharedArrayBuffer';
  return null;
}

export async function chooseThreads(requested: ThreadsOption | undefined, backend: BackendName): Promise<ThreadChoice> {
  const one = (notice: string | null = null): ThreadChoice => ({ threads: 1, oversubscribed: false, notice });
  if (requested === undefined || requested === 1) return one();
  if (requested !== 'auto' && !(Number.isInteger(requested) && requested >= 1 && requested <= MAX_THREADS)) {
    throw new ConfigError(`threads must be 'auto' or an integer from 1 to ${MAX_THREADS}; got ${JSON.stringify(requested)}`);
  }
  if (backend === 'js' || backend === 'scalar') {
    if (requested === 'auto') return one();
    throw new ConfigError(`threads: ${requested} needs a SIMD wasm backend ('relaxed' or 'simd', or 'auto'); the '${backend}' backend runs on one thread`);
  }
  const problem = sharedMemoryProblem();
  if (problem !== null) return one(`wasm-mlp: threads: ${requested} falls back to 1 thread: ${problem}`);
  const cores = await availableCores();
  const threads = requested === 'auto' ? Math.min(cores, AUTO_THREADS_CAP) : requested;
  return { threads, oversubscribed: threads > cores, notice: null };
}
