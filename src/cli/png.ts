// PNG reader for `predict` (pngjs, so Node-side; the PGM reader is pure, in data/pgm.ts).
// Output: grey pixels (height, width) row-major in [0, 1]. Colour becomes luminance
// (Rec. 601: 0.299 R + 0.587 G + 0.114 B); transparency is composited over the background the
// model expects (black, or white with `invert`, so that inverting turns it black as well) or, with
// background 'contrast', over the opposite of the visible pixels' mean (black strokes on a
// transparent sheet become black on white, white strokes white on black), for preprocessDigit to
// judge the polarity. `invert` maps v to 1 - v: MNIST-style models want white strokes on black.

import { createRequire } from 'node:module';
import { DataFormatError } from '../errors.js';
import type { GreyImage } from '../data/pgm.js';

interface PngLib { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } } }

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

export function readPng(bytes: Uint8Array, file: string, invert = false, background: 'model' | 'contrast' = 'model'): GreyImage {
  const { PNG } = createRequire(import.meta.url)('pngjs') as PngLib;
  let png: { width: number; height: number; data: Buffer };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new DataFormatError(`${file}: not a readable PNG: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
  const { width, height, data } = png; // RGBA, 8 bits per channel
  const pixels = new Float32Array(width * height);
  const lum = (i: number) => {
    const r = data[4 * i], g = data[4 * i + 1], b = data[4 * i + 2];
    return r === g && g === b ? r / 255 : (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  };
  let under = invert ? 1 : 0;
  if (background === 'contrast') {
    let seen = 0, sum = 0, clear = false;
    for (let i = 0; i < pixels.length; i++) {
      const a = data[4 * i + 3] / 255;
      seen += a; sum += a * lum(i); clear ||= a < 1;
    }
    if (clear && seen > 0) under = sum / seen < 0.5 ? 1 : 0;
  }
  for (let i = 0; i < pixels.length; i++) {
    const a = data[4 * i + 3] / 255;
    const v = lum(i) * a + under * (1 - a);
    pixels[i] = invert ? 1 - v : v;
  }
  return { width, height, pixels };
}
