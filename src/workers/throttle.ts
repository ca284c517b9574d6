// A rate limit on progress messages, with the clock passed in: the worker gives it
// performance.now(), tests give it the times they choose (tests/host/throttle.test.js), so what it
// decides never depends on how fast the machine trains.

export class Throttle {
  private last = -Infinity;
  /** `perSecond`: messages a second at most (Infinity: every one; ≤ 0 or NaN: only the first) */
  private readonly gapMs: number;
  constructor(perSecond: number) {
    this.gapMs = perSecond > 0 ? 1000 / perSecond : Infinity;
  }
  /** Whether a message may go at time `nowMs`; if so, the next one waits a full gap from now. The
   * first call always passes, so even a job shorter than one gap reports one batch. */
  pass(nowMs: number): boolean {
    if (this.last !== -Infinity && nowMs - this.last < this.gapMs) return false;
    this.last = nowMs;
    return true;
  }
}
