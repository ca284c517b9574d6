// Starting a pool worker where the code runs: Node's worker_threads with a file URL (never a blob
// URL, which Node refuses), or a browser module Worker. Both load the pool's worker script
// (threads/urls.ts says where it is).

import type { WorkerInit } from './pool-worker.js';
import { poolWorkerUrl } from './urls.js';
import { importNode, isNode } from '../../runtime.js';

/** What the pool needs of a worker, whichever kind. */
export interface WorkerHandle {
  terminate(): Promise<void>;
  /** resolves when the thread has ended, for whatever reason */
  readonly exited: Promise<void>;
  /** the first error the worker reported outside a job (failing to start, an uncaught error) */
  readonly error: () => Error | null;
}

/** Threads that run in parallel here: Node's availableParallelism, the browser's hardwareConcurrency. */
export async function availableCores(): Promise<number> {
  if (isNode) {
    const os = await importNode<typeof import('node:os')>('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/** What Node's Worker accepts: a URL object, or a path (a string with a scheme becomes a URL). */
export function nodeWorkerTarget(url: URL | string): URL | string {
  return typeof url === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(url) ? new URL(url) : url;
}

export async function spawnWorker(init: WorkerInit): Promise<WorkerHandle> {
  const url = poolWorkerUrl();
  let error: Error | null = null;
  if (isNode) {
    const { Worker } = await importNode<typeof import('node:worker_threads')>('node:worker_threads');
    // execArgv: [] — the worker needs none of the script's options, and some (--input-type) make it fail
    const w = new Worker(nodeWorkerTarget(url), { workerData: init, execArgv: [] });
    w.unref(); // a script that never calls dispose() still exits when it is done
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.on('error', (e) => { error ??= e; });
    return { terminate: async () => { await w.terminate(); }, exited, error: () => error };
  }
  const W = (globalThis as { Worker?: new (u: URL | string, o: { type: 'module' }) => Worker }).Worker;
  if (!W) throw new Error('this environment has no Worker');
  const w = new W(url, { type: 'module' });
  let end!: () => void;
  const exited = new Promise<void>((resolve) => { end = resolve; });
  w.onerror = (e) => { error ??= new Error(e.message || 'worker failed to start'); end(); };
  w.postMessage(init);
  return { terminate: async () => { w.terminate(); end(); }, exited, error: () => error };
}
