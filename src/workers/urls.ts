// Where the library's two worker scripts are: the thread pool's (pool-worker.js, whose default
// backend/threads/urls.ts knows) and trainInWorker's (train-worker.js). Both are self-contained files (bundled at build time) in
// dist/workers/, next to this module, so `new URL('./…', import.meta.url)` finds them when the
// library runs from its package — and, in an application bundled with esbuild, Rollup or similar,
// next to the bundle: copy pool-worker.js and train-worker.js from node_modules/wasm-mlp/dist/workers/
// to the bundle's folder, or say where they are with configureWorkers(). `vite build` and webpack 5
// resolve these URLs themselves (Vite's dev server needs optimizeDeps.exclude: ['wasm-mlp']).

import { configurePoolWorker } from '../backend/threads/urls.js';

let train: URL | string | undefined;

export interface WorkerUrls {
  /** the thread pool's worker script (dist/workers/pool-worker.js) */
  pool?: URL | string;
  /** trainInWorker's worker script (dist/workers/train-worker.js) */
  train?: URL | string;
}

/** Overrides where the worker scripts are loaded from (e.g. a CDN or an assets folder). */
export function configureWorkers(urls: WorkerUrls): void {
  if (urls.pool !== undefined) configurePoolWorker(urls.pool);
  if (urls.train !== undefined) train = urls.train;
}

export function trainWorkerUrl(): URL | string { return train ?? new URL('./train-worker.js', import.meta.url); }
