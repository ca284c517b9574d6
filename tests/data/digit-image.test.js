// preprocessDigit: a digit image of any size and polarity into MNIST's form (28×28, white on black,
// ink cropped and scaled to fit 20×20 keeping its aspect ratio, area-averaged, centre of mass at
// (14, 14)). Fixtures: real test digits from the embedded set, and small synthetic shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preprocessDigit, centreOfMass } from 'wasm-mlp/io';
import { InputError } from 'wasm-mlp';
import { loadDigits } from '../../dist/node/digits.js';

const digits = loadDigits();
const digit = (i) => digits.test.x.slice(i * 784, (i + 1) * 784);

/** A (h, w) image filled with `bg`, with `src` (sh, sw) scaled up by an integer factor k placed at (x, y). */
function place({ w, h, bg = 0 }, src, sw, sh, k, x, y, map = (v) => v) {
  const p = new Float32Array(w * h).fill(bg);
  for (let r = 0; r < sh * k; r++) for (let c = 0; c < sw * k; c++) p[(y + r) * w + x + c] = map(src[Math.floor(r / k) * sw + Math.floor(c / k)]);
  return { width: w, height: h, pixels: p };
}

/** The box of the pixels above `t` in a 28×28 result. */
function inkBox(p, t = 0) {
  let x0 = 28, x1 = -1, y0 = 28, y1 = -1;
  for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) if (p[r * 28 + c] > t) { x0 = Math.min(x0, c); x1 = Math.max(x1, c); y0 = Math.min(y0, r); y1 = Math.max(y1, r); }
  return { width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const sum = (a) => a.reduce((s, v) => s + v, 0);

function assertCentred(p, what) {
  const c = centreOfMass(p, 28, 28);
  assert.ok(Math.abs(c.x - 14) <= 0.5 && Math.abs(c.y - 14) <= 0.5, `${what}: centre of mass at (${c.x}, ${c.y})`);
}

test('a light background is detected and inverted to white on black; a dark one is left as it is', () => {
  const x = digit(0);
  const dark = preprocessDigit({ width: 28, height: 28, pixels: x });
  const light = preprocessDigit({ width: 28, height: 28, pixels: x.map((v) => 1 - v) });
  assert.equal(dark.inverted, false);
  assert.equal(light.inverted, true);
  assert.ok(maxDiff(dark.pixels, light.pixels) < 1e-6, 'both polarities give the same digit');
  // white ink: the border is black in the result, as in MNIST
  assert.equal(light.pixels[0], 0);
  assert.equal(light.pixels[27 * 28 + 27], 0);
});

test('a real MNIST digit is already in that form: preprocessing moves it by a fraction of a pixel at most', () => {
  let total = 0;
  for (let i = 0; i < 50; i++) {
    const x = digit(i);
    const r = preprocessDigit({ width: 28, height: 28, pixels: x });
    assert.equal(r.inverted, false);
    if (r.box.height === 20) assert.equal(r.scale, 1, `digit ${i}`);
    total += r.pixels.reduce((s, v, k) => s + Math.abs(v - x[k]), 0) / 784;
  }
  assert.ok(total / 50 < 0.03, `mean |preprocessed − original| = ${total / 50}`);
});

test('invert: true and invert: false override the detection', () => {
  const light = { width: 28, height: 28, pixels: digit(1).map((v) => 1 - v) };
  const forced = preprocessDigit(light, { invert: true });
  assert.equal(forced.inverted, true);
  assert.ok(maxDiff(forced.pixels, preprocessDigit(light).pixels) < 1e-6);
  // not inverted, the light sheet is the background and nothing is brighter: no ink
  const kept = preprocessDigit(light, { invert: false });
  assert.equal(kept.inverted, false);
  assert.equal(kept.empty, true);
});

test('the ink is cropped: the same digit anywhere on a larger sheet gives the same result, and box says where it was', () => {
  const x = digit(2);
  const ref = preprocessDigit({ width: 28, height: 28, pixels: x });
  for (const [px, py] of [[0, 0], [37, 5], [72, 72]]) {
    const r = preprocessDigit(place({ w: 100, h: 100 }, x, 28, 28, 1, px, py));
    assert.ok(maxDiff(r.pixels, ref.pixels) < 1e-6, `at (${px}, ${py})`);
    assert.deepEqual(r.box, { ...ref.box, x: ref.box.x + px, y: ref.box.y + py });
  }
});

test('a tall bar is scaled to 20 pixels high and a wide one to 20 wide, keeping the aspect ratio', () => {
  const bar = (bw, bh) => place({ w: 80, h: 80 }, new Float32Array(bw * bh).fill(1), bw, bh, 1, 10, 10);
  const tall = preprocessDigit(bar(10, 40));   // scale 0.5: 5 × 20
  const wide = preprocessDigit(bar(60, 15));   // scale 1/3: 20 × 5
  assert.equal(tall.scale, 0.5);
  assert.ok(Math.abs(wide.scale - 1 / 3) < 1e-12);
  // area is kept (s² × input area), and the ink spans its size plus at most one partial pixel
  assert.ok(Math.abs(sum(tall.pixels) - 100) < 1e-3, `tall: mass ${sum(tall.pixels)}`);
  assert.ok(Math.abs(sum(wide.pixels) - 100) < 1e-3, `wide: mass ${sum(wide.pixels)}`);
  const t = inkBox(tall.pixels), w = inkBox(wide.pixels);
  assert.ok(t.height >= 20 && t.height <= 21 && t.width >= 5 && t.width <= 6, `tall: ${t.width}×${t.height}`);
  assert.ok(w.width >= 20 && w.width <= 21 && w.height >= 5 && w.height <= 6, `wide: ${w.width}×${w.height}`);
  // fully covered pixels are full ink
  assert.equal(Math.max(...tall.pixels), 1);
});

test('scaling down averages areas (not nearest neighbour): a 1-pixel checkerboard halved is grey 0.5', () => {
  // 40 × 40 ink box: the left half solid, the right half a checkerboard; scale 0.5
  const w = 44, p = new Float32Array(w * w);
  for (let r = 2; r < 42; r++) for (let c = 2; c < 42; c++) p[r * w + c] = c < 22 ? 1 : (r + c) % 2;
  const out = preprocessDigit({ width: w, height: w, pixels: p }).pixels;
  const box = inkBox(out);
  assert.ok(box.width <= 21 && box.height <= 21, `${box.width}×${box.height}`);
  // away from the edges, every output pixel over the checkerboard covers a 2×2 period: exactly half ink
  let checked = 0;
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const v = out[r * 28 + c];
      if (v === 0 || v === 1) continue;
      const inner = [-1, 0, 1].every((dr) => [-1, 0, 1].every((dc) => out[(r + dr) * 28 + c + dc] > 0.3));
      const rightHalf = out[r * 28 + c - 2] < 0.99 && out[r * 28 + c + 2] < 0.99 && out[r * 28 + c - 1] < 0.99;
      if (inner && rightHalf) { assert.ok(Math.abs(v - 0.5) < 1e-4, `pixel (${c}, ${r}) is ${v}`); checked++; }
    }
  }
  assert.ok(checked >= 40, `${checked} interior checkerboard pixels`);
});

test('the centre of mass lands within 0.5 px of (14, 14), for real digits and lopsided shapes', () => {
  for (let i = 0; i < 30; i++) assertCentred(preprocessDigit({ width: 28, height: 28, pixels: digit(i) }).pixels, `test digit ${i}`);
  // an L: most of its mass is in the bottom bar and the left stem
  const L = new Float32Array(60 * 60);
  for (let r = 5; r < 55; r++) for (let c = 5; c < 12; c++) L[r * 60 + c] = 1;
  for (let r = 48; r < 55; r++) for (let c = 5; c < 40; c++) L[r * 60 + c] = 1;
  const l = preprocessDigit({ width: 60, height: 60, pixels: L });
  assertCentred(l.pixels, 'an L');
  const box = inkBox(l.pixels, 0.5);
  assert.ok(box.height >= 19 && box.height <= 21, `L height ${box.height}`);
});

test('a 56×56 black-on-white digit gives the 28×28 white-on-black digit\'s result', () => {
  for (const i of [0, 3, 7]) {
    const x = digit(i);
    const ref = preprocessDigit({ width: 28, height: 28, pixels: x });
    const r = preprocessDigit(place({ w: 56, h: 56, bg: 1 }, x, 28, 28, 2, 0, 0, (v) => 1 - v));
    assert.equal(r.inverted, true);
    assert.equal(r.scale, ref.scale / 2);
    assert.ok(maxDiff(r.pixels, ref.pixels) < 1e-5, `digit ${i}: ${maxDiff(r.pixels, ref.pixels)}`);
    assertCentred(r.pixels, `56×56 digit ${i}`);
  }
});

test('a 100×60 photo-like input (grey paper 0.9, dark-grey ink) gives the same digit', () => {
  const x = digit(4);
  const ref = preprocessDigit({ width: 28, height: 28, pixels: x });
  const r = preprocessDigit(place({ w: 100, h: 60, bg: 0.9 }, x, 28, 28, 2, 30, 2, (v) => 0.9 - 0.8 * v));
  assert.equal(r.inverted, true);
  assert.ok(maxDiff(r.pixels, ref.pixels) < 1e-5, `${maxDiff(r.pixels, ref.pixels)}`);
  assertCentred(r.pixels, '100×60');
  assert.ok(Math.min(...r.pixels) >= 0 && Math.max(...r.pixels) === 1, 'values in [0, 1], the strongest ink 1');
});

test('an image without ink (black, white, one grey) gives an all-zero digit marked empty', () => {
  for (const v of [0, 1, 0.37]) {
    const r = preprocessDigit({ width: 31, height: 17, pixels: new Float32Array(31 * 17).fill(v) });
    assert.equal(r.empty, true, `level ${v}`);
    assert.equal(r.box, null);
    assert.equal(r.pixels.length, 784);
    assert.ok(r.pixels.every((p) => p === 0));
  }
  // faint noise below the threshold is no ink either
  const noise = new Float32Array(28 * 28).map((_, i) => (i % 7) * 0.01);
  assert.equal(preprocessDigit({ width: 28, height: 28, pixels: noise }).empty, true);
  // one ink pixel is a digit
  const dot = new Float32Array(28 * 28); dot[5 * 28 + 9] = 1;
  const r = preprocessDigit({ width: 28, height: 28, pixels: dot });
  assert.equal(r.empty, false);
  assertCentred(r.pixels, 'one pixel');
});

test('a malformed image is an InputError naming the problem', () => {
  assert.throws(() => preprocessDigit({ width: 28, height: 28, pixels: new Float32Array(100) }), (e) => e instanceof InputError && /width × height = 784.*length 100/.test(e.message));
  assert.throws(() => preprocessDigit({ width: 0, height: 28, pixels: new Float32Array(0) }), InputError);
  const nan = new Float32Array(4); nan[2] = NaN;
  assert.throws(() => preprocessDigit({ width: 2, height: 2, pixels: nan }), /pixel 2 is NaN/);
  assert.throws(() => preprocessDigit({ width: 2, height: 2, pixels: new Float32Array(4) }, { threshold: 1 }), /threshold/);
});
