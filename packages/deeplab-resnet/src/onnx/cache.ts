/**
 * Export on the fly, cached beside the weights: `<weights>/model.<digest>.<variant>.onnx`,
 * keyed by a SHA-256 of the weights directory (model.json and every shard it lists) and the
 * package version, so a changed checkpoint or a new exporter gives a new file. Works through the
 * file interface of `@objsel/caffe-import` (`nodeFileSystem` on Node, or a browser store) and Web Crypto.
 */
import { version } from '../../package.json';
import {
  MODEL_JSON,
  isNotFound,
  joinPath,
  listDir,
  readTextIfExists,
  writeFileAtomic,
  type ReadableFiles,
  type WritableFiles,
} from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import { readOnnxInfo, type OnnxModelInfo } from './metadata';

/** What identifies a file's content cheaply: its size and modification time (ms). */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

/**
 * Files the ONNX cache can use more cheaply than whole reads, when the store offers them (Node
 * does: `stat` and a positioned read): {@link stat} lets {@link weightsDigest} reuse a recorded
 * digest instead of hashing every shard again; {@link readHead} lets {@link cachedOnnxModelFile}
 * check a cached model's metadata without reading its 176 MB.
 */
export interface OnnxCacheFiles extends WritableFiles {
  /** Size and modification time of a file. */
  stat?(path: string): Promise<FileStamp>;
  /** The first `length` bytes of a file (fewer when it is shorter). */
  readHead?(path: string, length: number): Promise<Uint8Array>;
}

/**
 * The sidecar beside the weights where {@link weightsDigest} records the digest with the stamps
 * of the files it hashed; hidden, so weight listings ignore it.
 */
export const WEIGHTS_DIGEST_FILE = '.objsel-weights-digest.json';

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
export async function weightsDigest(fs: Pick<OnnxCacheFiles, 'readFile'> & Partial<OnnxCacheFiles>, dir: string): Promise<string> {
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
  const stamps = fs.stat ? await stampsOf(fs.stat, dir, [MODEL_JSON, ...paths]) : undefined;
  const recorded = stamps ? await recordedDigest(fs, dir, stamps) : undefined;
  if (recorded) return recorded;
  const digests = [new Uint8Array(await sha256(json))];
  for (const p of paths) digests.push(new Uint8Array(await sha256(await read(joinPath(dir, p)))));
  const all = new Uint8Array(digests.length * 32);
  digests.forEach((d, i) => {
    all.set(d, i * 32);
  });
  const digest = `sha256:${hex(await sha256(all))}`;
  if (stamps) await recordDigest(fs, dir, digest, stamps);
  return digest;
}

/** The stamps of the weights' files by name, or undefined when one cannot be taken (then the files are hashed). */
async function stampsOf(
  stat: NonNullable<OnnxCacheFiles['stat']>,
  dir: string,
  names: string[],
): Promise<Record<string, FileStamp> | undefined> {
  const stamps: Record<string, FileStamp> = {};
  try {
    for (const name of names) {
      const { size, mtimeMs } = await stat(joinPath(dir, name));
      stamps[name] = { size, mtimeMs };
    }
  } catch {
    return undefined;
  }
  return stamps;
}

/** The digest the sidecar recorded, when every file still has the recorded size and modification time. */
async function recordedDigest(fs: Partial<OnnxCacheFiles>, dir: string, stamps: Record<string, FileStamp>): Promise<string | undefined> {
  try {
    const text = await readTextIfExists(fs as ReadableFiles, joinPath(dir, WEIGHTS_DIGEST_FILE));
    if (text === undefined) return undefined;
    const sidecar = JSON.parse(text) as { digest?: unknown; files?: Record<string, FileStamp> };
    const files = sidecar.files ?? {};
    const same =
      Object.keys(files).length === Object.keys(stamps).length &&
      Object.entries(stamps).every(([name, s]) => files[name]?.size === s.size && files[name]?.mtimeMs === s.mtimeMs);
    return same && typeof sidecar.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(sidecar.digest) ? sidecar.digest : undefined;
  } catch {
    return undefined;
  }
}

/** Records the digest (best effort: a read-only directory only costs the hashing next time). */
async function recordDigest(fs: Partial<OnnxCacheFiles>, dir: string, digest: string, stamps: Record<string, FileStamp>): Promise<void> {
  if (!fs.writeFile || !fs.rename || !fs.rm) return;
  const text = `${JSON.stringify({ digest, files: stamps }, null, 1)}\n`;
  await writeFileAtomic(fs as WritableFiles, joinPath(dir, WEIGHTS_DIGEST_FILE), text).catch(() => undefined);
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

/** How much of a cached model {@link cachedOnnxModelFile} reads for its metadata (exportOnnx writes it first). */
const HEAD_BYTES = 1 << 16;

/** What {@link cachedOnnxModelFile} returns. */
export interface CachedOnnxModelFile {
  /** Where the model is; undefined when the directory could not be written (then {@link bytes} holds it). */
  path: string | undefined;
  /** The model's metadata. */
  info: OnnxModelInfo;
  /** The model's bytes when they were in memory anyway (exported now, or read whole by a store without `readHead`). */
  bytes: Uint8Array | undefined;
  /** Whether it came from the cache. */
  hit: boolean;
  /** The weights digest (`sha256:…`). */
  digest: string;
}

/**
 * {@link cachedOnnxModel} for runtimes that load the model from its path (onnxruntime-node):
 * on a hit, only the file's first 64 KiB are read (with `fs.readHead`) to check that its
 * metadata names the weights' digest, and the digest itself comes from the sidecar when
 * `fs.stat` shows the weights unchanged, so a warm start reads no weights at all.
 */
export async function cachedOnnxModelFile(
  fs: OnnxCacheFiles,
  weightsDir: string,
  options: CachedOnnxOptions,
): Promise<CachedOnnxModelFile> {
  const variant = options.variant ?? 'model';
  if (!/^[A-Za-z0-9_-]+$/.test(variant))
    throw new DeeplabError('bad-config', `cache variant ${JSON.stringify(variant)} must be letters, digits, _ or -`);
  const digest = options.digest ?? (await weightsDigest(fs, weightsDir));
  const short = digest.replace(/^sha256:/, '').slice(0, 16);
  const name = `model.${short}.${variant}.objsel-${version}.onnx`;
  const file = joinPath(weightsDir, name);
  try {
    const head = fs.readHead ? await fs.readHead(file, HEAD_BYTES) : await fs.readFile(file);
    const info = readOnnxInfo(head);
    if (info.sourceWeights === digest) return { path: file, info, bytes: fs.readHead ? undefined : head, hit: true, digest };
  } catch (error) {
    // Missing, unreadable or not an objsel model: export afresh.
    if (!isNotFound(error) && !(error instanceof DeeplabError)) throw error;
  }
  const bytes = await options.exportModel(digest);
  const info = readOnnxInfo(bytes);
  try {
    await writeFileAtomic(fs, file, bytes);
  } catch {
    return { path: undefined, info, bytes, hit: false, digest };
  }
  for (const other of await listDir(fs, weightsDir)) {
    if (other !== name && CACHE_NAME.test(other) && other.split('.')[2] === variant) {
      await fs.rm(joinPath(weightsDir, other)).catch(() => undefined);
    }
  }
  return { path: file, info, bytes, hit: false, digest };
}

/**
 * The ONNX model of a weights directory: from the cache file beside the weights when it exists
 * and its metadata names the same weights digest, otherwise exported by `exportModel` and
 * written there atomically (older cache files of the same variant are removed). A directory
 * that cannot be written only costs the caching.
 */
export async function cachedOnnxModel(fs: WritableFiles, weightsDir: string, options: CachedOnnxOptions): Promise<CachedOnnxModel> {
  const { readHead: _, ...whole } = fs as OnnxCacheFiles;
  const found = await cachedOnnxModelFile(whole, weightsDir, options);
  const bytes = found.bytes ?? (await fs.readFile(found.path!));
  return { bytes, path: found.path, hit: found.hit, digest: found.digest };
}
