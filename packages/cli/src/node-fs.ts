/**
 * Node's file system as the commands use it: the `WritableFileSystem` of
 * `@objsel/caffe-import/node` for checkpoints and weights, and small helpers for whole files.
 */
import { promises as fs, statSync } from 'node:fs';
import { CliError } from './errors';

export { nodeFileSystem } from '@objsel/caffe-import/node';

/**
 * Node leaves `path` off some read errors (EISDIR: a directory given as a file); set it, so the
 * CLI's one-line message names the file and the error counts as the user's (exit 2).
 */
function withPath(error: unknown, file: string): unknown {
  const e = error as NodeJS.ErrnoException;
  if (e instanceof Error && typeof e.code === 'string' && e.path === undefined) e.path = file;
  return error;
}

/** A file's bytes (the `read` callback library functions take). */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (error) {
    throw withPath(error, file);
  }
}

/** A UTF-8 text file. */
export async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    throw withPath(error, file);
  }
}

/** A file's bytes, or undefined when it does not exist (other errors are thrown). */
export async function readIfExists(file: string): Promise<Uint8Array | undefined> {
  try {
    return await readBytes(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Refuses a directory flag (`--data-dir`) naming nothing or a file, before any work: a missing
 * data directory would otherwise select no work and "succeed" with nothing done.
 *
 * @throws CliError `usage` naming the flag and the path.
 */
export function assertDirectory(flag: string, dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new CliError('usage', `${flag} ${dir}: no such directory`);
  }
  if (!isDir) throw new CliError('usage', `${flag} ${dir} is a file, expected a directory`);
}

/**
 * Checks that every file of a multi-item run exists and is a regular file before the first
 * output is written, so a missing item fails the run with nothing left behind.
 *
 * @throws CliError `usage` naming the first file that is missing or a directory.
 */
export function assertFilesExist(files: readonly string[]): void {
  for (const file of files) {
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      throw new CliError('usage', 'no such file', { file });
    }
    if (!isFile) throw new CliError('usage', 'is a directory, expected a file', { file });
  }
}
