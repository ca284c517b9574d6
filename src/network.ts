// The network: forward in layer order, backward in exact reverse, all on the arena through the
// Kernels interface, so every backend runs the same host code. Notation follows the seed chapter:
// Z_l = W_l·A_{l-1} + B_l, A_l = g(Z_l); stored sample-major, so a batch is A (B, n_l) and the
// forward product is A_{l-1} · W_lᵀ. The output layer's Z is turned into probabilities in place.

import type { Architecture, BackendName, Hidden, OptimizerConfig, OptimizerName, Output, Parameters } from './types.js';
import type { Kernels } from './backend/kernels.js';
import { ACT, weightIndex } from './backend/kernels.js';
import { createKernels, type WasmSources } from './backend/select.js';
import { planArena, type ArenaPlan } from './arena.js';
import { Rng } from './rng.js';
import { ConfigError, DivergenceError, InputError } from './errors.js';
import { HIDDEN, OUTPUTS, checkLabels, checkLayers, checkName, checkOptimizer, checkPositiveInt, checkTargets, checkX } from './validate.js';

export interface NetworkOptions {
  /** sizes of all layers, input first, e.g. [784, 128, 10]; any number of hidden layers */
  layers: number[];
  hidden?: Hidden;
  output?: Output;
  optimizer?: OptimizerConfig | OptimizerName;
  /** seeds initialisation and shuffling; the same seed on the same backend gives identical runs (default 1) */
  seed?: number;
  /** 'auto' (default) picks relaxed, simd, scalar in that order of preference */
  backend?: BackendName | 'auto';
  /** override where each wasm binary comes from (bytes, compiled module or base64) */
  wasm?: WasmSources;
}

export interface EpochLog {
  epoch: number;
  /** mean training loss over the epoch's batches (as trained, so with the weights of each step) */
  loss: number;
  /** running accuracy over the epoch's batches, null for a linear output */
  trainAccuracy: number | null;
  validationLoss?: number;
  validationAccuracy?: number | null;
  samplesPerSecond: number;
  /** training time of the epoch (validation excluded) */
  seconds: number;
}

export interface BatchLog { epoch: number; batch: number; batches: number; loss: number; size: number }

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  validation?: { x: Float32Array; y: ArrayLike<number> };
  onEpochEnd?: (log: EpochLog, net: Network) => void | Promise<void>;
  /** called after every batch with one reused object: copy what you keep */
  onBatchEnd?: (log: BatchLog) => void;
  /** stop at the next batch boundary; the training state then says where to resume */
  signal?: AbortSignal;
  /** continue a run: the state from getTrainingState() (epoch, batch, order) */
  resume?: TrainingState;
}

export interface FitResult extends Array<EpochLog> { stopped?: boolean }

/** Where a run is: completed epochs, progress within the current epoch, that epoch's order, PRNG. */
export interface TrainingState {
  epoch: number;
  /** batches of the current epoch done (for messages) */
  batch: number;
  /** samples of the current epoch done: where a resumed epoch continues, whatever the batch size
   * (when absent, batch × the batch size of the resuming fit) */
  sample?: number;
  order: Int32Array | null;
  rngState: Uint32Array;
}

export interface OptimizerState {
  step: number;
  /** state tensors in the documented layout, e.g. 'velocity.layers.0.weight', 'm.layers.1.bias' */
  tensors: Record<string, Float32Array>;
}

const EVAL_CHUNK = 256;
const actCode = (h: Hidden) => ACT[h];

export async function createNetwork(options: NetworkOptions): Promise<Network> {
  if (options === null || typeof options !== 'object') throw new ConfigError('createNetwork needs an options object with at least { layers }');
  const layers = checkLayers(options.layers);
  const hidden = checkName('hidden activation', options.hidden ?? 'relu', HIDDEN);
  const output = checkName('output (activation and loss)', options.output ?? 'softmax', OUTPUTS);
  const optimizer = checkOptimizer(options.optimizer);
  const seed = options.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new ConfigError(`seed must be a finite number; got ${String(seed)}`);
  if (output === 'softmax' && layers[layers.length - 1] < 2) {
    throw new ConfigError(`a softmax output needs at least 2 classes; the last layer has ${layers[layers.length - 1]} unit (use output 'sigmoid' for one binary output)`);
  }
  const kernels = await createKernels(options.backend ?? 'auto', options.wasm);
  return new Network({ layers, hidden, output }, optimizer, seed, kernels);
}

export class Network {
  readonly architecture: Architecture;
  readonly backend: BackendName;
  private readonly k: Kernels;
  private opt: Required<OptimizerConfig>;
  private rng: Rng;
  private plan: ArenaPlan;
  private step = 0;
  private trainState: TrainingState;
  /** host→wasm calls made by the last training batch (a figure the benchmarks report) */
  callsPerBatch = 0;

  constructor(arch: Architecture, opt: Required<OptimizerConfig>, seed: number, kernels: Kernels) {
    this.architecture = { layers: [...arch.layers], hidden: arch.hidden, output: arch.output };
    this.k = kernels;
    this.backend = kernels.name;
    this.opt = opt;
    this.rng = new Rng(seed);
    this.plan = this.replan(EVAL_CHUNK, 0);
    this.initParameters();
    this.trainState = { epoch: 0, batch: 0, sample: 0, order: null, rngState: Uint32Array.from(this.rng.state) };
  }

  get optimizer(): Readonly<Required<OptimizerConfig>> { return this.opt; }
  get arenaPlan(): ArenaPlan { return this.plan; }

  // ---- arena

  private stateBlocks(): number { return this.opt.name === 'adam' ? 2 : this.opt.name === 'momentum' ? 1 : 0; }
  private targetWidth(): number { return this.architecture.output === 'softmax' ? 1 : this.outputs; }
  get inputs(): number { return this.architecture.layers[0]; }
  get outputs(): number { return this.architecture.layers[this.architecture.layers.length - 1]; }

  /** Plans for `capacity` rows and `dataRows` resident rows; memory only grows when the plan does. */
  private replan(capacity: number, dataRows: number): ArenaPlan {
    const plan = planArena({
      layers: this.architecture.layers, layout: this.k.weightLayout, base: this.k.arenaBase,
      capacity, stateBlocks: this.stateBlocks(), targetWidth: this.targetWidth(), dataRows,
    });
    this.k.ensureBytes(plan.bytes);
    this.plan = plan;
    return plan;
  }

  private ensureCapacity(rows: number): void {
    if (rows > this.plan.capacity) this.replan(rows, this.plan.data?.rows ?? 0);
  }

  private f32(offset: number, length: number): Float32Array { return new Float32Array(this.k.buffer(), offset, length); }
  private i32(offset: number, length: number): Int32Array { return new Int32Array(this.k.buffer(), offset, length); }

  // ---- parameters

  /** He-normal for relu-family layers, Glorot-normal for sigmoid/tanh and the output layer; zero biases. */
  private initParameters(): void {
    const { layers, hidden } = this.architecture;
    const L = layers.length - 1;
    const weights: Float32Array[] = [];
    const biases: Float32Array[] = [];
    for (let l = 0; l < L; l++) {
      const nIn = layers[l], nOut = layers[l + 1];
      const he = l < L - 1 && (hidden === 'relu' || hidden === 'leaky_relu');
      const std = he ? Math.sqrt(2 / nIn) : Math.sqrt(2 / (nIn + nOut));
      const w = new Float32Array(nOut * nIn);
      for (let i = 0; i < w.length; i++) w[i] = this.rng.normal() * std;
      weights.push(w);
      biases.push(new Float32Array(nOut));
    }
    this.f32(this.plan.params, this.plan.paramFloats).fill(0);
    this.writeParams(this.plan.weights, this.plan.biases, { weights, biases });
  }

  private writeParams(wOff: number[], bOff: number[], p: Parameters): void {
    const { layers } = this.architecture;
    const layout = this.k.weightLayout;
    for (let l = 0; l < layers.length - 1; l++) {
      const K = layers[l], N = layers[l + 1];
      const dst = this.f32(wOff[l], Math.ceil(N / 8) * 8 * K);
      const src = p.weights[l];
      if (layout === 'rowmajor') dst.set(src);
      else for (let o = 0; o < N; o++) for (let k = 0; k < K; k++) dst[weightIndex(layout, o, k, K)] = src[o * K + k];
      this.f32(bOff[l], N).set(p.biases[l]);
    }
  }

  private readParams(wOff: number[], bOff: number[]): Parameters {
    const { layers } = this.architecture;
    const layout = this.k.weightLayout;
    const weights: Float32Array[] = [];
    const biases: Float32Array[] = [];
    for (let l = 0; l < layers.length - 1; l++) {
      const K = layers[l], N = layers[l + 1];
      const w = new Float32Array(N * K);
      const src = this.f32(wOff[l], layout === 'rowmajor' ? N * K : Math.ceil(N / 8) * 8 * K);
      if (layout === 'rowmajor') w.set(src);
      else for (let o = 0; o < N; o++) for (let k = 0; k < K; k++) w[o * K + k] = src[weightIndex(layout, o, k, K)];
      weights.push(w);
      biases.push(Float32Array.from(this.f32(bOff[l], N)));
    }
    return { weights, biases };
  }

  /** Copies of the parameters: weights[l] is (n_out, n_in) row-major, biases[l] is (n_out). */
  getParameters(): Parameters { return this.readParams(this.plan.weights, this.plan.biases); }

  setParameters(p: Parameters): void {
    this.checkParameters(p, 'setParameters');
    this.writeParams(this.plan.weights, this.plan.biases, p);
  }

  private checkParameters(p: Parameters, who: string): void {
    const { layers } = this.architecture;
    const L = layers.length - 1;
    if (!p || !Array.isArray(p.weights) || !Array.isArray(p.biases)) throw new InputError(`${who} needs { weights: Float32Array[], biases: Float32Array[] }`);
    if (p.weights.length !== L || p.biases.length !== L) {
      throw new InputError(`${who}: the network has ${L} layers of weights, got ${p.weights.length} weight and ${p.biases.length} bias arrays`);
    }
    for (let l = 0; l < L; l++) {
      const K = layers[l], N = layers[l + 1];
      for (const [kind, arr, len, shape] of [['weights', p.weights[l], N * K, `(${N}, ${K})`], ['biases', p.biases[l], N, `(${N})`]] as const) {
        if (!(arr instanceof Float32Array)) throw new InputError(`${who}: ${kind}[${l}] must be a Float32Array of shape ${shape}`);
        if (arr.length !== len) throw new InputError(`${who}: ${kind}[${l}] has ${arr.length} values, expected shape ${shape} = ${len}`);
        for (let i = 0; i < arr.length; i++) {
          if (arr[i] - arr[i] !== 0) throw new InputError(`${who}: ${kind}[${l}][${i}] is ${arr[i]}: parameters must be finite`);
        }
      }
    }
  }

  // ---- forward and backward on rows already in acts[0] / targets

  private forward(B: number): void {
    const { layers, hidden } = this.architecture;
    const p = this.plan, k = this.k, L = layers.length - 1;
    const act = actCode(hidden);
    for (let l = 0; l < L; l++) {
      k.dense_forward(p.acts[l + 1], p.acts[l], p.weights[l], p.biases[l], p.scratch, B, layers[l], layers[l + 1], l < L - 1 ? act : ACT.identity);
    }
  }

  /** Output activation in place over A_L, returning the summed loss when targets are present. */
  private outputLoss(B: number, withTargets: boolean): number {
    const p = this.plan, N = this.outputs, A = p.acts[p.acts.length - 1];
    const t = withTargets ? p.targets : 0;
    switch (this.architecture.output) {
      case 'softmax': return this.k.softmax_xent_forward(A, A, t, B, N);
      case 'sigmoid': return this.k.sigmoid_bce_forward(A, A, t, B, N);
      default: return this.k.mse_forward(A, A, t, B, N);
    }
  }

  private countCorrect(B: number): number {
    const p = this.plan, A = p.acts[p.acts.length - 1];
    switch (this.architecture.output) {
      case 'softmax': return this.k.count_correct_argmax(A, p.targets, B, this.outputs);
      case 'sigmoid': return this.k.count_correct_binary(A, p.targets, B, this.outputs);
      default: return 0;
    }
  }

  /** dZ of the output layer: the gradient of the batch-mean loss with respect to its logits. */
  private outputDelta(B: number, dZ: number): void {
    const p = this.plan, k = this.k, N = this.outputs, A = p.acts[p.acts.length - 1];
    const out = this.architecture.output;
    if (out === 'softmax') k.softmax_xent_backward(dZ, A, p.targets, B, N, 1 / B);
    else if (out === 'sigmoid') k.sigmoid_bce_backward(dZ, A, p.targets, B, N, 1 / (B * N));
    else k.mse_backward(dZ, A, p.targets, B, N, 1 / (B * N));
  }

  /** Gradients of the batch-mean loss into the grads block (overwritten). */
  private backward(B: number): void {
    const { layers, hidden } = this.architecture;
    const p = this.plan, k = this.k, L = layers.length - 1;
    let dZ = p.delta[0], dNext = p.delta[1];
    this.outputDelta(B, dZ);
    const act = actCode(hidden);
    for (let l = L - 1; l >= 0; l--) {
      k.dense_backward_weights(p.gradWeights[l], p.gradBiases[l], dZ, p.acts[l], B, layers[l], layers[l + 1]);
      if (l > 0) { // the first layer's input is data: no gradient needed
        k.dense_backward_input(dNext, dZ, p.weights[l], p.acts[l], p.scratch, B, layers[l], layers[l + 1], act);
        const t = dZ; dZ = dNext; dNext = t;
      }
    }
  }

  /** Back-propagation with plain SGD fused into each layer's weight gradient: no gradient block,
   * no separate update pass. Each layer's input gradient is taken before its weights change. */
  private backwardSgd(B: number): number {
    const { layers, hidden } = this.architecture;
    const p = this.plan, k = this.k, L = layers.length - 1;
    const { learningRate: lr, weightDecay: wd } = this.opt;
    let dZ = p.delta[0], dNext = p.delta[1];
    this.outputDelta(B, dZ);
    const act = actCode(hidden);
    let bad = 0;
    for (let l = L - 1; l >= 0; l--) {
      if (l > 0) k.dense_backward_input(dNext, dZ, p.weights[l], p.acts[l], p.scratch, B, layers[l], layers[l + 1], act);
      bad += k.dense_backward_weights_sgd(p.weights[l], p.biases[l], dZ, p.acts[l], B, layers[l], layers[l + 1], lr, wd);
      const t = dZ; dZ = dNext; dNext = t;
    }
    this.step++;
    return bad;
  }

  private update(): number {
    const p = this.plan, o = this.opt, k = this.k;
    this.step++;
    switch (o.name) {
      case 'sgd': return k.sgd_update(p.params, p.grads, p.paramFloats, p.nDecay, o.learningRate, o.weightDecay);
      case 'momentum': return k.momentum_update(p.params, p.state[0], p.grads, p.paramFloats, p.nDecay, o.learningRate, o.momentum, o.weightDecay);
      default: {
        const bc1 = 1 - Math.pow(o.beta1, this.step), bc2 = 1 - Math.pow(o.beta2, this.step);
        return k.adam_update(p.params, p.state[0], p.state[1], p.grads, p.paramFloats, p.nDecay, o.learningRate, o.beta1, o.beta2, o.epsilon, o.weightDecay, bc1, bc2);
      }
    }
  }

  // ---- data in and out of the arena

  private checkData(x: unknown, y: unknown, what: string): { x: Float32Array; y: Int32Array | Float32Array; n: number } {
    const { x: xs, n } = checkX(x, this.inputs, `${what}x`);
    const out = this.architecture.output;
    const ys = out === 'softmax'
      ? checkLabels(y, n, this.outputs, `${what}y`)
      : checkTargets(y, n, this.outputs, out === 'sigmoid', `${what}y`);
    return { x: xs, y: ys, n };
  }

  /** Copies rows [start, start+count) of host arrays into acts[0] and targets. */
  private loadRows(x: Float32Array, y: Int32Array | Float32Array | null, start: number, count: number): void {
    const n0 = this.inputs, w = this.targetWidth();
    this.f32(this.plan.acts[0], count * n0).set(x.subarray(start * n0, (start + count) * n0));
    if (y) {
      const dst = y instanceof Int32Array ? this.i32(this.plan.targets, count * w) : this.f32(this.plan.targets, count * w);
      dst.set(y.subarray(start * w, (start + count) * w));
    }
  }

  // ---- public API

  /** Output rows for x: probabilities (softmax, sigmoid) or values (linear), n × outputs. */
  predict(x: Float32Array): Float32Array {
    const { x: xs, n } = checkX(x, this.inputs);
    const N = this.outputs, out = new Float32Array(n * N);
    const cap = this.plan.capacity, A = this.plan.acts[this.plan.acts.length - 1];
    for (let s = 0; s < n; s += cap) {
      const B = Math.min(cap, n - s);
      this.loadRows(xs, null, s, B);
      this.forward(B);
      this.outputLoss(B, false);
      out.set(this.f32(A, B * N), s * N);
    }
    return out;
  }

  /** Mean loss and accuracy (null for a linear output) over a dataset, without training. */
  evaluate(x: Float32Array, y: ArrayLike<number>): { loss: number; accuracy: number | null } {
    const d = this.checkData(x, y, '');
    return this.evaluateChecked(d.x, d.y, d.n);
  }

  private evaluateChecked(x: Float32Array, y: Int32Array | Float32Array, n: number): { loss: number; accuracy: number | null } {
    let loss = 0, correct = 0;
    const cap = this.plan.capacity;
    for (let s = 0; s < n; s += cap) {
      const B = Math.min(cap, n - s);
      this.loadRows(x, y, s, B);
      this.forward(B);
      loss += this.outputLoss(B, true);
      correct += this.countCorrect(B);
    }
    return this.summarize(loss, correct, n);
  }

  private summarize(lossSum: number, correct: number, n: number): { loss: number; accuracy: number | null } {
    const out = this.architecture.output, N = this.outputs;
    const per = out === 'softmax' ? n : n * N; // element-wise losses average over outputs too
    return { loss: lossSum / per, accuracy: out === 'linear' ? null : correct / per };
  }

  /** Loss (mean over the samples) and its gradients for the current parameters; no update. */
  lossAndGradients(x: Float32Array, y: ArrayLike<number>): { loss: number; gradients: Parameters } {
    const d = this.checkData(x, y, '');
    this.ensureCapacity(d.n);
    this.loadRows(d.x, d.y, 0, d.n);
    this.forward(d.n);
    const lossSum = this.outputLoss(d.n, true);
    this.backward(d.n);
    return { loss: this.summarize(lossSum, 0, d.n).loss, gradients: this.readParams(this.plan.gradWeights, this.plan.gradBiases) };
  }

  /** Trains on (x, y). Resolves to one log per epoch; rejects with DivergenceError if the loss
   * or an update stops being finite (the parameters then keep their last finite values). */
  async fit(x: Float32Array, y: ArrayLike<number>, options: FitOptions | null = {}): Promise<FitResult> {
    options = options ?? {};
    const epochs = checkPositiveInt('epochs', options.epochs ?? 1, 0);
    const batchSize = checkPositiveInt('batchSize', options.batchSize ?? 32, 1);
    const shuffle = options.shuffle ?? true;
    const d = this.checkData(x, y, '');
    const val = options.validation ? this.checkData(options.validation.x, options.validation.y, 'validation.') : null;
    const n = d.n, n0 = this.inputs, w = this.targetWidth();
    const bs = Math.min(batchSize, n);
    const plan = this.replan(Math.max(bs, EVAL_CHUNK, this.plan.capacity), n);
    const data = plan.data!;
    this.f32(data.x, n * n0).set(d.x);
    if (d.y instanceof Int32Array) this.i32(data.y, n).set(d.y); else this.f32(data.y, n * w).set(d.y);

    // Continue from the given state, or from where the last fit() left off on data of this size:
    // fit({epochs: 1}) twice trains exactly like fit({epochs: 2}).
    const st = options.resume ?? this.trainState;
    if (options.resume?.order && options.resume.order.length !== n) {
      throw new InputError(`resume.order has ${options.resume.order.length} entries but the dataset has ${n} samples: resume with the same data`);
    }
    const continuing = st.order !== null && st.order.length === n;
    const order = continuing ? Int32Array.from(st.order!) : Int32Array.from({ length: n }, (_, i) => i);
    if (options.resume) this.rng = new Rng(options.resume.rngState);
    const firstEpoch = st.epoch;
    let firstSample = continuing ? Math.min(st.sample ?? st.batch * bs, n) : 0;

    const k = this.k, L = this.architecture.layers.length - 1;
    const fusedSgd = this.opt.name === 'sgd';
    const batches = Math.ceil(n / bs);
    const history: FitResult = [];
    const batchLog: BatchLog = { epoch: 0, batch: 0, batches, loss: 0, size: 0 };
    const out = this.architecture.output;
    const orderView = () => this.i32(data.order, n);
    let lastYield = performance.now();

    for (let e = firstEpoch; e < firstEpoch + epochs; e++) {
      // stopped before this epoch drew its order: the state stays at the end of the last one
      if (options.signal?.aborted) { history.stopped = true; return history; }
      // a fresh epoch reshuffles the previous order; a resumed one keeps the order it was cut in
      if (firstSample === 0 && shuffle) this.rng.shuffle(order);
      orderView().set(order);
      const firstBatch = Math.ceil(firstSample / bs);
      this.trainState = { epoch: e, batch: firstBatch, sample: firstSample, order: Int32Array.from(order), rngState: Uint32Array.from(this.rng.state) };
      let lossSum = 0, correct = 0, seen = 0;
      const t0 = performance.now();
      for (let b = firstBatch, start = firstSample; start < n; b++, start += bs) {
        const B = Math.min(bs, n - start);
        const idx = data.order + 4 * start;
        k.gather_rows(plan.acts[0], data.x, idx, B, n0);
        if (w === 1 && out === 'softmax') k.gather_i32(plan.targets, data.y, idx, B);
        else k.gather_rows(plan.targets, data.y, idx, B, w);
        this.forward(B);
        const batchLoss = this.outputLoss(B, true);
        if (!Number.isFinite(batchLoss)) {
          this.trainState.batch = b;
          this.trainState.sample = start;
          throw new DivergenceError(`training diverged at epoch ${e + 1}, batch ${b + 1}/${batches}: the loss is ${batchLoss}. The parameters keep their last finite values; lower the learning rate (now ${this.opt.learningRate}) or normalise the inputs`, e + 1, b + 1);
        }
        correct += this.countCorrect(B);
        let bad: number;
        if (fusedSgd) bad = this.backwardSgd(B);
        else { this.backward(B); bad = this.update(); }
        if (bad > 0) {
          this.trainState.batch = b + 1;
          this.trainState.sample = start + B;
          throw new DivergenceError(`training diverged at epoch ${e + 1}, batch ${b + 1}/${batches}: the update of ${bad} parameters was not finite and was not applied. Lower the learning rate (now ${this.opt.learningRate})`, e + 1, b + 1);
        }
        lossSum += batchLoss;
        seen += B;
        if (options.onBatchEnd) {
          batchLog.epoch = e + 1; batchLog.batch = b + 1; batchLog.loss = this.summarize(batchLoss, 0, B).loss; batchLog.size = B;
          options.onBatchEnd(batchLog);
        }
        // gathers 2, forward L, loss + accuracy + dZ 3, dW L, dX L-1, and a separate update
        // unless SGD is fused into the weight gradients
        if (b === firstBatch) this.callsPerBatch = 3 * L + 4 + (fusedSgd ? 0 : 1);
        // yield to the event loop now and then: signals (Ctrl-C) and timers stay responsive
        const now = performance.now();
        if (now - lastYield > 100) {
          await new Promise((r) => setTimeout(r, 0));
          lastYield = performance.now();
        }
        if (options.signal?.aborted && start + B < n) {
          this.trainState.batch = b + 1;
          this.trainState.sample = start + B;
          history.stopped = true;
          return history;
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      const s = this.summarize(lossSum, correct, seen);
      const log: EpochLog = { epoch: e + 1, loss: s.loss, trainAccuracy: s.accuracy, samplesPerSecond: seen / seconds, seconds };
      if (val) {
        const v = this.evaluateChecked(val.x, val.y, val.n);
        log.validationLoss = v.loss;
        log.validationAccuracy = v.accuracy;
      }
      firstSample = 0;
      this.trainState = { epoch: e + 1, batch: 0, sample: 0, order: Int32Array.from(order), rngState: Uint32Array.from(this.rng.state) };
      history.push(log);
      if (options.onEpochEnd) await options.onEpochEnd(log, this);
      if (options.signal?.aborted) { history.stopped = true; return history; }
    }
    return history;
  }

  // ---- state for checkpoints

  getTrainingState(): TrainingState {
    const s = this.trainState;
    return { epoch: s.epoch, batch: s.batch, sample: s.sample ?? 0, order: s.order ? Int32Array.from(s.order) : null, rngState: Uint32Array.from(s.rngState) };
  }

  getOptimizerState(): OptimizerState {
    const names = this.opt.name === 'adam' ? ['m', 'v'] : this.opt.name === 'momentum' ? ['velocity'] : [];
    const tensors: Record<string, Float32Array> = {};
    names.forEach((name, i) => {
      const shift = this.plan.state[i] - this.plan.params;
      const p = this.readParams(this.plan.weights.map((o) => o + shift), this.plan.biases.map((o) => o + shift));
      p.weights.forEach((t, l) => { tensors[`${name}.layers.${l}.weight`] = t; });
      p.biases.forEach((t, l) => { tensors[`${name}.layers.${l}.bias`] = t; });
    });
    return { step: this.step, tensors };
  }

  setOptimizerState(s: OptimizerState): void {
    const names = this.opt.name === 'adam' ? ['m', 'v'] : this.opt.name === 'momentum' ? ['velocity'] : [];
    const L = this.architecture.layers.length - 1;
    if (!s || typeof s !== 'object' || !s.tensors) throw new InputError('setOptimizerState needs { step, tensors }');
    if (!Number.isInteger(s.step) || s.step < 0) throw new InputError(`optimizer step must be an integer ≥ 0; got ${s.step}`);
    // check every slot before writing any: a refused state leaves the current one untouched
    const slots = names.map((name) => {
      const get = (key: string) => {
        const t = s.tensors[key];
        if (!t) throw new InputError(`optimizer state lacks '${key}' (optimizer ${this.opt.name})`);
        return t;
      };
      const p: Parameters = { weights: [], biases: [] };
      for (let l = 0; l < L; l++) { p.weights.push(get(`${name}.layers.${l}.weight`)); p.biases.push(get(`${name}.layers.${l}.bias`)); }
      this.checkParameters(p, `optimizer state '${name}'`);
      return p;
    });
    slots.forEach((p, i) => {
      const shift = this.plan.state[i] - this.plan.params;
      this.writeParams(this.plan.weights.map((o) => o + shift), this.plan.biases.map((o) => o + shift), p);
    });
    this.step = s.step;
  }

  /** Sets where training continues: the next fit() starts from this state (use with checkpoints). */
  setTrainingState(s: TrainingState): void {
    this.rng = new Rng(s.rngState);
    this.trainState = { epoch: s.epoch, batch: s.batch, sample: s.sample, order: s.order ? Int32Array.from(s.order) : null, rngState: Uint32Array.from(s.rngState) };
  }
}
