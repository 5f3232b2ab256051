// Vite builds for the browser suite and the example: pages (an index.html directory) and Node
// entries (SSR bundles for the Node WebGPU runs). @objsel packages resolve to their sources.
import fs from 'node:fs';
import path from 'node:path';
import { objselAliases, ROOT } from './aliases.mjs';

/**
 * npm packages some workspace package keeps in its own node_modules (a version that differs from
 * the root's, e.g. the CLI's commander 14 beside a root commander 4). A bundle outside that
 * package would import the root copy at run time, so these are bundled in instead.
 */
function nestedDependencies() {
  const names = new Set();
  for (const pkg of fs.readdirSync(path.join(ROOT, 'packages'))) {
    const dir = path.join(ROOT, 'packages', pkg, 'node_modules');
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) for (const sub of fs.readdirSync(path.join(dir, entry))) names.add(`${entry}/${sub}`);
      else names.add(entry);
    }
  }
  return [...names];
}

/**
 * Builds the page whose `index.html` is in `root` into `outDir` (relative asset URLs, ES module
 * workers). Relative paths are taken from the current directory. Resolves to the absolute outDir.
 *
 * @param {{ root: string, outDir: string, quiet?: boolean, define?: Record<string, string> }} options
 */
export async function buildPage(options) {
  const { build } = await import('vite');
  const outDir = path.resolve(options.outDir);
  await build({
    configFile: false,
    root: path.resolve(options.root),
    base: './',
    logLevel: options.quiet === false ? 'info' : 'warn',
    resolve: { alias: objselAliases() },
    define: options.define ?? {},
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 8192 },
  });
  return outDir;
}

/**
 * Bundles a TypeScript entry for Node (ESM, `<outDir>/<name>.js`): @objsel sources (and packages
 * only a workspace package's own node_modules has) inlined, other npm packages left as imports
 * resolved from the repository root. Returns the output file.
 *
 * @param {{ entry: string, outDir: string }} options
 */
export async function buildNodeEntry(options) {
  const { build } = await import('vite');
  const name = path.basename(options.entry).replace(/\.[mc]?tsx?$/, '');
  const outDir = path.resolve(options.outDir);
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    resolve: { alias: objselAliases() },
    ssr: { noExternal: [/^@objsel\//, ...nestedDependencies()], target: 'node' },
    build: {
      ssr: path.resolve(options.entry),
      outDir,
      emptyOutDir: true,
      target: 'node20',
      rollupOptions: { output: { format: 'es', entryFileNames: `${name}.js` } },
    },
  });
  return path.join(outDir, `${name}.js`);
}
