// The dropout mask's bits on the host: the same function as assembly/dropout.ts (which explains
// it), so that the js backend drops exactly the elements the wasm backends drop. Also the two
// numbers every backend derives from a rate p: the u32 threshold and the f32 scale.

/** Wellons' lowbias32 finaliser on a u32. */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0; x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0; x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** The key of layer `layer`'s mask at training step `step` for the run's seed (u32s). */
export function dropoutKey(seed: number, step: number, layer: number): number {
  return mix32((mix32((mix32((seed ^ 0x9e3779b9) >>> 0) ^ step) >>> 0) ^ Math.imul(layer + 1, 0x85ebca6b)) >>> 0);
}

export function dropoutRowKey(key: number, row: number): number { return mix32((key ^ Math.imul(row + 1, 0xc2b2ae35)) >>> 0); }

export function dropoutBits(rowKey: number, unit: number): number { return mix32((rowKey ^ Math.imul(unit + 1, 0x27d4eb2f)) >>> 0); }

/** round(p·2³²) as a u32: an element is kept when its bits are ≥ this (so with probability 1 − p). */
export function dropoutThreshold(p: number): number {
  if (!(p >= 0 && p < 1)) throw new RangeError(`a dropout rate must be in [0, 1); got ${p}`);
  return Math.min(Math.round(p * 2 ** 32), 2 ** 32 - 1);
}

/** 1/(1 − p) rounded to f32: what a kept element is multiplied by. */
export function dropoutScale(p: number): number {
  if (!(p >= 0 && p < 1)) throw new RangeError(`a dropout rate must be in [0, 1); got ${p}`);
  return Math.fround(1 / (1 - p));
}

/** A u32 from a seed of any finite number (its float64 bits hashed), for the masks' key. */
export function seedWord(seed: number): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, seed, true);
  return mix32((v.getUint32(0, true) ^ mix32(v.getUint32(4, true))) >>> 0);
}
