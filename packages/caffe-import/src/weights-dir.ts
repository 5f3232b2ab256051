/**
 * Reading and writing a weights directory (`model.json` + shards) over a minimal file-system
 * interface, so the logic (atomic replace, one shard in memory, path checks) is written once and
 * stays browser-safe; `@objsel/caffe-import/node` supplies Node's file system.
 */
import { CaffeImportError } from './errors';
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

/** What the weights-directory functions need from a file system (Node: `nodeFileSystem`). */
export interface WeightsFileSystem {
  /** Path helpers with Node `path` semantics. */
  path: {
    join(...parts: string[]): string;
    dirname(p: string): string;
    basename(p: string): string;
    resolve(...parts: string[]): string;
    relative(from: string, to: string): string;
    isAbsolute(p: string): boolean;
  };
  /** Creates a directory (with parents when `recursive`). */
  mkdir(dir: string, options?: { recursive?: boolean }): Promise<unknown>;
  /** Writes a whole file and makes it durable (fsync) before resolving. */
  writeFile(file: string, data: Uint8Array | string): Promise<void>;
  /** Reads a whole file. */
  readFile(file: string): Promise<Uint8Array>;
  /** Renames a file or directory. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file or directory tree; missing paths are fine. */
  rm(target: string): Promise<void>;
  /** True when the path exists. */
  exists(target: string): Promise<boolean>;
  /** A short random string for temporary names. */
  randomTag(): string;
}

/**
 * Writes `dir/model.json` and its shards. Atomic: everything goes into a sibling temporary
 * directory first, which then replaces `dir` by rename, so a crash never leaves a half-written
 * weights directory at `dir` (at worst a stray `.<name>.tmp-*` / `.<name>.old-*` sibling). An
 * existing `dir` is replaced as a whole. Shards are written one at a time from a reused buffer,
 * so the model is never copied whole. `options.onProgress` gets a `write-weights` event per shard.
 *
 * @returns the written `model.json`.
 * @throws CaffeImportError `bad-weights` for invalid entries (nothing is written then).
 */
export async function writeWeightsDirWith(
  fs: WeightsFileSystem,
  dir: string,
  entries: WeightEntry[],
  meta: ObjselNetworkMeta,
  options?: EncodeWeightsOptions & { onProgress?: OnProgress },
): Promise<ObjselModelJson> {
  const { modelJson, shardBytes, shardCount } = planWeights(entries, meta, options);
  const paths = modelJson.weightsManifest[0]!.paths;
  const target = fs.path.resolve(dir);
  const parent = fs.path.dirname(target);
  const base = fs.path.basename(target);
  const tag = fs.randomTag();
  const temp = fs.path.join(parent, `.${base}.tmp-${tag}`);
  await fs.mkdir(parent, { recursive: true });
  await fs.mkdir(temp);
  try {
    await forEachShard(entries, shardBytes, async (i, bytes) => {
      await fs.writeFile(fs.path.join(temp, paths[i]!), bytes);
      options?.onProgress?.({ task: 'write-weights', done: i + 1, total: shardCount, message: paths[i]! });
    });
    await fs.writeFile(fs.path.join(temp, MODEL_JSON), `${JSON.stringify(modelJson, null, 2)}\n`);
    if (await fs.exists(target)) {
      // rename() cannot replace a non-empty directory: move the old one aside first.
      const old = fs.path.join(parent, `.${base}.old-${tag}`);
      await fs.rename(target, old);
      await fs.rename(temp, target);
      await fs.rm(old);
    } else {
      await fs.rename(temp, target);
    }
  } catch (error) {
    await fs.rm(temp);
    throw error;
  }
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
  fs: WeightsFileSystem,
  dir: string,
): Promise<{ modelJson: ObjselModelJson; entries: WeightEntry[] }> {
  const jsonFile = fs.path.join(dir, MODEL_JSON);
  let text: string;
  try {
    text = new TextDecoder().decode(await fs.readFile(jsonFile));
  } catch (error) {
    throw new CaffeImportError('io', `cannot read: ${errno(error) ?? (error as Error).message}`, { file: jsonFile, cause: error });
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
  const root = fs.path.resolve(dir);
  const shards: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    for (const rel of group.paths) {
      const file = fs.path.resolve(root, rel);
      const inside = fs.path.relative(root, file);
      if (fs.path.isAbsolute(rel) || inside === '' || inside.startsWith('..') || fs.path.isAbsolute(inside)) {
        throw new CaffeImportError('bad-weights', `shard path ${JSON.stringify(rel)} leaves the weights directory`, { file: jsonFile });
      }
      try {
        shards.push(await fs.readFile(file));
      } catch (error) {
        const code = errno(error);
        throw new CaffeImportError(
          code === 'ENOENT' ? 'bad-weights' : 'io',
          code === 'ENOENT' ? 'shard listed in model.json is missing' : `cannot read shard: ${code}`,
          {
            file,
            cause: error,
          },
        );
      }
    }
  }
  try {
    return { modelJson, entries: decodeWeights(modelJson, shards) };
  } catch (error) {
    throw error instanceof CaffeImportError ? error.withFile(jsonFile) : error;
  }
}

/** The part of Node's `fs.promises` that {@link fileSystemFromNode} uses. */
export interface NodeFsPromisesLike {
  mkdir(dir: string, options?: { recursive?: boolean }): Promise<unknown>;
  open(
    file: string,
    flags: 'w',
  ): Promise<{ writeFile(data: Uint8Array | string): Promise<void>; sync(): Promise<void>; close(): Promise<void> }>;
  readFile(file: string): Promise<Uint8Array>;
  rename(from: string, to: string): Promise<void>;
  rm(target: string, options: { recursive: boolean; force: boolean }): Promise<void>;
  lstat(target: string): Promise<unknown>;
}

/**
 * A {@link WeightsFileSystem} from Node's `fs.promises` and `path`, passed in so this module
 * imports nothing from Node (files are fsync'ed before the directory is renamed into place).
 * `@objsel/caffe-import/node` exports one ready-made as `nodeFileSystem`.
 */
export function fileSystemFromNode(fs: NodeFsPromisesLike, path: WeightsFileSystem['path'], randomTag: () => string): WeightsFileSystem {
  return {
    path,
    mkdir: (dir, options) => fs.mkdir(dir, options),
    async writeFile(file, data) {
      const handle = await fs.open(file, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    readFile: (file) => fs.readFile(file),
    rename: (from, to) => fs.rename(from, to),
    rm: (target) => fs.rm(target, { recursive: true, force: true }),
    async exists(target) {
      try {
        await fs.lstat(target);
        return true;
      } catch (error) {
        if (errno(error) === 'ENOENT') return false;
        throw error;
      }
    },
    randomTag,
  };
}
