// The engine of the pure-JS backend: the jobs of backend/engine/types.ts run from the host as one
// kernel call after another (passes.ts), in the order the wasm engine runs them: gather, forward,
// loss, every input gradient, then the weight gradients with the update. It is the readable
// reference of a training step, and what tests compare the wasm engine against.

import type { ArenaPlan } from '../arena.js';
import { MAX_STEPS } from '../arena.js';
import { outcome, type Engine, type JobOutcome, type Recipe } from '../backend/engine/types.js';
import type { Core } from './core.js';
import { backward, backwardAndUpdate, countCorrect, forward, outputLoss } from './passes.js';

export class HostEngine implements Engine {
  private readonly c: Core;
  private readonly out: JobOutcome = outcome(MAX_STEPS);

  constructor(c: Core) { this.c = c; }

  /** gathers 2, forward L, loss + accuracy + dZ 3, dX L−1, dW L, and an update unless SGD is fused */
  get callsPerStep(): number { return 3 * this.c.depth + 4 + (this.c.rule.fused ? 0 : 1); }

  configure(_plan: ArenaPlan): void {}
  paramsChanged(): void {}
  /** the recipe is read from the Core (c.recipe) by the passes */
  setRecipe(_r: Recipe): void {}

  train(start: number, batch: number, end: number, steps: number, lr: Float32Array, bc1: Float32Array, bc2: Float32Array, step: number): JobOutcome {
    const c = this.c, k = c.k, p = c.plan, data = p.data!, o = this.out;
    const dropping = c.recipe.dropout.some((q) => q > 0);
    o.status = 'ok';
    for (let s = 0; s < steps; s++, start += batch) {
      const B = Math.min(batch, end - start);
      const idx = data.order + 4 * start;
      if (data.divisor > 0) k.gather_rows_u8(p.acts[0], data.x, idx, B, c.inputs, data.divisor, data.norm);
      else k.gather_rows(p.acts[0], data.x, idx, B, c.inputs);
      if (c.head.labels) k.gather_i32(p.targets, data.y, idx, B);
      else k.gather_rows(p.targets, data.y, idx, B, data.targetWidth);
      forward(c, B, dropping ? step + s : null);
      o.loss[s] = outputLoss(c, B, true);
      o.correct[s] = 0;
      o.refused[s] = 0;
      if (!Number.isFinite(o.loss[s])) { o.status = 'loss'; o.done = s; return o; }
      o.correct[s] = countCorrect(c, B);
      o.refused[s] = backwardAndUpdate(c, B, lr[s], bc1[s], bc2[s], dropping ? step + s : null);
      if (o.refused[s] > 0) { o.status = 'refused'; o.done = s + 1; return o; }
    }
    o.done = steps;
    return o;
  }

  grads(B: number, dropStep?: number): number {
    const d = dropStep ?? null;
    forward(this.c, B, d);
    const loss = outputLoss(this.c, B, true);
    backward(this.c, B, d);
    return loss;
  }

  infer(B: number, withTargets: boolean): { loss: number; correct: number } {
    forward(this.c, B);
    const loss = outputLoss(this.c, B, withTargets);
    return { loss, correct: withTargets ? countCorrect(this.c, B) : 0 };
  }
}
