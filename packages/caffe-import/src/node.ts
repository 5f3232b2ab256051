/**
 * `@objsel/caffe-import/node`: file access and weights directories on Node's file system. Kept
 * apart from the main entry so that the core stays browser-safe.
 *
 * @packageDocumentation
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
// Through the package name (external in the build): one shared copy of the core.
import {
  readWeightsDirWith,
  writeWeightsDirWith,
  type ObjselModelJson,
  type ObjselNetworkMeta,
  type WeightEntry,
  type WritableFiles,
  type WriteWeightsDirOptions,
} from '@objsel/caffe-import';

export { MODEL_JSON } from '@objsel/caffe-import';

function errno(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/**
 * Node's file system as {@link WritableFiles} (and so as `ReadableFiles`): whole-file writes are
 * fsync'ed before they resolve, so a checkpoint or weights directory renamed into place survives
 * a power cut, not only a kill; `rm` removes trees and ignores missing paths.
 */
export const nodeFileSystem: WritableFiles = {
  // A plain Uint8Array view of Node's Buffer (no copy, so reading a 176 MB checkpoint holds it
  // once); not the Buffer itself, whose slice() would be a view where callers expect a copy.
  async readFile(file) {
    const buffer = await fs.readFile(file);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
  readdir: (dir) => fs.readdir(dir),
  async exists(target) {
    try {
      await fs.lstat(target);
      return true;
    } catch (error) {
      // ENOTDIR: a parent is a file, so nothing exists below it.
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return false;
      throw error;
    }
  },
  async writeFile(file, data) {
    const handle = await fs.open(file, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  appendFile: (file, data) => fs.appendFile(file, data),
  async mkdir(dir, options) {
    await fs.mkdir(dir, options);
  },
  rename: (from, to) => fs.rename(from, to),
  rm: (target) => fs.rm(target, { recursive: true, force: true }),
};

/** A native path in the `/`-joined form the file interfaces take (Windows' `\` become `/`; elsewhere unchanged). */
export function filesPath(nativePath: string): string {
  return path.sep === '\\' ? nativePath.replaceAll('\\', '/') : nativePath;
}

/**
 * Writes `dir/model.json` and its shards atomically (a sibling temp dir renamed over `dir`, so a
 * crash never leaves a half-written directory), one shard in memory at a time.
 *
 * @returns the written `model.json`.
 */
export function writeWeightsDir(
  dir: string,
  entries: WeightEntry[],
  meta: ObjselNetworkMeta,
  options?: WriteWeightsDirOptions,
): Promise<ObjselModelJson> {
  return writeWeightsDirWith(nodeFileSystem, filesPath(dir), entries, meta, options);
}

/**
 * Reads a weights directory (`model.json` + shards).
 *
 * @throws CaffeImportError `bad-weights` / `io`, naming the file.
 */
export function readWeightsDir(dir: string): Promise<{ modelJson: ObjselModelJson; entries: WeightEntry[] }> {
  return readWeightsDirWith(nodeFileSystem, filesPath(dir));
}
