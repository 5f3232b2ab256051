import {
  decodeWeights,
  encodeWeights,
  validateModelJson,
  type ObjselModelJson,
  type ObjselNetworkMeta,
  type WeightEntry,
} from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import { isNotFound, joinPath, type FileSystemLike } from './file-system';

/** The manifest file of a weights directory. */
export const MODEL_JSON = 'model.json';

/**
 * Writes `dir/model.json` and its shards in the objsel weights format (caffe-import's
 * `encodeWeights`: TF.js shards plus the `objsel` section), the format `objsel convert` writes.
 * Not atomic by itself: checkpoints write into a staging directory and rename it as a whole.
 */
export async function writeWeightsTo(
  fs: FileSystemLike,
  dir: string,
  entries: WeightEntry[],
  meta: ObjselNetworkMeta,
  generatedBy = '@objsel/deeplab-resnet',
): Promise<void> {
  const { modelJson, shards } = encodeWeights(entries, meta, { generatedBy });
  await fs.mkdir(dir, { recursive: true });
  for (const shard of shards) await fs.writeFile(joinPath(dir, shard.path), shard.data);
  // model.json last: a directory with a model.json has all its shards.
  await fs.writeFile(joinPath(dir, MODEL_JSON), `${JSON.stringify(modelJson, null, 2)}\n`);
}

/**
 * Reads a weights directory (objsel format) through `fs`.
 *
 * @throws DeeplabError `bad-weights` naming the file when model.json or a shard is missing or
 * inconsistent.
 */
export async function readWeightsFrom(fs: FileSystemLike, dir: string): Promise<{ modelJson: ObjselModelJson; entries: WeightEntry[] }> {
  const jsonFile = joinPath(dir, MODEL_JSON);
  let modelJson: ObjselModelJson;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(await fs.readFile(jsonFile)));
    validateModelJson(parsed);
    modelJson = parsed;
  } catch (error) {
    if (isNotFound(error))
      throw new DeeplabError('bad-weights', 'no model.json: not a weights directory', { file: jsonFile, cause: error });
    throw new DeeplabError('bad-weights', (error as Error).message, { file: jsonFile, cause: error });
  }
  const shards: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    for (const rel of group.paths) {
      if (rel.includes('..') || rel.startsWith('/'))
        throw new DeeplabError('bad-weights', `shard path ${JSON.stringify(rel)} leaves the weights directory`, { file: jsonFile });
      try {
        shards.push(await fs.readFile(joinPath(dir, rel)));
      } catch (error) {
        throw new DeeplabError('bad-weights', isNotFound(error) ? 'shard listed in model.json is missing' : (error as Error).message, {
          file: joinPath(dir, rel),
          cause: error,
        });
      }
    }
  }
  try {
    return { modelJson, entries: decodeWeights(modelJson, shards) };
  } catch (error) {
    throw new DeeplabError('bad-weights', (error as Error).message, { file: jsonFile, cause: error });
  }
}
