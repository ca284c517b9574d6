// The guess: the drawing through preprocessDigit (the function `wasm-mlp predict` uses), shown at
// 28 × 28, and the network's ten probabilities as bars. The network is a small copy built in the
// page from the trained (or loaded) parameters, on one thread: a 784-128-10 forward pass of one
// image takes well under a millisecond, so it runs on every change of the drawing.

import { createNetwork, type Network } from 'wasm-mlp';
import { centreOfMass, modelInputs, preprocessDigit, type GreyImage, type ModelContents } from 'wasm-mlp/io';
import { $, fmtPercent } from './dom.js';
import { hook } from './hook.js';

export class Guess {
  private net: Network | null = null;
  private model: ModelContents | null = null;
  private readonly seen = $<HTMLCanvasElement>('seen').getContext('2d')!;
  private readonly bars: HTMLLIElement[] = [];
  private readonly answer = $('answer');
  private readonly note = $('answer-note');

  constructor() {
    const list = $('bars');
    for (let d = 0; d < 10; d++) {
      const li = document.createElement('li');
      li.innerHTML = `<span class="digit">${d}</span><span class="bar"><span></span></span><span class="p"></span>`;
      list.append(li);
      this.bars.push(li);
    }
  }

  /** Uses this model from now on (the previous network is released). */
  async setModel(model: ModelContents): Promise<void> {
    const net = await createNetwork({ ...model.architecture, backend: 'auto', threads: 1 });
    net.setParameters(model.parameters);
    const old = this.net;
    this.net = net;
    this.model = model;
    await old?.dispose();
  }

  get current(): ModelContents | null { return this.model; }

  /** Preprocesses the drawing, shows it, and predicts when there is ink and a model. */
  update(image: GreyImage, inked: boolean): void {
    const digit = preprocessDigit(image);
    this.show(digit.pixels);
    hook.centre = digit.empty ? null : centreOfMass(digit.pixels, 28, 28);
    if (!inked || digit.empty) { this.clearBars(this.net ? 'Draw a digit in the box.' : 'Train a network or load a model first.'); return; }
    if (!this.net || !this.model) { this.clearBars('Train a network or load a model first: then it guesses as you draw.'); return; }
    const x = modelInputs(digit.pixels, 1, 784, 784, this.model.normalizer, 'the drawing');
    const p = Array.from(this.net.predict(x));
    const best = p.indexOf(Math.max(...p));
    this.bars.forEach((li, d) => {
      (li.querySelector('.bar > span') as HTMLElement).style.width = `${(100 * p[d]).toFixed(1)}%`;
      li.querySelector('.p')!.textContent = fmtPercent(p[d]);
      li.classList.toggle('best', d === best);
    });
    this.answer.textContent = String(best);
    this.note.textContent = p[best] > 0.9 ? 'sure of it' : p[best] > 0.6 ? 'fairly sure' : 'unsure: see the bars';
    hook.predictions++;
    hook.prediction = { digit: best, probabilities: p };
  }

  private clearBars(message: string): void {
    for (const li of this.bars) {
      (li.querySelector('.bar > span') as HTMLElement).style.width = '0';
      li.querySelector('.p')!.textContent = '';
      li.classList.remove('best');
    }
    this.answer.textContent = '?';
    this.note.textContent = message;
  }

  private show(pixels: Float32Array): void {
    const img = this.seen.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.round(255 * pixels[i]);
      img.data.set([v, v, v, 255], 4 * i);
    }
    this.seen.putImageData(img, 0, 0);
  }
}
