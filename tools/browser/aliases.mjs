// Resolves every @objsel package entry to its TypeScript source, for Vite bundles (pages, apps,
// Node entries) and the vitest projects, so that nothing needs the packages built first.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The package.json condition that names an entry's TypeScript source. */
export const SOURCE_CONDITION = '@objsel/source';

/**
 * Vite `resolve.alias` entries, one per exported entry of every package under packages/: the
 * `exports` key `.` or `./<subpath>` of `packages/<name>/package.json` whose `@objsel/source`
 * condition names a source file gives `@objsel/<name>` or `@objsel/<name>/<subpath>` (exactly)
 * → that file.
 * @returns {{ find: RegExp, replacement: string }[]}
 */
export function objselAliases() {
  const dir = path.join(ROOT, 'packages');
  const aliases = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const manifest = path.join(dir, name, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const exportsMap = JSON.parse(fs.readFileSync(manifest, 'utf8')).exports ?? {};
    for (const [key, target] of Object.entries(exportsMap)) {
      const source = target && typeof target === 'object' ? target[SOURCE_CONDITION] : undefined;
      if (typeof source !== 'string') continue;
      const specifier = `@objsel/${name}${key === '.' ? '' : key.slice(1)}`;
      const escaped = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      aliases.push({ find: new RegExp(`^${escaped}$`), replacement: path.join(dir, name, source) });
    }
  }
  return aliases;
}
