// Seeded PRNG (xoshiro128**, seeded through splitmix32) for initialisation and shuffling.
// Its whole state is four u32 words, so checkpoints can save it and resume bit-identically.

export class Rng {
  readonly state: Uint32Array;

  constructor(seed: number | Uint32Array) {
    if (seed instanceof Uint32Array) {
      if (seed.length !== 4) throw new RangeError(`rng state must be 4 u32 words, got ${seed.length}`);
      this.state = Uint32Array.from(seed);
    } else {
      this.state = new Uint32Array(4);
      let s = (Math.trunc(seed) >>> 0) ^ 0x9e3779b9;
      for (let i = 0; i < 4; i++) {
        // splitmix32: spreads any seed, including 0, over the whole state
        s = (s + 0x9e3779b9) >>> 0;
        let z = s;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        this.state[i] = (z ^ (z >>> 16)) >>> 0;
      }
      if ((this.state[0] | this.state[1] | this.state[2] | this.state[3]) === 0) this.state[0] = 1;
    }
  }

  /** Next u32 (xoshiro128**). */
  nextU32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  next(): number { return this.nextU32() / 4294967296; }

  /** Uniform integer in [0, n). */
  int(n: number): number { return Math.floor(this.next() * n); }

  /** Standard normal (Box–Muller; one draw per call keeps the state the only state). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log is finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle(a: Int32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
