import { VocDataError } from './errors';

/**
 * Where dataset files come from: Node's file system ({@link nodeFileSource}), `fetch` in a
 * browser ({@link fetchFileSource}), or anything else. `read` throws a {@link VocDataError}
 * with code `missing-file` when the file does not exist.
 */
export interface FileSource {
  read(path: string): Promise<Uint8Array>;
}

// Node built-ins are loaded through a variable specifier so browser bundlers never see them.
const FS_PROMISES = 'node:fs/promises';

/** Reads files with `node:fs/promises` (loaded on first use; Node only). */
export function nodeFileSource(): FileSource {
  let fs: Promise<{ readFile(path: string): Promise<Uint8Array> }> | undefined;
  return {
    async read(path) {
      fs ??= import(/* @vite-ignore */ /* webpackIgnore: true */ FS_PROMISES);
      try {
        const buf = await (await fs).readFile(path);
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') throw new VocDataError('missing-file', 'no such file', { file: path, cause: error });
        if (code === 'EISDIR') throw new VocDataError('unreadable', 'is a directory', { file: path, cause: error });
        throw new VocDataError('io', `cannot read (${code ?? (error as Error).message})`, { file: path, cause: error });
      }
    },
  };
}

/** Reads files over HTTP with `fetch` (browsers, workers, Node 18+); `base` is prefixed to every path. */
export function fetchFileSource(base = ''): FileSource {
  return {
    async read(path) {
      const url = base ? `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}` : path;
      let res: Response;
      try {
        res = await fetch(url);
      } catch (error) {
        throw new VocDataError('io', `fetch failed (${(error as Error).message})`, { file: url, cause: error });
      }
      if (res.status === 404) throw new VocDataError('missing-file', 'not found (HTTP 404)', { file: url });
      if (!res.ok) throw new VocDataError('io', `HTTP ${res.status}`, { file: url });
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

/** An in-memory file source (tests, generated data, drag-and-dropped folders). */
export function memoryFileSource(files: Map<string, Uint8Array> | Record<string, Uint8Array>): FileSource {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  return {
    async read(path) {
      const b = map.get(path);
      if (!b) throw new VocDataError('missing-file', 'no such file', { file: path });
      return b;
    },
  };
}
