// 16-bit floats widened to f32, exactly (every F16 and BF16 value is an f32 value). Pure.
// Input: the raw little-endian words as decodeSafetensors returns them (Uint16Array).
//   F16  (IEEE binary16): 1 sign, 5 exponent (bias 15), 10 mantissa bits.
//   BF16 (bfloat16): the top 16 bits of an f32, so widening is a shift.
// The bits are built in a Uint32Array rather than computed as numbers, so a NaN keeps its
// payload and sign (a number round trip may canonicalise it).

/** F16 words → f32: ±0, subnormals, normals, ±inf and NaN all map to the same value. */
export function f16ToF32(words: Uint16Array): Float32Array {
  const bits = new Uint32Array(words.length);
  const out = new Float32Array(bits.buffer);
  for (let i = 0; i < words.length; i++) {
    const h = words[i];
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const man = h & 0x3ff;
    if (exp === 0x1f) {
      bits[i] = (sign | 0x7f800000 | (man << 13)) >>> 0; // inf (man 0) or NaN, payload kept
    } else if (exp !== 0) {
      bits[i] = (sign | ((exp + 127 - 15) << 23) | (man << 13)) >>> 0;
    } else {
      // ±0 or a subnormal man × 2^-24: a normal f32, and the product is exact in f64 and f32
      out[i] = man * 2 ** -24;
      bits[i] = (bits[i] | sign) >>> 0;
    }
  }
  return out;
}

/** BF16 words → f32. */
export function bf16ToF32(words: Uint16Array): Float32Array {
  const bits = new Uint32Array(words.length);
  for (let i = 0; i < words.length; i++) bits[i] = words[i] << 16 >>> 0;
  return new Float32Array(bits.buffer);
}
