/**
 * Node's file system as the commands use it: the `WritableFileSystem` of
 * `@objsel/caffe-import/node` for checkpoints and weights, and small helpers for whole files.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export { nodeFileSystem } from '@objsel/caffe-import/node';

/** A file's bytes (the `read` callback library functions take). */
export async function readBytes(file: string): Promise<Uint8Array> {
  return new Uint8Array(await fs.readFile(file));
}

/** A UTF-8 text file. */
export function readText(file: string): Promise<string> {
  return fs.readFile(file, 'utf8');
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

/** Writes a file, creating its directory first. */
export async function writeFileMakingDirs(file: string, bytes: Uint8Array | string): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.writeFile(file, bytes);
}

/** A `(relativePath, bytes)` writer under `root` (what voc-data's dataset maker writes through); each directory is made once. */
export function directoryWriter(root: string): (rel: string, bytes: Uint8Array) => Promise<void> {
  const made = new Set<string>();
  return async (rel, bytes) => {
    const file = path.join(root, rel);
    const dir = path.dirname(file);
    if (!made.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      made.add(dir);
    }
    await fs.writeFile(file, bytes);
  };
}
