// A tiny static file server for the browser tests and `npm run example:web`: node:http on
// 127.0.0.1, a random free port unless one is given, files only from one directory, and a log
// of every request so tests can prove the page never asked for anything else. With `isolated`
// it sends the cross-origin isolation headers (COOP/COEP), which browsers require before they
// give a page SharedArrayBuffer, i.e. WebAssembly threads (ONNX Runtime Web's multi-threaded wasm).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/** Content types of the files a built page contains. */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The headers that make a page cross-origin isolated (`crossOriginIsolated === true`). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Serves `root` over HTTP. Resolves to `{ url, port, requests, close }`; `requests` lists
 * `{ method, path, status }` of every request served.
 *
 * @param {string} root directory to serve (index.html for `/`)
 * @param {{ port?: number, host?: string, quiet?: boolean, isolated?: boolean }} [options]
 *   `isolated`: send {@link ISOLATION_HEADERS} with every response.
 */
export function serveStatic(root, options = {}) {
  // The real path: a symbolic link inside the root is served only if its target is inside too.
  const base = fs.realpathSync(path.resolve(root));
  const inside = (p) => p === base || p.startsWith(base + path.sep);
  const host = options.host ?? '127.0.0.1';
  const requests = [];
  const isolation = options.isolated ? ISOLATION_HEADERS : {};
  const server = http.createServer((req, res) => {
    const finish = (status, headers, body) => {
      requests.push({ method: req.method, path: req.url, status });
      res.writeHead(status, { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...isolation, ...headers });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return finish(405, { Allow: 'GET, HEAD' }, 'method not allowed');
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return finish(400, {}, 'bad request');
    }
    let file = path.join(base, pathname);
    // Never leave the served directory (`..`, encoded or not).
    if (!inside(file)) return finish(403, {}, 'forbidden');
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return finish(404, { 'Content-Type': 'text/plain' }, 'not found');
    // Nor through a symbolic link (of the file or of a directory on its way) pointing outside.
    if (!inside(fs.realpathSync(file))) return finish(403, {}, 'forbidden');
    const body = req.method === 'HEAD' ? undefined : fs.readFileSync(file);
    finish(200, { 'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream' }, body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      resolve({
        url: `http://${host}:${port}/`,
        port,
        requests,
        // Keep-alive and half-sent connections would hold `close` open (and the process alive)
        // until they time out: idle ones end now, the rest after a short grace for replies in flight.
        close: () =>
          new Promise((done) => {
            const grace = setTimeout(() => server.closeAllConnections(), 200);
            server.close(() => {
              clearTimeout(grace);
              done(undefined);
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
