// Guided runs (assembly/sync.ts runLength): the runs a counter hands out, walked from 0 as the
// threads would claim them, cover every unit exactly once without passing the end, shrink (never
// grow) and end in single units, and take few claims: at most g·T·(1 + ln(total ÷ (g·T))) + 2·g·T,
// where a claim per unit would take `total`. claimRun itself needs the threaded builds: the
// host's threads tests run it (tests/host/threads.test.js).

import { runLength } from "../../assembly/sync";

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
});
