// Step 1: the controls, a trainInWorker job (the page's thread only draws), the live curves and
// figures. The digits are copied to the worker (copy: true), so the page can train again.

import { trainInWorker, type NetworkOptions, type TrainJob, type TrainProgress, type TrainResult } from 'wasm-mlp';
import type { Digits } from './data.js';
import { Curves } from './charts.js';
import { $, errorText, fmtInt, fmtPercent, say } from './dom.js';
import { hook } from './hook.js';

/** What the controls ask for. */
export interface Setup {
  options: NetworkOptions;
  epochs: number;
  batchSize: number;
  /** "784-128-10, sgd 0.1, batch 64" */
  summary: string;
}

const epochs = (n: number) => `${n} epoch${n === 1 ? '' : 's'}`;
const DEFAULT_LR = { sgd: '0.1', momentum: '0.02', adam: '0.001' } as const;
export const isolated = globalThis.crossOriginIsolated === true;
const cores = Math.min(8, navigator.hardwareConcurrency || 1);

export class TrainPanel {
  private readonly form = $<HTMLFormElement>('controls');
  private readonly startButton = $<HTMLButtonElement>('train-start');
  private readonly stopButton = $<HTMLButtonElement>('train-stop');
  private readonly status = $('train-status');
  private readonly loss = new Curves($('chart-loss'), [{ label: 'train', color: '#2563eb' }, { label: 'test', color: '#059669', perEpoch: true }], false);
  private readonly accuracy = new Curves($('chart-accuracy'), [{ label: 'train', color: '#2563eb' }, { label: 'test', color: '#059669', perEpoch: true }], true);
  private job: TrainJob | null = null;
  private digits: Digits | null = null;
  /** called when a job ends with parameters worth using (cancelled runs included) */
  onTrained: (result: TrainResult, setup: Setup) => void = () => {};
  /** called when a job starts and ends, so other panels can wait */
  onBusy: (busy: boolean) => void = () => {};

  constructor() {
    const threads = this.field<HTMLSelectElement>('threads');
    const choices = ['1', ...Array.from({ length: cores - 1 }, (_, i) => String(i + 2)), 'auto'];
    threads.innerHTML = choices.map((c) => `<option value="${c}">${c === 'auto' ? `auto (${cores})` : c}</option>`).join('');
    threads.value = isolated ? 'auto' : '1';
    const optimizer = this.field<HTMLSelectElement>('optimizer');
    optimizer.addEventListener('change', () => { this.field<HTMLInputElement>('lr').value = DEFAULT_LR[optimizer.value as keyof typeof DEFAULT_LR]; });
    this.field<HTMLSelectElement>('backend').addEventListener('change', () => this.syncThreads());
    this.syncThreads();
    this.form.addEventListener('submit', (e) => { e.preventDefault(); void this.start(); });
    this.stopButton.addEventListener('click', () => { this.job?.cancel(); say(this.status, 'Stopping after this batch…'); });
  }

  ready(digits: Digits): void {
    this.digits = digits;
    this.startButton.disabled = false;
  }

  /** Blocks starting while another panel trains. */
  hold(on: boolean): void { this.startButton.disabled = on || !this.digits || this.job !== null; }

  private field<T extends HTMLElement>(name: string): T { return this.form.elements.namedItem(name) as T; }

  /** Threads need a SIMD wasm backend and a cross-origin-isolated page. */
  private syncThreads(): void {
    const threads = this.field<HTMLSelectElement>('threads');
    const backend = this.field<HTMLSelectElement>('backend').value;
    const possible = isolated && backend !== 'js' && backend !== 'scalar';
    threads.disabled = !possible;
    if (!possible) threads.value = '1';
    threads.title = !isolated ? 'threads need a cross-origin-isolated page (npm run demo:serve sends the headers)'
      : possible ? 'cores to train on; results are identical for every count' : `the ${backend} backend runs on one thread`;
  }

  /** The controls as network options, or an Error naming the bad field. */
  setup(): Setup {
    const text = (n: string) => this.field<HTMLInputElement>(n).value.trim();
    const hidden = text('hidden').split(/[\s,]+/).filter(Boolean).map(Number);
    if (!hidden.length || hidden.some((h) => !Number.isInteger(h) || h < 1 || h > 4096)) throw new Error(`Hidden layers: write sizes from 1 to 4096 separated by commas, e.g. 128 or 256,64 (got "${text('hidden')}")`);
    const lr = Number(text('lr'));
    if (!(lr > 0 && lr <= 10)) throw new Error(`Learning rate: a number above 0, at most 10 (got "${text('lr')}")`);
    const epochs = Number(text('epochs'));
    if (!Number.isInteger(epochs) || epochs < 1 || epochs > 200) throw new Error(`Epochs: a whole number from 1 to 200 (got "${text('epochs')}")`);
    const batchSize = Number(text('batch'));
    const optimizer = text('optimizer') as 'sgd' | 'momentum' | 'adam';
    const backend = text('backend') as NetworkOptions['backend'];
    const t = text('threads');
    const layers = [784, ...hidden, 10];
    return {
      options: { layers, hidden: 'relu', output: 'softmax', optimizer: { name: optimizer, learningRate: lr }, backend, threads: t === 'auto' ? 'auto' : Number(t), seed: 1 },
      epochs, batchSize,
      summary: `${layers.join('-')}, ${optimizer} ${lr}, batch ${batchSize}`,
    };
  }

  private async start(): Promise<void> {
    if (!this.digits || this.job) return;
    let setup: Setup;
    try { setup = this.setup(); } catch (e) { this.fail(e); return; }
    const { train, test } = this.digits;
    this.loss.reset(setup.epochs);
    this.accuracy.reset(setup.epochs);
    hook.points = { loss: 0, accuracy: 0 };
    for (const id of ['stat-epoch', 'stat-speed', 'stat-loss', 'stat-test']) $(id).textContent = '–';
    say(this.status, `Training ${setup.summary} in a worker…`);
    const job = trainInWorker(setup.options, { x: train.x, y: train.y, validation: { x: test.x, y: test.y } }, {
      epochs: setup.epochs, batchSize: setup.batchSize, copy: true, progressRate: 20, onProgress: (p) => this.progress(p),
    });
    job.events.addEventListener('notice', (e) => { e.preventDefault(); say(this.status, (e as CustomEvent<string>).detail); });
    this.job = job;
    this.busy(true);
    try {
      const result = await job.done;
      const last = result.history[result.history.length - 1];
      const where = `${result.backend}${result.threads > 1 ? `, ${result.threads} threads` : ''}`;
      say(this.status, result.history.stopped
        ? `Stopped after ${epochs(result.history.length)} (${where}).`
        : `Done: ${epochs(result.history.length)} on ${where}${last?.validationAccuracy != null ? `, ${fmtPercent(last.validationAccuracy)} of the test digits right` : ''}. Now draw a digit (step 2).`, 'done');
      if (result.history.length > 0) this.onTrained(result, setup);
    } catch (e) {
      this.fail(e);
    } finally {
      this.job = null;
      this.busy(false);
      hook.runs++;
    }
  }

  private progress(p: TrainProgress): void {
    hook.progressEvents++;
    $('stat-epoch').textContent = `${p.epoch} / ${p.epochs}`;
    $('stat-speed').textContent = fmtInt(p.samplesPerSecond);
    $('stat-loss').textContent = p.loss.toFixed(3);
    if (p.kind === 'batch') {
      const x = p.epoch - 1 + p.batch / p.batches;
      this.loss.add(x, [p.loss, null]);
      this.accuracy.add(x, [p.accuracy, null]);
    } else if (p.log) {
      const test = p.log.validationAccuracy ?? null;
      // the epoch's test figures. The train loss curve has the batches' losses (the epoch's mean
      // would be another quantity); the running train accuracy ends at the epoch's.
      this.loss.add(p.epoch, [null, p.log.validationLoss ?? null]);
      this.accuracy.add(p.epoch, [p.log.trainAccuracy, test]);
      if (test !== null) $('stat-test').textContent = fmtPercent(test);
    }
    hook.points = { loss: this.loss.points, accuracy: this.accuracy.points };
  }

  private busy(on: boolean): void {
    hook.training = on;
    this.startButton.disabled = on;
    this.stopButton.disabled = !on;
    this.onBusy(on);
  }

  private fail(e: unknown): void {
    const message = errorText(e);
    hook.errors.push(message);
    say(this.status, message, 'error');
  }
}
