// Step 3: the same network trained twice at once, each in its own worker: by the fastest wasm
// backend (on all cores when the page is cross-origin isolated) and by the library's pure-JS
// backend. One epoch each; each lane shows its live samples/s, and the end the speed-up.

import { AUTO_THREADS_CAP, trainInWorker, type NetworkOptions, type TrainJob, type TrainResult } from 'wasm-mlp';
import type { Digits } from './data.js';
import { $, errorText, fmtInt, say } from './dom.js';
import { hook } from './hook.js';
import { isolated, type Setup } from './train.js';

// All cores but the one the JS lane trains on (threads: 'auto' would take that one too, and two
// threads spinning at their barriers on a core shared with another job slow each other down), up
// to the library's cap; one thread where the page is not cross-origin isolated.
const CORES = navigator.hardwareConcurrency || 1;
const WASM_THREADS = isolated ? Math.max(1, Math.min(AUTO_THREADS_CAP, CORES - 1)) : 1;

const BACKEND_NAMES: Record<string, string> = { relaxed: 'relaxed SIMD', simd: 'SIMD', scalar: 'scalar', js: 'pure JS' };

interface Lane { name: HTMLElement; meter: HTMLElement; speed: HTMLElement }

function lane(id: string): Lane {
  const el = $(id);
  return { name: el.querySelector('.lane-name')!, meter: el.querySelector('.meter')!, speed: el.querySelector('.lane-speed')! };
}

function fill(l: Lane, fraction: number): void {
  const pct = Math.round(100 * fraction);
  (l.meter.firstElementChild as HTMLElement).style.width = `${pct}%`;
  l.meter.setAttribute('aria-valuenow', String(pct));
}

export class Race {
  private readonly button = $<HTMLButtonElement>('race-start');
  private readonly result = $('race-result');
  private readonly lanes = { wasm: lane('lane-wasm'), js: lane('lane-js') };
  private digits: Digits | null = null;
  private running = false;
  private jobs: TrainJob[] = [];
  onBusy: (busy: boolean) => void = () => {};

  constructor(private readonly setup: () => Setup) {
    $('race-threads').textContent = !isolated ? ' (one thread: this page is not cross-origin isolated)'
      : WASM_THREADS > 1 ? ` on ${WASM_THREADS} cores (one more is left to the JS lane)` : ' on one core (the other is the JS lane\'s)';
    this.button.addEventListener('click', () => {
      if (!this.running) { void this.start(); return; }
      for (const job of this.jobs) job.cancel();
      say(this.result, 'Stopping…');
    });
  }

  ready(digits: Digits): void { this.digits = digits; this.button.disabled = false; }

  hold(on: boolean): void { if (!this.running) this.button.disabled = on || !this.digits; }

  private async start(): Promise<void> {
    if (!this.digits || this.running) return;
    let setup: Setup;
    try { setup = this.setup(); } catch (e) { this.fail(e); return; }
    this.running = true;
    this.jobs = [];
    this.button.textContent = 'Stop the race';
    this.onBusy(true);
    hook.race = { running: true, wasm: null, js: null, speedup: null, backend: null, threads: null };
    say(this.result, `Racing ${setup.summary}…`);
    const { x, y } = this.digits.train;
    const run = (key: 'wasm' | 'js', options: NetworkOptions): Promise<TrainResult> => {
      const l = this.lanes[key];
      fill(l, 0);
      l.speed.textContent = '–';
      const job = trainInWorker(options, { x, y }, {
        epochs: 1, batchSize: setup.batchSize, copy: true, progressRate: 15,
        onProgress: (p) => {
          if (p.batches) fill(l, p.batch / p.batches);
          l.speed.textContent = `${fmtInt(p.samplesPerSecond)} samples/s`;
        },
      });
      job.events.addEventListener('notice', (e) => e.preventDefault());
      this.jobs.push(job);
      return job.done.then((r) => {
        if (r.history.stopped) return r;
        const sps = r.history[0].samplesPerSecond;
        fill(l, 1);
        l.speed.textContent = `${fmtInt(sps)} samples/s`;
        hook.race[key] = sps;
        return r;
      });
    };
    const wasmLabel = this.lanes.wasm.name;
    wasmLabel.textContent = 'WebAssembly';
    try {
      const [wasm, js] = await Promise.all([
        run('wasm', { ...setup.options, backend: 'auto', threads: WASM_THREADS }),
        run('js', { ...setup.options, backend: 'js', threads: 1 }),
      ]);
      if (wasm.history.stopped || js.history.stopped) { say(this.result, 'Race stopped.'); return; }
      wasmLabel.textContent = `WebAssembly (${BACKEND_NAMES[wasm.backend] ?? wasm.backend}${wasm.threads > 1 ? `, ${wasm.threads} threads` : ''})`;
      const speedup = wasm.history[0].samplesPerSecond / js.history[0].samplesPerSecond;
      Object.assign(hook.race, { speedup, backend: wasm.backend, threads: wasm.threads });
      say(this.result, `WebAssembly trained ${speedup.toFixed(1)}× faster than pure JS`, 'done');
    } catch (e) {
      for (const job of this.jobs) job.cancel(); // the other lane
      this.fail(e);
    } finally {
      this.running = false;
      this.jobs = [];
      hook.race.running = false;
      this.button.textContent = 'Start the race';
      this.button.disabled = false;
      this.onBusy(false);
    }
  }

  private fail(e: unknown): void {
    const message = errorText(e);
    hook.errors.push(message);
    say(this.result, message, 'error');
  }
}
