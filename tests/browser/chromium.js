// Shared by the browser tests: Debian's Chromium through playwright-core (its launch flags keep it
// off the network), a page that records its errors, and a page's result on window.__result.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
/** Why a browser test skips, or null where Chromium is installed. */
export const NO_CHROMIUM = existsSync(CHROMIUM) ? null : 'chromium is not installed: apt-get install chromium';
export const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A fresh Chromium (a new temporary profile), closed when the test `t` ends (or by the caller). */
export async function launch(t) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  t?.after(() => browser.close());
  return browser;
}

/** Page errors and console errors of `page`, collected into the returned array. */
export function recordErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}

/** Opens `url` in a new page of a new Chromium, waits for window.__result and returns it, after
 * checking it holds no `error` and the page logged none. */
export async function pageResult(t, url, timeout = 60_000) {
  const page = await (await launch(t)).newPage();
  const errors = recordErrors(page);
  await page.goto(url);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout });
  const r = await page.evaluate(() => window.__result);
  assert.equal(r.error, undefined, r.error);
  assert.deepEqual(errors, []);
  return r;
}
