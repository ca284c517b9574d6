// Step profile: where the time of one training step goes. Replays the exact call sequence the
// network makes per batch (docs/ABI.md, "One training step") on an arena laid out by planArena,
// over real digits in a shuffled order, and times every call with performance.now().
// The timer's own cost (measured: an empty start/stop pair) is subtracted from each call; the
// untimed step (the same sequence with no timers) is reported beside the sum of the parts.

const RELU = 1, IDENTITY = 0;

/**
 * @param {{ lib: object, k: object, layers: number[], batchSize: number, data: {x: Float32Array, y: Uint8Array, n: number},
 *   batches: number, peakGflops: number, learningRate?: number }} opts
 */
export function profileStep({ lib, k, layers, batchSize: B, data, batches, peakGflops, learningRate = 0.1 }) {
  const L = layers.length - 1;
  const n = data.n, n0 = layers[0];
  const plan = lib.planArena({ layers, layout: k.weightLayout, base: k.arenaBase, capacity: B, stateBlocks: 0, targetWidth: 1, dataRows: n });
  k.ensureBytes(plan.bytes);
  const f32 = (o, len) => new Float32Array(k.buffer(), o, len);
  const i32 = (o, len) => new Int32Array(k.buffer(), o, len);

  // He-normal weights written in the backend's layout; zero biases; the data, labels and an order
  const rng = new lib.Rng(7);
  f32(plan.params, plan.paramFloats).fill(0);
  for (let l = 0; l < L; l++) {
    const K = layers[l], N = layers[l + 1], std = Math.sqrt(2 / K);
    const w = f32(plan.weights[l], Math.ceil(N / 8) * 8 * K);
    for (let o = 0; o < N; o++) for (let kk = 0; kk < K; kk++) {
      const idx = k.weightLayout === 'packed8' ? ((o >> 3) * K + kk) * 8 + (o & 7) : o * K + kk;
      w[idx] = rng.normal() * std;
    }
  }
  f32(plan.data.x, n * n0).set(data.x.subarray(0, n * n0));
  i32(plan.data.y, n).set(Int32Array.from(data.y.subarray(0, n)));
  const order = Int32Array.from({ length: n }, (_, i) => i);
  rng.shuffle(order);
  i32(plan.data.order, n).set(order);

  // the step as a list of named calls (the same sequence and arguments as Network.fit)
  const calls = [];
  const add = (name, kind, fn, flops = 0, bytes = 0) => calls.push({ name, kind, fn, flops, bytes });
  let start = 0;
  const idx = () => plan.data.order + 4 * start;
  add('gather_rows (X batch)', 'gather', () => k.gather_rows(plan.acts[0], plan.data.x, idx(), B, n0), 0, 2 * 4 * B * n0);
  add('gather_i32 (labels)', 'gather', () => k.gather_i32(plan.targets, plan.data.y, idx(), B), 0, 2 * 4 * B);
  for (let l = 0; l < L; l++) {
    const K = layers[l], N = layers[l + 1];
    add(`dense_forward L${l + 1} ${B}x${K}x${N}`, 'forward', () => k.dense_forward(plan.acts[l + 1], plan.acts[l], plan.weights[l], plan.biases[l], B, K, N, l < L - 1 ? RELU : IDENTITY), 2 * B * K * N);
  }
  const nL = layers[L], A = plan.acts[L];
  add('softmax_xent_forward', 'loss', () => k.softmax_xent_forward(A, A, plan.targets, B, nL));
  add('count_correct_argmax', 'loss', () => k.count_correct_argmax(A, plan.targets, B, nL));
  add('softmax_xent_backward', 'loss', () => k.softmax_xent_backward(plan.delta[0], A, plan.targets, B, nL, 1 / B));
  // backward in reverse, ping-ponging dZ between the two delta buffers as the network does
  let dZ = plan.delta[0], dNext = plan.delta[1];
  for (let l = L - 1; l >= 0; l--) {
    const K = layers[l], N = layers[l + 1];
    const dz = dZ, dn = dNext;
    add(`dense_backward_weights L${l + 1} ${B}x${K}x${N}`, 'weightGrad', () => k.dense_backward_weights(plan.gradWeights[l], plan.gradBiases[l], dz, plan.acts[l], B, K, N), 2 * B * K * N);
    if (l > 0) {
      add(`dense_backward_input L${l + 1} ${B}x${K}x${N}`, 'inputGrad', () => k.dense_backward_input(dn, dz, plan.weights[l], plan.acts[l], plan.scratch, B, K, N, RELU), 2 * B * K * N);
      dZ = dn; dNext = dz;
    }
  }
  add('sgd_update', 'update', () => k.sgd_update(plan.params, plan.grads, plan.paramFloats, plan.nDecay, learningRate, 0), 0, 3 * 4 * plan.paramFloats);

  const perEpoch = Math.floor(n / B);
  const step = (b) => { start = (b % perEpoch) * B; for (let c = 0; c < calls.length; c++) calls[c].fn(); };

  // warm-up (tier-up of the wasm and the host code), then the untimed step
  for (let b = 0; b < Math.min(batches, 200); b++) step(b);
  let t0 = performance.now();
  for (let b = 0; b < batches; b++) step(b);
  const untimedStepMs = (performance.now() - t0) / batches;

  // timer cost: an empty start/stop pair
  let tsum = 0;
  for (let i = 0; i < 20000; i++) { const a = performance.now(); tsum += performance.now() - a; }
  const timerMs = tsum / 20000;

  const total = new Float64Array(calls.length);
  for (let b = 0; b < batches; b++) {
    start = (b % perEpoch) * B;
    for (let c = 0; c < calls.length; c++) {
      t0 = performance.now();
      calls[c].fn();
      total[c] += performance.now() - t0;
    }
  }
  const rows = calls.map((c, i) => {
    const ms = Math.max(0, total[i] / batches - timerMs);
    return {
      call: c.name, kind: c.kind, ms, flops: c.flops,
      gflops: c.flops ? c.flops / (ms * 1e6) : null,
      ofPeak: c.flops && peakGflops ? c.flops / (ms * 1e6) / peakGflops : null,
      gbps: c.bytes ? c.bytes / (ms * 1e6) : null,
    };
  });
  const sumMs = rows.reduce((s, r) => s + r.ms, 0);
  for (const r of rows) r.share = r.ms / sumMs;
  const stepFlops = rows.reduce((s, r) => s + r.flops, 0);
  return {
    backend: k.name, layers, batchSize: B, batches, timerMs, untimedStepMs, sumOfPartsMs: sumMs,
    samplesPerSecondUntimed: B / (untimedStepMs / 1000),
    stepGflops: stepFlops / (untimedStepMs * 1e6), peakGflops,
    callsPerStep: calls.length, rows,
  };
}
