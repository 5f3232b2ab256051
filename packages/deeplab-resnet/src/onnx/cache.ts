/**
 * Export on the fly, cached beside the weights: `<weights>/model.<digest>.<variant>.onnx`,
 * keyed by a SHA-256 of the weights directory (model.json and every shard it lists) and the
 * package version, so a changed checkpoint or a new exporter gives a new file. Works through the
 * file interface of `@objsel/caffe-import` (`nodeFileSystem` on Node, or a browser store) and Web Crypto.
 */
import { version } from '../../package.json';
import { MODEL_JSON, isNotFound, joinPath, listDir, writeFileAtomic, type ReadableFiles, type WritableFiles } from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import { readOnnxInfo } from './metadata';

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256(data: Uint8Array): Promise<ArrayBuffer> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new DeeplabError('backend-unavailable', 'hashing the weights needs Web Crypto (crypto.subtle)');
  return subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
}

/**
 * `sha256:<hex>` of a weights directory: the SHA-256 of model.json's digest followed by each
 * listed shard's digest, in manifest order (one file in memory at a time).
 *
 * @throws DeeplabError `bad-weights` when model.json or a shard is missing.
 */
export async function weightsDigest(fs: Pick<ReadableFiles, 'readFile'>, dir: string): Promise<string> {
  const jsonFile = joinPath(dir, MODEL_JSON);
  const read = async (file: string) => {
    try {
      return await fs.readFile(file);
    } catch (error) {
      throw new DeeplabError('bad-weights', isNotFound(error) ? 'missing' : (error as Error).message, { file, cause: error });
    }
  };
  const json = await read(jsonFile);
  let paths: string[];
  try {
    const manifest = (JSON.parse(new TextDecoder().decode(json)) as { weightsManifest?: Array<{ paths?: unknown }> }).weightsManifest;
    paths = (manifest ?? []).flatMap((group) =>
      Array.isArray(group.paths) ? group.paths.filter((p): p is string => typeof p === 'string') : [],
    );
  } catch (error) {
    throw new DeeplabError('bad-weights', `not JSON: ${(error as Error).message}`, { file: jsonFile, cause: error });
  }
  const digests = [new Uint8Array(await sha256(json))];
  for (const p of paths) digests.push(new Uint8Array(await sha256(await read(joinPath(dir, p)))));
  const all = new Uint8Array(digests.length * 32);
  digests.forEach((d, i) => {
    all.set(d, i * 32);
  });
  return `sha256:${hex(await sha256(all))}`;
}

/** Options of {@link cachedOnnxModel}. */
export interface CachedOnnxOptions {
  /**
   * Writes the model when the cache misses; gets the weights digest to record as
   * `sourceWeights` (e.g. `(source) => exportOnnx(model, { withUpsampled: true, sourceWeights: source })`).
   */
  exportModel: (sourceWeights: string) => Uint8Array | Promise<Uint8Array>;
  /** What distinguishes this export of the same weights (`logits`, `upsampled`, `dcsp`, …); part of the file name. Default `model`. */
  variant?: string;
  /** The weights digest, if already known (default: {@link weightsDigest} of the directory). */
  digest?: string;
}

/** What {@link cachedOnnxModel} returns. */
export interface CachedOnnxModel {
  /** The model file's bytes. */
  bytes: Uint8Array;
  /** Where it is cached; undefined when the directory could not be written (the model is still returned). */
  path: string | undefined;
  /** Whether it came from the cache. */
  hit: boolean;
  /** The weights digest (`sha256:…`). */
  digest: string;
}

const CACHE_NAME = /^model\.[0-9a-f]{16}\.[A-Za-z0-9_-]+\.objsel-[^/]+\.onnx$/;

/**
 * The ONNX model of a weights directory: from the cache file beside the weights when it exists
 * and its metadata names the same weights digest, otherwise exported by `exportModel` and
 * written there atomically (older cache files of the same variant are removed). A directory
 * that cannot be written only costs the caching.
 */
export async function cachedOnnxModel(fs: WritableFiles, weightsDir: string, options: CachedOnnxOptions): Promise<CachedOnnxModel> {
  const variant = options.variant ?? 'model';
  if (!/^[A-Za-z0-9_-]+$/.test(variant))
    throw new DeeplabError('bad-config', `cache variant ${JSON.stringify(variant)} must be letters, digits, _ or -`);
  const digest = options.digest ?? (await weightsDigest(fs, weightsDir));
  const short = digest.replace(/^sha256:/, '').slice(0, 16);
  const name = `model.${short}.${variant}.objsel-${version}.onnx`;
  const file = joinPath(weightsDir, name);
  try {
    const bytes = await fs.readFile(file);
    if (readOnnxInfo(bytes).sourceWeights === digest) return { bytes, path: file, hit: true, digest };
  } catch (error) {
    // Missing, unreadable or not an objsel model: export afresh.
    if (!isNotFound(error) && !(error instanceof DeeplabError)) throw error;
  }
  const bytes = await options.exportModel(digest);
  try {
    await writeFileAtomic(fs, file, bytes);
  } catch {
    return { bytes, path: undefined, hit: false, digest };
  }
  for (const other of await listDir(fs, weightsDir)) {
    if (other !== name && CACHE_NAME.test(other) && other.split('.')[2] === variant) {
      await fs.rm(joinPath(weightsDir, other)).catch(() => undefined);
    }
  }
  return { bytes, path: file, hit: false, digest };
}
