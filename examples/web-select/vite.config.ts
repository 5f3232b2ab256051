/**
 * Vite build of the example: @objsel packages resolve to their TypeScript sources (no package
 * build needed), the model worker is an ES module worker, assets get relative URLs so the built
 * folder can be served from anywhere.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { objselAliases } from '../../tools/browser/aliases.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  resolve: { alias: objselAliases() },
  worker: { format: 'es' },
  build: { outDir: path.join(here, 'dist'), emptyOutDir: true, target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 8192 },
});
