// Step profile: where the time of one training step goes, per thread and per phase. A real
// Network trains over the profiling build of the threaded binary (build/bench/relaxed-threads.profile.wasm,
// assembly/profile.ts): the same engine, with a clock read at each phase boundary, summed per
// thread into the profile block (plan.ts P_*). The phases of a step (assembly/engine.ts):
//   wake         from the job's start on thread 0 to this thread's start (once a job, up to 256 steps)
//   gather       the batch's rows and targets gathered (threads > 1: the rows by units of 8 from a
//                counter; one thread: each row unit's, before its forward)
//   gather wait  waiting at the barrier for the last gathered row
//   first        the first layer's forward, and that of the wide hidden layers that go by panels
//                with it (src/backend/engine/schedule.ts panelLayers) (threads > 1: over the
//                output panels this thread owns, every row, and the units of the others' panels
//                that are left once its own are taken; one thread: each row unit's, marked inside
//                the unit)
//   first wait   waiting at the barriers for the last forward unit of each of those layers
//   rows         the rest of the forward pass (the layers above them), the loss and the input
//                gradients over this thread's row units, and those of the panel layers by panels
//   rows wait    waiting at the barriers for the last row unit, and for the last panel of each
//                input gradient by panels
//   weights      weight gradients and the fused update over this thread's weight units
//   weights wait waiting at the barrier for the last weight unit
//   repack       packing Wᵀ for the input gradient (only after the parameters were set from outside)
// "host" is the rest of the wall time of the step: the fit loop in JavaScript between jobs (the
// wall time of the timed epochs ÷ steps, minus thread 0's sum). The untimed step is the same fit
// on the release binary (no clock reads), its epochs alternating with the profiled ones.

import { readFileSync } from 'node:fs';
import { panelLayers, COPY_ROWS_MAX, COPY_THREADS_MAX } from '../dist/backend/engine/schedule.js';

/** Whether T threads training batches of B rows each gather the batch into a copy of their own
 * (schedule.ts inputCopyRows; `shared`: the copies turned off, engine.tune({ copies: false });
 * `upTo`: the most threads that get copies, for the model of other choices). */
export const copiesUsed = (T, B, shared = false, upTo = COPY_THREADS_MAX) => !shared && T > 1 && T <= upTo && B <= COPY_ROWS_MAX;

/** Barriers in a training step on more than one thread (assembly/engine.ts engineJob): the gather's
 * (none when each thread gathers into its own copy), one after each panel layer's forward, the rows
 * phase's, one after each panel layer's input gradient above the first, the weights phase's: four
 * (three with copies) when only the first layer goes by panels. `shared`, `upTo` as for copiesUsed. */
export const barriersPerStep = (layers, T = 2, B = 64, shared = false, upTo = COPY_THREADS_MAX) => 2 * panelLayers(layers) + 2 - (copiesUsed(T, B, shared, upTo) ? 1 : 0);

// each phase's word in a thread's row of the profile (plan.ts P_*)
export const PHASES = ['wake', 'gather', 'gatherWait', 'first', 'firstWait', 'rows', 'rowsWait', 'weights', 'weightsWait', 'repack'];
const SLOT = { wake: 0, gather: 9, gatherWait: 10, first: 8, firstWait: 11, rows: 1, rowsWait: 2, weights: 3, weightsWait: 4, repack: 5, steps: 6 };
const ROW = 16; // f64 per thread

/** The profiling binary, compiled; null when it was not built. */
export async function profileModule(root) {
  try {
    // synchronously, as the library compiles in Node (src/backend/wasm.ts: nodejs/node#54918)
    return new WebAssembly.Module(readFileSync(new URL('build/bench/relaxed-threads.profile.wasm', root)));
  } catch {
    return null;
  }
}

/** Multiply-adds ×2 of one training step per sample: forward, weight gradient, and the input
 * gradient of every layer but the first. */
export function stepFlopsPerSample(layers) {
  let f = 0;
  for (let l = 0; l + 1 < layers.length; l++) f += 2 * layers[l] * layers[l + 1] * (l === 0 ? 2 : 3);
  return f;
}

/** The index of the median of `values` (the lower of the two middle ones for an even count). */
export function medianIndex(values) {
  const order = values.map((v, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  return order[(order.length - 1) >> 1];
}

/**
 * Profiles a step on each thread count in `threads`, their epochs interleaved (1, 2, 1, 2, …) so
 * that every count sees the same moments of the machine: on a virtual machine whose speed moves
 * by tens of per cent from one minute to the next, profiles taken one after the other compare
 * two different machines. Each timed epoch is profiled apart, and each thread count reports its
 * epoch of median step time (its phases, jobs and units taken), with every epoch's step time
 * beside it (epochStepMs): one epoch that a neighbour on the machine slowed by a tenth does not
 * move the figures, as it would a sum over the epochs. The release binary's step is the median of
 * its own epochs. Resolves to { [T]: profile }, and { [`${T}s`]: profile } for each T in `shared`:
 * T threads with their copies of the first layer's input turned off (they share A_0), the design
 * the engine keeps for more threads than COPY_THREADS_MAX.
 * @param {{ lib: object, module: WebAssembly.Module, release: WebAssembly.Module, layers: number[], batchSize: number,
 *   threads: number[], data: {x: Float32Array, y: Int32Array|Uint8Array, n: number}, epochs: number, learningRate?: number,
 *   tune?: { kc?: number, rows?: number } }} o
 */
export async function profileSteps({ lib, module, release, layers, batchSize: B, threads, shared = [], data, epochs, learningRate = 0.05, tune }) {
  const optimizer = { name: 'sgd', learningRate };
  const runs = [];
  for (const [T, key, share] of [...threads.map((T) => [T, T, false]), ...shared.map((T) => [T, `${T}s`, true])]) {
    const plain = await lib.createNetwork({ layers, backend: 'relaxed', seed: 7, optimizer, threads: T, wasm: { relaxedThreads: release } });
    const kernels = await lib.ThreadedKernels.create('relaxed', module, { threads: T, spin: 20000 });
    const net = new lib.Network(plain.architecture, { ...plain.optimizer }, 7, kernels);
    // unit sizes other than the engine's (an experiment: no result bit depends on them)
    if (tune) net['c'].engine.tune(tune);
    if (share) { net['c'].engine.tune({ copies: false }); plain['c'].engine.tune({ copies: false }); }
    const at = kernels.engine.profile;
    const words = () => new Float64Array(kernels.buffer(), at, 65 * ROW);
    // A job returns when thread 0 is done; the others may still be adding their last mark and step
    // count (after the step's final barrier). Wait until every thread has counted thread 0's steps
    // before the profile is reset or read, or a late count lands on the wrong side of it.
    const settle = async () => {
      for (let i = 0; i < 2000; i++) {
        const w = words(), s0 = w[ROW + SLOT.steps];
        let behind = false;
        for (let t = 1; t < T; t++) if (w[ROW * (t + 1) + SLOT.steps] !== s0) behind = true;
        if (!behind) return;
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    // warm-up of both (tier-up, host JIT)
    await plain.fit(data.x, data.y, { epochs: 1, batchSize: B });
    await net.fit(data.x, data.y, { epochs: 1, batchSize: B });
    runs.push({ T, key, share, plain, kernels, net, words, settle, untimed: [], epochs: [] });
  }
  for (let e = 0; e < epochs; e++) {
    for (const r of runs) {
      r.untimed.push((await r.plain.fit(data.x, data.y, { epochs: 1, batchSize: B }))[0].seconds);
      await r.settle();
      r.words().fill(0);
      const jobs0 = r.kernels.jobs, taken0 = r.kernels.takenUnits();
      const seconds = (await r.net.fit(data.x, data.y, { epochs: 1, batchSize: B }))[0].seconds;
      const jobs = r.kernels.jobs - jobs0, taken = r.kernels.takenUnits() - taken0;
      await r.settle();
      r.epochs.push({ seconds, jobs, taken, words: r.words().slice() });
    }
  }
  const steps = Math.ceil(data.n / B);
  const out = {};
  for (const r of runs) {
    const { T, key, share, kernels } = r;
    await r.plain.dispose();
    await kernels.dispose();
    const chosen = r.epochs[medianIndex(r.epochs.map((q) => q.seconds))];
    const { jobs, taken, words: p } = chosen;
    const stepMs = (chosen.seconds * 1000) / steps;
    const perThread = [];
    for (let t = 0; t < T; t++) {
      const row = {};
      for (const ph of PHASES) row[ph] = p[ROW * (t + 1) + SLOT[ph]] / steps;
      row.steps = p[ROW * (t + 1) + SLOT.steps];
      row.sum = PHASES.reduce((s, ph) => s + row[ph], 0);
      perThread.push(row);
    }
    if (perThread[0].steps !== steps) throw new Error(`profile: thread 0 counted ${perThread[0].steps} steps, the epoch ran ${steps}`);
    const hostMs = Math.max(0, stepMs - perThread[0].sum);
    const untimedStepMs = (r.untimed[medianIndex(r.untimed)] * 1000) / steps;
    const flops = stepFlopsPerSample(layers) * B;
    out[key] = {
      backend: 'relaxed', layers, batchSize: B, threads: T, copies: copiesUsed(T, B, share), epochs, steps, jobs, jobsPerStep: jobs / steps,
      stepMs, untimedStepMs, hostMs, perThread, epochStepMs: r.epochs.map((q) => (q.seconds * 1000) / steps),
      samplesPerSecondUntimed: B / (untimedStepMs / 1000), stepGflops: flops / (untimedStepMs * 1e6),
      // the synchronisations of a step: its barriers (none that waits on one thread), and a share of its job's start
      syncsPerStep: (T > 1 ? barriersPerStep(layers, T, B, share) : 0) + jobs / steps,
      // first-layer units a thread took from another's own ones (a core that fell behind), per step
      takenPerStep: taken / steps,
    };
  }
  return out;
}
