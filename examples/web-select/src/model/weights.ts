/**
 * Loading the interactive model in the objsel weights format (`model.json` + TF.js shards, see
 * @objsel/caffe-import) from a URL or from files the user picked, through caffe-import's
 * `readWeightsDirWith` on a read-only file system.
 */
import { readOnlyFiles, readWeightsDirWith, urlFiles, type ReadableFiles } from '@objsel/caffe-import';
import { DeepLabResNet } from '@objsel/deeplab-resnet';
import { ShardCache, sha256Hex, type ShardCacheStats } from './weights-cache';

/** Where the weights came from, for the UI. */
export interface LoadedModel {
  model: DeepLabResNet;
  /** The URL of model.json or the picked file names. */
  source: string;
  /** Scalar parameters (moving statistics included). */
  parameters: number;
  /** Bytes of the shards. */
  bytes: number;
  /** `generatedBy` of model.json, and anything the training wrote into the objsel section. */
  generatedBy: string;
  training?: unknown;
  /** For a URL: what Cache Storage did with the shards (./weights-cache.ts). */
  cache?: ShardCacheStats;
}

async function build(fs: ReadableFiles, dir: string, source: string): Promise<LoadedModel> {
  const { modelJson, entries } = await readWeightsDirWith(fs, dir);
  const meta = modelJson.objsel;
  if (meta.inputChannels !== 5 || meta.numClasses !== 1) {
    throw new Error(
      `${source}: not an interactive model (it has ${meta.inputChannels} input channels and ${meta.numClasses} outputs; expected 5 and 1)`,
    );
  }
  const model = DeepLabResNet.fromWeights(entries, meta);
  return {
    model,
    source,
    parameters: model.parameterCount(),
    bytes: entries.reduce((n, e) => n + e.data.byteLength, 0),
    generatedBy: modelJson.generatedBy,
    training: meta.training,
  };
}

/**
 * `fetch` for caffe-import's `urlFiles` with the shards going through Cache Storage: model.json
 * is always downloaded, and its hash keys the shards it lists (./weights-cache.ts); a failed
 * response is passed on as it came, so a 404 still reads as a missing file.
 */
function cachingFetch(shards: ShardCache, modelJsonUrl: string): (url: string, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    if (url === modelJsonUrl) {
      const response = await fetch(url, init);
      if (!response.ok) return response;
      const bytes = new Uint8Array(await response.arrayBuffer());
      shards.keyWith(await sha256Hex(bytes));
      return new Response(bytes);
    }
    let failed: Response | undefined;
    const download = async (): Promise<Uint8Array> => {
      const response = await fetch(url, init);
      if (!response.ok) {
        failed = response;
        throw new Error(`${url}: HTTP ${response.status}`);
      }
      return new Uint8Array(await response.arrayBuffer());
    };
    try {
      return new Response((await shards.read(url, download)) as Uint8Array<ArrayBuffer>);
    } catch (error) {
      if (failed) return failed;
      throw error;
    }
  };
}

/** Loads `.../model.json` and the shards next to it over HTTP, the shards through Cache Storage. */
export async function loadWeightsFromUrl(url: string, base: string): Promise<LoadedModel> {
  const absolute = new URL(url, base);
  // The file name from the path, so a query (a signed or cache-busting URL) is allowed; model.json
  // is fetched with it, the shards relative to it.
  if (absolute.pathname.replace(/^.*\//, '') !== 'model.json') throw new Error(`${url}: the weights URL must name a model.json`);
  const shards = await ShardCache.open();
  // urlFiles reads a virtual directory whose files map back to URLs beside model.json (the path
  // helpers would fold `http://` into `http:/`).
  const { files, dir } = urlFiles(absolute, { fetch: cachingFetch(shards, absolute.href) });
  try {
    return { ...(await build(files, dir, absolute.href)), cache: shards.stats };
  } catch (error) {
    // Name the URL the person gave, not the virtual directory it was read through.
    const message = (error as Error).message.replaceAll(`${dir}/`, new URL('.', absolute).href);
    throw new Error(message, { cause: error });
  }
}

/** Loads from picked files: one `model.json` and the shards it lists (matched by file name). */
export async function loadWeightsFromFiles(files: ReadonlyArray<{ name: string; bytes: ArrayBuffer }>): Promise<LoadedModel> {
  const byName = new Map(files.map((f) => [f.name, f.bytes]));
  const json = files.find((f) => f.name.endsWith('.json'));
  if (!json) throw new Error('pick model.json together with its group1-shard*.bin files');
  const fs = readOnlyFiles({
    async readFile(path) {
      const name = path.replace(/^.*\//, '');
      const bytes = name === 'model.json' ? json.bytes : byName.get(name);
      if (!bytes) throw Object.assign(new Error(`${name}: not found`), { code: 'ENOENT' });
      return new Uint8Array(bytes);
    },
  });
  const names = files.map((f) => f.name).join(', ');
  try {
    return await build(fs, 'picked', names);
  } catch (error) {
    // Name the files the person picked, not the virtual directory they were read from.
    throw new Error(`weights files (${names}): ${(error as Error).message.replace(/^picked\//, '')}`, { cause: error });
  }
}
