// PGM reader (P2 ASCII, P5 binary, maxval up to 65535) for single images. Pure: works on bytes.
// Output: grey pixels (height, width) row-major in [0, 1]; `invert` maps v to 1 - v (MNIST-style
// models want white strokes on black). Errors are DataFormatErrors naming the file and byte offset.

import { DataFormatError } from '../errors.js';

/** pixels is (height, width) row-major, values in [0, 1] */
export interface GreyImage { width: number; height: number; pixels: Float32Array }

export function isPgm(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x50 /* P */ && (bytes[1] === 0x32 || bytes[1] === 0x35) /* 2 5 */;
}

export function readPgm(bytes: Uint8Array, file: string, invert = false): GreyImage {
  const fail = (offset: number, msg: string): never => {
    throw new DataFormatError(`${file}: byte ${offset}: ${msg}`, { file, offset });
  };
  if (!isPgm(bytes)) fail(0, 'not a PGM file: expected the magic number P2 (ASCII) or P5 (binary)');
  const binary = bytes[1] === 0x35;
  let pos = 2;
  const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
  const skipSpaceAndComments = () => {
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos])) pos++;
      if (bytes[pos] !== 0x23 /* # */) return;
      while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
    }
  };
  const readInt = (what: string, min: number, max: number): number => {
    skipSpaceAndComments();
    const start = pos;
    while (pos < bytes.length && bytes[pos] >= 0x30 && bytes[pos] <= 0x39) pos++;
    if (pos === start) {
      return pos >= bytes.length
        ? fail(pos, `unexpected end of file: expected ${what}`)
        : fail(pos, `expected ${what} (a decimal integer), found ${JSON.stringify(String.fromCharCode(bytes[pos]))}`);
    }
    if (pos < bytes.length && !isSpace(bytes[pos]) && bytes[pos] !== 0x23) {
      fail(pos, `expected whitespace after ${what}, found ${JSON.stringify(String.fromCharCode(bytes[pos]))}`);
    }
    const v = Number(new TextDecoder().decode(bytes.subarray(start, pos)));
    if (v < min || v > max) fail(start, `${what} is ${v}, expected ${min}..${max}`);
    return v;
  };
  const width = readInt('the width', 1, 1 << 16);
  const height = readInt('the height', 1, 1 << 16);
  const maxval = readInt('the maximum grey value', 1, 65535);
  const count = width * height;
  const pixels = new Float32Array(count);
  if (binary) {
    if (!isSpace(bytes[pos])) fail(pos, 'expected one whitespace byte between the header and the pixels');
    pos++;
    const size = maxval < 256 ? 1 : 2;
    const need = count * size;
    if (bytes.length - pos < need) {
      fail(bytes.length, `truncated pixel data: ${width}×${height} pixels of ${size} byte${size > 1 ? 's' : ''} need ${need} bytes after the header (which ends at byte ${pos}), found ${bytes.length - pos}`);
    }
    for (let i = 0; i < count; i++) {
      const v = size === 1 ? bytes[pos + i] : (bytes[pos + 2 * i] << 8) | bytes[pos + 2 * i + 1];
      if (v > maxval) fail(pos + i * size, `pixel ${i} is ${v}, above the maximum grey value ${maxval}`);
      pixels[i] = v / maxval;
    }
  } else {
    for (let i = 0; i < count; i++) {
      skipSpaceAndComments();
      if (pos >= bytes.length) fail(pos, `truncated pixel data: expected ${count} values (${width}×${height}), found ${i}`);
      pixels[i] = readInt(`pixel ${i}`, 0, maxval) / maxval;
    }
  }
  if (invert) for (let i = 0; i < count; i++) pixels[i] = 1 - pixels[i];
  return { width, height, pixels };
}
