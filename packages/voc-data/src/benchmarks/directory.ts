import { VocDataError } from '../errors';
import { nodeFileSource, type FileSource } from '../files';

/** A dataset folder: files to read and directories to list (the benchmarks ship no list files). */
export interface DatasetDirectory extends FileSource {
  /** The file names (not paths) in `dir`, sorted; a `missing-file` error naming `dir` if it does not exist. */
  list(dir: string): Promise<string[]>;
}

const FS_PROMISES = 'node:fs/promises';

/** Node's file system (loaded on first use). */
export function nodeDatasetDirectory(): DatasetDirectory {
  const files = nodeFileSource();
  let fs: Promise<{ readdir(path: string, options: { withFileTypes: true }): Promise<{ name: string; isFile(): boolean }[]> }> | undefined;
  return {
    read: (path) => files.read(path),
    async list(dir) {
      fs ??= import(/* @vite-ignore */ /* webpackIgnore: true */ FS_PROMISES);
      try {
        const entries = await (await fs).readdir(dir, { withFileTypes: true });
        return entries
          .filter((e) => e.isFile())
          .map((e) => e.name)
          .sort();
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'ENOENT' || code === 'ENOTDIR')
          throw new VocDataError('missing-file', 'no such directory', { file: dir, cause: error });
        throw new VocDataError('io', `cannot list (${code ?? (error as Error).message})`, { file: dir, cause: error });
      }
    },
  };
}

/** An in-memory dataset folder keyed by `/`-separated paths (tests, fixtures). */
export function memoryDatasetDirectory(files: Record<string, Uint8Array> | Map<string, Uint8Array>): DatasetDirectory {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  return {
    async read(path) {
      const b = map.get(path);
      if (!b) throw new VocDataError('missing-file', 'no such file', { file: path });
      return b;
    },
    async list(dir) {
      const prefix = `${dir.replace(/\/+$/, '')}/`;
      const names = [...map.keys()]
        .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
        .map((p) => p.slice(prefix.length));
      if (names.length === 0 && ![...map.keys()].some((p) => p.startsWith(prefix)))
        throw new VocDataError('missing-file', 'no such directory', { file: dir });
      return names.sort();
    },
  };
}

/** `a/b` from `a` and `b` (no duplicate slashes). */
export function joinPath(dir: string, name: string): string {
  return dir === '' || dir === '.' ? name : `${dir.replace(/\/+$/, '')}/${name}`;
}
