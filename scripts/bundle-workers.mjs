// Build step (after tsc): makes each worker script in dist/workers/ self-contained, so that it
// loads from the package as it is, and an application's bundler only has to copy the two files
// next to its bundle (src/workers/urls.ts). esbuild bundles tsc's output in place; Node built-ins
// are imported dynamically through variables, which the bundle leaves alone.
import { build } from 'esbuild';

for (const name of ['pool-worker', 'train-worker']) {
  const file = new URL(`../dist/workers/${name}.js`, import.meta.url).pathname;
  await build({
    entryPoints: [file], outfile: file, allowOverwrite: true,
    bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', logLevel: 'warning',
    legalComments: 'none',
  });
}
