// The training engine at the wasm boundary (assembly/engine.ts, plan.ts; src/backend/engine/):
// the host's copy of the descriptor words equals the binary's, engine_check and engine_run refuse
// a descriptor with a bad word by naming it (nothing runs), the host turns that into a typed
// WasmBinaryError that names the word, and a binary the host cannot use (does not compile, lacks
// an export, another ABI version) is a WasmBinaryError (E_WASM) that says what to do, never a
// plain Error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as words from '../../dist/backend/engine/words.js';
import { createKernels, createNetwork, Network, WasmBinaryError, WasmMlpError } from '../../dist/index.js';

const plan = readFileSync(new URL('../../assembly/plan.ts', import.meta.url), 'utf8');

test('the host\'s descriptor words (words.ts) are the binary\'s (assembly/plan.ts), every one', () => {
  const fromPlan = {};
  for (const m of plan.matchAll(/^export const (\w+)(?:: i32)? = (0x[0-9a-f]+|[\d *+]+);/gm)) {
    fromPlan[m[1]] = m[2].split('+').reduce((sum, term) => sum + term.split('*').reduce((p, f) => p * Number(f), 1), 0);
  }
  assert.ok(Object.keys(fromPlan).length > 60, `parsed ${Object.keys(fromPlan).length} constants from plan.ts`);
  for (const [name, value] of Object.entries(fromPlan)) assert.equal(words[name], value, `words.ts ${name}`);
  for (const [name, value] of Object.entries(words)) {
    if (name === 'DESC_WORDS') assert.equal(value, fromPlan.L_BASE + fromPlan.L_WORDS * fromPlan.MAX_LAYERS);
    else if (name === 'DROPOUT_WORDS') assert.equal(value, 4 + 4 * fromPlan.MAX_LAYERS);
    else assert.equal(fromPlan[name], value, `plan.ts lacks ${name} or disagrees`);
  }
});

/** A network on `backend` and its descriptor as Int32Array words, with the binary's exports. */
async function engineOf(backend) {
  const net = await createNetwork({ layers: [5, 7, 3], backend, seed: 1 });
  const k = net['c'].k;
  const words32 = () => new Int32Array(k.buffer(), k.engine.descriptor, words.DESC_WORDS);
  return { net, k, words32 };
}

for (const backend of ['scalar', 'simd']) {
  test(`${backend}: a descriptor with a bad word is refused by engine_run, named, and nothing runs; the host throws WasmBinaryError naming it`, async () => {
    const { net, words32 } = await engineOf(backend);
    const x = Float32Array.from({ length: 10 }, (_, i) => i / 10);
    const before = net.predict(x);
    const w = words32();
    const layer1K = words.L_BASE + words.L_WORDS + words.L_K;
    const cases = [
      [words.D_MAGIC, 0, 'D_MAGIC'],
      [words.D_LAYERS, 0, 'D_LAYERS'],
      [words.D_THREADS, 65, 'D_THREADS'],
      [words.D_HEAD, 9, 'D_HEAD'],
      [words.D_KC, 12, 'D_KC'],
      [layer1K, 6, 'layer 1 word L_K'], // 6 inputs after a 7-wide layer: the shapes do not chain
      [words.D_WEIGHT_UNITS, 1, 'D_WEIGHT_UNITS'],
      [words.D_PANEL_LAYERS, 3, 'D_PANEL_LAYERS'], // more panel layers than the net's 2 layers
      // SIMD builds read the weight gradient's operands regrouped: both blocks must be given
      ...(backend === 'simd' ? [[words.D_XQ, 0, 'D_XQ'], [words.D_ZQ, 0, 'D_ZQ']] : []),
    ];
    for (const [at, bad, name] of cases) {
      const keep = w[at];
      w[at] = bad;
      assert.throws(() => net.predict(x), (e) => e instanceof WasmBinaryError && e.code === 'E_WASM' && e.message.includes(`${name} = ${bad}`), name);
      w[at] = keep;
    }
    // the threads' copies of the first layer's input: 64-aligned, at least 4 rows, room for them
    // (5 inputs: 4·rows·5 bytes a copy)
    const copyCases = [
      [[8, 4, 128], words.D_INPUT_COPIES, 'D_INPUT_COPIES = 8'],
      [[64, 2, 128], words.D_COPY_ROWS, 'D_COPY_ROWS = 2'],
      [[64, 4, 64], words.D_COPY_STRIDE, 'D_COPY_STRIDE = 64'], // 80 bytes needed
      [[64, 8, 200], words.D_COPY_STRIDE, 'D_COPY_STRIDE = 200'], // 160 needed, but not 64-aligned
    ];
    for (const [[at, rows, stride], , name] of copyCases) {
      w[words.D_INPUT_COPIES] = at; w[words.D_COPY_ROWS] = rows; w[words.D_COPY_STRIDE] = stride;
      assert.throws(() => net.predict(x), (e) => e instanceof WasmBinaryError && e.message.includes(name), name);
    }
    w[words.D_INPUT_COPIES] = 64; w[words.D_COPY_ROWS] = 8; w[words.D_COPY_STRIDE] = 256;
    assert.deepEqual(net.predict(x), before, 'sound copy words');
    w[words.D_INPUT_COPIES] = 0; w[words.D_COPY_ROWS] = 0; w[words.D_COPY_STRIDE] = 0;
    // a sound descriptor again: the same predictions as before (nothing ran on the bad ones)
    assert.deepEqual(net.predict(x), before);
  });
}

test('a job word out of range is refused too (rows per unit not a multiple of 4)', async () => {
  const { net } = await engineOf('simd');
  net['c'].engine.tune({ rows: 6 });
  assert.throws(() => net.predict(new Float32Array(5)), (e) => e instanceof WasmBinaryError && /J_ROWS = 6/.test(e.message));
  net['c'].engine.tune({ rows: null });
  assert.equal(net.predict(new Float32Array(5)).length, 3);
});

test('engine_check from bare WebAssembly.instantiate: 0 for the host\'s descriptor, 1 + the word for a bad one', async () => {
  const bytes = readFileSync(new URL('../../build/scalar.wasm', import.meta.url));
  const { instance } = await WebAssembly.instantiate(bytes, { env: { abort() { throw new Error('abort'); } } });
  const ex = instance.exports;
  const desc = ex.arena_base();
  new Uint8Array(ex.memory.buffer).fill(0, desc, desc + 4 * words.DESC_WORDS);
  assert.equal(ex.engine_check(desc), 1 + words.D_MAGIC, 'a zeroed descriptor: its magic word');
  assert.equal(ex.engine_run(desc), -(1 + words.D_MAGIC));
  // a descriptor outside memory or misaligned is refused, not read
  assert.equal(ex.engine_check(ex.memory.buffer.byteLength - 8), 1);
  assert.equal(ex.engine_check(desc + 2), 1);
});

/** The smallest module: exports only abi_version() returning `v`. */
function tinyModule(v) {
  const name = [...'abi_version'].map((c) => c.charCodeAt(0));
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
    0x03, 0x02, 0x01, 0x00, // one function of type 0
    0x07, 0x0f, 0x01, 0x0b, ...name, 0x00, 0x00, // export "abi_version" func 0
    0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, v, 0x0b, // body: i32.const v
  ]);
}

test('a binary the host cannot use is a WasmBinaryError that says why and what to do', async () => {
  const expectE = async (wasm, re) => {
    await assert.rejects(createKernels('simd', { simd: wasm }), (e) => {
      assert.ok(e instanceof WasmBinaryError && e instanceof WasmMlpError, `${e?.constructor?.name}: ${e?.message}`);
      assert.equal(e.code, 'E_WASM');
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    });
  };
  await expectE(Uint8Array.from([1, 2, 3, 4]), /does not compile/);
  await expectE(tinyModule(6), /has ABI version 6; this host speaks 10: a wrong or stale build \(run npm run build\)/);
  await expectE(tinyModule(10), /lacks the export 'arena_base': a wrong or stale build \(run npm run build\)/);
  // a module that compiles but imports what the host does not give
  const imports = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x02, 0x0b, 0x01, 0x03, ...[...'foo'].map((c) => c.charCodeAt(0)), 0x03, ...[...'bar'].map((c) => c.charCodeAt(0)), 0x00, 0x00]);
  await expectE(imports, /cannot be instantiated/);
});

test('the regrouped inputs block holds only the layer inputs a multiple of 64 wide, and training reads them where the block puts them', async () => {
  const { planArena } = await import('../../dist/arena.js');
  const req = (layers) => ({ layers, layout: 'packed8', capacity: 256, base: 1 << 16, stateBlocks: 0, targetWidth: 1, threads: 1 });
  const size = (layers) => { const p = planArena(req(layers)); return p.regrouped.deltas - p.regrouped.inputs; };
  // 784 and 100 are not multiples of 64: nothing is regrouped, the block is empty but placed
  const none = planArena(req([784, 100, 10]));
  assert.ok(none.regrouped.inputs > 0 && none.regrouped.inputs % 64 === 0);
  assert.equal(size([784, 100, 10]), 0);
  // 1024 and 64 are: 16 bytes per group of 4 inputs per row of the capacity
  assert.equal(size([1024, 100, 64, 10]), 16 * 256 * (1024 / 4 + 64 / 4));
  // a net whose second input only is regrouped (its block now at offset 0) trains as the scalar
  // build does, which regroups nothing (to float noise: the summation orders differ)
  const opt = { name: 'adam', learningRate: 0.01 };
  // (a batch as large as the plan's capacity: within a layer's block the groups are a batch apart,
  // so only a full batch reaches the end of the block)
  const x = Float32Array.from({ length: 300 * 30 }, (_, i) => Math.sin(i * 0.37));
  const y = Int32Array.from({ length: 300 }, (_, i) => i % 3);
  const nets = await Promise.all(['simd', 'scalar'].map((backend) => createNetwork({ layers: [30, 64, 3], backend, seed: 4, optimizer: opt })));
  for (const n of nets) await n.fit(x, y, { epochs: 2, batchSize: 256 });
  assert.equal(nets[0]['c'].plan.capacity, 256, 'the batch fills the capacity');
  const [a, b] = nets.map((n) => n.predict(x));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `prediction ${i}: simd ${a[i]} vs scalar ${b[i]}`);
});
