// Where the thread pool's worker script is: pool-worker.js, a self-contained file (bundled at build
// time) next to this module, so `new URL('./pool-worker.js', import.meta.url)` finds it when the
// library runs from its package, and in an application bundled with esbuild or Rollup next to
// the bundle (the build also copies it to dist/workers/, where the README tells bundler users to
// take it from). configureWorkers() (src/workers/urls.ts) overrides it.

let pool: URL | string | undefined;

export function configurePoolWorker(url: URL | string): void { pool = url; }

export function poolWorkerUrl(): URL | string { return pool ?? new URL('./pool-worker.js', import.meta.url); }
