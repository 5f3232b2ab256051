/**
 * {@link ReadableFiles} for stores that can only hand over a whole file by name: a `{ readFile }`
 * object, and a weights directory on a web server, so a `model.json` loads the way TF.js loads
 * one (`fetch`, shards relative to the `model.json` URL).
 */
import type { ReadableFiles } from './files';

/** What a read-only store must offer: a whole file by its `/`-joined path. */
export interface ReadFileOnly {
  /** A whole file; a missing one should reject with `code: 'ENOENT'` (or a `NotFoundError`). */
  readFile(path: string): Promise<Uint8Array>;
}

/**
 * {@link ReadableFiles} over a `readFile` alone: `exists` reads the file (true when that
 * succeeds), `readdir` is refused. Enough for a weights directory (`model.json` names every
 * shard), not for a snapshot directory, which has to be listed.
 */
export function readOnlyFiles(store: ReadFileOnly): ReadableFiles {
  const readFile = (path: string) => store.readFile(path);
  return {
    readFile,
    readdir: async (path) => {
      throw Object.assign(new Error(`${path}: this store only reads files by name (readFile), it cannot list a directory`), {
        code: 'ENOTSUP',
      });
    },
    exists: (path) =>
      readFile(path).then(
        () => true,
        () => false,
      ),
  };
}

/** Options of {@link urlFiles}. */
export interface UrlFilesOptions {
  /** The `fetch` to use (default `globalThis.fetch`), e.g. one that adds credentials. */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  /** Passed to every request (headers, credentials, signal). */
  requestInit?: RequestInit;
}

/** The virtual directory {@link urlFiles} maps to the `model.json` URL's directory. */
export const URL_WEIGHTS_DIR = 'weights';

/**
 * A weights directory on a web server as {@link ReadableFiles}: the virtual directory
 * {@link URL_WEIGHTS_DIR} stands for the directory of `modelJsonUrl`, so the path helpers only
 * ever see `weights/…` (they would fold a URL's `//`). `weights/model.json` fetches `modelJsonUrl`
 * itself (its query too, for a signed URL); any other `weights/<rel>` fetches `<rel>` resolved
 * against it, as TF.js resolves shard paths. HTTP 404 rejects as not found.
 *
 * @returns the files and the directory to read (`readWeightsDirWith(files, dir)`).
 */
export function urlFiles(modelJsonUrl: string | URL, options: UrlFilesOptions = {}): { files: ReadableFiles; dir: string; url: string } {
  const url = new URL(modelJsonUrl);
  const fetchFile = options.fetch ?? ((u: string, init?: RequestInit) => globalThis.fetch(u, init));
  const prefix = `${URL_WEIGHTS_DIR}/`;
  const files = readOnlyFiles({
    async readFile(path) {
      if (!path.startsWith(prefix)) throw Object.assign(new Error(`${path}: not under ${URL_WEIGHTS_DIR}/`), { code: 'ENOENT' });
      const rel = path.slice(prefix.length);
      const target = rel === 'model.json' ? url.href : new URL(rel, url).href;
      const response = await fetchFile(target, options.requestInit);
      if (response.status === 404) throw Object.assign(new Error('HTTP 404'), { code: 'ENOENT' });
      if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
      return new Uint8Array(await response.arrayBuffer());
    },
  });
  return { files, dir: URL_WEIGHTS_DIR, url: url.href };
}
