/**
 * The few file operations checkpoints and training runs need. Node's `fs.promises` satisfies it
 * as is; a browser can pass an OPFS adapter. Taking it as a parameter keeps this package free of
 * `node:` imports, so its main entry stays browser-safe.
 */
export interface FileSystemLike {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  appendFile(path: string, data: string): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  /** Renames a file or directory; replaces an existing file (POSIX `rename`). */
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { recursive: true; force: true }): Promise<void>;
  readdir(path: string): Promise<string[]>;
}

/** Joins path parts with `/` (accepted by Node on every platform and by URL-like stores). */
export function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, '')))
    .join('/');
}

/** True when `error` says the file does not exist (Node's ENOENT, or a DOMException NotFoundError). */
export function isNotFound(error: unknown): boolean {
  const e = error as { code?: string; name?: string };
  return e?.code === 'ENOENT' || e?.name === 'NotFoundError';
}

/** The names in `dir`, or none when it does not exist. */
export async function listDir(fs: FileSystemLike, dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** A file's text, or `undefined` when it does not exist. */
export async function readTextIfExists(fs: Pick<FileSystemLike, 'readFile'>, file: string): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await fs.readFile(file));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

let tempCounter = 0;

/** A name unique to this writer, for files written aside before a rename. */
export function tempSuffix(): string {
  tempCounter += 1;
  return `${Date.now().toString(36)}-${Math.floor(Math.random() * 2 ** 31).toString(36)}-${tempCounter}`;
}

/**
 * Writes `file` so that readers only ever see the old or the new content: the data goes to a
 * sibling temporary file, which then replaces `file` by rename.
 */
export async function writeFileAtomic(fs: FileSystemLike, file: string, data: Uint8Array | string): Promise<void> {
  const slash = file.lastIndexOf('/');
  const dir = slash >= 0 ? file.slice(0, slash) : '.';
  const base = slash >= 0 ? file.slice(slash + 1) : file;
  const temp = joinPath(dir, `.${base}.tmp-${tempSuffix()}`);
  await fs.writeFile(temp, data);
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}
