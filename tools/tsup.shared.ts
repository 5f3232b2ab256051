import type { Options } from 'tsup';

/**
 * The one tsup configuration every package uses: ESM + CJS + declarations, external
 * dependencies (tsup leaves everything in dependencies/peerDependencies unbundled). With several
 * entries (subpath exports), code they share goes into chunks, so that every entry uses one copy
 * of it (one error class for `instanceof`, one network class).
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
    splitting: entry.length > 1,
    treeshake: true,
    outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.js' }),
  };
}
