// The network: createNetwork and the Network class, the library's public face. Each public method
// checks its arguments and hands the work to the job that does it: params.ts (initialisation,
// layouts), passes.ts (forward and backward), trainer.ts (fit), state.ts (checkpoint state).
// Everything runs on the arena through the Kernels interface, so every backend runs the same code.

import type { Kernels } from '../backend/kernels.js';
import { createKernels, resolveBackend } from '../backend/select.js';
import { chooseThreads } from '../backend/threads/choose.js';
import type { ArenaPlan } from '../arena.js';
import { ConfigError, InputError } from '../errors.js';
import { Rng } from '../rng.js';
import type { Architecture, Features, OptimizerConfig, Parameters } from '../types.js';
import { checkArchitecture, checkOptimizer, checkFeatures } from '../validate.js';
import { OPTIMIZER_STATE, type BackendName } from '../vocabulary.js';
import { Core } from './core.js';
import { checkParameters, gradOffsets, initParameters, paramOffsets, readBlock, stateOffsets, writeBlock } from './params.js';
import { copyTrainingState } from './state.js';
import { evaluateChecked, fit } from './trainer.js';
import type { DataSource } from '../data/source.js';
import { recipeOf } from './recipe.js';
import { NO_RECIPE } from '../backend/engine/types.js';
import type { FitOptions, FitResult, NetworkOptions, OptimizerState, TrainingState } from './types.js';

export async function createNetwork(options: NetworkOptions): Promise<Network> {
  if (options === null || typeof options !== 'object') throw new ConfigError('createNetwork needs an options object with at least { layers }');
  const arch = checkArchitecture(options);
  const optimizer = checkOptimizer(options.optimizer);
  const seed = options.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new ConfigError(`seed must be a finite number; got ${String(seed)}`);
  const backend = resolveBackend(options.backend ?? 'auto');
  const choice = await chooseThreads(options.threads, backend);
  if (choice.notice) notify(choice.notice, options.onNotice);
  const kernels = await createKernels(backend, options.wasm, { threads: choice.threads, oversubscribed: choice.oversubscribed });
  return new Network(arch, optimizer, seed, kernels);
}

const noticed = new Set<string>();
/** A notice to the caller's handler, or once per process to console.warn. */
function notify(message: string, handler: ((m: string) => void) | undefined): void {
  if (handler) { handler(message); return; }
  if (noticed.has(message)) return;
  noticed.add(message);
  console.warn(message);
}

export class Network {
  readonly architecture: Architecture;
  readonly backend: BackendName;
  /** @internal the state the jobs share */
  private readonly c: Core;

  /** Prefer createNetwork, which checks the options; this takes them as they are. */
  constructor(arch: Architecture, opt: Required<OptimizerConfig>, seed: number, kernels: Kernels) {
    this.c = new Core(arch, opt, seed, kernels);
    this.architecture = this.c.arch;
    this.backend = kernels.name;
    initParameters(this.c);
    this.c.engine.paramsChanged();
  }

  get optimizer(): Readonly<Required<OptimizerConfig>> { return this.c.opt; }
  get arenaPlan(): ArenaPlan { return this.c.plan; }
  /** host→wasm calls made per training batch by the last fit (a figure the benchmarks report) */
  get callsPerBatch(): number { return this.c.callsPerBatch; }
  get inputs(): number { return this.c.inputs; }
  get outputs(): number { return this.c.outputs; }
  /** threads the products are split over (1 unless created with threads > 1) */
  get threads(): number { return this.c.k.threads ?? 1; }
  /** the seed the network was created with (initialisation, shuffling, the dropout masks) */
  get seed(): number { return this.c.seed; }

  /** Stops the network's worker threads (if any). The network stays usable, on one thread. A
   * script that never calls it still exits: the workers do not keep the process alive. */
  async dispose(): Promise<void> { await this.c.k.dispose?.(); }

  /** Copies of the parameters: weights[l] is (n_out, n_in) row-major, biases[l] is (n_out). */
  getParameters(): Parameters { return readBlock(this.c, paramOffsets(this.c)); }

  setParameters(p: Parameters): void {
    checkParameters(this.architecture, p, 'setParameters');
    writeBlock(this.c, paramOffsets(this.c), p);
    this.c.engine.paramsChanged();
  }

  /** Output rows for x: probabilities (softmax, sigmoid) or values (linear), n × outputs. */
  predict(x: Features): Float32Array {
    const c = this.c;
    // float rows are checked to be finite as they are copied in (loadRows)
    const { x: xs, n } = checkFeatures(x, c.inputs, 'x', false);
    const N = c.outputs, out = new Float32Array(n * N);
    const cap = c.plan.capacity, A = c.plan.acts[c.depth];
    for (let s = 0; s < n; s += cap) {
      const B = Math.min(cap, n - s);
      c.loadRows(xs, null, s, B, true);
      c.engine.infer(B, false);
      out.set(c.f32(A, B * N), s * N);
    }
    return out;
  }

  /** Mean loss and accuracy (null for a linear output) over a dataset, without training. */
  evaluate(x: Features, y: ArrayLike<number>): { loss: number; accuracy: number | null } {
    const d = this.c.checkData(x, y, '', false);
    return evaluateChecked(this.c, d.x, d.y, d.n, true);
  }

  /** Loss (mean over the samples) and its gradients for the current parameters; no update. With
   * `dropout`, the masks fit() would draw at training step `step` (default: the next step) apply,
   * rows numbered from 0 as in one batch: a fixed mask, e.g. for a finite-difference check. */
  lossAndGradients(x: Features, y: ArrayLike<number>, options: { dropout?: number | readonly number[]; step?: number } = {}): { loss: number; gradients: Parameters } {
    const c = this.c;
    // its recipe and its room in the arena would replace the fit's, under the training set
    if (c.fitting) throw new InputError('lossAndGradients cannot run while fit runs on this network (from one of its callbacks): call it before or after the fit');
    const d = c.checkData(x, y, '');
    const step = options.step ?? c.step + 1;
    if (!Number.isInteger(step) || step < 0 || step > 0xffffffff) throw new InputError(`step must be an integer in [0, 2^32); got ${step}`);
    const recipe = recipeOf({ dropout: options.dropout }, c.depth);
    c.ensureCapacity(d.n);
    c.setRecipe(recipe);
    try {
      c.loadRows(d.x, d.y, 0, d.n);
      const lossSum = c.engine.grads(d.n, options.dropout !== undefined ? step : undefined);
      return { loss: c.summarize(lossSum, 0, d.n).loss, gradients: readBlock(c, gradOffsets(c)) };
    } finally {
      c.setRecipe(NO_RECIPE);
    }
  }

  /** Trains on (x, y), or on a DataSource (y null) read in chunks: resident when it fits
   * options.maxMemory, else streamed through a window (docs/STREAMING.md). Resolves to one log per epoch; rejects with DivergenceError if the loss
   * or an update stops being finite (the parameters then keep their last finite values). */
  fit(x: Features | DataSource, y: ArrayLike<number> | null, options: FitOptions | null = {}): Promise<FitResult> {
    return fit(this.c, this, { x, y }, options);
  }

  // ---- state for checkpoints

  getTrainingState(): TrainingState { return copyTrainingState(this.c.trainState); }

  /** Sets where training continues: the next fit() starts from this state (use with checkpoints). */
  setTrainingState(s: TrainingState): void {
    this.c.rng = new Rng(s.rngState);
    this.c.trainState = copyTrainingState(s);
  }

  getOptimizerState(): OptimizerState {
    const tensors: Record<string, Float32Array> = {};
    OPTIMIZER_STATE[this.c.opt.name].forEach((name, i) => {
      const p = readBlock(this.c, stateOffsets(this.c, i));
      p.weights.forEach((t, l) => { tensors[`${name}.layers.${l}.weight`] = t; });
      p.biases.forEach((t, l) => { tensors[`${name}.layers.${l}.bias`] = t; });
    });
    return { step: this.c.step, tensors };
  }

  setOptimizerState(s: OptimizerState): void {
    const c = this.c, L = c.depth;
    if (!s || typeof s !== 'object' || !s.tensors) throw new InputError('setOptimizerState needs { step, tensors }');
    if (!Number.isInteger(s.step) || s.step < 0) throw new InputError(`optimizer step must be an integer ≥ 0; got ${s.step}`);
    // check every slot before writing any: a refused state leaves the current one untouched
    const slots = OPTIMIZER_STATE[c.opt.name].map((name) => {
      const get = (key: string) => {
        const t = s.tensors[key];
        if (!t) throw new InputError(`optimizer state lacks '${key}' (optimizer ${c.opt.name})`);
        return t;
      };
      const p: Parameters = { weights: [], biases: [] };
      for (let l = 0; l < L; l++) { p.weights.push(get(`${name}.layers.${l}.weight`)); p.biases.push(get(`${name}.layers.${l}.bias`)); }
      checkParameters(this.architecture, p, `optimizer state '${name}'`);
      return p;
    });
    slots.forEach((p, i) => writeBlock(c, stateOffsets(c, i), p));
    c.step = s.step;
  }
}

// `await using net = await createNetwork(...)` disposes of the workers at the end of the scope
// (engines with explicit resource management; the symbol is looked up, not required).
const asyncDispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;
if (asyncDispose) {
  Object.defineProperty(Network.prototype, asyncDispose, {
    value(this: Network) { return this.dispose(); }, writable: true, configurable: true,
  });
}
