// A picture of a handwritten digit, of any size and either polarity, into the form MNIST's digits
// have (and MNIST-trained models expect): 28×28, white ink on black, the ink scaled to fit a 20×20
// box keeping its aspect ratio, anti-aliased, and placed so that its centre of mass is at (14, 14).
// Shared by `wasm-mlp predict` and the demo page's drawing canvas. Pure: no Node built-ins.
//
// Steps, after LeCun et al.'s description of MNIST (measured on the embedded digits: the ink box
// of 90% of them is 20 pixels tall, and their mean centre of mass is (14.01, 14.00)):
//   1. polarity: a light border (its median above 0.5) means dark ink on a light background, and
//      the image is inverted (1 − v); `invert` forces it either way;
//   2. levels: the border's median becomes 0 and the brightest pixel 1 (grey paper, faint ink);
//   3. crop to the bounding box of the pixels above `threshold`;
//   4. scale so that the box's longer side is 20 pixels, by area averaging (each output pixel is
//      the mean of the input it covers, partial pixels weighted by their overlap), and translate so
//      that the centre of mass lands on (14, 14); scaling and translation are one resampling, so the
//      sub-pixel shift costs no second blur;
//   5. the brightest output pixel becomes 1 (a thin pen scaled down stays as bright as MNIST's ink).
// Coordinates: pixel (column c, row r) is at (c, r), as numpy and scipy count them; the 28×28 field
// has its centre of mass at (14, 14) in those coordinates.

import { InputError } from '../errors.js';
import type { GreyImage } from './pgm.js';

export const DIGIT_SIDE = 28;
/** The longer side of the ink's box after scaling. */
export const DIGIT_BOX = 20;
/** Where the centre of mass goes, in pixel coordinates of the 28×28 field. */
export const DIGIT_CENTRE = 14;

export interface DigitImageOptions {
  /** invert the image (dark ink on a light background): 'auto' (default) decides from the border */
  invert?: boolean | 'auto';
  /** a pixel is ink above this level, after step 2 (default 0.1) */
  threshold?: number;
}

export interface PreprocessedDigit {
  /** (28, 28) row-major, white ink on black, in [0, 1]; all zero when `empty` */
  pixels: Float32Array;
  /** the image was inverted (by detection or because `invert: true` asked) */
  inverted: boolean;
  /** no ink: the image is blank (or one level everywhere); `pixels` are all zero */
  empty: boolean;
  /** the ink's bounding box in the input, in pixels; null when empty */
  box: { x: number; y: number; width: number; height: number } | null;
  /** output pixels per input pixel (0 when empty) */
  scale: number;
}

/** Median of the outermost ring of pixels (all of them for an image 1 or 2 pixels across). */
function borderMedian(img: GreyImage): number {
  const { width: w, height: h, pixels: p } = img;
  const ring: number[] = [];
  for (let c = 0; c < w; c++) { ring.push(p[c]); if (h > 1) ring.push(p[(h - 1) * w + c]); }
  for (let r = 1; r < h - 1; r++) { ring.push(p[r * w]); if (w > 1) ring.push(p[r * w + w - 1]); }
  ring.sort((a, b) => a - b);
  const m = ring.length >> 1;
  return ring.length % 2 ? ring[m] : (ring[m - 1] + ring[m]) / 2;
}

function check(img: GreyImage, threshold: number): void {
  const { width, height, pixels } = img ?? ({} as GreyImage);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InputError(`preprocessDigit: width and height must be positive integers; got ${width}×${height}`);
  }
  if (!(pixels instanceof Float32Array) || pixels.length !== width * height) {
    throw new InputError(`preprocessDigit: pixels must be a Float32Array of width × height = ${width * height} grey values; got ${pixels instanceof Float32Array ? `length ${pixels.length}` : typeof pixels}`);
  }
  for (let i = 0; i < pixels.length; i++) {
    if (!Number.isFinite(pixels[i])) throw new InputError(`preprocessDigit: pixel ${i} is ${pixels[i]}; expected a finite grey value in [0, 1]`);
  }
  if (!(threshold >= 0 && threshold < 1)) throw new InputError(`preprocessDigit: threshold must be in [0, 1); got ${threshold}`);
}

/**
 * Overlaps of source cells [o + i·s, o + (i+1)·s), i < n, with the output cells [t, t+1), t < 28:
 * for each i, the first output cell it touches and its overlap with each (a flat list).
 */
function overlaps(n: number, s: number, o: number): { first: Int32Array; count: Int32Array; weight: Float64Array; start: Int32Array } {
  const first = new Int32Array(n), count = new Int32Array(n), start = new Int32Array(n + 1);
  const w: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = o + i * s, b = a + s;
    const t0 = Math.max(0, Math.floor(a)), t1 = Math.min(DIGIT_SIDE, Math.ceil(b));
    first[i] = t0;
    start[i] = w.length;
    for (let t = t0; t < t1; t++) w.push(Math.max(0, Math.min(b, t + 1) - Math.max(a, t)));
    count[i] = Math.max(0, t1 - t0);
  }
  start[n] = w.length;
  return { first, count, weight: Float64Array.from(w), start };
}

/** The cropped ink (bh, bw) scaled by s and shifted by (ox, oy), area-averaged into 28×28. */
function resample(ink: Float32Array, bw: number, bh: number, s: number, ox: number, oy: number): Float32Array {
  const X = overlaps(bw, s, ox), Y = overlaps(bh, s, oy);
  const rows = new Float64Array(bh * DIGIT_SIDE); // (bh, 28): each ink row resampled horizontally
  for (let r = 0; r < bh; r++) {
    for (let c = 0; c < bw; c++) {
      const v = ink[r * bw + c];
      if (v === 0) continue;
      for (let k = 0; k < X.count[c]; k++) rows[r * DIGIT_SIDE + X.first[c] + k] += v * X.weight[X.start[c] + k];
    }
  }
  const out = new Float64Array(DIGIT_SIDE * DIGIT_SIDE);
  for (let r = 0; r < bh; r++) {
    for (let k = 0; k < Y.count[r]; k++) {
      const t = Y.first[r] + k, w = Y.weight[Y.start[r] + k];
      for (let c = 0; c < DIGIT_SIDE; c++) out[t * DIGIT_SIDE + c] += rows[r * DIGIT_SIDE + c] * w;
    }
  }
  return Float32Array.from(out, (v) => Math.min(1, v));
}

/** Centre of mass of a (h, w) image in pixel coordinates, or null when it has no mass. */
export function centreOfMass(pixels: Float32Array, width: number, height: number): { x: number; y: number } | null {
  let m = 0, mx = 0, my = 0;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const v = pixels[r * width + c];
      m += v; mx += v * c; my += v * r;
    }
  }
  return m > 0 ? { x: mx / m, y: my / m } : null;
}

/** A digit image of any size and polarity in MNIST's form (see the file header). */
export function preprocessDigit(image: GreyImage, options: DigitImageOptions = {}): PreprocessedDigit {
  const threshold = options.threshold ?? 0.1;
  check(image, threshold);
  const { width: w, height: h } = image;
  const border = borderMedian(image);
  const inverted = options.invert === 'auto' || options.invert === undefined ? border > 0.5 : options.invert;
  // steps 1 and 2: polarity, then the background to 0 and the brightest ink to 1
  const bg = inverted ? 1 - border : border;
  let peak = -Infinity;
  for (let i = 0; i < w * h; i++) peak = Math.max(peak, inverted ? 1 - image.pixels[i] : image.pixels[i]);
  const blank: PreprocessedDigit = { pixels: new Float32Array(DIGIT_SIDE * DIGIT_SIDE), inverted, empty: true, box: null, scale: 0 };
  if (!(peak - bg > threshold)) return blank;
  const level = (v: number) => Math.min(1, Math.max(0, ((inverted ? 1 - v : v) - bg) / (peak - bg)));
  // step 3: the ink's box
  let x0 = w, x1 = -1, y0 = h, y1 = -1;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      if (level(image.pixels[r * w + c]) > threshold) { x0 = Math.min(x0, c); x1 = Math.max(x1, c); y0 = Math.min(y0, r); y1 = Math.max(y1, r); }
    }
  }
  if (x1 < 0) return blank;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const ink = new Float32Array(bw * bh); // (bh, bw)
  for (let r = 0; r < bh; r++) for (let c = 0; c < bw; c++) ink[r * bw + c] = level(image.pixels[(y0 + r) * w + x0 + c]);
  // step 4: scale and centre. The scaled ink's centre of mass (continuous: cell i spans
  // [o + i·s, o + (i+1)·s)) is o + s·(ci + 0.5); output pixel t's centre is t + 0.5. Area averaging
  // keeps the centre of mass to within a fraction of a pixel; one correction makes it exact.
  const s = DIGIT_BOX / Math.max(bw, bh);
  const c = centreOfMass(ink, bw, bh)!;
  let ox = DIGIT_CENTRE - s * (c.x + 0.5) + 0.5, oy = DIGIT_CENTRE - s * (c.y + 0.5) + 0.5;
  let pixels = resample(ink, bw, bh, s, ox, oy);
  for (let pass = 0; pass < 2; pass++) {
    const got = centreOfMass(pixels, DIGIT_SIDE, DIGIT_SIDE);
    if (!got || (Math.abs(got.x - DIGIT_CENTRE) < 0.01 && Math.abs(got.y - DIGIT_CENTRE) < 0.01)) break;
    ox += DIGIT_CENTRE - got.x; oy += DIGIT_CENTRE - got.y;
    pixels = resample(ink, bw, bh, s, ox, oy);
  }
  // step 5
  let max = 0;
  for (let i = 0; i < pixels.length; i++) max = Math.max(max, pixels[i]);
  if (max > 0 && max < 1) for (let i = 0; i < pixels.length; i++) pixels[i] /= max;
  return { pixels, inverted, empty: false, box: { x: x0, y: y0, width: bw, height: bh }, scale: s };
}
