/**
 * Read access to files held in memory (paths as keys): files a browser user picked or fetched, a
 * test's fixtures. Directories are the key prefixes before a `/`.
 */
import type { ReadableFiles } from './files';

function notFound(code: 'ENOENT' | 'ENOTDIR', path: string): Error {
  return Object.assign(new Error(`${code}: '${path}'`), { code, path });
}

/** {@link ReadableFiles} over a map from `/`-joined paths (a leading `./` is optional) to bytes. */
export function filesFromMap(files: ReadonlyMap<string, Uint8Array> | Record<string, Uint8Array>): ReadableFiles {
  const map = new Map<string, Uint8Array>();
  for (const [k, v] of files instanceof Map ? files : Object.entries(files)) map.set(k.replace(/^\.\//, ''), v);
  const key = (path: string) => path.replace(/^\.\//, '').replace(/\/+$/, '');
  const children = (dir: string) => {
    const d = key(dir);
    const prefix = d === '' || d === '.' ? '' : `${d}/`;
    const names = new Set<string>();
    for (const k of map.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
    return names;
  };
  return {
    async readFile(path) {
      const bytes = map.get(key(path));
      if (!bytes) throw notFound('ENOENT', path);
      return bytes;
    },
    async exists(path) {
      return map.has(key(path)) || children(path).size > 0;
    },
    async readdir(dir) {
      if (map.has(key(dir))) throw notFound('ENOTDIR', dir);
      const names = children(dir);
      if (names.size === 0) throw notFound('ENOENT', dir);
      return [...names].sort();
    },
  };
}
