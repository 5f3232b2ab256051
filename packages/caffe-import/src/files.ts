/**
 * File access for weights directories, checkpoints and training runs, written once for every
 * package: a read-only interface ({@link ReadableFiles}: Node's file system, a directory of
 * fetched URLs, files a person picked) and a writable one ({@link WritableFiles}: Node's, an OPFS
 * adapter). Paths are plain strings joined with `/` (accepted by Node on every platform and by
 * URL-like stores), so nothing here needs Node's `path`; `@objsel/caffe-import/node` implements
 * both interfaces on Node's file system.
 */

/** Read access to files by `/`-joined paths. */
export interface ReadableFiles {
  /**
   * A whole file. A missing file rejects with an error {@link isNotFound} recognises (Node's
   * `ENOENT`, a DOMException `NotFoundError`, or any error with `code: 'ENOENT'`).
   */
  readFile(path: string): Promise<Uint8Array>;
  /** The entry names (not paths) of a directory; a missing directory rejects as not found. */
  readdir(path: string): Promise<string[]>;
  /** True when a file or directory exists at `path`. */
  exists(path: string): Promise<boolean>;
}

/** Read and write access. Every method creates, replaces or removes one whole thing. */
export interface WritableFiles extends ReadableFiles {
  /** Writes a whole file, durably (Node: fsync) before resolving, so a later rename survives a power cut. */
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  /** Appends to a file, creating it when missing. */
  appendFile(path: string, data: Uint8Array | string): Promise<void>;
  /** Creates a directory; with `recursive`, its parents too and no error when it exists. */
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Renames a file or directory; an existing file at `to` is replaced (POSIX `rename`). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file or a directory tree; a missing path is fine. */
  rm(path: string): Promise<void>;
}

/**
 * Joins path parts with `/`: empty parts are dropped, and the slashes at the joins collapse
 * (`joinPath('a/', '/b')` is `a/b`, `joinPath('/', 'b')` is `/b`).
 */
export function joinPath(...parts: string[]): string {
  const joined = parts
    .filter((p) => p !== '')
    .map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, '')))
    .join('/');
  return joined === '' && parts.some((p) => p.startsWith('/')) ? '/' : joined;
}

/**
 * `path.posix.normalize`, as a string function: `.` segments and doubled slashes go, `..` removes
 * the segment before it (above `/` it stays `/`; a relative path keeps leading `..`), a trailing
 * slash stays, and an empty result is `.`.
 */
export function normalizePath(path: string): string {
  if (path === '') return '.';
  const absolute = path.startsWith('/');
  const trailing = path.endsWith('/');
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else {
      out.push(segment);
    }
  }
  let joined = out.join('/');
  if (joined === '' && !absolute) joined = '.';
  if (trailing && joined !== '' && joined !== '.') joined += '/';
  else if (trailing && joined === '.') joined = './';
  return absolute ? `/${joined}` : joined;
}

function stripTrailingSlashes(path: string): string {
  const stripped = path.replace(/\/+$/, '');
  return stripped === '' && path.startsWith('/') ? '/' : stripped;
}

/** The directory part of `path`, normalised (`a/b/` → `a`, `b` → `.`, `/b` → `/`). */
export function parentPath(path: string): string {
  const p = stripTrailingSlashes(normalizePath(path));
  if (p === '/') return '/';
  const slash = p.lastIndexOf('/');
  if (slash < 0) return p === '..' ? '../..' : '.';
  return slash === 0 ? '/' : p.slice(0, slash);
}

/** The last segment of `path`, normalised (`a/b/` → `b`; `/` → empty). */
export function baseName(path: string): string {
  const p = stripTrailingSlashes(normalizePath(path));
  return p === '/' ? '' : p.slice(p.lastIndexOf('/') + 1);
}

/**
 * The path of `rel` inside `dir`, or `undefined` when `rel` would leave `dir` (or name `dir`
 * itself). The same decision as Node's `path.relative(resolve(dir), resolve(dir, rel))` being
 * non-empty, relative and not starting with `..`, made on the strings (`dir` is not resolved
 * against a working directory, so a relative `dir` is only ever judged stricter than that). A
 * backslash or a colon is refused too, so the answer also holds where Windows reads them as a
 * separator or a drive (a TF.js shard path never contains either).
 */
export function pathInside(dir: string, rel: string): string | undefined {
  if (rel.startsWith('/') || rel.includes('\\') || rel.includes(':')) return undefined;
  const base = stripTrailingSlashes(normalizePath(dir));
  const full = stripTrailingSlashes(normalizePath(`${base}/${rel}`));
  let inside: string;
  if (base === '.') {
    if (full.startsWith('/')) return undefined;
    inside = full;
  } else if (base === '/') {
    inside = full.slice(1);
  } else {
    if (!full.startsWith(`${base}/`)) return undefined;
    inside = full.slice(base.length + 1);
  }
  if (inside === '' || inside === '.' || inside.startsWith('..')) return undefined;
  return full;
}

/** True when `error` says the file does not exist (Node's ENOENT, or a DOMException NotFoundError). */
export function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown } | null;
  return e?.code === 'ENOENT' || e?.name === 'NotFoundError';
}

/** The names in `dir`, or none when it does not exist. */
export async function listDir(files: ReadableFiles, dir: string): Promise<string[]> {
  try {
    return await files.readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** A file's text (UTF-8), or `undefined` when it does not exist. */
export async function readTextIfExists(files: Pick<ReadableFiles, 'readFile'>, file: string): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await files.readFile(file));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

let tempCounter = 0;

/** The writing process's id where there is one (Node), 0 elsewhere (a browser: nobody cleans up after it). */
function writerPid(): number {
  const pid = (globalThis as { process?: { pid?: unknown } }).process?.pid;
  return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : 0;
}

/**
 * A name part unique to this writer, for files and directories written aside before a rename:
 * `<pid>-<time>-<random>-<n>`. The writer's process id comes first, so a later run can tell the
 * leftovers of a killed process (pid no longer running) from those of a live one.
 */
export function tempSuffix(): string {
  tempCounter += 1;
  return `${writerPid()}-${Date.now().toString(36)}-${Math.floor(Math.random() * 2 ** 31).toString(36)}-${tempCounter}`;
}

/**
 * Writes `file` so that readers only ever see the old or the new content: the data goes to a
 * sibling temporary file (`.<name>.tmp-*`), which then replaces `file` by rename.
 */
export async function writeFileAtomic(files: WritableFiles, file: string, data: Uint8Array | string): Promise<void> {
  const temp = joinPath(parentPath(file), `.${baseName(file)}.tmp-${tempSuffix()}`);
  await files.writeFile(temp, data);
  try {
    await files.rename(temp, file);
  } catch (error) {
    await files.rm(temp).catch(() => undefined);
    throw error;
  }
}
