// Build step: the embedded digits as two small IDX files, gzip-compressed, from the `mnist`
// devDependency (10,000 digits as JSON floats, 41 MB installed): build/digits/images.idx3-ubyte.gz
// (10,000 × 28 × 28 bytes) and build/digits/labels.idx1-ubyte.gz. The package's values are k/255
// rounded to three decimals; byte k stores value k, and decodeDigitPixel (src/data/digits.ts)
// restores the exact float, so training on the packed digits is bit-identical to the JSON.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const src = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
const out = new URL('../build/digits/', import.meta.url).pathname;
const SIDE = 28, FEATURES = SIDE * SIDE;

const decode = (k) => Math.round((k / 255) * 1000) / 1000; // as src/data/digits.ts
const pixels = [], labels = [];
for (let d = 0; d < 10; d++) {
  const data = JSON.parse(readFileSync(join(src, `${d}.json`), 'utf8')).data;
  if (data.length % FEATURES !== 0) throw new Error(`${d}.json: ${data.length} values is not a whole number of 28×28 digits`);
  for (let i = 0; i < data.length; i++) {
    const k = Math.round(data[i] * 255);
    if (!(k >= 0 && k <= 255) || decode(k) !== data[i]) throw new Error(`${d}.json[${i}] = ${data[i]} is not k/255 rounded to three decimals`);
    pixels.push(k);
  }
  for (let i = 0; i < data.length / FEATURES; i++) labels.push(d);
}
const n = labels.length;
const header = (magic, dims) => {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((v, i) => b.writeUInt32BE(v, 4 + 4 * i));
  return b;
};
const write = (name, bytes) => {
  const file = join(out, name);
  writeFileSync(`${file}.tmp`, gzipSync(bytes, { level: 9 }));
  renameSync(`${file}.tmp`, file);
};
mkdirSync(out, { recursive: true });
write('images.idx3-ubyte.gz', Buffer.concat([header(0x00000803, [n, SIDE, SIDE]), Buffer.from(pixels)]));
write('labels.idx1-ubyte.gz', Buffer.concat([header(0x00000801, [n]), Buffer.from(labels)]));
