// Two builds of wasm-mlp side by side in one process: `node bench/ab.js --before DIR [--after DIR]`
// (--after defaults to this checkout; each DIR is a built checkout: npm run build). Both builds'
// networks train the same data, a fit of one epoch each in turn (the digits: --digits-epochs a
// fit), round after round and in the reverse order every other round, so that both see the same
// moments of a machine whose speed moves by tens of per cent from one minute to the next (a virtual
// machine's neighbours) and neither always runs first. Per workload it
// prints the median samples/s of each network and the median of the per-round ratios after ÷
// before, for the thread counts given, and after on T threads ÷ after on 1 thread.
//
//   --rounds N        rounds per workload (default 20)
//   --threads 2       thread counts to compare (default 2; 1 is always run as the speed-up's base)
//   --only W1,D1      workloads: W1 784-128-10 b64, W2 784-128-10 b256, W3 784-256-128-10 b64
//                     (Fashion-MNIST when installed, else the digits), D1 W1 on the digits
//   --net L/B[/R]     a network of its own instead: layers L (784-1024-1024-1024-10), batch B, on
//                     the first R rows of the data (default all); several separated by commas
//   --digits-epochs N epochs a fit on the 8,000 digits (default 4: one epoch is ~0.1 s)
//   --json            the results as JSON on stdout
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const path = await import('node:path');
const { parseArgs } = await import('node:util');
const { pathToFileURL, fileURLToPath } = await import('node:url');
const { execFileSync } = await import('node:child_process');
const { median, WORKLOADS } = await import('./training.js');

const flags = (() => {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      options: Object.fromEntries([
        ...['before', 'after', 'rounds', 'threads', 'only', 'net', 'digits-epochs'].map((k) => [k, { type: 'string' }]),
        ['json', { type: 'boolean' }],
      ]),
      strict: true,
    }).values;
  } catch (e) {
    console.error(`ab: ${e.message} (flags: see the comment at the top of bench/ab.js)`);
    process.exit(2);
  }
})();
/** s as a positive integer, or an error that begins with `what`. */
const positiveInt = (s, what) => {
  const n = Number(String(s).trim());
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${what} '${s}' is not a positive integer`);
  return n;
};
const ints = (flag, d) => (flags[flag] ?? d).split(',').map((s) => positiveInt(s, `--${flag}:`));
const here = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
if (flags.before === undefined) throw new Error('--before DIR is required: a built checkout to compare with this one');
const roots = { before: path.resolve(flags.before), after: path.resolve(flags.after ?? here) };
const rounds = ints('rounds', '20')[0];
const counts = ints('threads', '2');
const digitsEpochs = ints('digits-epochs', '4')[0];
// --net: workloads of their own, named by their spec
const custom = new Map((flags.net ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '').map((spec) => {
  const [l, b, r] = spec.split('/');
  const layers = (l ?? '').split('-').map(Number);
  if (layers.length < 2 || layers.some((v) => !Number.isSafeInteger(v) || v < 1)) throw new Error(`--net: '${spec}' has no layers like 784-128-10`);
  const batchSize = positiveInt(b, `--net: '${spec}': the batch`);
  return [spec, { layers, batchSize, rows: r === undefined ? undefined : positiveInt(r, `--net: '${spec}': the rows`) }];
}));
const only = (flags.only ?? (custom.size > 0 ? '' : 'W1,W2,W3,D1')).split(',').map((s) => s.trim()).filter((s) => s !== '').concat([...custom.keys()]);

const load = (root, rel) => import(pathToFileURL(path.join(root, rel)).href);
const libs = { before: await load(roots.before, 'dist/index.js'), after: await load(roots.after, 'dist/index.js') };
const node = await load(roots.after, 'dist/node/index.js');
const fashionDir = node.findFashionMnistDir();
const fashion = fashionDir ? node.loadIdxDataset(fashionDir).train : null;
const digits = (await load(roots.after, 'dist/node/digits.js')).loadDigits().train;

const results = [];
for (const name of only) {
  const w = custom.get(name) ?? (name === 'D1' ? WORKLOADS.W1 : WORKLOADS[name]);
  if (!w) throw new Error(`--only: unknown workload ${name} (W1, W2, W3, D1)`);
  const all = name === 'D1' || !fashion ? digits : fashion;
  if (w.layers[0] !== 784) throw new Error(`--net: ${name}: the data has 784 features, the network ${w.layers[0]} inputs`);
  const rows = Math.min(all.n, w.rows ?? all.n);
  const d = rows === all.n ? all : { x: all.x.subarray(0, rows * 784), y: all.y.subarray(0, rows), n: rows };
  const epochs = all === digits ? digitsEpochs : 1;
  const nets = [];
  const make = async (build, threads) => {
    const net = await libs[build].createNetwork({ layers: w.layers, backend: 'relaxed', seed: 1, threads, optimizer: { name: 'sgd', learningRate: 0.05 } });
    await net.fit(d.x, d.y, { epochs: 1, batchSize: w.batchSize }); // warm-up
    nets.push({ build, threads, net, s: [] });
  };
  await make('after', 1);
  // after on 1 thread is the speed-up's base, made above: not a second network
  for (const T of counts) { await make('before', T); if (T !== 1) await make('after', T); }
  for (let r = 0; r < rounds; r++) {
    // the order reverses every other round, so that neither build always runs first (or right after a
    // particular other network): a position effect then falls on both alike
    for (const n of r % 2 === 0 ? nets : [...nets].reverse()) {
      const logs = await n.net.fit(d.x, d.y, { epochs, batchSize: w.batchSize });
      n.s.push((d.n * epochs) / logs.reduce((s, e) => s + e.seconds, 0));
    }
  }
  const find = (build, T) => nets.find((n) => n.build === build && n.threads === T);
  const paired = (a, b) => median(a.s.map((v, i) => v / b.s[i]));
  const one = find('after', 1);
  const out = { workload: name, layers: w.layers, batchSize: w.batchSize, dataset: all === digits ? 'digits' : 'Fashion-MNIST', rows: d.n, rounds, epochsPerFit: epochs, oneThread: median(one.s), threads: [] };
  for (const T of counts) {
    const b = find('before', T), a = find('after', T);
    out.threads.push({ threads: T, before: median(b.s), after: median(a.s), afterOverBefore: paired(a, b), beforeOverOne: paired(b, one), afterOverOne: paired(a, one) });
  }
  for (const n of nets) await n.net.dispose();
  results.push(out);
  for (const t of out.threads) {
    console.error(`${name} ${w.layers.join('-')} b${w.batchSize} (${out.dataset}), ${rounds} rounds: ${t.threads} threads before ${Math.round(t.before)}/s, after ${Math.round(t.after)}/s, after ÷ before ${t.afterOverBefore.toFixed(3)}; ÷ 1 thread: before ${t.beforeOverOne.toFixed(2)}×, after ${t.afterOverOne.toFixed(2)}×`);
  }
}
/** The checkout's commit (no paths in the results), or its folder's name outside git. */
function commitOf(root) {
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return path.basename(root);
  }
}
if (flags.json) process.stdout.write(`${JSON.stringify({ builds: { before: commitOf(roots.before), after: commitOf(roots.after) }, results })}\n`);
