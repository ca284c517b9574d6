// exportStandaloneWasm: a model in one module that instantiates with an empty import object and
// predicts exactly (bit for bit) what wasm-mlp's predict path does on the same backend: --simd
// templates against backend 'simd', --scalar against 'scalar', the normaliser applied inside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HIDDEN, OUTPUTS, InputError, ConfigError, WasmBinaryError } from '../../dist/index.js';
import { STANDALONE_E_ROWS, STANDALONE_E_NO_MODEL, STANDALONE_EXPORTS } from '../../dist/io/index.js';
import { SECTION, concat, encodeActiveSegment, encodeSection, readSections, u32Leb } from '../../dist/io/wasm-binary.js';
import { bits, exportStandaloneWasm, instantiateStandalone, referencePredictor, seededModel, template } from './standalone-fixture.js';

const ISAS = ['simd', 'scalar'];
const MAX_ROWS = 11;
const ROWS = [1, 3, 4, 5, 8, MAX_ROWS];

/** Every row count of ROWS through the module and through the reference: equal bits. */
async function assertMatches(isa, spec) {
  const { model, x } = seededModel({ ...spec, n: MAX_ROWS });
  const bytes = exportStandaloneWasm(template(isa), model, { maxRows: MAX_ROWS });
  const { e, run } = await instantiateStandalone(bytes);
  const { layers } = model.architecture;
  assert.equal(e.inputs(), layers[0]);
  assert.equal(e.classes(), layers.at(-1));
  assert.equal(e.max_rows(), MAX_ROWS);
  const reference = await referencePredictor(model, isa);
  for (const rows of ROWS) {
    const xs = x.subarray(0, rows * layers[0]);
    const { ret, out } = run(rows, xs);
    assert.equal(ret, rows, `predict(${rows}) returns the rows written`);
    const want = reference(xs, rows);
    assert.ok(want.every(Number.isFinite), 'the reference is finite (the comparison means something)');
    assert.deepEqual(bits(out), bits(want), `${isa} ${JSON.stringify(spec)}, ${rows} rows`);
  }
}

const SMALL = [[5, 3], [13, 9, 3], [5, 17, 1], [7, 12, 9, 6, 4]];

for (const isa of ISAS) {
  test(`${isa}: every hidden activation × output × normaliser on 1-layer, odd-sized and 4-layer networks equals predict --backend ${isa} to the bit, for 1, 3, 4, 5, 8 and max_rows rows`, async () => {
    let cases = 0;
    for (const layers of SMALL) {
      for (const hidden of HIDDEN) {
        for (const output of OUTPUTS) {
          if (output === 'softmax' && layers.at(-1) < 2) continue;
          for (const normalizer of [null, 'minmax', 'zscore']) {
            await assertMatches(isa, { layers, hidden, output, normalizer, seed: ++cases });
          }
        }
      }
    }
    assert.ok(cases > 100, `${cases} cases`);
  });

  test(`${isa}: 784-128-10 (relu, softmax, minmax and none) equals predict --backend ${isa} to the bit`, async () => {
    await assertMatches(isa, { layers: [784, 128, 10], hidden: 'relu', output: 'softmax', normalizer: 'minmax', seed: 40 });
    await assertMatches(isa, { layers: [784, 128, 10], hidden: 'tanh', output: 'softmax', normalizer: null, seed: 41 });
  });
}

test('a row\'s outputs do not depend on the other rows of the call (4-row tiles and the one-row tail agree)', async () => {
  for (const isa of ISAS) {
    for (const hidden of ['relu', 'tanh']) {
      const { model, x } = seededModel({ layers: [13, 9, 5], hidden, normalizer: 'zscore', n: MAX_ROWS, seed: 77 });
      const { run } = await instantiateStandalone(exportStandaloneWasm(template(isa), model, { maxRows: MAX_ROWS }));
      const all = bits(run(MAX_ROWS, x).out);
      for (let r = 0; r < MAX_ROWS; r++) {
        assert.deepEqual(bits(run(1, x.subarray(13 * r, 13 * (r + 1))).out), all.slice(5 * r, 5 * (r + 1)), `${isa} ${hidden} row ${r}`);
      }
    }
  }
});

test('predict(rows) outside [1, max_rows] returns -1 and writes no byte of memory; a bare template returns -2', async () => {
  const { model, x } = seededModel({ layers: [6, 5, 3], normalizer: 'zscore', n: 4 });
  const { e, run } = await instantiateStandalone(exportStandaloneWasm(template('simd'), model, { maxRows: 4 }));
  run(4, x); // fill the outputs and buffers, so that an overwrite would show
  const before = new Uint8Array(e.memory.buffer).slice();
  for (const rows of [0, 5, -1, -2147483648, 2147483647]) {
    assert.equal(e.predict(rows), STANDALONE_E_ROWS, `predict(${rows})`);
    assert.ok(Buffer.from(new Uint8Array(e.memory.buffer)).equals(Buffer.from(before)), `predict(${rows}) left memory as it was`);
  }
  assert.equal(STANDALONE_E_ROWS, -1);
  for (const isa of ['simd', 'scalar']) {
    const bare = new WebAssembly.Instance(new WebAssembly.Module(template(isa)), {}).exports;
    assert.equal(bare.predict(1), STANDALONE_E_NO_MODEL, `${isa} template without a model`);
    assert.deepEqual([bare.inputs(), bare.classes(), bare.max_rows(), bare.input_ptr(), bare.output_ptr()], [0, 0, 0, 0, 0]);
  }
  assert.equal(STANDALONE_E_NO_MODEL, -2);
});

test('the module validates, imports nothing, exports exactly the documented names, and keeps the input rows as written', async () => {
  for (const isa of ISAS) {
    const { model, x } = seededModel({ layers: [9, 8, 2], normalizer: 'minmax', n: 3 });
    const bytes = exportStandaloneWasm(template(isa), model, { maxRows: 3 });
    assert.equal(WebAssembly.validate(bytes), true);
    const mod = new WebAssembly.Module(bytes);
    assert.deepEqual(WebAssembly.Module.imports(mod), []);
    assert.deepEqual(WebAssembly.Module.exports(mod).map((d) => d.name).sort(), [...STANDALONE_EXPORTS].sort());
    // the way the docs and the page instantiate it: asynchronously, with an empty import object
    const e = (await WebAssembly.instantiate(bytes, {})).instance.exports;
    new Float32Array(e.memory.buffer, e.input_ptr(), x.length).set(x);
    assert.equal(e.predict(3), 3);
    assert.deepEqual(bits(new Float32Array(e.memory.buffer, e.input_ptr(), x.length)), bits(x), 'the normaliser writes elsewhere');
  }
});

test('the module is at most its parameters plus 16 KB: 784-128-10 and 784-256-128-10, with a normaliser', async (t) => {
  for (const isa of ISAS) t.diagnostic(`template ${isa}: ${template(isa).length} bytes`);
  for (const layers of [[784, 128, 10], [784, 256, 128, 10]]) {
    for (const isa of ISAS) {
      const { model } = seededModel({ layers, normalizer: 'zscore', n: 2 });
      const bytes = exportStandaloneWasm(template(isa), model);
      let params = 2 * layers[0];
      for (let l = 0; l + 1 < layers.length; l++) params += (layers[l] + 1) * layers[l + 1];
      t.diagnostic(`${layers.join('-')} ${isa}: ${bytes.length} bytes = parameters ${4 * params} + ${bytes.length - 4 * params}`);
      assert.ok(bytes.length <= 4 * params + 16384, `${layers.join('-')} ${isa}: ${bytes.length} > ${4 * params} + 16384`);
      assert.equal(WebAssembly.validate(bytes), true);
    }
  }
});

test('the exporter refuses a template that is not one: bad magic, truncated, another module, one already holding a model', () => {
  const { model } = seededModel({ layers: [4, 3] });
  const good = template('simd');
  const badMagic = good.slice(); badMagic[1] = 0x62;
  assert.throws(() => exportStandaloneWasm(badMagic, model), (e) => e instanceof WasmBinaryError && /magic number\) at byte offset 1/.test(e.message));
  const badVersion = good.slice(); badVersion[4] = 2;
  assert.throws(() => exportStandaloneWasm(badVersion, model), (e) => e instanceof WasmBinaryError && /version/.test(e.message));
  for (const cut of [4, 9, good.length - 1, good.length - 100]) {
    assert.throws(() => exportStandaloneWasm(good.subarray(0, cut), model), (e) => e instanceof WasmBinaryError && /truncated/.test(e.message), `cut at ${cut}`);
  }
  const kernels = new Uint8Array(readFileSync(new URL('../../build/simd.wasm', import.meta.url)));
  assert.throws(() => exportStandaloneWasm(kernels, model), (e) => e instanceof WasmBinaryError && /does not export "inputs"/.test(e.message));
  const once = exportStandaloneWasm(good, model);
  assert.throws(() => exportStandaloneWasm(once, model), (e) => e instanceof WasmBinaryError && /already holds a model/.test(e.message));
});

/** `tpl` with one data segment of its own (`bytes` at `offset`), and a DataCount section with
 * `dataCount`, as a template built with static data would be. */
function withStaticData(tpl, offset, bytes, dataCount) {
  const parts = [tpl.subarray(0, 8)];
  for (const s of readSections(tpl, 'template')) {
    if (s.id === SECTION.code && dataCount) parts.push(encodeSection(SECTION.dataCount, Uint8Array.from(u32Leb(1))));
    parts.push(tpl.subarray(s.start, s.end));
    if (s.id === SECTION.code) parts.push(encodeSection(SECTION.data, concat([u32Leb(1), encodeActiveSegment(offset, bytes)])));
  }
  return concat(parts);
}

test('a template with static data of its own below the model keeps it (with and without a DataCount section); data above the base is refused', () => {
  const { model, x } = seededModel({ layers: [6, 7, 3], normalizer: 'minmax', n: 5 });
  const plain = instantiateStandalone(exportStandaloneWasm(template('simd'), model, { maxRows: 5 })).run(5, x).out;
  for (const dataCount of [false, true]) {
    const tpl = withStaticData(template('simd'), 16, Uint8Array.of(1, 2, 3, 4), dataCount);
    assert.equal(WebAssembly.validate(tpl), true, 'the test\'s template is valid');
    const bytes = exportStandaloneWasm(tpl, model, { maxRows: 5 });
    assert.equal(WebAssembly.validate(bytes), true, `dataCount ${dataCount}: the counts agree`);
    const { e, run } = instantiateStandalone(bytes);
    assert.deepEqual([...new Uint8Array(e.memory.buffer, 16, 4)], [1, 2, 3, 4]);
    assert.deepEqual(bits(run(5, x).out), bits(plain));
  }
  const high = withStaticData(template('simd'), 1020, new Uint8Array(8), false);
  assert.throws(() => exportStandaloneWasm(high, model), (e) => e instanceof WasmBinaryError && /has data at \[1020, 1028\)/.test(e.message));
});

test('the exporter refuses a malformed model or max rows with a typed error naming the tensor', () => {
  const { model } = seededModel({ layers: [4, 3, 2], normalizer: 'minmax' });
  const tpl = template('scalar');
  const withWeight = (w) => ({ ...model, parameters: { ...model.parameters, weights: [w, model.parameters.weights[1]] } });
  assert.throws(() => exportStandaloneWasm(tpl, withWeight(new Float32Array(11))), (e) => e instanceof InputError && /layers\.0\.weight must be a Float32Array of 12, found length 11/.test(e.message));
  const nan = model.parameters.weights[0].slice(); nan[7] = NaN;
  assert.throws(() => exportStandaloneWasm(tpl, withWeight(nan)), (e) => e instanceof InputError && /layers\.0\.weight\[7\] is NaN/.test(e.message));
  const badNorm = { ...model, normalizer: { ...model.normalizer, scale: new Float32Array(3) } };
  assert.throws(() => exportStandaloneWasm(tpl, badNorm), (e) => e instanceof InputError && /normalizer\.scale must be a Float32Array of 4/.test(e.message));
  assert.throws(() => exportStandaloneWasm(tpl, { ...model, architecture: { ...model.architecture, hidden: 'gelu' } }), ConfigError);
  for (const maxRows of [0, 2.5, -3]) assert.throws(() => exportStandaloneWasm(tpl, model, { maxRows }), (e) => e instanceof InputError && /maxRows/.test(e.message));
  assert.throws(() => exportStandaloneWasm(tpl, model, { maxRows: 2 ** 28 }), (e) => e instanceof InputError && /above 2 GiB/.test(e.message));
});
