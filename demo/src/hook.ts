// window.__demo: counts the browser test (tests/browser/demo.test.js) reads to follow the page.
// Harmless for users: plain numbers, nothing here changes what the page does.

export interface DemoHook {
  /** digits loaded, controls enabled */
  ready: boolean;
  digits: number;
  training: boolean;
  /** training jobs finished (cancelled ones included) */
  runs: number;
  progressEvents: number;
  /** points the two charts received (all series) */
  points: { loss: number; accuracy: number };
  /** ms from each click's dispatch (event.timeStamp) to its handler */
  clickLatencies: number[];
  clears: number;
  strokes: number;
  predictions: number;
  prediction: { digit: number; probabilities: number[] } | null;
  /** what the 28×28 preview shows: its centre of mass, or null when blank */
  centre: { x: number; y: number } | null;
  model: string | null;
  race: { running: boolean; wasm: number | null; js: number | null; speedup: number | null; backend: string | null; threads: number | null };
  /** errors shown in the page */
  errors: string[];
}

export const hook: DemoHook = {
  ready: false, digits: 0, training: false, runs: 0, progressEvents: 0, points: { loss: 0, accuracy: 0 },
  clickLatencies: [], clears: 0, strokes: 0, predictions: 0, prediction: null, centre: null, model: null,
  race: { running: false, wasm: null, js: null, speedup: null, backend: null, threads: null },
  errors: [],
};

(globalThis as unknown as { __demo: DemoHook }).__demo = hook;

// Measured before any handler of the page runs (capture phase on the window).
addEventListener('click', (e) => { hook.clickLatencies.push(performance.now() - e.timeStamp); }, { capture: true });
