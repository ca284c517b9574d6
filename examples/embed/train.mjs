// The wasm kernels embedded with no glue: trains 784-128-10 on the embedded digits with nothing but
// WebAssembly.instantiate on build/simd.wasm and typed-array views over its memory. No wasm-mlp
// JavaScript is imported (only node: built-ins); every call follows docs/ABI.md, "The order of calls
// for one training step", and the comments [1]…[14] are its step numbers.
//
// The run is `wasm-mlp train --backend simd`: ReLU hidden layer, softmax + cross-entropy, plain SGD
// (lr 0.1, fused into the weight-gradient kernel), batch 64, seed 1, the fixed digits split. Same
// initial weights, same order, same kernels, same f32 inputs: the per-epoch losses equal the
// library's to the bit (tests/examples/embed-js.test.js checks it).
//
//   node examples/embed/train.mjs [--epochs 10] [--json] [--write-digits FILE] [--wasm FILE] [--digits DIR]
//
// --wasm takes any release binary (build/scalar.wasm gives the `scalar` backend's losses instead).
// --json prints one JSON object per epoch; --write-digits writes the split digits as a plain binary
// file for examples/embed-c (layout below) and --epochs 0 stops there.
//
// Legend: B batch rows (64, the last batch may be smaller), CAP rows the activation buffers hold (256:
// the library's evaluation chunk, so the test set is evaluated in the same chunks), n0 784 inputs,
// n1 128 hidden units, n2 10 classes. Matrices are row-major and sample-major: a batch is (B, n).

import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const { values: opt } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    wasm: { type: 'string', default: fileURLToPath(new URL('../../build/simd.wasm', import.meta.url)) },
    digits: { type: 'string', default: fileURLToPath(new URL('../../build/digits/', import.meta.url)) },
    json: { type: 'boolean', default: false },
    'write-digits': { type: 'string' },
  },
});
const EPOCHS = Number(opt.epochs);
if (!Number.isInteger(EPOCHS) || EPOCHS < 0) throw new Error(`--epochs must be an integer >= 0, got ${opt.epochs}`);

const LAYERS = [784, 128, 10];
const [n0, n1, n2] = LAYERS;
const BATCH = 64;
const CAP = 256;
const LR = 0.1;          // passed as an f32 argument: the engine rounds it to Math.fround(0.1)
const WD = 0;
const SEED = 1;
const RELU = 1, IDENTITY = 0; // activation codes (docs/ABI.md)
const TRAIN_ROWS = 8000;

// ---- the project's PRNG (src/rng.ts): xoshiro128**, seeded through splitmix32 ----

/** A PRNG with the library's draws: next() uniform in [0, 1) with 32 random bits, normal() one
 * Box–Muller draw per call, shuffle() Fisher–Yates from the end. */
function makeRng(seed) {
  const s = new Uint32Array(4);
  let x = (Math.trunc(seed) >>> 0) ^ 0x9e3779b9;
  for (let i = 0; i < 4; i++) { // splitmix32 spreads any seed over the 128-bit state
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    s[i] = (z ^ (z >>> 16)) >>> 0;
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  const rotl = (v, k) => ((v << k) | (v >>> (32 - k))) >>> 0;
  const nextU32 = () => { // xoshiro128**
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  const next = () => nextU32() / 4294967296;
  return {
    next,
    normal() {
      const u = 1 - next(); // (0, 1]: the log is finite
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    shuffle(a) {
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const t = a[i]; a[i] = a[j]; a[j] = t;
      }
    },
  };
}

// ---- the digits: two gzip IDX files, the fixed split (src/data/digits.ts) ----

/** The elements and sizes of a ubyte IDX file: magic 00 00 08 <ndims>, ndims u32 big-endian sizes. */
function readIdx(file, ndims) {
  const b = gunzipSync(readFileSync(file));
  if (b[0] !== 0 || b[1] !== 0 || b[2] !== 0x08 || b[3] !== ndims) throw new Error(`${file}: not a ubyte IDX file of ${ndims} dimensions`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => dv.getUint32(4 + 4 * i));
  return { dims, data: b.subarray(4 + 4 * ndims) };
}

/** The 10,000 digits in file order, permuted by a fresh Rng(1); the first 8,000 train, the rest
 * test. Byte k is the pixel value round(k/255, 3 decimals), as the `mnist` package stores it. */
function loadDigits(dir) {
  const im = readIdx(join(dir, 'images.idx3-ubyte.gz'), 3);
  const lb = readIdx(join(dir, 'labels.idx1-ubyte.gz'), 1);
  const n = lb.dims[0];
  if (im.dims[0] !== n || im.dims[1] * im.dims[2] !== n0) throw new Error('the digit files are not n images of 28×28 with n labels');
  const table = new Float32Array(256).map((_, k) => Math.round((k / 255) * 1000) / 1000);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  makeRng(1).shuffle(order);
  const take = (from, to) => {
    const x = new Float32Array((to - from) * n0); // (rows, 784)
    const y = new Int32Array(to - from);          // (rows) labels 0..9
    for (let i = 0; i < to - from; i++) {
      const j = order[from + i];
      for (let f = 0; f < n0; f++) x[i * n0 + f] = table[im.data[j * n0 + f]];
      y[i] = lb.data[j];
    }
    return { x, y, n: to - from };
  };
  return { train: take(0, TRAIN_ROWS), test: take(TRAIN_ROWS, n) };
}

/** The plain binary file examples/embed-c reads, little-endian: "MLPD", u32 features, u32 train
 * rows, u32 test rows, then train x (f32, rows × features), train y (i32), test x, test y. */
function writeDigits(file, { train, test }) {
  const head = new Uint32Array([0x44504c4d /* "MLPD" */, n0, train.n, test.n]);
  const parts = [head, train.x, train.y, test.x, test.y].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  writeFileSync(file, Buffer.concat(parts));
}

const digits = loadDigits(opt.digits);
if (opt['write-digits']) writeDigits(opt['write-digits'], digits);
if (EPOCHS === 0) process.exit(0);

// [1] Instantiate: the release binaries import nothing.
const { instance } = await WebAssembly.instantiate(readFileSync(opt.wasm), {});
const k = instance.exports;
if (k.abi_version() !== 10) throw new Error(`${opt.wasm} speaks ABI ${k.abi_version()}; this example follows ABI 10`);

// [2] The arena plan: byte offsets from arena_base(), each tensor 64-byte aligned.
const align = (n) => Math.ceil(n / 64) * 64;
const packedFloats = (N, K) => Math.ceil(N / 8) * 8 * K;     // NP = ceil(N/8) panels of (K, 8)
let at = align(k.arena_base());
const place = (bytes) => { const o = at; at = align(at + bytes); return o; };
const W0 = place(4 * packedFloats(n1, n0)); // (128, 784) packed: 16 panels of (784, 8)
const W1 = place(4 * packedFloats(n2, n1)); // (10, 128) packed: 2 panels of (128, 8), lanes 10..15 zero
const b0 = place(4 * n1);                   // (128)
const b1 = place(4 * n2);                   // (10)
const A0 = place(4 * CAP * n0);             // (CAP, 784) the gathered input rows
const A1 = place(4 * CAP * n1);             // (CAP, 128) hidden activations (after ReLU)
const A2 = place(4 * CAP * n2);             // (CAP, 10) logits, then probabilities in place
const D0 = place(4 * CAP * n1);             // (CAP, max n) dZ ping-pong buffers
const D1 = place(4 * CAP * n1);
const LABELS = place(4 * CAP);              // (CAP) i32
// scratch: dense_forward interleaves its input rows (CAP·n_l), dense_backward_input re-packs W1 by
// inputs and interleaves dZ (ceil(n1/8)·8·n2 + CAP·n2); the largest is CAP·784
const SCRATCH = place(4 * Math.max(CAP * n0, CAP * n1, Math.ceil(n1 / 8) * 8 * n2 + CAP * n2));
const X = place(4 * digits.train.n * n0);   // (8000, 784) the resident training set
const Y = place(4 * digits.train.n);        // (8000) i32
const ORDER = place(4 * digits.train.n);    // (8000) i32 the epoch's order
const TX = place(4 * digits.test.n * n0);   // (2000, 784) the test set
const TY = place(4 * digits.test.n);        // (2000) i32
const END = at;

// [3] Grow the memory to the plan (it starts at 1 page); views are made after the grow.
const memory = k.memory;
if (END > memory.buffer.byteLength) memory.grow(Math.ceil((END - memory.buffer.byteLength) / 65536));
const f32 = new Float32Array(memory.buffer);
const i32 = new Int32Array(memory.buffer);

// [4] Initial weights as src/network/params.ts draws them for seed 1: W (n_out, n_in) row-major,
// He-normal (std √(2/n_in)) before the ReLU, Glorot-normal (std √(2/(n_in+n_out))) for the output
// layer, one normal() per weight in row-major order, f64 products rounded to f32; biases zero.
// Each W is packed: W[o][k] at float ((o >> 3)·K + k)·8 + (o & 7); fresh memory is zero, so the
// biases and the padding lanes are already zero.
const rng = makeRng(SEED);
for (const [Wp, K, N, std] of [[W0, n0, n1, Math.sqrt(2 / n0)], [W1, n1, n2, Math.sqrt(2 / (n1 + n2))]]) {
  const W = new Float32Array(N * K);
  for (let i = 0; i < W.length; i++) W[i] = rng.normal() * std;
  for (let o = 0; o < N; o++) for (let c = 0; c < K; c++) f32[(Wp >> 2) + ((o >> 3) * K + c) * 8 + (o & 7)] = W[o * K + c];
}

// [5] The data into the arena, labels as i32.
f32.set(digits.train.x, X >> 2);
i32.set(digits.train.y, Y >> 2);
f32.set(digits.test.x, TX >> 2);
i32.set(digits.test.y, TY >> 2);

const order = Int32Array.from({ length: digits.train.n }, (_, i) => i);
const n = digits.train.n;
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  // [6] Shuffle (the same PRNG, after the initial draws; each epoch reshuffles the last order).
  rng.shuffle(order);
  i32.set(order, ORDER >> 2);
  let lossSum = 0, correct = 0;
  for (let start = 0; start < n; start += BATCH) {
    const B = Math.min(BATCH, n - start);
    const idx = ORDER + 4 * start;
    k.gather_rows(A0, X, idx, B, n0);                                   // [7]
    k.gather_i32(LABELS, Y, idx, B);                                    // [8]
    k.dense_forward(A1, A0, W0, b0, SCRATCH, B, n0, n1, RELU);          // [9] l = 0
    k.dense_forward(A2, A1, W1, b1, SCRATCH, B, n1, n2, IDENTITY);      // [9] l = 1
    const loss = k.softmax_xent_forward(A2, A2, LABELS, B, n2);         // [10] Σ over the batch
    if (!Number.isFinite(loss)) throw new Error(`the loss is ${loss} at epoch ${epoch}, row ${start}`);
    correct += k.count_correct_argmax(A2, LABELS, B, n2);               // [11]
    k.softmax_xent_backward(D0, A2, LABELS, B, n2, 1 / B);              // [12] dZ2 into D0
    k.dense_backward_input(D1, D0, W1, A1, SCRATCH, B, n1, n2, RELU);   // [13a] l = 1, before W1 changes
    let refused = k.dense_backward_weights_sgd(W1, b1, D0, A1, B, n1, n2, LR, WD); // [13b] l = 1
    refused += k.dense_backward_weights_sgd(W0, b0, D1, A0, B, n0, n1, LR, WD);    // [13b] l = 0 (no [13a]: A0 is data)
    if (refused > 0) throw new Error(`${refused} updates were not finite at epoch ${epoch}, row ${start}`);
    lossSum += loss;
  }
  // [14] Evaluate the test set in chunks of CAP rows: forward reads the rows where they lie.
  let testLoss = 0, testCorrect = 0;
  for (let s = 0; s < digits.test.n; s += CAP) {
    const B = Math.min(CAP, digits.test.n - s);
    k.dense_forward(A1, TX + 4 * s * n0, W0, b0, SCRATCH, B, n0, n1, RELU);
    k.dense_forward(A2, A1, W1, b1, SCRATCH, B, n1, n2, IDENTITY);
    testLoss += k.softmax_xent_forward(A2, A2, TY + 4 * s, B, n2);
    testCorrect += k.count_correct_argmax(A2, TY + 4 * s, B, n2);
  }
  const log = { epoch, loss: lossSum / n, trainAccuracy: correct / n, testLoss: testLoss / digits.test.n, testAccuracy: testCorrect / digits.test.n };
  if (opt.json) console.log(JSON.stringify(log));
  else console.log(`epoch ${epoch}/${EPOCHS}  loss ${log.loss}  train ${(100 * log.trainAccuracy).toFixed(2)}%  test ${(100 * log.testAccuracy).toFixed(2)}%`);
}
