// `npm run demo:serve`: serves the demo page (demo/dist/, built first when missing or older than
// its sources or the built library) from
// 127.0.0.1 and prints its URL. Every response carries Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp, so the page is cross-origin isolated
// (SharedArrayBuffer, hence training on several threads). Files are sent as they are: the .gz
// digits without Content-Encoding (the page decompresses them itself). Read-only: GET and HEAD.
//
//   node scripts/demo-serve.mjs [--port 8080]      (PORT in the environment works too; 0 = any free port)
import { createServer } from 'node:http';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildDemo, DEMO_DIST } from './demo-build.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.gz': 'application/gzip', '.json': 'application/json',
};
export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

/** Serves `root` on host:port (port 0: any free one); resolves to the server and its URL. */
export function serveDemo({ root = DEMO_DIST, port = 8080, host = '127.0.0.1' } = {}) {
  const base = normalize(root + sep);
  const server = createServer((req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { ...ISOLATION_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') { send(405, 'GET or HEAD only\n'); return; }
    let path;
    try {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      path = normalize(join(base, decodeURIComponent(pathname)));
    } catch {
      send(400, 'bad request\n'); return;
    }
    if (path.endsWith(sep)) path = join(path, 'index.html');
    if (!path.startsWith(base) || !existsSync(path) || !statSync(path).isFile()) { send(404, 'not found\n'); return; }
    send(200, readFileSync(path), TYPES[extname(path)] ?? 'application/octet-stream');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ server, url: `http://${host}:${server.address().port}/` });
    });
  });
}

/** True when demo/dist is missing or older than a file it is built from. */
function stale() {
  const bundle = join(DEMO_DIST, 'demo.js');
  if (!existsSync(bundle) || !existsSync(join(DEMO_DIST, 'index.html'))) return true;
  const built = statSync(bundle).mtimeMs;
  const root = fileURLToPath(new URL('../', import.meta.url));
  const sources = ['demo/index.html', 'demo/style.css', 'dist/index.js', 'dist/workers/train-worker.js', 'dist/workers/pool-worker.js',
    ...readdirSync(join(root, 'demo/src')).map((f) => `demo/src/${f}`)];
  return sources.some((f) => existsSync(join(root, f)) && statSync(join(root, f)).mtimeMs > built);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--port');
  const asked = i > 0 ? process.argv[i + 1] : process.env.PORT;
  const port = asked === undefined ? 8080 : Number(asked);
  if (!Number.isInteger(port) || port < 0 || port > 65535) { console.error(`demo: --port must be 0..65535; got '${asked}'`); process.exit(2); }
  try {
    if (stale()) {
      console.log('building the demo first (npm run demo)…');
      await buildDemo();
    }
    let served;
    try {
      served = await serveDemo({ port });
    } catch (e) {
      if (e.code !== 'EADDRINUSE' || asked !== undefined) throw e;
      console.log(`port ${port} is taken: using a free one`);
      served = await serveDemo({ port: 0 });
    }
    console.log(`wasm-mlp demo: ${served.url}   (cross-origin isolated; Ctrl-C to stop)`);
  } catch (e) {
    console.error(`demo: ${e.message}`);
    process.exit(1);
  }
}
