/**
 * `@objsel/caffe-import/node`: weights directories and Caffe files on Node's file system. Kept
 * apart from the main entry so that the core stays browser-safe.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
// Through the package name (external in the build): one shared copy of the core.
import {
  fileSystemFromNode,
  readWeightsDirWith,
  writeWeightsDirWith,
  type EncodeWeightsOptions,
  type ObjselModelJson,
  type ObjselNetworkMeta,
  type OnProgress,
  type WeightEntry,
  type WeightsFileSystem,
} from '@objsel/caffe-import';

export { MODEL_JSON } from '@objsel/caffe-import';

/** Node's file system as a `WeightsFileSystem` (files are fsync'ed before rename). */
export const nodeFileSystem: WeightsFileSystem = fileSystemFromNode(fs, path, () => `${process.pid}-${randomBytes(4).toString('hex')}`);

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
  options?: EncodeWeightsOptions & { onProgress?: OnProgress },
): Promise<ObjselModelJson> {
  return writeWeightsDirWith(nodeFileSystem, dir, entries, meta, options);
}

/**
 * Reads a weights directory (`model.json` + shards).
 *
 * @throws CaffeImportError `bad-weights` / `io`, naming the file.
 */
export function readWeightsDir(dir: string): Promise<{ modelJson: ObjselModelJson; entries: WeightEntry[] }> {
  return readWeightsDirWith(nodeFileSystem, dir);
}
