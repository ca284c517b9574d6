// The drawing pad: dark ink on a white sheet, drawn with pointer events (mouse, pen or finger; the
// canvas has touch-action: none so a finger draws instead of scrolling). The canvas keeps a fixed
// 280 × 280 backing store whatever its size on screen; pointer positions are scaled to it.
// image() hands the sheet to preprocessDigit as grey values in [0, 1].

import type { GreyImage } from 'wasm-mlp/io';

const INK = '#111';
const SHEET = '#fff';
/** stroke width in backing-store pixels: about 2 px of MNIST's 20-pixel box for a full-height digit */
const BRUSH = 20;

export class Pad {
  private readonly ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private pointer: number | null = null;
  /** true once something was drawn since the last clear */
  inked = false;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly onChange: () => void, private readonly onStroke: () => void) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) canvas.addEventListener(type, (e) => this.up(e));
  }

  clear(): void {
    this.ctx.fillStyle = SHEET;
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.inked = false;
    this.onChange();
  }

  /** The sheet as grey values (height, width), row-major, in [0, 1]. */
  image(): GreyImage {
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const pixels = new Float32Array(width * height);
    for (let i = 0; i < pixels.length; i++) pixels[i] = rgba[4 * i] / 255;
    return { width, height, pixels };
  }

  private at(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  private down(e: PointerEvent): void {
    if (this.pointer !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    this.pointer = e.pointerId;
    try { this.canvas.setPointerCapture(e.pointerId); } catch { /* a synthetic pointer cannot be captured */ }
    this.last = this.at(e);
    this.segment(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (e.pointerId !== this.pointer || !this.last) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const p of events.length ? events : [e]) {
      const to = this.at(p);
      this.segment(this.last, to);
      this.last = to;
    }
  }

  private up(e: PointerEvent): void {
    if (e.pointerId !== this.pointer) return;
    this.pointer = null;
    this.last = null;
    this.onStroke();
  }

  private segment(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const c = this.ctx;
    c.strokeStyle = INK;
    c.lineWidth = BRUSH;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(from.x, from.y);
    c.lineTo(to.x, to.y);
    c.stroke();
    this.inked = true;
    this.onChange();
  }
}
