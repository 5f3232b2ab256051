/**
 * Vite build of the example: @objsel packages resolve to their TypeScript sources (no package
 * build needed), the model worker is an ES module worker, assets get relative URLs so the built
 * folder can be served from anywhere. onnxruntime-web is left out of the dev server's dependency
 * pre-bundling: its wasm files are found next to its own modules (`new URL(…, import.meta.url)`
 * and the `?url` imports in src/engines/onnx-runtime.ts), which pre-bundling would move. The dev
 * and preview servers send the cross-origin isolation headers, which wasm threads need.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { objselAliases } from '../../tools/browser/aliases.mjs';
import { ISOLATION_HEADERS } from '../../tools/browser/static-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  resolve: { alias: objselAliases() },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { headers: { ...ISOLATION_HEADERS } },
  preview: { headers: { ...ISOLATION_HEADERS } },
  build: { outDir: path.join(here, 'dist'), emptyOutDir: true, target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 8192 },
});
