// Shared by the browser tests and bench/browser.js: Debian's Chromium through playwright-core (its
// launch flags keep it off the network), a loopback server for a page and the built library, a
// page that records its errors, and a page's result on window.__result.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };
/** The headers that make a page cross-origin isolated (SharedArrayBuffer, hence threads). */
export const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** A server on 127.0.0.1 (an ephemeral port) that answers `/` with `page`, each path of `extra`
 * with its bytes, and files under dist/ of the checkout, nothing else; with `isolated`, every
 * response carries ISOLATION. Resolves once it listens. */
export function serveDist({ page, isolated = false, extra = {} }) {
  const headers = isolated ? ISOLATION : {};
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/') { res.writeHead(200, { 'content-type': 'text/html', ...headers }); res.end(page); return; }
    if (extra[url.pathname]) { res.writeHead(200, { 'content-type': 'application/octet-stream', ...headers }); res.end(extra[url.pathname]); return; }
    if (url.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    let path = '';
    try { path = normalize(ROOT + decodeURIComponent(url.pathname).slice(1)); } catch { /* a malformed %-escape: 404 */ }
    if (!path.startsWith(ROOT + 'dist' + sep) || !existsSync(path)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', ...headers });
    res.end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

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
