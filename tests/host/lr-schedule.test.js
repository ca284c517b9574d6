// Learning-rate schedules (src/network/schedule.ts): each curve against values worked out by hand
// from the formulas (the test that runs everywhere), against PyTorch's own schedulers where
// Debian's python3-torch is importable by /usr/bin/python3 (skipped, and said so, where it is not),
// the warm-up, the checks on a schedule, and what fit does with one: the rate of every step, the
// rate in each epoch's log, the run's length kept by a continued fit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createNetwork, learningRateAt, LR_SCHEDULES, scheduleProblem, ConfigError, Rng } from '../../dist/index.js';

// a run of 5 epochs of 4 steps: 20 steps; base rate 0.1
const SPE = 4, TOTAL = 20, LR = 0.1;
const curve = (s, lr = LR) => Array.from({ length: TOTAL }, (_, t) => learningRateAt(s, t, SPE, TOTAL, lr));
const close = (a, b, what, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** [schedule, base rate, {step: expected}], each expected value worked out by hand from the formula
 * in the comment. */
const TABLE = [
  // constant: lr
  [{ name: 'constant' }, LR, { 0: 0.1, 7: 0.1, 19: 0.1 }],
  // StepLR(step_size=2, gamma=0.5): lr · 0.5^⌊epoch/2⌋, epoch = ⌊t/4⌋
  [{ name: 'step', stepEpochs: 2, gamma: 0.5 }, LR, { 0: 0.1, 7: 0.1, 8: 0.05, 15: 0.05, 16: 0.025, 19: 0.025 }],
  // StepLR's default gamma 0.1
  [{ name: 'step', stepEpochs: 1 }, LR, { 3: 0.1, 4: 0.01, 8: 0.001 }],
  // ExponentialLR(gamma=0.5) stepped per epoch: lr · 0.5^⌊t/4⌋
  [{ name: 'exponential', gamma: 0.5 }, LR, { 0: 0.1, 3: 0.1, 4: 0.05, 8: 0.025, 12: 0.0125, 19: 0.00625 }],
  // CosineDecay(0.1, decay_steps=20, alpha=0.1): 0.1·(0.9·½(1 + cos(πt/20)) + 0.1)
  //   t=5: cos(π/4) = 0.70710678…, ½(1.70710678) = 0.85355339, ·0.9 + 0.1 = 0.86819805
  //   t=15: cos(3π/4) = −0.70710678…, ½(0.29289322) = 0.14644661, ·0.9 + 0.1 = 0.23180195
  [{ name: 'cosine', alpha: 0.1 }, LR, { 0: 0.1, 5: 0.086819805153, 10: 0.055, 15: 0.023180194847 }],
  // cosine with a 1-epoch warm-up (W = 4): (t+1)/4 · 0.1 for t < 4, then CosineDecay over 16 steps
  //   t=8: cos(π·4/16) → 0.1·0.85355339; t=12: the middle, 0.05
  [{ name: 'cosine', warmupEpochs: 1 }, LR, { 0: 0.025, 1: 0.05, 2: 0.075, 3: 0.1, 4: 0.1, 8: 0.085355339059, 12: 0.05 }],
  // warmupSteps works the same, in steps
  [{ name: 'constant', warmupSteps: 2 }, LR, { 0: 0.05, 1: 0.1, 2: 0.1 }],
  // step after a 1-epoch warm-up: the decays count epochs from the warm-up's end (SequentialLR)
  [{ name: 'step', stepEpochs: 1, gamma: 0.5, warmupEpochs: 1 }, LR, { 3: 0.1, 4: 0.1, 7: 0.1, 8: 0.05, 12: 0.025 }],
  // OneCycleLR(max_lr=1, total_steps=20): initial 1/25 = 0.04, final 0.04/1e4 = 4e-6; phase 1
  // ends at 0.3·20 − 1 = 5. t=1: 1 + (0.04 − 1)/2·(cos(π/5) + 1) = 1 − 0.48·1.80901699 = 0.13167184;
  // t=12: (12 − 5)/14 = ½ of phase 2: 4e-6 + (1 − 4e-6)/2 = 0.500002
  [{ name: 'onecycle', maxLr: 1 }, LR, { 0: 0.04, 1: 0.1316718427, 5: 1, 12: 0.500002, 19: 4e-6 }],
  // maxLr defaults to the base rate
  [{ name: 'onecycle' }, 0.5, { 0: 0.02, 5: 0.5 }],
];

test('every schedule gives the values worked out by hand from its formula', () => {
  for (const [s, lr, expected] of TABLE) {
    const c = curve(s, lr);
    for (const [t, v] of Object.entries(expected)) close(c[t], v, `${JSON.stringify(s)} step ${t}`, 1e-9);
  }
});

test('past the run the rate stays at its last value; the name list is exported', () => {
  close(learningRateAt({ name: 'cosine', alpha: 0.1 }, 25, SPE, TOTAL, LR), 0.01, 'cosine floor after the run');
  close(learningRateAt({ name: 'cosine', alpha: 0.1 }, 20, SPE, TOTAL, LR), 0.01, 'cosine at its end');
  close(learningRateAt({ name: 'onecycle' }, 40, SPE, TOTAL, LR), LR / 25 / 1e4, 'onecycle after the run');
  assert.deepEqual([...LR_SCHEDULES], ['constant', 'step', 'exponential', 'cosine', 'onecycle']);
});

test('a schedule that cannot run is refused with a message naming the field', () => {
  const bad = [
    [{ name: 'linear' }, /lrSchedule.name must be one of constant, step/],
    [{ name: 'step' }, /'step' needs stepEpochs/],
    [{ name: 'exponential' }, /'exponential' needs gamma/],
    [{ name: 'cosine', gamma: 0.5 }, /'cosine' does not use gamma/],
    [{ name: 'onecycle', warmupEpochs: 1 }, /onecycle warms up by itself/],
    [{ name: 'cosine', warmupEpochs: 1, warmupSteps: 3 }, /warmupEpochs or warmupSteps, not both/],
    [{ name: 'step', stepEpochs: 0 }, /stepEpochs must be an integer ≥ 1/],
    [{ name: 'cosine', alpha: 2 }, /alpha must be a number in \[0, 1\]/],
    [{ name: 'onecycle', pctStart: 1 }, /pctStart must be a fraction/],
    [{ name: 'cosine', alhpa: 0.1 }, /unknown field alhpa/],
  ];
  for (const [s, re] of bad) assert.match(scheduleProblem(s) ?? 'null', re, JSON.stringify(s));
});

test('PyTorch: StepLR, ExponentialLR, CosineAnnealingLR (= Keras CosineDecay), SequentialLR(LinearLR, …) and OneCycleLR give the same curves', (t) => {
  const python = '/usr/bin/python3';
  const probe = existsSync(python) ? spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 }) : null;
  if (!probe || probe.status !== 0) {
    t.skip('PyTorch is not importable by /usr/bin/python3 (apt-get install python3-torch); the hand-worked table above still runs');
    return;
  }
  // each scheduler stepped as its users step it: per epoch for StepLR / ExponentialLR, per step for the others
  const script = `
import json, math, torch
SPE, T, LR, W = ${SPE}, ${TOTAL}, ${LR}, 4
def run(make, per_epoch=False):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=LR)
    sch = make(opt)
    out = []
    for s in range(T):
        out.append(opt.param_groups[0]['lr'])
        opt.step()
        if not per_epoch or (s + 1) % SPE == 0: sch.step()
    return out
L = torch.optim.lr_scheduler
print(json.dumps({
  'step': run(lambda o: L.StepLR(o, step_size=2, gamma=0.5), True),
  'exponential': run(lambda o: L.ExponentialLR(o, gamma=0.7), True),
  'cosine': run(lambda o: L.CosineAnnealingLR(o, T_max=T, eta_min=0.1 * LR)),
  'warm_cosine': run(lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=1 / W, end_factor=1, total_iters=W - 1), L.CosineAnnealingLR(o, T_max=T - W, eta_min=0)], milestones=[W])),
  'onecycle': run(lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=T)),
  'onecycle_custom': run(lambda o: L.OneCycleLR(o, max_lr=0.5, total_steps=T, pct_start=0.25, div_factor=10, final_div_factor=100)),
}))
`;
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const torch = JSON.parse(r.stdout.trim().split('\n').at(-1));
  const ours = {
    step: curve({ name: 'step', stepEpochs: 2, gamma: 0.5 }),
    exponential: curve({ name: 'exponential', gamma: 0.7 }),
    cosine: curve({ name: 'cosine', alpha: 0.1 }),
    warm_cosine: curve({ name: 'cosine', warmupEpochs: 1 }),
    onecycle: curve({ name: 'onecycle', maxLr: 1 }),
    onecycle_custom: curve({ name: 'onecycle', maxLr: 0.5, pctStart: 0.25, divFactor: 10, finalDivFactor: 100 }),
  };
  // PyTorch's chainable schedulers update recursively (rounding builds up): 1e-6 relative
  for (const k of Object.keys(ours)) ours[k].forEach((v, s) => close(v, torch[k][s], `${k} step ${s}`, 1e-6));
});

// ---- in fit

const LAYERS = [5, 8, 3];
function blobs(n, seed) {
  const r = new Rng(seed);
  const x = new Float32Array(n * LAYERS[0]), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r.int(3);
    for (let k = 0; k < LAYERS[0]; k++) x[i * LAYERS[0] + k] = r.normal() + (k % 3 === y[i] ? 1.2 : 0);
  }
  return { x, y };
}
const DATA = blobs(60, 5); // batches of 16: 3 full and a tail of 12, 4 steps an epoch

test('fit trains each step at the schedule\'s rate: an epoch log holds the rate of its last step', async () => {
  const schedule = { name: 'cosine', alpha: 0.2, warmupSteps: 3 };
  const net = await createNetwork({ layers: LAYERS, backend: 'js', optimizer: { name: 'sgd', learningRate: 0.3 }, seed: 3 });
  const h = await net.fit(DATA.x, DATA.y, { epochs: 3, batchSize: 16, lrSchedule: schedule });
  assert.deepEqual(h.map((e) => e.learningRate), [3, 7, 11].map((s) => learningRateAt(schedule, s, 4, 12, 0.3)));
  const st = net.getTrainingState();
  assert.deepEqual(st.lrSchedule, { schedule, stepsPerEpoch: 4, totalSteps: 12 });
  // without a schedule the log carries the optimizer's rate
  const plain = await createNetwork({ layers: LAYERS, backend: 'js', optimizer: { name: 'sgd', learningRate: 0.3 }, seed: 3 });
  const hp = await plain.fit(DATA.x, DATA.y, { epochs: 1, batchSize: 16 });
  assert.equal(hp[0].learningRate, 0.3);
});

test('the same steps by hand, each batch trained by a network whose constant rate is the schedule\'s for that step, give the same bits', async () => {
  const schedule = { name: 'onecycle', maxLr: 0.4 };
  const make = (lr) => createNetwork({ layers: LAYERS, backend: 'js', optimizer: { name: 'sgd', learningRate: lr }, seed: 8 });
  const net = await make(0.1);
  await net.fit(DATA.x, DATA.y, { epochs: 2, batchSize: 16, shuffle: false, lrSchedule: schedule });
  let params = (await make(0.1)).getParameters();
  for (let s = 0; s < 8; s++) {
    const b = s % 4, rows = Math.min(16, 60 - 16 * b);
    const step = await make(learningRateAt(schedule, s, 4, 8, 0.1));
    step.setParameters(params);
    await step.fit(DATA.x.subarray(16 * b * 5, (16 * b + rows) * 5), DATA.y.subarray(16 * b, 16 * b + rows), { epochs: 1, batchSize: 16, shuffle: false });
    params = step.getParameters();
  }
  const bits = (p) => [...p.weights, ...p.biases].flatMap((t) => Array.from(new Uint32Array(t.buffer, t.byteOffset, t.length)));
  assert.deepEqual(bits(net.getParameters()), bits(params));
});

test('the constant schedule trains to the same bits as no schedule; a decaying one does not', async () => {
  const params = async (lrSchedule) => {
    const net = await createNetwork({ layers: LAYERS, backend: 'js', optimizer: { name: 'momentum', learningRate: 0.1 }, seed: 4 });
    await net.fit(DATA.x, DATA.y, { epochs: 2, batchSize: 16, lrSchedule });
    const p = net.getParameters();
    return [...p.weights, ...p.biases].flatMap((t) => Array.from(new Uint32Array(t.buffer, t.byteOffset, t.length)));
  };
  const none = await params(undefined);
  assert.deepEqual(await params({ name: 'constant' }), none);
  assert.notDeepEqual(await params({ name: 'exponential', gamma: 0.5 }), none);
});

test('a run continued by a second fit keeps the schedule\'s length; a bad schedule is a ConfigError', async () => {
  const schedule = { name: 'cosine' };
  const net = await createNetwork({ layers: LAYERS, backend: 'js', seed: 3 });
  await net.fit(DATA.x, DATA.y, { epochs: 2, batchSize: 16, lrSchedule: schedule });
  const more = await net.fit(DATA.x, DATA.y, { epochs: 1, batchSize: 16, lrSchedule: schedule });
  assert.equal(net.getTrainingState().lrSchedule.totalSteps, 8, 'the length of the fit that began the schedule');
  assert.equal(more[0].learningRate, 0, 'past the run: the floor (alpha 0)');
  await assert.rejects(net.fit(DATA.x, DATA.y, { epochs: 1, lrSchedule: { name: 'step' } }), (e) => e instanceof ConfigError && /needs stepEpochs/.test(e.message));
});
