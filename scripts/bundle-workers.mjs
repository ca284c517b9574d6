// Build step (after tsc): makes each worker script in dist/workers/ self-contained, so that it
// loads from the package as it is, and an application's bundler only has to copy the two files
// next to its bundle (src/workers/urls.ts). esbuild bundles tsc's output in place; Node built-ins
// are imported dynamically through variables, which the bundle leaves alone.
import { build } from 'esbuild';

// The pool's worker is the engine's own (src/backend/threads/); it is bundled where the engine
// looks for it and copied to dist/workers/, next to trainInWorker's, for bundler users to copy.
import { copyFileSync } from 'node:fs';

const at = (f) => new URL(`../dist/${f}`, import.meta.url).pathname;
for (const file of ['backend/threads/pool-worker.js', 'workers/train-worker.js'].map(at)) {
  await build({
    entryPoints: [file], outfile: file, allowOverwrite: true,
    bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', logLevel: 'warning',
    legalComments: 'none',
  });
}
copyFileSync(at('backend/threads/pool-worker.js'), at('workers/pool-worker.js'));
