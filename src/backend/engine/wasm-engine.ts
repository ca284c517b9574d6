// The engine of the wasm backends: writes the descriptor (assembly/plan.ts, words.ts) for the
// arena plan and runs each job with one call of the binary's engine_run, on one thread or, with
// the threaded binary, on every thread of the pool at once (threads/pool.ts). The host's part of
// a step is writing a few job words and reading the step's results.

import type { ArenaPlan } from '../../arena.js';
import { MAX_STEPS } from '../../arena.js';
import { WasmBinaryError } from '../../errors.js';
import type { Architecture, OptimizerConfig } from '../../types.js';
import { ACT, OPTIMIZERS, OUTPUTS } from '../../vocabulary.js';
import { KC, panelLayers, rowsPerUnit, weightUnits } from './schedule.js';
import { NO_RECIPE, drops, outcome, type Engine, type JobOutcome, type Recipe } from './types.js';
import { dropoutScale, dropoutThreshold } from '../dropout-bits.js';
import * as D from './words.js';

/** What a wasm backend gives its engine. */
export interface EngineBinding {
  /** byte offset of the descriptor (DESC_BYTES, below the arena: it never moves) */
  readonly descriptor: number;
  /** byte offset of the control block (threaded), else 0 */
  readonly ctl: number;
  readonly threads: number;
  /** byte offset of the profile (PROFILE_BYTES) a profiling binary writes, or absent */
  readonly profile?: number;
  buffer(): ArrayBuffer;
  /** engine_run(descriptor): the job's status, or −(1 + index) of a bad word. A threaded binding
   * throws WorkerError when a thread failed. */
  run(): number;
}

export const DESC_BYTES = D.DESC_WORDS * 4;

const STATUS: Record<number, JobOutcome['status']> = { [D.STATUS_OK]: 'ok', [D.STATUS_LOSS]: 'loss', [D.STATUS_REFUSED]: 'refused' };

/** Names of descriptor words, for the message when the binary refuses one. */
function wordName(w: number): string {
  if (w >= D.L_BASE) {
    const l = Math.floor((w - D.L_BASE) / D.L_WORDS);
    const name = Object.entries(D).find(([k, v]) => k.startsWith('L_') && k !== 'L_BASE' && k !== 'L_WORDS' && v === (w - D.L_BASE) % D.L_WORDS)?.[0];
    return `layer ${l} word ${name ?? (w - D.L_BASE) % D.L_WORDS}`;
  }
  const name = Object.entries(D).find(([k, v]) => /^[DJ]_/.test(k) && v === w)?.[0];
  return name ?? `word ${w}`;
}

export interface EngineSpec {
  arch: Architecture;
  opt: Required<OptimizerConfig>;
  targetWidth: number;
}

export class WasmEngine implements Engine {
  readonly callsPerStep = 1;
  private readonly b: EngineBinding;
  private readonly spec: EngineSpec;
  private plan: ArenaPlan | null = null;
  private buf: ArrayBuffer | null = null;
  private i32!: Int32Array;
  private f32!: Float32Array;
  private args!: Float32Array;
  private results!: DataView;
  private repack = true;
  private readonly out: JobOutcome = outcome(MAX_STEPS);
  /** unit sizes (schedule.ts); tests make them small so that small shapes split as big ones do */
  private kc = KC;
  private rows: number | null = null;
  private panels: number | null = null;
  /** false: the threads share A_0 even where the plan gave each a copy of the first layer's input */
  private copies = true;
  private recipe: Recipe = NO_RECIPE;
  /** the recipe drops some layer: training and gradient jobs set FLAG_DROPOUT */
  private dropping = false;

  constructor(binding: EngineBinding, spec: EngineSpec) {
    this.b = binding;
    this.spec = spec;
  }

  /** Views over the memory, made again after it grew (a grow replaces the buffer). */
  private views(): void {
    const buf = this.b.buffer();
    if (buf === this.buf) return;
    const p = this.plan!;
    this.buf = buf;
    this.i32 = new Int32Array(buf, this.b.descriptor, D.DESC_WORDS);
    this.f32 = new Float32Array(buf, this.b.descriptor, D.DESC_WORDS);
    this.args = new Float32Array(buf, p.stepArgs, 4 * MAX_STEPS);
    this.results = new DataView(buf, p.stepResults, 16 * MAX_STEPS);
  }

  configure(plan: ArenaPlan): void {
    // a new plan may put the packed transposes elsewhere: then they are packed again before the next job
    if (this.plan && plan.repacked.some((at, l) => at !== this.plan!.repacked[l])) this.repack = true;
    this.plan = plan;
    this.buf = null;
    this.views();
    const w = this.i32, f = this.f32;
    const { arch, opt } = this.spec;
    const L = arch.layers.length - 1;
    w.fill(0);
    w[D.D_MAGIC] = D.ENGINE_MAGIC;
    w[D.D_LAYERS] = L;
    w[D.D_THREADS] = this.b.threads;
    w[D.D_HEAD] = OUTPUTS.indexOf(arch.output);
    w[D.D_OPTIMIZER] = OPTIMIZERS.indexOf(opt.name);
    w[D.D_CAPACITY] = plan.capacity;
    w[D.D_CTL] = this.b.ctl;
    w[D.D_ROWS_MAX] = plan.rowsMax;
    w[D.D_KC] = this.kc;
    w[D.D_SCRATCH] = plan.scratch;
    w[D.D_SCRATCH_STRIDE] = plan.scratchStride;
    if (this.copies) { w[D.D_INPUT_COPIES] = plan.inputCopies.at; w[D.D_COPY_STRIDE] = plan.inputCopies.stride; w[D.D_COPY_ROWS] = plan.inputCopies.rows; }
    w[D.D_XQ] = plan.regrouped.inputs;
    w[D.D_ZQ] = plan.regrouped.deltas;
    w[D.D_TARGETS] = plan.targets;
    w[D.D_TARGET_WIDTH] = this.spec.targetWidth;
    w[D.D_ROW_LOSS] = plan.rowLoss;
    w[D.D_ROW_CORRECT] = plan.rowCorrect;
    if (plan.data) {
      w[D.D_DATA_X] = plan.data.x; w[D.D_DATA_Y] = plan.data.y; w[D.D_ORDER] = plan.data.order; w[D.D_DATA_ROWS] = plan.data.orderRows;
      w[D.D_DATA_BYTES] = plan.data.divisor > 0 ? 1 : 0; f[D.D_DATA_DIVISOR] = plan.data.divisor; w[D.D_DATA_NORM] = plan.data.norm;
    }
    w[D.D_STEP_ARGS] = plan.stepArgs;
    w[D.D_STEP_RESULTS] = plan.stepResults;
    w[D.D_MAX_STEPS] = MAX_STEPS;
    w[D.D_PROFILE] = this.b.profile ?? 0;
    f[D.D_WD] = opt.weightDecay; f[D.D_MU] = opt.momentum; f[D.D_BETA1] = opt.beta1; f[D.D_BETA2] = opt.beta2; f[D.D_EPS] = opt.epsilon;
    let units = 0;
    for (let l = 0; l < L; l++) {
      const at = D.L_BASE + D.L_WORDS * l, K = arch.layers[l], N = arch.layers[l + 1];
      const shift = (i: number) => plan.state[i] === undefined ? 0 : plan.state[i] - plan.params;
      w[at + D.L_K] = K; w[at + D.L_N] = N;
      w[at + D.L_W] = plan.weights[l]; w[at + D.L_B] = plan.biases[l];
      w[at + D.L_GW] = plan.gradWeights[l]; w[at + D.L_GB] = plan.gradBiases[l];
      if (plan.state.length > 0) { w[at + D.L_S0W] = plan.weights[l] + shift(0); w[at + D.L_S0B] = plan.biases[l] + shift(0); }
      if (plan.state.length > 1) { w[at + D.L_S1W] = plan.weights[l] + shift(1); w[at + D.L_S1B] = plan.biases[l] + shift(1); }
      w[at + D.L_WT] = plan.repacked[l];
      w[at + D.L_IN] = plan.acts[l]; w[at + D.L_OUT] = plan.acts[l + 1]; w[at + D.L_DZ] = plan.deltas[l];
      w[at + D.L_UNITS_BEFORE] = units;
      w[at + D.L_ACT] = l < L - 1 ? ACT[arch.hidden] : ACT.identity;
      units += weightUnits(K, N, this.kc);
    }
    w[D.D_WEIGHT_UNITS] = units;
    w[D.D_PANEL_LAYERS] = this.panels ?? panelLayers(arch.layers);
    this.writeRecipe();
  }

  setRecipe(r: Recipe): void {
    this.recipe = r;
    if (this.plan) { this.views(); this.writeRecipe(); }
  }

  /** The dropout table and the clip words (configure zeroes the descriptor: written after it). */
  private writeRecipe(): void {
    const p = this.plan!, r = this.recipe, w = this.i32, L = this.spec.arch.layers.length - 1;
    if (r.clipNorm > 0 && p.normSlots < w[D.D_WEIGHT_UNITS]) throw new Error('internal: the arena has no room for the norm clip\'s sums');
    w[D.D_DROPOUT] = p.dropout;
    w[D.D_NORM_SUMS] = r.clipNorm > 0 ? p.normSums : 0;
    this.f32[D.D_CLIP_NORM] = r.clipNorm;
    this.f32[D.D_CLIP_VALUE] = r.clipValue;
    const t = new Uint32Array(this.b.buffer(), p.dropout, D.DROPOUT_WORDS), tf = new Float32Array(t.buffer, p.dropout, D.DROPOUT_WORDS);
    t.fill(0);
    t[0] = r.seed >>> 0;
    for (let l = 0; l < L - 1; l++) {
      if (!drops(r, l)) continue;
      t[4 + 4 * l] = dropoutThreshold(r.dropout[l]);
      tf[4 + 4 * l + 1] = dropoutScale(r.dropout[l]);
      t[4 + 4 * l + 2] = p.preActs[l];
    }
    this.dropping = r.dropout.some((q) => q > 0);
  }

  paramsChanged(): void { this.repack = true; }

  /** Test hook: inputs per weight unit (a multiple of 8), rows per row unit (a multiple of 4, at
   * most the plan's rowsMax), the layers that go by panels on several threads (1 … layers;
   * null: schedule.ts's choice for each) and whether threads use their copies of the first layer's
   * input where the plan has them (true) or share A_0. No result bit depends on them. */
  tune(o: { kc?: number; rows?: number | null; panels?: number | null; copies?: boolean }): void {
    if (o.kc !== undefined) this.kc = o.kc;
    if (o.rows !== undefined) this.rows = o.rows;
    if (o.panels !== undefined) this.panels = o.panels;
    if (o.copies !== undefined) this.copies = o.copies;
    if (this.plan) this.configure(this.plan);
  }

  /** Runs the job in the job words; returns the status code. */
  private run(kind: number, flags: number, B: number): number {
    const w = this.i32;
    w[D.J_KIND] = kind;
    w[D.J_FLAGS] = flags | (this.repack ? D.FLAG_REPACK : 0);
    w[D.J_BATCH] = B;
    w[D.J_ROWS] = this.rows ?? rowsPerUnit(B, this.b.threads, this.plan!.rowsMax);
    const status = this.b.run();
    if (status < 0) throw new WasmBinaryError(`the wasm engine refused its descriptor: ${wordName(-status - 1)} = ${this.i32[-status - 1]} (the binary and the host disagree: a wrong or stale build?)`);
    if (status === D.STATUS_FAULT) throw new WasmBinaryError('a thread of the wasm engine failed without saying why');
    this.repack = false;
    return status;
  }

  train(start: number, batch: number, end: number, steps: number, lr: Float32Array, bc1: Float32Array, bc2: Float32Array, step: number): JobOutcome {
    this.views();
    const w = this.i32, a = this.args;
    for (let s = 0; s < steps; s++) { a[4 * s] = lr[s]; a[4 * s + 1] = bc1[s]; a[4 * s + 2] = bc2[s]; }
    w[D.J_START] = start; w[D.J_END] = end; w[D.J_STEPS] = steps; w[D.J_STEP] = step;
    const status = this.run(D.JOB_TRAIN, this.dropping ? D.FLAG_DROPOUT : 0, batch);
    const o = this.out, r = this.results;
    o.status = STATUS[status];
    o.done = w[D.J_DONE];
    const seen = Math.min(steps, o.done + (o.status === 'loss' ? 1 : 0));
    for (let s = 0; s < seen; s++) {
      o.loss[s] = r.getFloat64(16 * s, true);
      o.correct[s] = r.getInt32(16 * s + 8, true);
      o.refused[s] = r.getInt32(16 * s + 12, true);
    }
    return o;
  }

  grads(B: number, dropStep?: number): number {
    this.views();
    const drop = dropStep !== undefined && this.dropping;
    this.i32[D.J_STEP] = drop ? dropStep : 0;
    this.run(D.JOB_GRADS, drop ? D.FLAG_DROPOUT : 0, B);
    return this.results.getFloat64(0, true);
  }

  infer(B: number, withTargets: boolean): { loss: number; correct: number } {
    this.views();
    this.run(D.JOB_INFER, withTargets ? D.FLAG_TARGETS : 0, B);
    return { loss: this.results.getFloat64(0, true), correct: this.results.getInt32(8, true) };
  }
}
