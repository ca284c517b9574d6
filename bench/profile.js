// Step profile: where the time of one training step goes. A real Network (the exported class,
// built with the same architecture and optimizer as createNetwork gives) runs fit() on the digits
// over a Kernels object whose every kernel is wrapped in a timer, so the profile follows exactly
// the call sequence the library makes per batch, whatever it is. Calls are attributed by their
// position in the batch (reset in onBatchEnd). The timer's own cost (an empty start/stop pair,
// measured) is subtracted per call. "host" is the training time not spent inside kernels (the fit
// loop's bookkeeping). The untimed step is the same fit on an unwrapped network, its epochs
// alternating with the instrumented ones.

const NOT_KERNELS = new Set(['buffer', 'ensureBytes', 'constructor']);
// argument positions of B, K, N in the dense kernels (docs/ABI.md)
const DENSE = { dense_forward: 5, dense_backward_weights: 4, dense_backward_weights_sgd: 4, dense_backward_input: 5 };
const KIND = {
  gather_rows: 'gather', gather_i32: 'gather', dense_forward: 'forward', dense_backward_weights: 'weightGrad',
  dense_backward_weights_sgd: 'weightGrad+update', dense_backward_input: 'inputGrad', sgd_update: 'update',
};

function kernelNames(k) {
  const names = new Set();
  for (let o = k; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) if (typeof k[key] === 'function' && !NOT_KERNELS.has(key)) names.add(key);
  }
  return [...names];
}

/** A Kernels object that forwards everything to `k`, timing each kernel call into `slots`. */
function timedKernels(k, state) {
  const w = {
    name: k.name, weightLayout: k.weightLayout, arenaBase: k.arenaBase,
    buffer: () => k.buffer(), ensureBytes: (b) => k.ensureBytes(b),
  };
  for (const name of kernelNames(k)) {
    const f = k[name].bind(k);
    const at = DENSE[name];
    w[name] = (...a) => {
      const t0 = performance.now();
      const r = f(...a);
      const dt = performance.now() - t0;
      if (state.on) {
        const i = state.call++;
        let s = state.slots[i];
        if (!s) {
          const shape = at === undefined ? '' : ` ${a[at]}x${a[at + 1]}x${a[at + 2]}`;
          s = state.slots[i] = { call: `${name}${shape}`, fn: name, args: a.slice(), kind: KIND[name] ?? 'loss', flops: at === undefined ? 0 : 2 * a[at] * a[at + 1] * a[at + 2], total: 0, count: 0 };
        }
        s.total += dt;
        s.count++;
      }
      return r;
    };
  }
  return w;
}

const bytesMoved = (fn, B, layers, paramFloats) =>
  fn === 'gather_rows' ? 2 * 4 * B * layers[0] : fn === 'gather_i32' ? 2 * 4 * B : fn === 'sgd_update' ? 3 * 4 * paramFloats : 0;

/**
 * @param {{ lib: object, backend: string, modules: object, layers: number[], batchSize: number,
 *   data: {x: Float32Array, y: Uint8Array, n: number}, epochs: number, peakGflops: number }} opts
 */
export async function profileStep({ lib, backend, modules, layers, batchSize: B, data, epochs, peakGflops, learningRate = 0.1 }) {
  const wasm = modules[backend] ? { [backend]: modules[backend] } : undefined;
  const optimizer = { name: 'sgd', learningRate };
  const plain = await lib.createNetwork({ layers, backend, seed: 7, optimizer, wasm });
  // the instrumented network: same architecture and normalised optimizer, timed kernels
  const state = { on: false, call: 0, slots: [] };
  const k = timedKernels(await lib.createKernels(backend, wasm ?? {}), state);
  const net = new lib.Network(plain.architecture, { ...plain.optimizer }, 7, k);
  // warm-up of both (tier-up, host JIT)
  await plain.fit(data.x, data.y, { epochs: 1, batchSize: B });
  await net.fit(data.x, data.y, { epochs: 1, batchSize: B });
  let tsum = 0;
  for (let i = 0; i < 20000; i++) { const a = performance.now(); tsum += performance.now() - a; }
  const timerMs = tsum / 20000;
  // untimed (plain) and instrumented epochs alternate, so a change of machine speed during the
  // measurement (load on the other vCPU) affects both alike
  let untimedSeconds = 0, timedSeconds = 0;
  const onBatchEnd = () => { state.call = 0; };
  for (let e = 0; e < epochs; e++) {
    untimedSeconds += (await plain.fit(data.x, data.y, { epochs: 1, batchSize: B }))[0].seconds;
    state.on = true;
    timedSeconds += (await net.fit(data.x, data.y, { epochs: 1, batchSize: B, onBatchEnd }))[0].seconds;
    state.on = false;
  }
  const batches = epochs * Math.ceil(data.n / B);
  const untimedStepMs = (untimedSeconds * 1000) / batches;
  const timedStepMs = (timedSeconds * 1000) / batches;

  const paramFloats = net.arenaPlan.paramFloats;
  const rows = state.slots.map((s) => {
    const ms = Math.max(0, s.total / s.count - timerMs);
    const gflops = s.flops ? s.flops / (ms * 1e6) : null;
    const bytes = bytesMoved(s.fn, B, layers, paramFloats);
    return { call: s.call, fn: s.fn, args: s.args, kind: s.kind, calls: s.count, ms, flops: s.flops, gflops, ofPeak: gflops && peakGflops ? gflops / peakGflops : null, gbps: bytes ? bytes / (ms * 1e6) : null };
  });
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  // what the step costs outside the kernels: the timed step minus the kernels and their timers
  const hostMs = Math.max(0, timedStepMs - kernelMs - 2 * timerMs * rows.length);
  rows.push({ call: 'host: fit loop outside the kernels', kind: 'host', calls: batches, ms: hostMs, flops: 0, gflops: null, ofPeak: null, gbps: null });
  const sumMs = kernelMs + hostMs;
  for (const r of rows) r.share = r.ms / sumMs;
  const stepFlops = rows.reduce((s, r) => s + r.flops, 0);
  return {
    backend, layers, batchSize: B, epochs, batches, timerMs, untimedStepMs, sumOfPartsMs: sumMs, kernelMs, hostMs,
    samplesPerSecondUntimed: B / (untimedStepMs / 1000),
    stepGflops: stepFlops / (untimedStepMs * 1e6), peakGflops,
    callsPerStep: state.slots.length, callsPerBatchReported: net.callsPerBatch, rows,
  };
}
