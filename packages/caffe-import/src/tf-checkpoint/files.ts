/**
 * The read-only file access the checkpoint readers need, kept narrow so that any store can
 * serve it (Node's file system, files a browser user picked, an in-memory map).
 */

/** What the checkpoint readers read files through. Paths are plain strings joined with `/`. */
export interface TfCheckpointFiles {
  /** A whole file's bytes; rejects when it cannot be read. */
  readFile(path: string): Promise<Uint8Array>;
  /** True when a file or directory exists at `path`. */
  exists(path: string): Promise<boolean>;
  /** The names in directory `dir`, or undefined when `dir` is not a directory. */
  list(dir: string): Promise<string[] | undefined>;
}

/** In-memory files (paths as keys); directories are the key prefixes before a `/`. */
export function checkpointFilesFromMap(files: ReadonlyMap<string, Uint8Array> | Record<string, Uint8Array>): TfCheckpointFiles {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  const norm = (p: string) => p.replace(/\/+$/, '');
  const children = (dir: string) => {
    const prefix = dir === '' || dir === '.' ? '' : `${norm(dir)}/`;
    const names = new Set<string>();
    for (const key of map.keys()) {
      const k = key.startsWith('./') ? key.slice(2) : key;
      if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
    }
    return names;
  };
  return {
    async readFile(path) {
      const bytes = map.get(path) ?? map.get(path.replace(/^\.\//, ''));
      if (!bytes) throw Object.assign(new Error(`ENOENT: no such file '${path}'`), { code: 'ENOENT' });
      return bytes;
    },
    async exists(path) {
      return map.has(path) || map.has(path.replace(/^\.\//, '')) || children(path).size > 0;
    },
    async list(dir) {
      if (map.has(dir)) return undefined;
      const names = children(dir);
      return names.size > 0 ? [...names].sort() : undefined;
    },
  };
}

/** The part of Node's `fs.promises` that {@link checkpointFilesFromNode} uses. */
export interface NodeReadFsLike {
  readFile(path: string): Promise<Uint8Array>;
  stat(path: string): Promise<{ isDirectory(): boolean }>;
  readdir(path: string): Promise<string[]>;
}

/** {@link TfCheckpointFiles} over Node's `fs.promises` (passed in, so this module imports nothing from Node). */
export function checkpointFilesFromNode(fs: NodeReadFsLike): TfCheckpointFiles {
  return {
    readFile: (path) => fs.readFile(path),
    async exists(path) {
      try {
        await fs.stat(path);
        return true;
      } catch {
        return false;
      }
    },
    async list(dir) {
      try {
        if (!(await fs.stat(dir)).isDirectory()) return undefined;
        return (await fs.readdir(dir)).sort();
      } catch {
        return undefined;
      }
    },
  };
}
