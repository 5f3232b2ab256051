import fs from 'node:fs';
import path from 'node:path';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { objselAliases } from './tools/browser/aliases.mjs';

const root = path.dirname(new URL(import.meta.url).pathname);
const packages = fs.readdirSync(path.join(root, 'packages')).filter((d) => fs.existsSync(path.join(root, 'packages', d, 'package.json')));

/**
 * Tests resolve every @objsel package entry (`@objsel/<pkg>` and each exported subpath such as
 * `@objsel/<pkg>/node`) to the source its package.json `@objsel/source` condition names, so no
 * build is needed first.
 */
const alias = objselAliases();

/** Packages whose tests run TensorFlow.js get its gradients and chained ops registered first. */
const USES_TFJS = new Set(['deeplab-resnet', 'dcsp', 'cli']);

/**
 * The CLI registers gradients and chained ops from tfjs-core's dist modules, which its build
 * bundles (packages/cli/src/tfjs-registrations.ts). Under vitest they would be transformed one
 * by one (seconds per test file); @tensorflow/tfjs, loaded by setup-tfjs.ts, holds the same
 * registrations, so they resolve to it. packages/cli/test/tfjs-core-only.test.ts runs the built CLI.
 */
const TFJS_REGISTRATIONS = [
  {
    find: /^@tensorflow\/tfjs-core\/dist\/(register_all_gradients|public\/chained_ops\/register_all_chained_ops)$/,
    replacement: '@tensorflow/tfjs',
  },
];

function project(name: string, dir: string, options: { tfjs?: boolean } = {}): TestProjectInlineConfiguration {
  return {
    resolve: { alias: options.tfjs ? [...alias, ...TFJS_REGISTRATIONS] : alias },
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
