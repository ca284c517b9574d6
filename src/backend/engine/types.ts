// The engine: what runs a job of the network's numeric work — training steps, gradients, a forward
// pass — over the arena. The wasm backends run it inside the wasm on every thread at once
// (wasm-engine.ts, assembly/engine.ts); the pure-JS backend runs the same sequence of kernels from
// the host (network/host-engine.ts). Both give the same results for the same kernels.

import type { ArenaPlan } from '../../arena.js';

/** What a training job did, step by step; one object is reused for every job of a fit. */
export interface JobOutcome {
  /** steps whose update ran (a step that refused updates counts: the others were applied) */
  done: number;
  /** 'loss': the loss of step `done` was not finite (stopped before its update); 'refused': step
   * `done − 1` refused updates that were not finite (stopped after it) */
  status: 'ok' | 'loss' | 'refused';
  /** per step: summed loss over the batch (before the update), correct count, refused updates */
  loss: Float64Array;
  correct: Int32Array;
  refused: Int32Array;
}

/** The training recipe's parts that run inside a step: dropout and gradient clipping. */
export interface Recipe {
  /** dropout rate of each layer of weights' output, in [0, 1) (the output layer's is 0) */
  dropout: readonly number[];
  /** u32 seed of the dropout masks (dropout-bits.ts) */
  seed: number;
  /** clip the gradients to this global L2 norm before the update (0: off) */
  clipNorm: number;
  /** clip each gradient element to [−clipValue, clipValue] (0: off); not with clipNorm */
  clipValue: number;
}

export const NO_RECIPE: Recipe = { dropout: [], seed: 0, clipNorm: 0, clipValue: 0 };

/** Whether layer l's output is dropped in training. */
export const drops = (r: Recipe, l: number): boolean => (r.dropout[l] ?? 0) > 0;

export interface Engine {
  /** Describes the arena to the engine: after every (re)plan and when the resident data change. */
  configure(plan: ArenaPlan): void;
  /** The host wrote the parameters (initialisation, setParameters, a checkpoint): anything the
   * engine derives from them is rebuilt before the next job. */
  paramsChanged(): void;
  /** The recipe the next jobs follow (the arena was planned with room for it: Core.setRecipe). */
  setRecipe(r: Recipe): void;
  /** `steps` training steps on the resident data: step s takes the samples at order positions
   * start + s·batch … (cut at `end`, the epoch's end); `lr`, `bc1`, `bc2` give each step's
   * learning rate and Adam bias corrections; `step` numbers the job's first step (the dropout
   * masks' key: step s uses step + s). */
  train(start: number, batch: number, end: number, steps: number, lr: Float32Array, bc1: Float32Array, bc2: Float32Array, step: number): JobOutcome;
  /** Loss and gradients (into the grads block) of the B rows loaded in acts[0] and the targets;
   * returns the summed loss. With `dropStep` the recipe's dropout applies, with that step's masks. */
  grads(B: number, dropStep?: number): number;
  /** Forward over the B rows loaded in acts[0]; with targets also the summed loss and correct count. */
  infer(B: number, withTargets: boolean): { loss: number; correct: number };
  /** Host→wasm calls a training step makes (the benchmarks report it). */
  readonly callsPerStep: number;
}

export const outcome = (steps: number): JobOutcome => ({
  done: 0, status: 'ok', loss: new Float64Array(steps), correct: new Int32Array(steps), refused: new Int32Array(steps),
});
