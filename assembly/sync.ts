// Synchronisation between the threads of a threaded engine, over the control block (plan.ts):
// handing out units of work, the barrier between phases, and the wait for the next job. Built only
// into the threaded binaries (ASC_FEATURE_THREADS); the single-thread binaries run every job on
// one thread and never touch the control block.
//
// The barrier is sense-reversing: each thread reads the generation, adds itself to the count; the
// last to arrive zeroes the count, resets the work counter of the next phase (nobody is using it:
// everyone is here), bumps the generation and wakes any sleeper. The others spin on the generation
// for C_SPIN rounds, then wait on it with a timeout, so a thread that failed (C_FAULT) never
// leaves them waiting for ever.

import { C_BAR_COUNT, C_BAR_GEN, C_BAR_SLEEPERS, C_CLAIM, C_COORD_BLOCKS, C_FAULT, C_GEN, C_PARK, C_QUIT, C_SLEEPERS, C_SPIN } from './plan';

/** Wait timeout (ns) between checks for a failed thread. */
const WAIT_NS: i64 = 2_000_000;

// @ts-ignore: decorator
@inline function word(ctl: usize, w: i32): usize { return ctl + (<usize>w << 2); }

/** The next unit of the counter `w` (each call takes one; past the last, keeps counting). */
// @ts-ignore: decorator
@inline export function nextUnit(ctl: usize, w: i32): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(word(ctl, w), 1);
  return 0;
}

/** The length of the run that starts `left` units before the end of a guided hand-out on T
 * threads: left ÷ (guide·T), at least 1. Long runs while much is left, single units at the end, so
 * that a phase of thousands of small units (a 1024-wide layer has 2,048 weight units of 32,768
 * multiply-adds) costs each thread tens of claims on the shared counter instead of thousands, and
 * that rows go by long runs (each reads the layers' weights once) while the threads still finish
 * within a unit of each other. A function of `left` alone: a run is known from its start. */
// @ts-ignore: decorator
@inline export function runLength(left: i32, T: i32, guide: i32): i32 {
  const n = left / (guide * T);
  return n > 1 ? n : 1;
}

/** The length of the run that starts `left` units before the end of `total` units handed out with
 * equal opening runs: the first T runs take c = ⌊3·total ÷ 4T⌋ units each, then guided runs (see
 * runLength) take the last quarter. Guided runs from the start give the first claimer half of the
 * units and the second a quarter, then an eighth…: where every run costs a fixed amount besides its
 * units (a run of rows reads the weights of every layer once a piece; three 1024-wide layers are
 * 12 MB) the second thread pays it three times for the first's once, and the first then waits. With
 * equal openings each pays it about twice, and the quarter still lets a faster core take more. */
// @ts-ignore: decorator
@inline export function openingRun(total: i32, left: i32, T: i32, guide: i32): i32 {
  const c = (3 * total) / (4 * T);
  return c > 1 && left > total - T * c ? c : runLength(left, T, guide);
}

/** The start of the next run of the `total` units of counter `w` (see runLength; with `opening`,
 * openingRun); `total` or more when none is left (the counter then stays where it is). */
export function claimRun(ctl: usize, w: i32, total: i32, T: i32, guide: i32, opening: bool = false): i32 {
  if (!ASC_FEATURE_THREADS) return 0;
  const at = word(ctl, w);
  while (true) {
    const c = atomic.load<i32>(at);
    if (c >= total) return c;
    const run = opening ? openingRun(total, total - c, T, guide) : runLength(total - c, T, guide);
    if (atomic.cmpxchg<i32>(at, c, c + run) == c) return c;
  }
  return total;
}

/** The next unit of thread `owner`'s own first-layer units: the owner takes them in order, and a
 * thread that has run out of work takes the owner's next one (past the last, keeps counting). */
// @ts-ignore: decorator
@inline export function claimUnit(ctl: usize, owner: i32): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(word(ctl, C_CLAIM + (owner << 4)), 1);
  return 0;
}

/** Counts a unit thread `tid` took from another thread's own ones (C_CLAIM + 16·tid + 1, which
 * only tid writes and nobody zeroes: the host reads how often the threads balanced their work). */
// @ts-ignore: decorator
@inline export function countTaken(ctl: usize, tid: i32): void {
  if (ASC_FEATURE_THREADS) atomic.add<i32>(word(ctl, C_CLAIM + (tid << 4) + 1), 1);
}

/** Zeroes the claim counters of T threads (nobody may be claiming). */
export function resetClaims(ctl: usize, T: i32): void {
  if (!ASC_FEATURE_THREADS || ctl == 0) return;
  for (let t = 0; t < T; t++) atomic.store<i32>(word(ctl, C_CLAIM + (t << 4)), 0);
}

export function failed(ctl: usize): bool {
  if (ASC_FEATURE_THREADS && ctl != 0) return atomic.load<i32>(word(ctl, C_FAULT)) != 0;
  return false;
}

/** All T threads meet; the last one zeroes the counter `resetWord` (−1: none), and with `claims`
 * the claim counters. False when a thread has failed: the job is over for everyone. */
export function barrier(ctl: usize, tid: i32, T: i32, resetWord: i32, claims: bool = false): bool {
  if (!ASC_FEATURE_THREADS || T <= 1) return true;
  const gen = word(ctl, C_BAR_GEN);
  const g = atomic.load<i32>(gen);
  if (atomic.add<i32>(word(ctl, C_BAR_COUNT), 1) == T - 1) {
    atomic.store<i32>(word(ctl, C_BAR_COUNT), 0);
    if (resetWord >= 0) atomic.store<i32>(word(ctl, resetWord), 0);
    if (claims) resetClaims(ctl, T);
    atomic.store<i32>(gen, g + 1);
    if (atomic.load<i32>(word(ctl, C_BAR_SLEEPERS)) > 0) atomic.notify(gen, -1);
    return !failed(ctl);
  }
  const spin = atomic.load<i32>(word(ctl, C_SPIN));
  const mayWait = tid != 0 || atomic.load<i32>(word(ctl, C_COORD_BLOCKS)) != 0;
  let spins = 0;
  while (atomic.load<i32>(gen) == g) {
    if (failed(ctl)) return false;
    if (++spins > spin && mayWait) {
      atomic.add<i32>(word(ctl, C_BAR_SLEEPERS), 1);
      atomic.wait<i32>(gen, g, WAIT_NS);
      atomic.sub<i32>(word(ctl, C_BAR_SLEEPERS), 1);
    }
  }
  return !failed(ctl);
}

/** Thread 0 starts a job: every worker waiting on the generation runs it. */
export function startJob(ctl: usize): void {
  if (!ASC_FEATURE_THREADS) return;
  atomic.store<i32>(word(ctl, C_PARK), 0);
  atomic.add<i32>(word(ctl, C_GEN), 1);
  if (atomic.load<i32>(word(ctl, C_SLEEPERS)) > 0) atomic.notify(word(ctl, C_GEN), -1);
}

/** A worker waits for a job after generation `seen`: returns the new generation, or −1 to quit
 * (C_QUIT, or a failed thread). Spins C_SPIN rounds unless parked, then waits. */
export function awaitJob(ctl: usize, seen: i32): i32 {
  if (!ASC_FEATURE_THREADS) return -1;
  const gen = word(ctl, C_GEN);
  let spins = 0;
  while (true) {
    const g = atomic.load<i32>(gen);
    if (g != seen) return atomic.load<i32>(word(ctl, C_QUIT)) != 0 ? -1 : g;
    if (atomic.load<i32>(word(ctl, C_QUIT)) != 0 || failed(ctl)) return -1;
    if (++spins > atomic.load<i32>(word(ctl, C_SPIN)) || atomic.load<i32>(word(ctl, C_PARK)) != 0) {
      atomic.add<i32>(word(ctl, C_SLEEPERS), 1);
      atomic.wait<i32>(gen, seen, WAIT_NS * 50);
      atomic.sub<i32>(word(ctl, C_SLEEPERS), 1);
      spins = 0;
    }
  }
  return -1;
}
