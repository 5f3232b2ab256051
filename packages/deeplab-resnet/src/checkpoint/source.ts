/**
 * Where a model can come from, the way TF.js's `loadGraphModel` takes it: a URL of `model.json`
 * (fetched, shards relative to it), a `tf.io` IOHandler, a path on Node (anything
 * {@link resolveWeights} understands: weights directory, checkpoint, snapshot directory,
 * `model.json`), or a read-only `{ readFile }` holding `model.json` and its shards. Every form
 * ends in the same weights entries and network description.
 */
import {
  CaffeImportError,
  decodeWeights,
  readOnlyFiles,
  urlFiles,
  type ObjselModelJson,
  type ObjselNetworkMeta,
  type ReadFileOnly,
  type UrlFilesOptions,
  type WeightEntry,
} from '@objsel/caffe-import';
import type * as tf from '@tensorflow/tfjs-core';
import { DeeplabError } from '../errors';
import { readWeights } from './read';
import { describeNetwork, resolveWeights, type WeightsNetwork } from './resolve';

/** A model source: see {@link readModelSource}. */
export type ModelSource = string | URL | tf.io.IOHandler | ReadFileOnly;

/** Options of {@link readModelSource}. */
export interface ReadModelSourceOptions extends UrlFilesOptions {
  /**
   * The network description (`model.json`'s `objsel` section) for an IOHandler whose artifacts
   * lack it: `tf.io.http` and `tf.io.browserFiles` keep only TF.js's own `model.json` fields.
   * Otherwise read from `userDefinedMetadata.objsel` of the artifacts.
   */
  meta?: ObjselNetworkMeta;
}

/** What a source held. */
export interface SourceWeights {
  entries: WeightEntry[];
  meta: ObjselNetworkMeta;
  network: WeightsNetwork;
  /** The source in words, for messages: a path, a URL, `IOHandler` or `readFile`. */
  origin: string;
}

function isIoHandler(source: unknown): source is tf.io.IOHandler {
  return typeof source === 'object' && source !== null && typeof (source as tf.io.IOHandler).load === 'function';
}

function isReadFileOnly(source: unknown): source is ReadFileOnly {
  return typeof source === 'object' && source !== null && typeof (source as ReadFileOnly).readFile === 'function';
}

/** Node (not a browser or a worker pretending to be one). */
function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof process?.versions?.node === 'string';
}

/**
 * A URL with a scheme of two letters or more (`C:\models` is a Windows path, not a URL).
 * Anything else in a browser is a URL relative to the page.
 */
function urlOf(source: string | URL): URL | undefined {
  if (source instanceof URL) return source;
  if (/^[a-z][a-z\d+.-]+:/i.test(source)) return new URL(source);
  if (isNode()) return undefined;
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  if (!base)
    throw new DeeplabError('bad-config', 'a relative weights URL needs a page to resolve against; give an absolute URL', { file: source });
  return new URL(source, base);
}

/** `import()` by a name bundlers must not follow, so Node's file access never reaches a browser bundle. */
async function importNodeOnly<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ specifier)) as T;
}

/** Errors name `url`'s files rather than the virtual directory they were read through. */
function renameVirtualFiles(error: unknown, dir: string, url: string): unknown {
  if (!(error instanceof DeeplabError) || error.file === undefined || !error.file.startsWith(`${dir}/`)) return error;
  const rel = error.file.slice(dir.length + 1);
  const file = rel === 'model.json' ? url : new URL(rel, url).href;
  const message = error.message.slice(error.file.length).replace(/^: /, '');
  const detail = error.where !== undefined && message.startsWith(`${error.where}: `) ? message.slice(error.where.length + 2) : message;
  return new DeeplabError(error.code, detail, { file, ...(error.where === undefined ? {} : { where: error.where }), cause: error });
}

async function fromUrl(url: URL, options: ReadModelSourceOptions): Promise<SourceWeights> {
  if (url.protocol === 'file:' && isNode()) {
    const { fileURLToPath } = await importNodeOnly<typeof import('node:url')>('node:url');
    return fromPath(fileURLToPath(url));
  }
  if (!url.pathname.endsWith('.json')) {
    throw new DeeplabError('bad-config', 'a weights URL names the model.json file (its shards are fetched beside it)', { file: url.href });
  }
  const { files, dir } = urlFiles(url, options);
  try {
    const { entries, modelJson } = await readWeights(files, dir);
    return { entries, meta: modelJson.objsel, network: describeNetwork(modelJson.objsel), origin: url.href };
  } catch (error) {
    throw renameVirtualFiles(error, dir, url.href);
  }
}

async function fromPath(path: string): Promise<SourceWeights> {
  const { nodeFileSystem, filesPath } = await importNodeOnly<typeof import('@objsel/caffe-import/node')>('@objsel/caffe-import/node');
  const { entries, meta, network } = await resolveWeights(nodeFileSystem, filesPath(path));
  return { entries, meta, network, origin: path };
}

async function fromReadFile(store: ReadFileOnly): Promise<SourceWeights> {
  // The empty directory: the store sees `model.json` and the shard names as they are.
  const { entries, modelJson } = await readWeights(readOnlyFiles(store), '');
  return { entries, meta: modelJson.objsel, network: describeNetwork(modelJson.objsel), origin: 'readFile' };
}

/** The weight buffers of TF.js model artifacts (`weightData` is one buffer or, since 4.x, a list). */
function weightBuffers(data: tf.io.ModelArtifacts['weightData']): Uint8Array[] {
  if (data === undefined) return [];
  return (Array.isArray(data) ? data : [data]).map((b) => new Uint8Array(b));
}

async function fromIoHandler(handler: tf.io.IOHandler, options: ReadModelSourceOptions): Promise<SourceWeights> {
  const origin = 'IOHandler';
  if (typeof handler.load !== 'function') throw new DeeplabError('bad-config', 'this IOHandler cannot load (no load())', { file: origin });
  const artifacts = await handler.load();
  const meta = options.meta ?? (artifacts.userDefinedMetadata as { objsel?: ObjselNetworkMeta } | undefined)?.objsel ?? undefined;
  if (!meta) {
    throw new DeeplabError(
      'bad-weights',
      "the model artifacts carry no objsel network description (tf.io.http and tf.io.browserFiles drop model.json's objsel section): load the model.json URL itself, or pass { meta }",
      { file: origin },
    );
  }
  const specs = artifacts.weightSpecs ?? [];
  const quantized = specs.find((s) => s.quantization !== undefined);
  if (quantized)
    throw new DeeplabError('bad-weights', 'quantized weights are not supported (float32 only)', { file: origin, where: quantized.name });
  const buffers = weightBuffers(artifacts.weightData);
  const modelJson: ObjselModelJson = {
    format: 'objsel-weights',
    generatedBy: artifacts.generatedBy ?? origin,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: null,
    weightsManifest: [
      {
        paths: buffers.map((_, i) => `weightData[${i}]`),
        weights: specs.map((s) => ({ name: s.name, shape: [...s.shape], dtype: s.dtype as 'float32' })),
      },
    ],
    objsel: meta,
  };
  try {
    return { entries: decodeWeights(modelJson, buffers), meta, network: describeNetwork(meta), origin };
  } catch (error) {
    if (!(error instanceof CaffeImportError)) throw error;
    throw new DeeplabError('bad-weights', error.detail, {
      file: origin,
      ...(error.where === undefined ? {} : { where: error.where }),
      cause: error,
    });
  }
}

/**
 * Reads the weights of a {@link ModelSource}:
 * - a URL (`https://…/model.json`; in a browser also a path relative to the page): fetched, the
 *   shards relative to it as TF.js does (a `file:` URL on Node is read as a path);
 * - a path on Node: a weights directory, a checkpoint, a snapshot directory (its latest
 *   checkpoint) or a `model.json`, through {@link resolveWeights} on Node's file system (imported
 *   only then, so browser bundles never see Node modules);
 * - a `tf.io` IOHandler: its `load()` artifacts (float32 weights), with the network description
 *   from `userDefinedMetadata.objsel` or `options.meta`;
 * - an object with `readFile(path)`: `model.json` and the shards it names, at the top of that store.
 *
 * @throws DeeplabError `bad-config` for an unusable source, `io` / `bad-weights` as
 * {@link resolveWeights}, naming the file or URL.
 */
export async function readModelSource(source: ModelSource, options: ReadModelSourceOptions = {}): Promise<SourceWeights> {
  if (typeof source === 'string' || source instanceof URL) {
    const url = urlOf(source);
    return url ? fromUrl(url, options) : fromPath(source as string);
  }
  if (isIoHandler(source)) return fromIoHandler(source, options);
  if (isReadFileOnly(source)) return fromReadFile(source);
  throw new DeeplabError(
    'bad-config',
    `a model source is a URL or path string, a URL, a tf.io IOHandler or an object with readFile(path); got ${source === null ? 'null' : typeof source}`,
  );
}
