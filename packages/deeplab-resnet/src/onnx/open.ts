/**
 * A weights path to a running ONNX Runtime session in one call, fast when warm: find the weights
 * (without reading them), the cached export beside them (digest from the sidecar, metadata from
 * the file's head), ONNX Runtime loading the file by path, and, on Node, its optimised graph kept
 * for this machine so that later sessions skip the graph optimisation. Only a cache miss exports,
 * through a caller-given exporter that brings TF.js in then.
 */
import { baseName, joinPath, parentPath, tempSuffix, type ReadableFiles } from '@objsel/caffe-import';
import { locateWeights } from '../checkpoint/resolve';
import { DeeplabError } from '../errors';
import { cachedOnnxModelFile, type OnnxCacheFiles } from './cache';
import type { OrtModuleLike, OrtSessionOptions } from './runtime';
import { OnnxSegmenter } from './segmenter';

/** What an exporter gets on a cache miss. */
export interface OnnxExportRequest {
  files: ReadableFiles;
  /** The weights directory (a snapshot directory already resolved to its latest checkpoint). */
  weightsPath: string;
  /** The weights' digest, to record as the model's `sourceWeights`. */
  sourceWeights: string;
}

/** Loads the network at a weights path and exports it (see `semanticOnnxExporter`, `interactiveOnnxExporter`). */
export type OnnxWeightsExporter = (request: OnnxExportRequest) => Promise<Uint8Array>;

/** Options of {@link openOnnxSegmenter}. */
export interface OpenOnnxOptions {
  /** Distinguishes exports of the same weights (part of the cache file's name), e.g. `semantic`, `interactive`. */
  variant: string;
  /** Exports on a cache miss. Given as a loader so that TF.js is imported only then. */
  exporter: () => Promise<OnnxWeightsExporter>;
  /** The ONNX Runtime module (default: onnxruntime-node). */
  runtime?: OrtModuleLike;
  /** Session options (merged over `ONNX_SESSION_DEFAULTS`). */
  session?: OrtSessionOptions;
  /**
   * Keep ONNX Runtime's optimised graph beside the cached model under this key and load it,
   * unoptimised, next time (onnxruntime-node only). The optimised graph is specific to the CPU
   * and ONNX Runtime version, so the key must name both (e.g. `x64-<cpu hash>-ort1.31.1`).
   * Saves about 40% of the session's start. Undefined: optimise at every start.
   */
  optimizedCacheKey?: string;
}

/** What {@link openOnnxSegmenter} returns besides the segmenter. */
export interface OpenedOnnxModel {
  segmenter: OnnxSegmenter;
  /** The weights directory read. */
  weightsPath: string;
  /** The cached model file (undefined when the weights directory is not writable). */
  modelPath: string | undefined;
  /** Whether the export came from the cache. */
  cacheHit: boolean;
  /** `loaded`: the session started from the kept optimised graph; `saved`: it was kept now; `none`. */
  optimizedGraph: 'loaded' | 'saved' | 'none';
  /** The weights digest (`sha256:…`). */
  digest: string;
}

function optimizedPath(modelPath: string, key: string): string {
  const safe = key.replace(/[^A-Za-z0-9_.-]/g, '_');
  return modelPath.replace(/\.onnx$/, `.ort-${safe}.onnx`);
}

/**
 * An {@link OnnxSegmenter} for the weights at `weights` (a weights directory, checkpoint or
 * snapshot directory): the export cached beside them ({@link cachedOnnxModelFile}), exported by
 * `options.exporter` when missing or stale.
 *
 * @throws DeeplabError as `locateWeights`, the exporter and {@link OnnxSegmenter.create}
 * (`backend-unavailable` when onnxruntime-node is missing).
 */
export async function openOnnxSegmenter(files: OnnxCacheFiles, weights: string, options: OpenOnnxOptions): Promise<OpenedOnnxModel> {
  const { weightsPath } = await locateWeights(files, weights);
  const found = await cachedOnnxModelFile(files, weightsPath, {
    variant: options.variant,
    exportModel: async (sourceWeights) => (await options.exporter())({ files, weightsPath, sourceWeights }),
  });
  const opened = { weightsPath, modelPath: found.path, cacheHit: found.hit, digest: found.digest };
  const base = { ...(options.runtime ? { runtime: options.runtime } : {}), info: found.info };
  if (!found.path) {
    return {
      ...opened,
      segmenter: await OnnxSegmenter.create(found.bytes!, { ...base, session: options.session ?? {} }),
      optimizedGraph: 'none',
    };
  }
  if (options.optimizedCacheKey === undefined) {
    return {
      ...opened,
      segmenter: await OnnxSegmenter.create(found.path, { ...base, session: options.session ?? {} }),
      optimizedGraph: 'none',
    };
  }
  const optimized = optimizedPath(found.path, options.optimizedCacheKey);
  if (await files.exists(optimized)) {
    try {
      const session = { ...options.session, graphOptimizationLevel: 'disabled' as const };
      return { ...opened, segmenter: await OnnxSegmenter.create(optimized, { ...base, session }), optimizedGraph: 'loaded' };
    } catch (error) {
      // A damaged or foreign optimised graph: drop it and optimise afresh.
      if (!(error instanceof DeeplabError)) throw error;
      await files.rm(optimized).catch(() => undefined);
    }
  }
  // ONNX Runtime writes the optimised graph itself: to a temporary name, renamed when complete.
  const temp = joinPath(parentPath(optimized), `.${baseName(optimized)}.tmp-${tempSuffix()}`);
  // Level 3 (errors only) hides ONNX Runtime's notice that the saved graph is hardware specific: the key says so.
  const session = { ...options.session, optimizedModelFilePath: temp, logSeverityLevel: 3 as const };
  const segmenter = await OnnxSegmenter.create(found.path, { ...base, session });
  let optimizedGraph: OpenedOnnxModel['optimizedGraph'] = 'saved';
  try {
    await files.rename(temp, optimized);
  } catch {
    optimizedGraph = 'none';
    await files.rm(temp).catch(() => undefined);
  }
  return { ...opened, segmenter, optimizedGraph };
}
