/**
 * `@objsel/caffe-import/node`: reading and writing objsel weights directories with Node's file
 * system. Kept apart from the main entry so that the core stays browser-safe.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
// Through the package name (external in the build): one shared copy of the core.
import {
  CaffeImportError,
  decodeWeights,
  forEachShard,
  planWeights,
  validateModelJson,
  type EncodeWeightsOptions,
  type ObjselModelJson,
  type ObjselNetworkMeta,
  type WeightEntry,
} from '@objsel/caffe-import';

/** The manifest file name inside a weights directory. */
export const MODEL_JSON = 'model.json';

async function writeFileSynced(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Writes `dir/model.json` and its shards. Atomic: everything goes into a sibling temporary
 * directory first, which then replaces `dir` by rename, so a crash never leaves a half-written
 * weights directory at `dir` (at worst a stray `.<name>.tmp-*` / `.<name>.old-*` sibling). An
 * existing `dir` is replaced as a whole. Shards are written one at a time from a reused buffer.
 *
 * @returns the written `model.json`.
 */
export async function writeWeightsDir(
  dir: string,
  entries: WeightEntry[],
  meta: ObjselNetworkMeta,
  options?: EncodeWeightsOptions,
): Promise<ObjselModelJson> {
  const { modelJson, shardBytes } = planWeights(entries, meta, options);
  const paths = modelJson.weightsManifest[0]!.paths;
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = path.join(parent, `.${base}.tmp-${tag}`);
  await fs.mkdir(parent, { recursive: true });
  await fs.mkdir(temp);
  try {
    // One shard in memory at a time: the model is never copied whole.
    await forEachShard(entries, shardBytes, (i, bytes) => writeFileSynced(path.join(temp, paths[i]!), bytes));
    await writeFileSynced(path.join(temp, MODEL_JSON), `${JSON.stringify(modelJson, null, 2)}\n`);
    if (await exists(target)) {
      // rename() cannot replace a non-empty directory: move the old one aside first.
      const old = path.join(parent, `.${base}.old-${tag}`);
      await fs.rename(target, old);
      await fs.rename(temp, target);
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(temp, target);
    }
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true });
    throw error;
  }
  return modelJson;
}

/**
 * Reads a weights directory written by {@link writeWeightsDir} (or any objsel-format
 * `model.json` with TF.js shards beside it).
 *
 * @throws CaffeImportError `bad-weights` for an unparsable or inconsistent `model.json`, a shard
 * path leaving the directory, or shards that do not match the manifest; `io` for a missing file.
 */
export async function readWeightsDir(dir: string): Promise<{ modelJson: ObjselModelJson; entries: WeightEntry[] }> {
  const jsonFile = path.join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await fs.readFile(jsonFile, 'utf8');
  } catch (error) {
    throw new CaffeImportError('io', `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { file: jsonFile, cause: error });
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
  const root = path.resolve(dir);
  const shards: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    for (const rel of group.paths) {
      const file = path.resolve(root, rel);
      if (path.isAbsolute(rel) || path.relative(root, file).startsWith('..')) {
        throw new CaffeImportError('bad-weights', `shard path ${JSON.stringify(rel)} leaves the weights directory`, { file: jsonFile });
      }
      try {
        shards.push(await fs.readFile(file));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CaffeImportError(code === 'ENOENT' ? 'bad-weights' : 'io', code === 'ENOENT' ? 'shard listed in model.json is missing' : `cannot read shard: ${code}`, {
          file,
          cause: error,
        });
      }
    }
  }
  try {
    return { modelJson, entries: decodeWeights(modelJson, shards) };
  } catch (error) {
    throw error instanceof CaffeImportError ? error.withFile(jsonFile) : error;
  }
}
