// `npm run demo` (after `tsc -p demo`, the page's type check): builds the demo page (demo/) into
// demo/dist/, or into `outdir` when imported (the browser test builds into a temporary folder).
// esbuild bundles demo/src/main.ts with the built library (dist/, imported as 'wasm-mlp' like an
// application would) and uPlot; next to the bundle go the page, its stylesheet, uPlot's
// stylesheet, the library's two worker scripts (where wasm-mlp looks for them: next to the module
// that starts them) and the embedded digits (build/digits/*.gz, served as they are: the page
// decompresses them).
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DEMO_DIST = join(ROOT, 'demo', 'dist');

const COPIES = [
  ['demo/index.html', 'index.html'],
  ['demo/style.css', 'style.css'],
  ['dist/workers/train-worker.js', 'train-worker.js'],
  ['dist/workers/pool-worker.js', 'pool-worker.js'],
  ['build/digits/images.idx3-ubyte.gz', 'digits/images.idx3-ubyte.gz'],
  ['build/digits/labels.idx1-ubyte.gz', 'digits/labels.idx1-ubyte.gz'],
];

/** Builds the page into `outdir`; returns the folder. Throws when the library is not built. */
export async function buildDemo({ outdir = DEMO_DIST, minify = true } = {}) {
  const missing = COPIES.map(([from]) => from).filter((f) => f.startsWith('dist/') || f.startsWith('build/')).filter((f) => !existsSync(join(ROOT, f)));
  if (!existsSync(join(ROOT, 'dist/index.js'))) missing.unshift('dist/index.js');
  if (missing.length) throw new Error(`the demo bundles the built library, and ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing: run npm run build first`);
  mkdirSync(join(outdir, 'digits'), { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'demo/src/main.ts')], outfile: join(outdir, 'demo.js'),
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify, legalComments: 'none',
    logLevel: 'warning', absWorkingDir: ROOT,
  });
  for (const [from, to] of COPIES) copyFileSync(join(ROOT, from), join(outdir, to));
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
  copyFileSync(join(uplot, 'dist/uPlot.min.css'), join(outdir, 'uPlot.min.css'));
  return outdir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const out = await buildDemo();
    console.log(`demo built in ${out.slice(ROOT.length)}/ — serve it with npm run demo:serve`);
  } catch (e) {
    console.error(`demo: ${e.message}`);
    process.exit(1);
  }
}
