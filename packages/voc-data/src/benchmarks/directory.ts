import { VocDataError } from '../errors';
import { nodeFileSource, type FileSource } from '../files';

/** A dataset folder: files to read and directories to list (the benchmarks ship no list files). */
export interface DatasetDirectory extends FileSource {
  /** The file names (not paths) in `dir`, sorted; a `missing-file` error naming `dir` if it does not exist. */
  list(dir: string): Promise<string[]>;
  /** The subdirectory names of `dir`, sorted (DAVIS 2017's one folder per sequence). */
  listDirectories(dir: string): Promise<string[]>;
}

const FS_PROMISES = 'node:fs/promises';

interface DirEntry {
  name: string;
  isFile(): boolean;
  isDirectory(): boolean;
}

/** Node's file system (loaded on first use). */
export function nodeDatasetDirectory(): DatasetDirectory {
  const files = nodeFileSource();
  let fs: Promise<{ readdir(path: string, options: { withFileTypes: true }): Promise<DirEntry[]> }> | undefined;
  async function entries(dir: string, directories: boolean): Promise<string[]> {
    fs ??= import(/* @vite-ignore */ /* webpackIgnore: true */ FS_PROMISES);
    try {
      const all = await (await fs).readdir(dir, { withFileTypes: true });
      return all
        .filter((e) => (directories ? e.isDirectory() : e.isFile()))
        .map((e) => e.name)
        .sort();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new VocDataError('missing-file', 'no such directory', { file: dir, cause: error });
      throw new VocDataError('io', `cannot list (${code ?? (error as Error).message})`, { file: dir, cause: error });
    }
  }
  return { read: (path) => files.read(path), list: (dir) => entries(dir, false), listDirectories: (dir) => entries(dir, true) };
}

/** An in-memory dataset folder keyed by `/`-separated paths (tests, fixtures). */
export function memoryDatasetDirectory(files: Record<string, Uint8Array> | Map<string, Uint8Array>): DatasetDirectory {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  /** Paths under `dir`, relative to it; a directory exists when some file lies under it. */
  const under = (dir: string): string[] => {
    const prefix = `${dir.replace(/\/+$/, '')}/`;
    const rest = [...map.keys()].filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
    if (rest.length === 0) throw new VocDataError('missing-file', 'no such directory', { file: dir });
    return rest;
  };
  return {
    async read(path) {
      const b = map.get(path);
      if (!b) throw new VocDataError('missing-file', 'no such file', { file: path });
      return b;
    },
    async list(dir) {
      return under(dir)
        .filter((r) => !r.includes('/'))
        .sort();
    },
    async listDirectories(dir) {
      return [...new Set(under(dir).flatMap((r) => (r.includes('/') ? [r.slice(0, r.indexOf('/'))] : [])))].sort();
    },
  };
}

/** `a/b` from `a` and `b` (no duplicate slashes). */
export function joinPath(dir: string, name: string): string {
  return dir === '' || dir === '.' ? name : `${dir.replace(/\/+$/, '')}/${name}`;
}
