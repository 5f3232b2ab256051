#!/usr/bin/env node
// `npm run example:web -- --port N`: builds examples/web-select with Vite (a production build,
// not a dev server) and serves the built folder on 127.0.0.1:N (default 4173) until Ctrl-C.
// Flags: --port N, --host H (default 127.0.0.1), --build-only, --no-build (serve the last build),
// --no-isolation (leave out the COOP/COEP headers; ONNX Runtime Web then runs wasm on one thread).
import path from 'node:path';
import { ROOT } from './aliases.mjs';
import { serveStatic } from './static-server.mjs';

const EXAMPLE = path.join(ROOT, 'examples/web-select');

/** Builds the example into examples/web-select/dist; returns that folder. */
export async function buildExample() {
  const { build } = await import('vite');
  await build({ configFile: path.join(EXAMPLE, 'vite.config.ts'), logLevel: 'warn' });
  return path.join(EXAMPLE, 'dist');
}

function flag(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  return value === undefined || value.startsWith('--') ? true : value;
}

async function main() {
  const port = Number(flag('port') ?? 4173);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${flag('port')}`);
  let dir = path.join(EXAMPLE, 'dist');
  if (!flag('no-build')) {
    const t0 = Date.now();
    dir = await buildExample();
    console.log(`built examples/web-select in ${((Date.now() - t0) / 1000).toFixed(1)} s -> ${path.relative(process.cwd(), dir) || dir}`);
  }
  if (flag('build-only')) return;
  // Cross-origin isolated by default: ONNX Runtime Web's wasm needs it for threads.
  const isolated = !flag('no-isolation');
  const server = await serveStatic(dir, { port, host: typeof flag('host') === 'string' ? flag('host') : '127.0.0.1', isolated });
  console.log(
    `objsel web-select: ${server.url}  (WebGPU browsers; falls back to WebGL or wasm; ${isolated ? 'cross-origin isolated' : 'not isolated: no wasm threads'}). Ctrl-C to stop.`,
  );
  process.on('SIGINT', () => server.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, 'tools/browser/example-web.mjs')) {
  main().catch((error) => {
    console.error(`example:web: ${error.message}`);
    process.exit(1);
  });
}
