/** What a directory tree holds, to compare before and after a run (no symbolic link followed). */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Calls `visit` for every entry under `dir`, parents before their contents. */
function walk(dir: string, visit: (rel: string, entry: fs.Dirent, full: string) => void): void {
  const inner = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      visit(path.relative(dir, full), entry, full);
      if (entry.isDirectory()) inner(full);
    }
  };
  inner(dir);
}

/** Every file and directory under `dir` (directories as `rel/`) with a hash of each file's bytes. */
export function treeSnapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  walk(dir, (rel, entry, full) => {
    if (entry.isDirectory()) out[`${rel}/`] = 'dir';
    else out[rel] = createHash('sha1').update(fs.readFileSync(full)).digest('hex');
  });
  return out;
}

/** Every path under `dir` (relative), sorted. */
export function treePaths(dir: string): string[] {
  const out: string[] = [];
  walk(dir, (rel) => out.push(rel));
  return out.sort();
}
