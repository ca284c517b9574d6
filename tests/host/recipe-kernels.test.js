// The dropout and gradient-clipping kernels (issue 15) through the Kernels interface of every
// backend: the mask is a hash of (seed, step, layer, row, unit) (assembly/dropout.ts), so js,
// scalar, simd and relaxed must drop exactly the same elements with the same f32 values, and that
// mask must be the one src/backend/dropout-bits.ts computes. The statistical checks use fixed
// keys, so they are deterministic: their bounds (4.5σ) are about the hash, not about luck per run.

import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // before the first wasm compile
const { test } = await import('node:test');
const assert = (await import('node:assert/strict')).default;
const { readFileSync } = await import('node:fs');
const { createKernels, dropoutKey, dropoutRowKey, dropoutBits, dropoutThreshold, dropoutScale } = await import('../../dist/index.js');

const BACKENDS = ['js', 'scalar', 'simd', 'relaxed'];
const kernels = {};
for (const name of BACKENDS) kernels[name] = await createKernels(name);
const bytesOf = (name) => readFileSync(new URL(`../../build/${name}.wasm`, import.meta.url));

/** Float32 views over a backend's arena: `floats` words from arenaBase, 16-byte aligned blocks. */
function arena(k, blocks) {
  const base = k.arenaBase;
  const offs = [];
  let at = base;
  for (const n of blocks) { offs.push(at); at += Math.ceil(n / 4) * 16 + 16; }
  k.ensureBytes(at);
  return { offs, view: (i, n) => new Float32Array(k.buffer(), offs[i], n) };
}

/** Deterministic floats in [-1, 1), none zero (a dropped element is then recognisable). */
function data(n, seed) {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return Math.fround(((s >>> 8) + 0.5) / 8388608 - 1);
  });
}

function runDropout(name, which, x, B, N, key, threshold, scale) {
  const k = kernels[name];
  const a = arena(k, [B * N, B * N]);
  a.view(1, B * N).set(x);
  a.view(0, B * N).fill(NaN);
  k[which](a.offs[0], a.offs[1], B, N, key, threshold, scale);
  return Float32Array.from(a.view(0, B * N));
}

/** The mask from dropout-bits.ts: 1 where kept. */
function jsMask(B, N, key, threshold) {
  const m = new Uint8Array(B * N);
  for (let r = 0; r < B; r++) {
    const rk = dropoutRowKey(key, r);
    for (let j = 0; j < N; j++) m[r * N + j] = dropoutBits(rk, j) >= threshold ? 1 : 0;
  }
  return m;
}

const bitsOf = (f) => new Uint32Array(f.buffer, f.byteOffset, f.length);

test('dropout_forward: every backend drops the mask dropout-bits.ts computes, with identical f32 values', () => {
  for (const [B, N, p] of [[1, 1, 0.5], [5, 7, 0.3], [3, 33, 0.5], [7, 257, 0.1], [4, 9, 0.9]]) {
    const x = data(B * N, B * 131 + N);
    const key = dropoutKey(12345, 7, 2), threshold = dropoutThreshold(p), scale = dropoutScale(p);
    const mask = jsMask(B, N, key, threshold);
    const want = Float32Array.from(x, (v, i) => (mask[i] ? Math.fround(v * scale) : 0));
    for (const name of BACKENDS) {
      const got = runDropout(name, 'dropout_forward', x, B, N, key, threshold, scale);
      assert.deepEqual(bitsOf(got), bitsOf(want), `${name}: B=${B} N=${N} p=${p}`);
    }
  }
});

test('dropout_forward: a dropped element is +0 and a kept NaN stays NaN; threshold 0 keeps all', () => {
  const B = 3, N = 13;
  const x = new Float32Array(B * N).fill(NaN);
  const key = dropoutKey(1, 2, 3), threshold = dropoutThreshold(0.5);
  const mask = jsMask(B, N, key, threshold);
  assert.ok(mask.includes(0) && mask.includes(1));
  for (const name of BACKENDS) {
    const got = runDropout(name, 'dropout_forward', x, B, N, key, threshold, 2);
    for (let i = 0; i < B * N; i++) {
      if (mask[i]) assert.ok(Number.isNaN(got[i]), `${name}[${i}] kept NaN gave ${got[i]}`);
      else assert.ok(Object.is(got[i], 0), `${name}[${i}] dropped NaN gave ${got[i]}, not +0`);
    }
    const y = data(B * N, 99);
    const all = runDropout(name, 'dropout_forward', y, B, N, key, 0, 1.25);
    assert.deepEqual(all, Float32Array.from(y, (v) => Math.fround(v * 1.25)), `${name}: threshold 0`);
  }
});

test('dropout_forward may run in place (out = inp)', () => {
  const B = 5, N = 9, key = dropoutKey(3, 4, 0), threshold = dropoutThreshold(0.4), scale = dropoutScale(0.4);
  const x = data(B * N, 5);
  const want = runDropout('js', 'dropout_forward', x, B, N, key, threshold, scale);
  for (const name of BACKENDS) {
    const k = kernels[name];
    const a = arena(k, [B * N]);
    a.view(0, B * N).set(x);
    k.dropout_forward(a.offs[0], a.offs[0], B, N, key, threshold, scale);
    assert.deepEqual(Float32Array.from(a.view(0, B * N)), want, name);
  }
});

test('dropout_backward applies the forward mask to a gradient', () => {
  const B = 6, N = 37, key = dropoutKey(77, 1000, 1), threshold = dropoutThreshold(0.5), scale = dropoutScale(0.5);
  const x = data(B * N, 1), g = data(B * N, 2);
  for (const name of BACKENDS) {
    const fwd = runDropout(name, 'dropout_forward', x, B, N, key, threshold, scale);
    const bwd = runDropout(name, 'dropout_backward', g, B, N, key, threshold, scale);
    for (let i = 0; i < B * N; i++) {
      assert.equal(fwd[i] !== 0, bwd[i] !== 0, `${name}[${i}]: forward and backward masks differ`);
      if (bwd[i] !== 0) assert.equal(bwd[i], Math.fround(g[i] * scale));
    }
  }
});

test('dropout_key of every binary equals the JS dropoutKey', async () => {
  const vals = [0, 1, 2, 3, 7, 255, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 123456789, 0x9e3779b9];
  for (const name of ['scalar', 'simd', 'relaxed']) {
    const { instance } = await WebAssembly.instantiate(bytesOf(name));
    const wasmKey = instance.exports.dropout_key;
    for (const seed of vals) for (const step of vals) for (const layer of [0, 1, 5, 0xffffffff]) {
      assert.equal(wasmKey(seed, step, layer) >>> 0, dropoutKey(seed, step, layer), `${name}: (${seed}, ${step}, ${layer})`);
      assert.equal(kernels[name].dropout_key(seed, step, layer) >>> 0, dropoutKey(seed, step, layer));
    }
  }
  for (const seed of vals) assert.equal(kernels.js.dropout_key(seed, 9, 2) >>> 0, dropoutKey(seed, 9, 2));
});

/** The mask as the simd backend drops it (all backends agree, checked above). */
function wasmMask(B, N, key, threshold) {
  const x = new Float32Array(B * N).fill(1);
  return Uint8Array.from(runDropout('simd', 'dropout_forward', x, B, N, key, threshold, 1), (v) => (v !== 0 ? 1 : 0));
}

test('the keep fraction over 65,536 elements is 1 − p within 4.5σ', () => {
  const B = 256, N = 256, n = B * N;
  for (const p of [0.1, 0.5, 0.9]) {
    for (const [seed, step, layer] of [[0, 0, 0], [42, 17, 3]]) {
      const m = wasmMask(B, N, dropoutKey(seed, step, layer), dropoutThreshold(p));
      const kept = m.reduce((s, v) => s + v, 0);
      const sigma = Math.sqrt(n * p * (1 - p));
      assert.ok(Math.abs(kept - n * (1 - p)) <= 4.5 * sigma, `p=${p}: kept ${kept} of ${n}, expected ${n * (1 - p)} ± ${4.5 * sigma}`);
    }
  }
});

test('masks of different steps, layers and seeds are independent; adjacent units and rows uncorrelated', () => {
  const B = 200, N = 250, n = B * N, p = 0.5, t = dropoutThreshold(p);
  const base = wasmMask(B, N, dropoutKey(1, 10, 0), t);
  const expect = p * p + (1 - p) * (1 - p), sigma = Math.sqrt(expect * (1 - expect) / n);
  for (const [what, key] of [['step', dropoutKey(1, 11, 0)], ['layer', dropoutKey(1, 10, 1)], ['seed', dropoutKey(2, 10, 0)]]) {
    const other = wasmMask(B, N, key, t);
    let same = 0;
    for (let i = 0; i < n; i++) same += base[i] === other[i] ? 1 : 0;
    assert.ok(Math.abs(same / n - expect) <= 4.5 * sigma, `another ${what}: masks agree on ${same / n}, expected ${expect}`);
  }
  const corr = (pairs) => {
    let sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
    for (const [a, b] of pairs) { sx += a; sy += b; sxy += a * b; sxx += a * a; syy += b * b; }
    const c = pairs.length;
    return (sxy / c - (sx / c) * (sy / c)) / Math.sqrt((sxx / c - (sx / c) ** 2) * (syy / c - (sy / c) ** 2));
  };
  const units = [], rows = [];
  for (let r = 0; r < B; r++) for (let j = 0; j + 1 < N; j++) units.push([base[r * N + j], base[r * N + j + 1]]);
  for (let r = 0; r + 1 < B; r++) for (let j = 0; j < N; j++) rows.push([base[r * N + j], base[(r + 1) * N + j]]);
  // |corr| of independent bits over ~50,000 pairs has σ ≈ 0.0045
  assert.ok(Math.abs(corr(units)) < 0.02, `adjacent units correlate: ${corr(units)}`);
  assert.ok(Math.abs(corr(rows)) < 0.02, `adjacent rows correlate: ${corr(rows)}`);
});

test('sum_squares, clip_values and scale_values agree across backends on awkward lengths', () => {
  for (const n of [1, 3, 4, 5, 7, 8, 9, 33, 257, 1001]) {
    const g = data(n, n * 7 + 1).map((v) => v * 3);
    let ref = 0;
    for (const v of g) ref += v * v;
    const clip = Float32Array.from(g, (v) => Math.min(Math.max(v, -1.5), 1.5));
    const scaled = Float32Array.from(g, (v) => Math.fround(v * 0.375));
    for (const name of BACKENDS) {
      const k = kernels[name];
      const a = arena(k, [n]);
      a.view(0, n).set(g);
      const s = k.sum_squares(a.offs[0], n);
      assert.ok(Math.abs(s - ref) <= 1e-12 * ref, `${name} n=${n}: sum_squares ${s} vs ${ref}`);
      k.clip_values(a.offs[0], n, 1.5);
      assert.deepEqual(Float32Array.from(a.view(0, n)), clip, `${name} n=${n}: clip_values`);
      a.view(0, n).set(g);
      k.scale_values(a.offs[0], n, 0.375);
      assert.deepEqual(Float32Array.from(a.view(0, n)), scaled, `${name} n=${n}: scale_values`);
    }
  }
});

test('clip_values and scale_values keep NaN; sum_squares of a NaN is NaN', () => {
  for (const name of BACKENDS) {
    const k = kernels[name];
    const n = 9, a = arena(k, [n]);
    const g = Float32Array.from([NaN, 5, -5, 0.5, NaN, -0.25, 2, NaN, -3]);
    a.view(0, n).set(g);
    assert.ok(Number.isNaN(k.sum_squares(a.offs[0], n)), name);
    k.clip_values(a.offs[0], n, 1);
    assert.deepEqual(Array.from(a.view(0, n)), [NaN, 1, -1, 0.5, NaN, -0.25, 1, NaN, -1], `${name} clip`);
    a.view(0, n).set(g);
    k.scale_values(a.offs[0], n, 2);
    assert.deepEqual(Array.from(a.view(0, n)), [NaN, 10, -10, 1, NaN, -0.5, 4, NaN, -6], `${name} scale`);
  }
});

test('dropoutThreshold and dropoutScale: values, and RangeError outside [0, 1)', () => {
  assert.equal(dropoutThreshold(0), 0);
  assert.equal(dropoutThreshold(0.5), 2 ** 31);
  assert.equal(dropoutThreshold(0.2), Math.round(0.2 * 2 ** 32));
  assert.equal(dropoutScale(0), 1);
  assert.equal(dropoutScale(0.5), 2);
  assert.equal(dropoutScale(0.2), Math.fround(1.25));
  for (const p of [1, -0.1, NaN]) {
    assert.throws(() => dropoutThreshold(p), RangeError, `dropoutThreshold(${p})`);
    assert.throws(() => dropoutScale(p), RangeError, `dropoutScale(${p})`);
  }
});
