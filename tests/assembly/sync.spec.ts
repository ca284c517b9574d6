// Guided runs (assembly/sync.ts runLength): the runs a counter hands out, walked from 0 as the
// threads would claim them, cover every unit exactly once without passing the end, shrink (never
// grow) and end in single units, and take few claims: at most g·T·(1 + ln(total ÷ (g·T))) + 2·g·T,
// where a claim per unit would take `total`. claimRun itself needs the threaded builds: the
// host's threads tests run it (tests/host/threads.test.js).

import { openingRun, runLength } from "../../assembly/sync";

const TOTALS: i32[] = [1, 2, 3, 4, 7, 8, 9, 16, 17, 75, 255, 2048, 4128, 100000];
const THREADS: i32[] = [2, 3, 4, 8, 16];
const GUIDES: i32[] = [1, 4];

describe("guided runs", () => {
  test("cover [0, total) exactly, never grow, end in single units, and take few claims", () => {
    for (let a = 0; a < TOTALS.length; a++) for (let b = 0; b < THREADS.length; b++) for (let g = 0; g < GUIDES.length; g++) {
      const total = TOTALS[a], T = THREADS[b], guide = GUIDES[g];
      const what = "total " + total.toString() + ", T " + T.toString() + ", guide " + guide.toString();
      let c = 0, claims = 0, last = i32.MAX_VALUE, run = 0;
      while (c < total) {
        run = runLength(total - c, T, guide);
        expect<i32>(run).toBeGreaterThanOrEqual(1, what + ": a run takes a unit");
        expect<i32>(run).toBeLessThanOrEqual(total - c, what + ": a run stops at the end");
        expect<i32>(run).toBeLessThanOrEqual(last, what + ": runs never grow");
        last = run;
        c += run;
        claims++;
      }
      expect<i32>(c).toBe(total, what + ": every unit once");
      expect<i32>(run).toBe(1, what + ": the last run is one unit");
      const gT = <f64>(guide * T);
      const bound = gT * (1 + Math.log(Math.max(1, <f64>total / gT))) + 2 * gT;
      expect<f64>(<f64>claims).toBeLessThanOrEqual(bound, what + ": claims");
    }
  });
  test("the first run is 1/(g·T) of the units, and a run depends only on what is left", () => {
    expect<i32>(runLength(64, 2, 1)).toBe(32);
    expect<i32>(runLength(4128, 2, 4)).toBe(516);
    expect<i32>(runLength(7, 2, 4)).toBe(1);
    expect<i32>(runLength(16, 2, 4)).toBe(2);
  });
  test("equal opening runs: the first T take c = 3·total / 4T each, guided runs take the rest", () => {
    for (let a = 0; a < TOTALS.length; a++) for (let b = 0; b < THREADS.length; b++) {
      const total = TOTALS[a], T = THREADS[b];
      const what = "total " + total.toString() + ", T " + T.toString();
      const c = (3 * total) / (4 * T);
      let at = 0, claims = 0, last = i32.MAX_VALUE, run = 0;
      while (at < total) {
        run = openingRun(total, total - at, T, 1);
        expect<i32>(run).toBeGreaterThanOrEqual(1, what + ": a run takes a unit");
        expect<i32>(run).toBeLessThanOrEqual(total - at, what + ": a run stops at the end");
        expect<i32>(run).toBeLessThanOrEqual(last, what + ": runs never grow");
        // the openings are equal; after them, or when they would be single units, guided runs
        if (c > 1 && claims < T) expect<i32>(run).toBe(c, what + ": opening run " + claims.toString());
        else expect<i32>(run).toBe(runLength(total - at, T, 1), what + ": a guided run after the openings");
        last = run;
        at += run;
        claims++;
      }
      expect<i32>(at).toBe(total, what + ": every unit once");
      expect<i32>(run).toBe(1, what + ": the last run is one unit");
      // the openings leave at least a quarter of the units to the guided runs
      if (c > 1) expect<i32>(total - T * c).toBeGreaterThanOrEqual(total / 4, what + ": the guided quarter");
      const bound = <f64>T * (2 + Math.log(Math.max(1, <f64>total / <f64>T))) + 2 * <f64>T;
      expect<f64>(<f64>claims).toBeLessThanOrEqual(bound, what + ": claims");
    }
    // 8 row units on 2 threads (batch 64): 3 and 3, then single units
    expect<i32>(openingRun(8, 8, 2, 1)).toBe(3);
    expect<i32>(openingRun(8, 5, 2, 1)).toBe(3);
    expect<i32>(openingRun(8, 2, 2, 1)).toBe(1);
  });
});
