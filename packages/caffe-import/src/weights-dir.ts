/**
 * Reading and writing a weights directory (`model.json` + shards) over {@link ReadableFiles} /
 * {@link WritableFiles}, so the logic (atomic replace, one shard in memory, path checks) is
 * written once, for `objsel convert`, checkpoints and everyone else, and stays browser-safe;
 * `@objsel/caffe-import/node` supplies Node's file system.
 */
import { CaffeImportError } from './errors';
import { baseName, isNotFound, joinPath, parentPath, pathInside, tempSuffix, type ReadableFiles, type WritableFiles } from './files';
import type { OnProgress } from './progress';
import {
  decodeWeights,
  forEachShard,
  planWeights,
  validateModelJson,
  type EncodeWeightsOptions,
  type ObjselModelJson,
  type ObjselNetworkMeta,
  type WeightEntry,
} from './weights-format';

/** The manifest file name inside a weights directory. */
export const MODEL_JSON = 'model.json';

/** Options of {@link writeWeightsDirWith}. */
export interface WriteWeightsDirOptions extends EncodeWeightsOptions {
  /** Gets a `write-weights` event per shard written. */
  onProgress?: OnProgress;
  /**
   * Writes more files into the directory before it is renamed into place (a checkpoint's
   * optimizer state and trainer state), so they appear together with the weights or not at all.
   */
  beforeRename?: (tempDir: string) => Promise<void>;
}

/**
 * Writes `dir/model.json` and its shards. Atomic: everything goes into a sibling temporary
 * directory first (`.<name>.tmp-*`), which then replaces `dir` by rename, so a crash never leaves
 * a half-written weights directory at `dir`: at worst a stray `.<name>.tmp-*` sibling, or, for a
 * crash between moving an existing `dir` aside and renaming the new one in, no `dir` and the old
 * one whole at `.<name>.old-*` (an error there puts it back). An existing `dir` is replaced as a
 * whole. Shards are written one at a time from a
 * reused buffer, so the model is never copied whole: `files.writeFile` must not keep the bytes it
 * is given. `options.onProgress` gets a `write-weights` event per shard.
 *
 * @returns the written `model.json`.
 * @throws CaffeImportError `bad-weights` for invalid entries (nothing is written then), `io` when
 * `dir` names no directory (`.`, `..`, `/`).
 */
export async function writeWeightsDirWith(
  files: WritableFiles,
  dir: string,
  entries: WeightEntry[],
  meta: ObjselNetworkMeta,
  options: WriteWeightsDirOptions = {},
): Promise<ObjselModelJson> {
  const { modelJson, shardBytes, shardCount } = planWeights(entries, meta, options);
  const paths = modelJson.weightsManifest[0]!.paths;
  const base = baseName(dir);
  if (base === '' || base === '.' || base === '..') {
    throw new CaffeImportError('io', 'cannot be replaced as a weights directory: name a directory of its own', { file: dir });
  }
  const parent = parentPath(dir);
  const target = joinPath(parent, base);
  const tag = tempSuffix();
  const temp = joinPath(parent, `.${base}.tmp-${tag}`);
  const old = joinPath(parent, `.${base}.old-${tag}`);
  let movedAside = false;
  await files.mkdir(parent, { recursive: true });
  await files.mkdir(temp);
  try {
    await forEachShard(entries, shardBytes, async (i, bytes) => {
      await files.writeFile(joinPath(temp, paths[i]!), bytes);
      options.onProgress?.({ task: 'write-weights', done: i + 1, total: shardCount, message: paths[i]! });
    });
    // model.json last: a directory with a model.json has all its shards.
    await files.writeFile(joinPath(temp, MODEL_JSON), `${JSON.stringify(modelJson, null, 2)}\n`);
    await options.beforeRename?.(temp);
    if (await files.exists(target)) {
      // rename() cannot replace a non-empty directory: move the old one aside first.
      await files.rename(target, old);
      movedAside = true;
    }
    await files.rename(temp, target);
  } catch (error) {
    // A failed swap puts the old directory back (a crash in between leaves it at `.<name>.old-*`).
    if (movedAside && !(await files.exists(target).catch(() => true))) await files.rename(old, target).catch(() => undefined);
    await files.rm(temp).catch(() => undefined);
    throw error;
  }
  if (movedAside) await files.rm(old);
  return modelJson;
}

function errno(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Reads a weights directory written by {@link writeWeightsDirWith} (or any objsel-format
 * `model.json` with TF.js shards beside it).
 *
 * @throws CaffeImportError `bad-weights` for an unparsable or inconsistent `model.json`, a missing
 * shard, a shard path leaving the directory, or shards that do not match the manifest; `io` when
 * `model.json` cannot be read.
 */
export async function readWeightsDirWith(
  files: ReadableFiles,
  dir: string,
): Promise<{ modelJson: ObjselModelJson; entries: WeightEntry[] }> {
  const jsonFile = joinPath(dir, MODEL_JSON);
  let text: string;
  try {
    text = new TextDecoder().decode(await files.readFile(jsonFile));
  } catch (error) {
    const why = isNotFound(error) ? 'not found: not a weights directory' : `cannot read: ${errno(error) ?? (error as Error).message}`;
    throw new CaffeImportError('io', why, { file: jsonFile, cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CaffeImportError('bad-weights', `not valid JSON (${(error as Error).message})`, { file: jsonFile, cause: error });
  }
  try {
    validateModelJson(parsed);
  } catch (error) {
    throw error instanceof CaffeImportError ? error.withFile(jsonFile) : error;
  }
  const modelJson = parsed;
  const shards: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    for (const rel of group.paths) {
      const file = pathInside(dir, rel);
      if (file === undefined) {
        throw new CaffeImportError('bad-weights', `shard path ${JSON.stringify(rel)} leaves the weights directory`, { file: jsonFile });
      }
      try {
        shards.push(await files.readFile(file));
      } catch (error) {
        const missing = isNotFound(error);
        throw new CaffeImportError(
          missing ? 'bad-weights' : 'io',
          missing ? 'shard listed in model.json is missing' : `cannot read shard: ${errno(error) ?? (error as Error).message}`,
          { file, cause: error },
        );
      }
    }
  }
  try {
    // The shards were read for this call: the tensors may be views into them (no joined copy).
    return { modelJson, entries: decodeWeights(modelJson, shards, { viewShards: true }) };
  } catch (error) {
    throw error instanceof CaffeImportError ? error.withFile(jsonFile) : error;
  }
}
