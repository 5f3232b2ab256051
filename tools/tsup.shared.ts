import type { Options } from 'tsup';

/**
 * The one tsup configuration every package uses: ESM + CJS + declarations, external
 * dependencies (tsup leaves everything in dependencies/peerDependencies unbundled).
 */
export function packageConfig(entry: string[]): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'neutral',
    splitting: false,
    treeshake: true,
    outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.js' }),
  };
}
