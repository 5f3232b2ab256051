import fs from 'node:fs';
import path from 'node:path';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const root = path.dirname(new URL(import.meta.url).pathname);
const packages = fs.readdirSync(path.join(root, 'packages')).filter((d) => fs.existsSync(path.join(root, 'packages', d, 'package.json')));

/** Tests resolve every @objsel package to its source, so no build is needed first. */
const alias = [
  // Node-only subpath entries (`@objsel/<pkg>/node` → src/node.ts) must precede the package alias,
  // which would otherwise turn them into `src/index.ts/node`.
  ...packages
    .filter((d) => fs.existsSync(path.join(root, 'packages', d, 'src/node.ts')))
    .map((d) => ({ find: `@objsel/${d}/node`, replacement: path.join(root, 'packages', d, 'src/node.ts') })),
  ...packages.map((d) => ({ find: `@objsel/${d}`, replacement: path.join(root, 'packages', d, 'src/index.ts') })),
];

/** Packages whose tests run TensorFlow.js get its gradients and chained ops registered first. */
const USES_TFJS = new Set(['deeplab-resnet', 'dcsp', 'cli']);

function project(name: string, dir: string, options: { tfjs?: boolean } = {}): TestProjectInlineConfiguration {
  return {
    resolve: { alias },
    test: {
      name,
      root: dir,
      include: ['test/**/*.test.ts'],
      environment: 'node',
      setupFiles: [path.join(root, 'tools/test/setup.ts'), ...(options.tfjs ? [path.join(root, 'tools/test/setup-tfjs.ts')] : [])],
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  };
}

export default defineConfig({
  test: {
    // Two cores: one worker per core; forks isolate the TF.js engine per test file.
    pool: 'forks',
    maxWorkers: 2,
    execArgv: ['--expose-gc'],
    projects: [
      ...packages.map((d) => project(d, path.join(root, 'packages', d), { tfjs: USES_TFJS.has(d) })),
      project('tools', path.join(root, 'tools')),
    ],
  },
});
