// The state behind a Network, shared by its jobs (params.ts, passes.ts, trainer.ts, state.ts):
// the architecture, the kernels, the output head and update rule chosen once, the arena plan,
// the PRNG and where training is. Not exported from the library.

import type { Kernels } from '../backend/kernels.js';
import { planArena, type ArenaPlan, type DataBytes } from '../arena.js';
import { Rng } from '../rng.js';
import type { Architecture, Features, OptimizerConfig } from '../types.js';
import { checkFeatures, nonFiniteInput } from '../validate.js';
import { widenRows } from '../data/bytes.js';
import { HEADS, type OutputHead } from './heads.js';
import { UPDATE_RULES, type UpdateRule } from './optimizers.js';
import type { TrainingState } from './types.js';
import { trainingState } from './state.js';
import { NO_RECIPE, drops, type Engine, type Recipe } from '../backend/engine/types.js';
import { seedWord } from '../backend/dropout-bits.js';
import { WasmEngine } from '../backend/engine/wasm-engine.js';
import { HostEngine } from './host-engine.js';

/** Rows evaluated per chunk by predict and evaluate, and the smallest activation capacity. */
export const EVAL_CHUNK = 256;

export interface CheckedData { x: Features; y: Int32Array | Float32Array; n: number }

export class Core {
  readonly arch: Architecture;
  readonly k: Kernels;
  readonly head: OutputHead;
  readonly rule: UpdateRule;
  readonly opt: Required<OptimizerConfig>;
  /** runs the jobs: inside the wasm (every thread at once), or from the host for the js backend */
  readonly engine: Engine;
  rng: Rng;
  plan: ArenaPlan;
  /** optimizer updates done (Adam's bias correction counts them) */
  step = 0;
  trainState: TrainingState;
  /** host→wasm calls made by the last training batch (a figure the benchmarks report) */
  callsPerBatch = 0;
  /** the seed the network was created with (checkpoints keep it: the dropout masks derive from it) */
  readonly seed: number;
  /** dropout and clipping of the current fit (recipe.ts); none outside a fit */
  recipe: Recipe = NO_RECIPE;
  /** what the plan has room for: pre-dropout buffers per layer, the norm clip's sums */
  private room = { preActs: [] as boolean[], normSums: false };
  /** a fit is running (between its start and its end, callbacks included) */
  fitting = false;
  /** the resident data's byte form (null: float32), kept across re-plans */
  private dataBytes: DataBytes | null = null;

  constructor(arch: Architecture, opt: Required<OptimizerConfig>, seed: number, kernels: Kernels) {
    this.seed = seed;
    this.arch = { layers: [...arch.layers], hidden: arch.hidden, output: arch.output };
    this.k = kernels;
    this.head = HEADS[arch.output];
    this.rule = UPDATE_RULES[opt.name];
    this.opt = opt;
    this.rng = new Rng(seed);
    this.engine = kernels.engine
      ? new WasmEngine(kernels.engine, { arch: this.arch, opt, targetWidth: this.targetWidth })
      : new HostEngine(this);
    this.plan = this.replan(EVAL_CHUNK, 0);
    this.trainState = trainingState(0, 0, 0, null, this.rng.state);
  }

  get inputs(): number { return this.arch.layers[0]; }
  get outputs(): number { return this.arch.layers[this.arch.layers.length - 1]; }
  /** layers of weights */
  get depth(): number { return this.arch.layers.length - 1; }
  get targetWidth(): number { return this.head.targetWidth(this.outputs); }

  /** The plan for `capacity` rows and `dataRows` resident rows (an order of `orderRows` entries,
   * default dataRows), without applying it: what it would need is plan.bytes. */
  planFor(capacity: number, dataRows: number, dataBytes: DataBytes | null = this.dataBytes, orderRows?: number): ArenaPlan {
    return planArena({
      layers: this.arch.layers, layout: this.k.weightLayout, base: this.k.arenaBase,
      capacity, stateBlocks: this.rule.stateBlocks, targetWidth: this.targetWidth, dataRows, orderRows, threads: this.k.threads ?? 1,
      preActs: this.room.preActs, normSums: this.room.normSums, dataBytes,
    });
  }

  /** Plans for `capacity` rows and `dataRows` resident rows; memory only grows when the plan does. */
  replan(capacity: number, dataRows: number, dataBytes: DataBytes | null = this.dataBytes, orderRows?: number): ArenaPlan {
    this.dataBytes = dataBytes;
    const plan = this.planFor(capacity, dataRows, dataBytes, orderRows);
    this.k.ensureBytes(plan.bytes);
    this.plan = plan;
    this.engine.configure(plan);
    return plan;
  }

  /** Re-plans for `capacity` rows, keeping the resident data's room. */
  private keepData(capacity: number): void {
    const d = this.plan.data;
    this.replan(capacity, d?.rows ?? 0, this.dataBytes, d?.orderRows);
  }

  /** Follows recipe `r` from the next job on (dropout rates per layer, clipping; the masks' seed is
   * the network's): re-plans first when the arena lacks the room it needs. */
  setRecipe(r: Omit<Recipe, 'seed'>): void {
    const recipe: Recipe = { ...r, seed: seedWord(this.seed) };
    const saturating = this.arch.hidden === 'sigmoid' || this.arch.hidden === 'tanh';
    const preActs = Array.from({ length: this.depth }, (_, l) => this.room.preActs[l] || (saturating && l < this.depth - 1 && drops(recipe, l)));
    const normSums = this.room.normSums || (recipe.clipNorm > 0 && this.k.engine !== undefined);
    this.recipe = recipe;
    if (preActs.some((v, l) => v !== !!this.room.preActs[l]) || normSums !== this.room.normSums) {
      this.room = { preActs, normSums };
      this.keepData(this.plan.capacity);
    }
    this.engine.setRecipe(recipe);
  }

  ensureCapacity(rows: number): void {
    if (rows > this.plan.capacity) this.keepData(rows);
  }

  /** Views over the backend's memory: made fresh each time, so a grow never leaves one stale. */
  f32(offset: number, length: number): Float32Array { return new Float32Array(this.k.buffer(), offset, length); }
  i32(offset: number, length: number): Int32Array { return new Int32Array(this.k.buffer(), offset, length); }

  /** x and y checked against the architecture; `what` prefixes names in messages ('validation.').
   * `finite`: float features are checked to be finite here (false: the caller checks them). */
  checkData(x: unknown, y: unknown, what: string, finite = true): CheckedData {
    const { x: xs, n } = checkFeatures(x, this.inputs, `${what}x`, finite);
    return { x: xs, y: this.head.checkTargets(y, n, this.outputs, `${what}y`), n };
  }

  /** Copies rows [start, start+count) of host arrays into acts[0] (bytes widened) and the targets
   * block. `check`: float rows are checked to be finite there (first_nonfinite), for callers that
   * left that to this copy (checkData with finite false). */
  loadRows(x: Features, y: Int32Array | Float32Array | null, start: number, count: number, check = false): void {
    const n0 = this.inputs, w = this.targetWidth;
    const dst = this.f32(this.plan.acts[0], count * n0);
    if (x instanceof Float32Array) {
      dst.set(x.subarray(start * n0, (start + count) * n0));
      const bad = check ? this.k.first_nonfinite(this.plan.acts[0], count * n0) : -1;
      if (bad >= 0) throw nonFiniteInput('x', start * n0 + bad, x[start * n0 + bad], n0);
    } else widenRows(dst, 0, x.bytes, start * n0, count, n0, x.divisor, x.normalizer?.offset, x.normalizer?.scale);
    if (y) {
      const dst = y instanceof Int32Array ? this.i32(this.plan.targets, count * w) : this.f32(this.plan.targets, count * w);
      dst.set(y.subarray(start * w, (start + count) * w));
    }
  }

  /** Mean loss and accuracy (null for a linear output) from sums over n samples. */
  summarize(lossSum: number, correct: number, n: number): { loss: number; accuracy: number | null } {
    const terms = this.head.terms(n, this.outputs);
    return { loss: lossSum / terms, accuracy: this.head.hasAccuracy ? correct / terms : null };
  }
}
