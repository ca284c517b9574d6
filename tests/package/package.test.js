// The package as a user gets it: `npm pack` of the built checkout, the tarball installed into a
// fresh application, and that application using it the three ways users do: the installed
// command line, an app bundled with esbuild and run in Chromium (in the page, in a worker, on two
// threads), and TypeScript type-checking under the `bundler` and `node16` module resolutions.
// Packs what `npm run build` left in dist/ and build/ (`npm test` builds first): `npm pack` runs
// with --ignore-scripts, since its `prepare` would rebuild everything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { NO_CHROMIUM, pageResult } from '../browser/chromium.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const kB = (bytes) => `${(bytes / 1024).toFixed(0)} kB`;

// What the tarball may hold. dist/ files must also come from a source in src/ (a file left by an
// older build has none); the report page's modules are bundled into dist/report, never shipped.
const SHIPPED = [
  /^package\.json$/, /^README\.md$/, /^BENCHMARKS\.md$/, /^LICENSE$/, /^docs\/[\w-]+\.md$/,
  /^dist\/(?!report\/page\/)[\w/.-]+(?:\.d\.ts|\.js)$/,
  /^build\/(?:scalar|simd|relaxed|simd-threads|relaxed-threads)\.wasm$/,
  /^build\/(?:scalar|simd)\.debug\.wasm$/,
  /^build\/standalone-(?:simd|scalar)\.wasm$/,
  /^build\/digits\/(?:images\.idx3|labels\.idx1)-ubyte\.gz$/,
];
const REQUIRED = [
  'package.json', 'README.md', 'BENCHMARKS.md', 'LICENSE', 'docs/ABI.md',
  'dist/index.js', 'dist/index.d.ts', 'dist/node/index.js', 'dist/node/index.d.ts', 'dist/io/index.js', 'dist/io/index.d.ts',
  'dist/cli.js', 'dist/workers/pool-worker.js', 'dist/workers/train-worker.js',
  'build/scalar.wasm', 'build/simd.wasm', 'build/relaxed.wasm', 'build/simd-threads.wasm', 'build/relaxed-threads.wasm',
  'build/standalone-simd.wasm', 'build/standalone-scalar.wasm',
  'build/digits/images.idx3-ubyte.gz', 'build/digits/labels.idx1-ubyte.gz',
];

// npm run from `npm test` inherits the parent's npm_* settings (its local prefix among them);
// the child npm gets a plain environment, keeping only where the cache and the user's config are.
// Its PATH drops node_modules/.bin folders, which `npm run` puts first: a dependency of a
// devDependency installs an old npm there, and the test wants the npm a user has.
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !/^npm_/i.test(k) || /^npm_config_(cache|userconfig|globalconfig)$/i.test(k)));
npmEnv.PATH = (process.env.PATH ?? '').split(delimiter).filter((d) => !d.split(sep).includes('node_modules')).join(delimiter);
const npm = (args, cwd) => run('npm', args, { cwd, env: npmEnv, maxBuffer: 64 << 20 });

let tmp, app, packed;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wasm-mlp-package-'));
  const { stdout } = await npm(['pack', '--ignore-scripts', '--pack-destination', tmp, '--json'], ROOT);
  packed = JSON.parse(stdout)[0];
  app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'wasm-mlp-consumer', private: true, type: 'module' }, null, 2));
  await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', join(tmp, packed.filename)], app);
});

after(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

test('the tarball holds the built library, the binaries, the digits and the docs, and nothing else', (t) => {
  const files = packed.files.map((f) => f.path);
  t.diagnostic(`${packed.filename}: ${packed.entryCount} files, ${kB(packed.size)} packed, ${kB(packed.unpackedSize)} unpacked`);
  const unexpected = files.filter((f) => !SHIPPED.some((re) => re.test(f)));
  assert.deepEqual(unexpected, [], `files the package does not need: ${unexpected.join(', ')}`);
  // dist/workers/pool-worker.js is the build's copy of dist/backend/threads/pool-worker.js, next to
  // train-worker.js for bundler users (scripts/bundle-workers.mjs): its source is the engine's
  const source = (f) => (f === 'dist/workers/pool-worker.js' ? 'backend/threads/pool-worker.ts' : f.slice(5).replace(/(\.d\.ts|\.js)$/, '.ts'));
  const orphans = files.filter((f) => f.startsWith('dist/') && !existsSync(join(ROOT, 'src', source(f))));
  assert.deepEqual(orphans, [], `dist files without a source in src/ (left by an older build; run npm run build): ${orphans.join(', ')}`);
  const missing = REQUIRED.filter((f) => !files.includes(f));
  assert.deepEqual(missing, [], `missing from the tarball: ${missing.join(', ')}`);
  for (const js of files.filter((f) => f.startsWith('dist/') && f.endsWith('.js') && !f.startsWith('dist/workers/') && f !== 'dist/cli.js' && !f.startsWith('dist/cli/'))) {
    assert.ok(files.includes(js.replace(/\.js$/, '.d.ts')), `${js} ships without its declarations`);
  }
  // every file the manifest points at is in the tarball
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
  for (const v of Object.values(pkg.exports)) targets.push(...(typeof v === 'string' ? [v] : Object.values(v)));
  for (const target of targets.filter((p) => !p.includes('*'))) {
    assert.ok(files.includes(target.replace(/^\.\//, '')), `package.json points at ${target}, which is not in the tarball`);
  }
});

/** Bytes of the files under `dir`, symbolic links not followed. */
function treeSize(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += treeSize(p);
    else total += lstatSync(p).size;
  }
  return total;
}

test('installed into an app, it brings its three runtime dependencies only, and its command trains on the packed digits', async (t) => {
  const modules = join(app, 'node_modules');
  t.diagnostic(`installed node_modules: ${kB(treeSize(modules))} (wasm-mlp itself ${kB(treeSize(join(modules, 'wasm-mlp')))})`);
  for (const dep of ['cli-progress', 'pngjs', 'uplot']) assert.ok(existsSync(join(modules, dep, 'package.json')), `${dep} is installed`);
  for (const dev of ['mnist', '@assemblyscript/loader', 'assemblyscript', 'esbuild', 'typescript']) {
    assert.equal(existsSync(join(modules, dev)), false, `${dev} (a devDependency) was installed with the package`);
  }
  const { stdout } = await run(process.execPath, [join(modules, 'wasm-mlp/dist/cli.js'), 'train', '--epochs', '1', '--json'], { cwd: app });
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 1, `one JSON line per epoch, got:\n${stdout}`);
  const log = JSON.parse(lines[0]);
  assert.equal(log.epoch, 1);
  assert.ok(Number.isFinite(log.loss) && log.loss > 0, `a finite loss, got ${log.loss}`);
});

// The app bundled with esbuild: trains in the page, then in workers (trainInWorker) on one and two
// threads, then cancels a long job. Data comes from the library's seeded generator.
const APP_ENTRY = `import { createNetwork, trainInWorker, Rng } from 'wasm-mlp';

const K = 64;
function blobs(n, seed) {
  const r = new Rng(seed), x = new Float32Array(n * K), y = new Int32Array(n);
  for (let i = 0; i < n; i++) { y[i] = r.int(10); for (let k = 0; k < K; k++) x[i * K + k] = r.normal() * 0.5 + (k % 10 === y[i] ? 1 : 0); }
  return { x, y };
}
const bits = (p) => [...p.weights, ...p.biases].flatMap((t) => Array.from(new Uint32Array(t.buffer, t.byteOffset, t.length)));

async function inWorker(threads) {
  const data = blobs(1024, 5);
  const job = trainInWorker({ layers: [K, 128, 10], seed: 3, threads }, data, { epochs: 2, batchSize: 32, progressRate: 1000 });
  const kinds = { batch: 0, epoch: 0 };
  job.events.addEventListener('progress', (e) => { kinds[e.detail.kind]++; });
  const r = await job.done;
  return { threads: r.threads, backend: r.backend, loss: r.history.map((e) => e.loss), stopped: r.history.stopped === true,
    bits: bits(r.parameters), kinds, transferred: data.x.length === 0 };
}

try {
  const { x, y } = blobs(512, 4);
  const net = await createNetwork({ layers: [K, 32, 10], optimizer: { name: 'adam', learningRate: 0.01 }, seed: 2 });
  const h = await net.fit(x, y, { epochs: 3, batchSize: 32 });
  const page = { backend: net.backend, loss: h.map((e) => e.loss), accuracy: net.evaluate(x, y).accuracy };
  await net.dispose();

  const one = await inWorker(1), two = await inWorker(2);
  const differ = one.bits.findIndex((v, i) => v !== two.bits[i]);

  const long = trainInWorker({ layers: [K, 128, 10], seed: 3 }, blobs(1024, 6), { epochs: 1000, batchSize: 32 });
  long.events.addEventListener('progress', () => long.cancel(), { once: true });
  const cancelled = await long.done;

  window.__result = { isolated: crossOriginIsolated, page, one: { ...one, bits: one.bits.length }, two: { ...two, bits: two.bits.length }, differ,
    cancelled: { stopped: cancelled.history.stopped === true, epochs: cancelled.history.length } };
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
}
`;
const PAGE = '<!doctype html><meta charset="utf-8"><title>wasm-mlp, bundled</title><script type="module" src="/app.js"></script>';
const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

function serve(root) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/') { res.writeHead(200, { 'content-type': 'text/html', ...ISOLATION }); res.end(PAGE); return; }
    if (url.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    const path = normalize(root + decodeURIComponent(url.pathname));
    if (!path.startsWith(root + sep) || !existsSync(path)) { server.notFound.push(url.pathname); res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', ...ISOLATION });
    res.end(readFileSync(path));
  });
  server.notFound = [];
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('an app bundled with esbuild trains in Chromium: in the page, in a worker on 1 and 2 threads (bit-identical), and cancels a job', async (t) => {
  const { build } = await import('esbuild');
  const pub = join(app, 'public');
  mkdirSync(join(app, 'src'));
  writeFileSync(join(app, 'src/app.js'), APP_ENTRY);
  const out = await build({
    absWorkingDir: app, entryPoints: ['src/app.js'], outfile: 'public/app.js',
    bundle: true, format: 'esm', platform: 'browser', logLevel: 'silent',
  });
  assert.deepEqual(out.warnings.map((w) => w.text), [], 'esbuild bundles the library without warnings');
  // the two worker scripts go next to the bundle, where new URL('./…', import.meta.url) looks
  // (by name: a `*-worker.js` glob would also take train-in-worker.js, a module of the library)
  const workers = join(app, 'node_modules/wasm-mlp/dist/workers');
  for (const f of ['pool-worker.js', 'train-worker.js']) copyFileSync(join(workers, f), join(pub, f));
  const size = (f) => { const b = readFileSync(join(pub, f)); return `${kB(b.length)} (${kB(gzipSync(b).length)} gzip)`; };
  t.diagnostic(`bundle public/app.js ${size('app.js')}; workers: pool-worker.js ${size('pool-worker.js')}, train-worker.js ${size('train-worker.js')}`);

  if (NO_CHROMIUM) { t.skip(NO_CHROMIUM); return; }
  const server = await serve(pub);
  t.after(() => server.close());
  const r = await pageResult(t, `http://127.0.0.1:${server.address().port}/`);
  assert.deepEqual(server.notFound, [], 'every file the page asked for is served');
  t.diagnostic(`page: ${r.page.backend}, loss ${r.page.loss[0].toFixed(3)} → ${r.page.loss.at(-1).toFixed(3)}; worker: ${r.two.backend}, ` +
    `${r.two.kinds.batch} batch and ${r.two.kinds.epoch} epoch progress events; cancelled after ${r.cancelled.epochs} epochs`);

  assert.equal(r.isolated, true);
  assert.ok(['relaxed', 'simd'].includes(r.page.backend), `a SIMD backend in the page, got ${r.page.backend}`);
  assert.ok(r.page.loss.at(-1) < r.page.loss[0] / 4, `the page's loss falls: ${r.page.loss}`);
  assert.ok(r.page.accuracy > 0.95, `the page's network learns the blobs: accuracy ${r.page.accuracy}`);

  assert.deepEqual([r.one.threads, r.two.threads], [1, 2]);
  for (const job of [r.one, r.two]) {
    assert.equal(job.stopped, false);
    assert.equal(job.loss.length, 2);
    assert.ok(job.loss.every(Number.isFinite), `finite losses: ${job.loss}`);
    assert.equal(job.kinds.epoch, 2, 'one progress event per epoch');
    assert.ok(job.kinds.batch > 0, 'progress events during the epochs');
    assert.equal(job.transferred, true, 'the data moved to the worker');
  }
  assert.deepEqual(r.two.loss, r.one.loss);
  assert.equal(r.two.bits, r.one.bits);
  assert.equal(r.differ, -1, `parameter word #${r.differ} differs between the 1- and 2-thread jobs`);

  assert.equal(r.cancelled.stopped, true, 'a cancelled job resolves with history.stopped');
  assert.ok(r.cancelled.epochs < 1000, `it stopped early: ${r.cancelled.epochs} epochs`);
});

// A TypeScript consumer of the installed package: the network, worker jobs with their types,
// checkpoints, and the model codec from wasm-mlp/io.
const CONSUMER = `import { createNetwork, trainInWorker, toCheckpoint, restoreNetwork, configureWorkers, DivergenceError } from 'wasm-mlp';
import type { Checkpoint, EpochLog, FitResult, Network, TrainJob, TrainProgress, TrainResult, WorkerFitOptions } from 'wasm-mlp';
import { decodeModel, encodeModel } from 'wasm-mlp/io';
import type { DecodedModel } from 'wasm-mlp/io';

export async function main(x: Float32Array, y: Uint8Array): Promise<number> {
  const net: Network = await createNetwork({ layers: [4, 8, 3], optimizer: { name: 'adam', learningRate: 0.01 }, threads: 'auto' });
  const history: FitResult = await net.fit(x, y, { epochs: 2, batchSize: 16, onBatchEnd: (b) => { b.loss.toFixed(3); } });
  const last: EpochLog | undefined = history.at(-1);
  const ck: Checkpoint = toCheckpoint(net, { metadata: { data: 'toy' }, history });
  const again: Network = await restoreNetwork(ck, { threads: 1 });
  await again.dispose();

  configureWorkers({ pool: '/assets/pool-worker.js', train: new URL('https://example.invalid/train-worker.js') });
  const options: WorkerFitOptions = { epochs: 3, copy: true, onProgress: (p: TrainProgress) => { p.kind satisfies 'batch' | 'epoch'; } };
  const job: TrainJob = trainInWorker({ layers: [4, 8, 3], threads: 2 }, { x, y }, options);
  job.events.addEventListener('progress', (e) => { const p = (e as CustomEvent<TrainProgress>).detail; p.loss.toFixed(2); });
  job.cancel();
  let result: TrainResult;
  try { result = await job.done; } catch (e) { if (e instanceof DivergenceError) throw new Error(\`diverged at epoch \${e.epoch}\`); throw e; }
  const w: Float32Array = result.parameters.weights[0];
  const stopped: boolean = result.history.stopped === true;

  const decoded: DecodedModel = decodeModel(encodeModel(result.checkpoint.model), 'model.safetensors');
  return result.threads + w.length + decoded.architecture.layers.length + (stopped ? 1 : 0) + (last?.loss ?? 0);
}
`;

test('a TypeScript consumer type-checks against the installed package, with moduleResolution bundler and node16', async (t) => {
  writeFileSync(join(app, 'consumer.ts'), CONSUMER);
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  // no @types at all and the package's declarations checked too (skipLibCheck off): a browser app
  // must not need @types/node to use the library
  const base = { target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, skipLibCheck: false };
  const modes = { bundler: { module: 'esnext', moduleResolution: 'bundler' }, node16: { module: 'node16', moduleResolution: 'node16' } };
  await Promise.all(Object.entries(modes).map(async ([name, resolution]) => {
    const config = `tsconfig.${name}.json`;
    writeFileSync(join(app, config), JSON.stringify({ compilerOptions: { ...base, ...resolution }, files: ['consumer.ts'] }, null, 2));
    const r = await run(process.execPath, [tsc, '-p', config], { cwd: app }).catch((e) => e);
    assert.equal(r.code ?? 0, 0, `tsc with moduleResolution ${name} failed:\n${r.stdout}${r.stderr}`);
    t.diagnostic(`moduleResolution ${name}: no errors`);
  }));
});
