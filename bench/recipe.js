// What dropout and gradient clipping cost per training step: one epoch of Fashion-MNIST (the
// Debian package; synthetic data of the same shape when it is absent) per variant, the variants
// interleaved within each run so that they share the machine's state, on 1 and 2 threads.
// Reported: the median samples/s of each variant over the runs, and its cost as a share of the
// plain step of the same thread count: 1 − samples/s ÷ plain's (a step that takes 10% longer
// costs 9% of the throughput). Two workloads: 784-128-10 SGD (clipping turns off the fused SGD
// update) and 784-256-10 momentum (the issue's recipe, never fused).
//
//   node bench/recipe.js [--runs 5] [--json FILE]

import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const lib = await import('../dist/index.js');
const { loadIdxDataset, findFashionMnistDir } = await import('../dist/node/index.js');
const { machineInfo, loadAverage } = await import('./machine.js');
const { median } = await import('./training.js');
const { writeFileSync } = await import('node:fs');

const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : fallback; };
const runs = Number(arg('runs', 5));

function data() {
  const dir = findFashionMnistDir();
  if (dir) {
    const d = loadIdxDataset(dir).train;
    return { name: 'fashion-mnist train (60,000)', x: Float32Array.from(d.x, (v) => v / 255), y: Int32Array.from(d.y) };
  }
  const r = new lib.Rng(1), n = 60000;
  return { name: 'synthetic 60,000 × 784', x: new Float32Array(n * 784).map(() => r.next()), y: Int32Array.from({ length: n }, () => r.int(10)) };
}

const VARIANTS = {
  plain: {},
  'dropout 0.2': { dropout: 0.2 },
  'clipValue 1': { clipValue: 1 },
  'clipNorm 1': { clipNorm: 1 },
  'dropout 0.2 + clipNorm 1': { dropout: 0.2, clipNorm: 1 },
};
const WORKLOADS = [
  { name: '784-128-10 sgd lr 0.1, batch 64', layers: [784, 128, 10], optimizer: { name: 'sgd', learningRate: 0.1 } },
  { name: '784-256-10 momentum lr 0.05, batch 64', layers: [784, 256, 10], optimizer: { name: 'momentum', learningRate: 0.05 } },
];

const d = data();
const result = { machine: machineInfo(lib), data: d.name, runs, loadBefore: loadAverage(), workloads: [] };
console.log(`machine: ${result.machine.cpu}, ${result.machine.logicalCores} cores, node ${result.machine.node}; data: ${d.name}; ${runs} runs, variants interleaved`);
for (const w of WORKLOADS) {
  const rows = [];
  for (const threads of [1, 2]) {
    const nets = {};
    for (const v of Object.keys(VARIANTS)) nets[v] = await lib.createNetwork({ layers: w.layers, optimizer: w.optimizer, backend: 'relaxed', threads, seed: 1 });
    const sps = Object.fromEntries(Object.keys(VARIANTS).map((v) => [v, []]));
    for (const v of Object.keys(VARIANTS)) await nets[v].fit(d.x, d.y, { epochs: 1, batchSize: 64, ...VARIANTS[v] }); // warm-up
    for (let r = 0; r < runs; r++) {
      for (const v of Object.keys(VARIANTS)) sps[v].push((await nets[v].fit(d.x, d.y, { epochs: 1, batchSize: 64, ...VARIANTS[v] }))[0].samplesPerSecond);
    }
    const plain = median(sps.plain);
    for (const v of Object.keys(VARIANTS)) {
      const m = median(sps[v]);
      rows.push({ threads, variant: v, samplesPerSecond: Math.round(m), min: Math.round(Math.min(...sps[v])), max: Math.round(Math.max(...sps[v])), cost: v === 'plain' ? 0 : 1 - m / plain });
    }
    await Promise.all(Object.values(nets).map((n) => n.dispose()));
  }
  result.workloads.push({ name: w.name, rows });
  console.log(`\n${w.name}\n| threads | variant | samples/s (median) | min–max | cost vs plain |\n|---|---|---|---|---|`);
  for (const r of rows) console.log(`| ${r.threads} | ${r.variant} | ${r.samplesPerSecond.toLocaleString('en')} | ${r.min.toLocaleString('en')}–${r.max.toLocaleString('en')} | ${r.variant === 'plain' ? '—' : `${(100 * r.cost).toFixed(1)}%`} |`);
}
result.loadAfter = loadAverage();
console.log(`\nload average before ${result.loadBefore.join(' ')}, after ${result.loadAfter.join(' ')}`);
const out = arg('json', null);
if (out) writeFileSync(out, JSON.stringify(result, null, 1));
