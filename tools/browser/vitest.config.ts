/**
 * The browser suite: Playwright drives Debian's Chromium (WebGPU on SwiftShader) against built
 * pages, plus the Node WebGPU (Dawn) conformance run. Separate from the unit projects because it
 * builds bundles and starts browsers (about 2–3 minutes on 2 cores). Run it with
 * `npm run test:browser` (or `node tools/run-tests.mjs --config tools/browser/vitest.config.ts`).
 */
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { objselAliases, ROOT } from './aliases.mjs';

export default defineConfig({
  root: ROOT,
  resolve: { alias: objselAliases() },
  test: {
    name: 'browser',
    include: ['packages/*/test/**/*.browser.spec.ts', 'examples/*/test/**/*.browser.spec.ts'],
    environment: 'node',
    setupFiles: [path.join(ROOT, 'tools/test/setup.ts'), path.join(ROOT, 'tools/test/setup-tfjs.ts')],
    // One file at a time: each drives a browser that wants both cores.
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
