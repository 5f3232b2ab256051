// The publishable workspace packages, in dependency order (leaves first).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `[{ name, dir, manifest }]` for every package under packages/, dependencies before dependents. */
export function workspacePackages() {
  const all = fs
    .readdirSync(path.join(ROOT, 'packages'))
    .filter((d) => fs.existsSync(path.join(ROOT, 'packages', d, 'package.json')))
    .map((d) => {
      const dir = path.join(ROOT, 'packages', d);
      return { name: `@objsel/${d}`, dir, manifest: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) };
    });
  const byName = new Map(all.map((p) => [p.name, p]));
  const ordered = [];
  const seen = new Set();
  const visit = (p) => {
    if (seen.has(p.name)) return;
    seen.add(p.name);
    for (const dep of Object.keys(p.manifest.dependencies ?? {})) if (byName.has(dep)) visit(byName.get(dep));
    ordered.push(p);
  };
  for (const p of all) visit(p);
  return ordered;
}
