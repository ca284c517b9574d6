// The wasm ABI as an embedder sees it: the three release binaries export exactly the same names
// (same kinds, same arities), import nothing, and the SIMD binary computes a dense layer from a bare
// WebAssembly.instantiate with hand-placed data in the packed weight layout of assembly/dense.ts:
// W (N,K) stored as ceil(N/8) panels of (K,8), W[o][k] at float ((o >> 3)·K + k)·8 + (o & 7),
// lanes past N zero.

import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // compiling relaxed.wasm needs it (Node 20)
const { test } = await import('node:test');
const assert = (await import('node:assert/strict')).default;
const { readFileSync } = await import('node:fs');
const embedded = await import('../../dist/backend/binaries.generated.js');
const { createKernels } = await import('../../dist/index.js');

const RELEASE = ['scalar', 'simd', 'relaxed'];
const bytesOf = (name) => readFileSync(new URL(`../../build/${name}.wasm`, import.meta.url));
const moduleOf = (name) => new WebAssembly.Module(bytesOf(name));
const describe = (m) => WebAssembly.Module.exports(m).map((e) => `${e.name}:${e.kind}`).sort();

/** What the host binds (src/wasm/instantiate.ts); the ABI may grow, these must stay. */
const REQUIRED = ['abi_version', 'isa', 'arena_base', 'dense_forward', 'dense_backward_weights', 'dense_backward_input',
  'activation_forward', 'activation_backward', 'softmax_xent_forward', 'softmax_xent_backward',
  'sigmoid_bce_forward', 'sigmoid_bce_backward', 'mse_forward', 'mse_backward', 'count_correct_argmax',
  'count_correct_binary', 'sgd_update', 'momentum_update', 'adam_update', 'gather_rows', 'gather_i32', 'gather_rows_u8',
  'pack_weights', 'unpack_weights', 'dropout_key', 'dropout_forward', 'dropout_backward', 'sum_squares',
  'clip_values', 'scale_values', 'first_nonfinite'];

test('scalar, simd and relaxed export exactly the same names and kinds', () => {
  const [scalar, simd, relaxed] = RELEASE.map((n) => describe(moduleOf(n)));
  assert.deepEqual(simd, scalar);
  assert.deepEqual(relaxed, scalar);
  // every function the host binds, one memory, and no runtime (stub runtime: no __new, __pin, ...)
  for (const name of REQUIRED) assert.ok(scalar.includes(`${name}:function`), `the ABI lacks ${name}`);
  assert.deepEqual(scalar.filter((e) => !e.endsWith(':function')), ['memory:memory']);
  assert.deepEqual(scalar.filter((e) => e.startsWith('__')), [], 'runtime internals are exported');
});

test('every exported function has the same arity in every binary', async () => {
  const arity = [];
  for (const name of RELEASE) {
    const { instance } = await WebAssembly.instantiate(bytesOf(name));
    arity.push(Object.fromEntries(Object.entries(instance.exports).filter(([, f]) => typeof f === 'function').map(([k, f]) => [k, f.length])));
  }
  assert.deepEqual(arity[1], arity[0]);
  assert.deepEqual(arity[2], arity[0]);
  assert.equal(arity[0].dense_forward, 9);
  assert.equal(arity[0].adam_update, 13);
});

test('release binaries import nothing', () => {
  for (const name of RELEASE) assert.deepEqual(WebAssembly.Module.imports(moduleOf(name)), [], `${name}.wasm imports something`);
});

test('debug binaries keep the same exports and import at most env.abort', () => {
  const release = describe(moduleOf('scalar'));
  for (const name of ['scalar.debug', 'simd.debug']) {
    const m = moduleOf(name);
    assert.deepEqual(describe(m), release, `${name}.wasm exports`);
    for (const imp of WebAssembly.Module.imports(m)) assert.deepEqual([imp.module, imp.name, imp.kind], ['env', 'abort', 'function']);
  }
});

test('each binary reports the ABI version the host expects and the instruction set it was built for', async () => {
  const isa = { scalar: 0, simd: 1, relaxed: 2 };
  for (const name of RELEASE) {
    const { instance } = await WebAssembly.instantiate(bytesOf(name));
    assert.ok(Number.isInteger(instance.exports.abi_version()) && instance.exports.abi_version() >= 1);
    // the host accepts this version (it refuses any other) and binds every kernel
    const kernels = await createKernels(name, { [name]: bytesOf(name) });
    assert.equal(kernels.name, name);
    // the host's arena starts at arena_base or after it (the engine's descriptor comes first)
    assert.ok(kernels.arenaBase >= instance.exports.arena_base() && kernels.arenaBase % 64 === 0, `arenaBase ${kernels.arenaBase}`);
    assert.equal(instance.exports.isa(), isa[name], `${name}.wasm isa()`);
    const base = instance.exports.arena_base();
    assert.equal(base % 64, 0, 'arena_base is 64-byte aligned');
    assert.ok(base > 0 && base < instance.exports.memory.buffer.byteLength);
  }
});

/** Parameter counts per ABI version. docs/ABI.md: abi_version() is "bumped when any signature or
 * layout changes", so a version number pins these; new exports may be added, none may change.
 * Version 1 is the first commit's ABI (f104ff4). Version 2 is what the tree has since e84e9c5 added
 * `scratch` to dense_backward_input (and 94c8a3b added dense_backward_weights_sgd). Version 3 gives
 * dense_forward a `scratch` too (it interleaves its input rows). Version 4 added the `_range` kernels
 * of the fork-join threads; version 5 the training engine (engine_check, engine_run, engine_worker:
 * a whole step as one job, its descriptor words in assembly/plan.ts); version 6 the same exports,
 * with two more descriptor words a SIMD build requires (D_XQ, D_ZQ: the weight gradient's operands
 * regrouped by the rows phase). */
const COMMON = { abi_version: 0, isa: 0, arena_base: 0, dense_forward: 8, dense_backward_weights: 7,
  activation_forward: 4, activation_backward: 5, softmax_xent_forward: 5, softmax_xent_backward: 6,
  sigmoid_bce_forward: 5, sigmoid_bce_backward: 6, mse_forward: 5, mse_backward: 6, count_correct_argmax: 4,
  count_correct_binary: 4, sgd_update: 6, momentum_update: 8, adam_update: 13, gather_rows: 5, gather_i32: 4,
  pack_weights: 4, unpack_weights: 4 };
const SIGNATURES = {
  1: { ...COMMON, dense_backward_input: 8 },
  2: { ...COMMON, dense_backward_input: 9, dense_backward_weights_sgd: 9 },
  3: { ...COMMON, dense_forward: 9, dense_backward_input: 9, dense_backward_weights_sgd: 9 },
  4: {
    ...COMMON, dense_forward: 9, dense_backward_input: 9, dense_backward_weights_sgd: 9,
    dense_forward_range: 13, dense_backward_weights_range: 9, dense_backward_weights_sgd_range: 11, dense_backward_input_range: 12,
  },
  5: {
    ...COMMON, dense_forward: 9, dense_backward_input: 9, dense_backward_weights_sgd: 9,
    dense_forward_range: 13, dense_backward_weights_range: 9, dense_backward_weights_sgd_range: 11, dense_backward_input_range: 12,
    engine_check: 1, engine_run: 1, engine_worker: 4,
  },
};
SIGNATURES[6] = SIGNATURES[5];
// version 7: dropout and gradient clipping (issue 15)
SIGNATURES[7] = { ...SIGNATURES[6], dropout_key: 3, dropout_forward: 7, dropout_backward: 7, sum_squares: 2, clip_values: 3, scale_values: 3 };
// version 8: byte features widened in the gather (issue 17), descriptor words D_DATA_BYTES, D_DATA_DIVISOR, D_DATA_NORM
SIGNATURES[8] = { ...SIGNATURES[7], gather_rows_u8: 7 };
// version 9: the threaded control block grows to 5,120 bytes for the claim counters (C_CLAIM, issue 14)
SIGNATURES[9] = SIGNATURES[8];
// version 10: first_nonfinite, how fit checks a training set once it is in the arena
SIGNATURES[10] = { ...SIGNATURES[9], first_nonfinite: 2 };

test('the ABI version pins the signatures: a changed parameter count needs a new version', async () => {
  for (const name of RELEASE) {
    const { instance } = await WebAssembly.instantiate(bytesOf(name));
    const version = instance.exports.abi_version();
    const expected = SIGNATURES[version];
    assert.ok(expected, `${name}.wasm reports ABI version ${version}, which this test does not know: add its signatures`);
    for (const [fn, arity] of Object.entries(expected)) {
      assert.equal(typeof instance.exports[fn], 'function', `${name}.wasm (ABI ${version}) lacks ${fn}`);
      assert.equal(instance.exports[fn].length, arity,
        `${name}.wasm says ABI version ${version}, but ${fn} takes ${instance.exports[fn].length} parameters, not ${arity}: bump abi_version() (and the host's check in src/backend/wasm.ts)`);
    }
  }
});

test('the binaries embedded in the library are the ones in build/', () => {
  for (const name of RELEASE) {
    assert.equal(embedded[`${name}Wasm`], bytesOf(name).toString('base64'), `${name}Wasm is stale: rerun npm run build`);
  }
});

/** Packs W (N,K) row-major into the panel layout of assembly/dense.ts. */
function pack(W, N, K) {
  const out = new Float32Array(Math.ceil(N / 8) * 8 * K);
  for (let o = 0; o < N; o++) for (let k = 0; k < K; k++) out[((o >> 3) * K + k) * 8 + (o & 7)] = W[o * K + k];
  return out;
}

test('simd.wasm computes dense_forward from a bare instantiate, no JS glue, on hand-placed packed data', async () => {
  const { instance } = await WebAssembly.instantiate(bytesOf('simd'), {});
  const { memory, arena_base, dense_forward } = instance.exports;
  const f = new Float32Array(memory.buffer);
  // B = 2 rows, K = 3 inputs, N = 2 outputs
  const base = arena_base();
  const X = base, Wp = base + 64, bias = base + 256, A = base + 320, scratch = base + 384;
  f.set([1, 0, -1, 2, 1, 0.5], X / 4);
  // W = [[1, 2, 3], [4, 5, 6]] packed: one panel of (K=3, 8); row k holds W[0][k], W[1][k], 0 × 6
  f.set([1, 4, 0, 0, 0, 0, 0, 0,
    2, 5, 0, 0, 0, 0, 0, 0,
    3, 6, 0, 0, 0, 0, 0, 0], Wp / 4);
  f.set([0.5, -1], bias / 4);
  f.fill(NaN, A / 4, A / 4 + 4);
  dense_forward(A, X, Wp, bias, scratch, 2, 3, 2, 0); // identity
  // row 0: 1·1 + 0·2 − 1·3 + 0.5 = −1.5;  1·4 + 0·5 − 1·6 − 1 = −3
  // row 1: 2·1 + 1·2 + 0.5·3 + 0.5 = 6;    2·4 + 1·5 + 0.5·6 − 1 = 15
  assert.deepEqual(Array.from(f.subarray(A / 4, A / 4 + 4)), [-1.5, -3, 6, 15]);
  dense_forward(A, X, Wp, bias, scratch, 2, 3, 2, 1); // relu
  assert.deepEqual(Array.from(f.subarray(A / 4, A / 4 + 4)), [0, 0, 6, 15]);
  // the output is (B, N) with no padding: nothing past B·N floats was written
  f[A / 4 + 4] = 1234;
  dense_forward(A, X, Wp, bias, scratch, 2, 3, 2, 0);
  assert.equal(f[A / 4 + 4], 1234);
});

test('simd.wasm dense_forward over two panels and a row tail (B=5, K=5, N=9) matches a host loop', async () => {
  const { instance } = await WebAssembly.instantiate(bytesOf('simd'));
  const { memory, arena_base, dense_forward, pack_weights } = instance.exports;
  const B = 5, K = 5, N = 9;
  const f = new Float32Array(memory.buffer);
  const base = arena_base() / 4; // in floats
  const X = base, W = X + 64, Wp = W + 64, Wp2 = Wp + 128, bias = Wp2 + 128, A = bias + 16, scratch = A + 64;
  const x = Float32Array.from({ length: B * K }, (_, i) => ((i * 7) % 11) - 5); // small integers: exact sums
  const w = Float32Array.from({ length: N * K }, (_, i) => ((i * 5) % 9) - 4);
  const b = Float32Array.from({ length: N }, (_, i) => i - 4);
  f.set(x, X); f.set(w, W); f.set(pack(w, N, K), Wp); f.set(b, bias);
  // the binary's own packer agrees with the documented layout
  pack_weights(Wp2 * 4, W * 4, N, K);
  assert.deepEqual(f.subarray(Wp2, Wp2 + 2 * 8 * K), f.subarray(Wp, Wp + 2 * 8 * K));
  dense_forward(A * 4, X * 4, Wp * 4, bias * 4, scratch * 4, B, K, N, 0);
  const expected = [];
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < N; o++) {
      let s = b[o];
      for (let k = 0; k < K; k++) s += x[r * K + k] * w[o * K + k];
      expected.push(s);
    }
  }
  assert.deepEqual(Array.from(f.subarray(A, A + B * N)), expected);
});
