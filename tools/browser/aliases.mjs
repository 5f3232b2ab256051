// Resolves every @objsel package to its TypeScript source, as vitest.config.ts does, so Vite can
// bundle pages and apps without building the packages first.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Vite `resolve.alias` entries: `@objsel/<name>` → `packages/<name>/src/index.ts` and the Node-only
 * `@objsel/<name>/node` → `packages/<name>/src/node.ts` (for tools bundled for Node).
 * @returns {{ find: RegExp, replacement: string }[]}
 */
export function objselAliases() {
  const dir = path.join(ROOT, 'packages');
  return fs
    .readdirSync(dir)
    .filter((d) => fs.existsSync(path.join(dir, d, 'src/index.ts')))
    .flatMap((d) => [
      { find: new RegExp(`^@objsel/${d}$`), replacement: path.join(dir, d, 'src/index.ts') },
      ...(fs.existsSync(path.join(dir, d, 'src/node.ts'))
        ? [{ find: new RegExp(`^@objsel/${d}/node$`), replacement: path.join(dir, d, 'src/node.ts') }]
        : []),
    ]);
}
