// examples/standalone-page in Chromium: the page instantiates a standalone model module with an
// empty import object and shows the class and probabilities of its embedded digit. They equal,
// bit for bit, the same module in Node and wasm-mlp's predict path on the matching backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NO_CHROMIUM, launch, recordErrors, serveDist } from './chromium.js';
import { bits, digitModel, exportStandaloneWasm, instantiateStandalone, referencePredictor, ROOT, template } from '../io/standalone-fixture.js';

const PAGE = readFileSync(new URL('examples/standalone-page/index.html', ROOT), 'utf8');
/** The page's digit, decoded as the page decodes it. */
const DIGIT = Float32Array.from(Buffer.from(PAGE.match(/const DIGIT = '([A-Za-z0-9+/=]+)'/)[1], 'base64'), (g) => g / 255);

test('the example page classifies its digit in Chromium with a --simd and a --scalar module: the bits of Node and of predict', async (t) => {
  if (NO_CHROMIUM) { t.skip(NO_CHROMIUM); return; }
  assert.equal(DIGIT.length, 784);
  const { model } = await digitModel();
  const browser = await launch(t);
  for (const isa of ['simd', 'scalar']) {
    const wasm = exportStandaloneWasm(template(isa), model, { maxRows: 1 });
    const server = await serveDist({ page: PAGE, extra: { '/model.wasm': wasm } });
    t.after(() => server.close());
    const page = await browser.newPage();
    const errors = recordErrors(page);
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => /^class \d/.test(document.getElementById('out').textContent), null, { timeout: 30_000 });
    const text = await page.evaluate(() => document.getElementById('out').textContent);
    assert.deepEqual(errors, []);
    const [, cls, probs] = text.match(/^class (\d+) {2}probabilities (.*)$/);
    // String() of each f32 (as a double) parses back to that double: exact
    const shown = Float32Array.from(probs.split(' '), Number);
    const node = (await instantiateStandalone(wasm)).run(1, DIGIT).out;
    assert.deepEqual(bits(shown), bits(node), `${isa}: Chromium and Node`);
    assert.deepEqual(bits(shown), bits((await referencePredictor(model, isa))(DIGIT, 1)), `${isa}: Chromium and predict --backend ${isa}`);
    assert.equal(Number(cls), 7, `${isa}: the page's digit is a 7 (probabilities ${probs})`);
    t.diagnostic(`${isa}: ${text.slice(0, 60)}…`);
  }
});
