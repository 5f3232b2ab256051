/**
 * TensorFlow checkpoints as a weights format of the resolver: the prefix `Saver` prints
 * (`snapshots/model.ckpt-20000`, V2), a V1 file (`deeplab_resnet.ckpt`), an `.index`/`.data-*`
 * file, or a directory with TensorFlow's `checkpoint` state file. Converted on the fly by
 * caffe-import (nothing is written); the architecture comes from the variables, BatchNorm
 * epsilon is slim's 0.001, optimiser slots and step counters are left out and listed.
 */
import {
  CHECKPOINT_STATE_FILE,
  CaffeImportError,
  baseName,
  convertTfCheckpoint,
  isNotFound,
  parentPath,
  resolveTfCheckpoint,
  type ReadableFiles,
} from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import type { WeightsFormat, WeightsLocation } from './weights-format';

/** caffe-import's error as this package's, same code family, file and message. */
function asDeeplabError(error: unknown): unknown {
  if (!(error instanceof CaffeImportError)) return error;
  return new DeeplabError(error.code === 'io' || error.code === 'missing-file' ? 'io' : 'bad-weights', error.detail, {
    ...(error.file === undefined ? {} : { file: error.file }),
    ...(error.where === undefined ? {} : { where: error.where }),
    cause: error,
  });
}

async function namesIn(files: ReadableFiles, dir: string): Promise<string[] | undefined> {
  try {
    return await files.readdir(dir);
  } catch (error) {
    if (isNotFound(error) || (error as { code?: unknown } | null)?.code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** True when `path` looks like a checkpoint (so its errors are worth reporting), without reading it. */
async function looksLikeCheckpoint(files: ReadableFiles, path: string): Promise<boolean> {
  const listing = await namesIn(files, path);
  if (listing !== undefined) return listing.includes(CHECKPOINT_STATE_FILE) || listing.some((n) => n.endsWith('.index'));
  if (await files.exists(path)) return true;
  // A prefix: its index, data shards or V1 shards are beside it.
  const base = baseName(path);
  const siblings = (await namesIn(files, parentPath(path))) ?? [];
  return siblings.some((n) => n.startsWith(`${base}.`) || n.startsWith(`${base}-`));
}

/** Tried after objsel's own formats, so a weights or snapshot directory is never read as TensorFlow's. */
export const tfCheckpointFormat: WeightsFormat = {
  async locate(files, path) {
    if (!(await looksLikeCheckpoint(files, path))) return undefined;
    try {
      const resolved = await resolveTfCheckpoint(files, path);
      return { path, source: 'tf-checkpoint', weightsPath: resolved.prefix } satisfies WeightsLocation;
    } catch (error) {
      throw asDeeplabError(error);
    }
  },
  async read(files, location) {
    try {
      // Not consumeInput: in-memory files (filesFromMap) hand out their own bytes.
      const { entries, meta, report } = await convertTfCheckpoint(files, location.path);
      return { entries, meta, tfCheckpoint: report };
    } catch (error) {
      throw asDeeplabError(error);
    }
  },
};
