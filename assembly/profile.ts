// Where a step's time goes, per thread and per phase: compiled only into the profiling binary
// (build/bench/relaxed-threads.profile.wasm, built with --use ENGINE_PROFILE=1), which imports env.now()
// (milliseconds on a clock every thread shares). In every other build these functions are empty
// and the import does not exist. The layout of the profile is in plan.ts (P_*); the bench reads it.

import { D_PROFILE, P_LAST, P_STEPS } from './plan';

// @ts-ignore: decorator
@external("env", "now") declare function now(): f64;

// @ts-ignore: decorator
@inline function profileOf(desc: usize): usize { return <usize>load<u32>(desc + (<usize>D_PROFILE << 2)); }

/** Thread 0, as it starts a job: the time the others' wake-up is measured from. */
// @ts-ignore: decorator
@inline export function profileJobStart(desc: usize): void {
  if (isDefined(ENGINE_PROFILE)) {
    const p = profileOf(desc);
    if (p != 0) store<f64>(p, now());
  }
}

/** Thread tid begins a job: its clock starts at the job's start (so the first mark is the wake-up). */
// @ts-ignore: decorator
@inline export function profileBegin(desc: usize, tid: i32): void {
  if (isDefined(ENGINE_PROFILE)) {
    const p = profileOf(desc);
    if (p != 0) store<f64>(p + (<usize>(tid + 1) << 7) + (<usize>P_LAST << 3), load<f64>(p));
  }
}

/** Adds the time since thread tid's last mark to its sum `slot`. */
// @ts-ignore: decorator
@inline export function profileMark(desc: usize, tid: i32, slot: i32): void {
  if (isDefined(ENGINE_PROFILE)) {
    const p = profileOf(desc);
    if (p == 0) return;
    const row = p + (<usize>(tid + 1) << 7);
    const t = now();
    const at = row + (<usize>slot << 3);
    store<f64>(at, load<f64>(at) + (t - load<f64>(row + (<usize>P_LAST << 3))));
    store<f64>(row + (<usize>P_LAST << 3), t);
  }
}

/** One more step (or pass) for thread tid. */
// @ts-ignore: decorator
@inline export function profileStep(desc: usize, tid: i32): void {
  if (isDefined(ENGINE_PROFILE)) {
    const p = profileOf(desc);
    if (p != 0) {
      const at = p + (<usize>(tid + 1) << 7) + (<usize>P_STEPS << 3);
      store<f64>(at, load<f64>(at) + 1);
    }
  }
}
