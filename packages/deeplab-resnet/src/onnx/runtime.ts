/**
 * ONNX Runtime as an optional peer: the narrow part of its JavaScript API objsel uses (which
 * `onnxruntime-node` and `onnxruntime-web` share through `onnxruntime-common`), and a loader of
 * `onnxruntime-node` that fails with one clear line when it is not installed.
 */
import { DeeplabError } from '../errors';

/** A tensor as ONNX Runtime passes it. */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
  dispose?(): void;
}

/** Session options objsel sets (a subset of ONNX Runtime's `InferenceSession.SessionOptions`). */
export interface OrtSessionOptions {
  /** Threads of one operator (ONNX Runtime's default: the physical cores). */
  intraOpNumThreads?: number;
  /** Threads across operators (only with `executionMode: 'parallel'`). */
  interOpNumThreads?: number;
  /** Graph optimisation before the first run (ONNX Runtime's default: `all`). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Keep freed buffers in an arena for the next run (default true). */
  enableCpuMemArena?: boolean;
  /** Pre-plan buffers from the first run's shapes (default true). */
  enableMemPattern?: boolean;
  /** `sequential` (default) or `parallel` operator execution. */
  executionMode?: 'sequential' | 'parallel';
  /** Execution providers in order of preference, e.g. `['cpu']`, `['webgpu', 'wasm']`. */
  executionProviders?: string[];
  /**
   * Session configuration entries by dotted key, nested (ONNX Runtime's
   * `session_options_config_keys`), e.g. `{ session: { intra_op: { allow_spinning: '0' } } }`.
   */
  extra?: Record<string, unknown>;
  /** onnxruntime-node: where to save the graph after optimisation (see `openOnnxSegmenter`'s `optimizedCacheKey`). */
  optimizedModelFilePath?: string;
  /** ONNX Runtime's log level for this session: 0 verbose … 2 warning (default) … 4 fatal. */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

/** An inference session. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

/** The ONNX Runtime module (`onnxruntime-node` or `onnxruntime-web`). */
export interface OrtModuleLike {
  /** `model`: the file's bytes, or (onnxruntime-node) its path, which the runtime reads itself. */
  InferenceSession: { create(model: Uint8Array | string, options?: OrtSessionOptions): Promise<OrtSessionLike> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensorLike;
}

/** The package {@link loadOnnxRuntime} imports. */
export const ONNX_RUNTIME_NODE = 'onnxruntime-node';

/** The one-line hint for a missing runtime. */
export const ONNX_RUNTIME_MISSING = `ONNX inference needs the optional peer ${ONNX_RUNTIME_NODE}: npm install ${ONNX_RUNTIME_NODE} (its install script only fetches optional CUDA parts; --ignore-scripts is fine)`;

/** `import()` a package by a name TypeScript and bundlers must not resolve at build time. */
async function importOptional(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

/** Node says `Cannot find module/package`; bundlers and Vite say `Could not / Failed to resolve`. */
function isMissingModule(error: unknown, specifier: string): boolean {
  const e = error as { code?: string; message?: string };
  const message = e?.message ?? '';
  const missing =
    e?.code === 'ERR_MODULE_NOT_FOUND' ||
    e?.code === 'MODULE_NOT_FOUND' ||
    /Cannot find (module|package)|(Could not|Failed to) resolve/.test(message);
  return missing && message.includes(specifier);
}

function isOrtModule(m: unknown): m is OrtModuleLike {
  const o = m as { InferenceSession?: { create?: unknown }; Tensor?: unknown } | undefined;
  return typeof o?.InferenceSession?.create === 'function' && typeof o.Tensor === 'function';
}

let loaded: Promise<OrtModuleLike> | undefined;

/**
 * `onnxruntime-node`, imported once (`importer` replaces the dynamic `import()`, e.g. in tests;
 * it bypasses the cache).
 *
 * @throws DeeplabError `backend-unavailable` with {@link ONNX_RUNTIME_MISSING} when it is not installed.
 */
export function loadOnnxRuntime(importer?: (specifier: string) => Promise<unknown>): Promise<OrtModuleLike> {
  if (importer) return importRuntime(importer);
  if (!loaded) {
    const attempt = importRuntime(importOptional);
    loaded = attempt;
    // A failed load may be retried (e.g. after installing the package in a long-lived process).
    attempt.catch(() => {
      if (loaded === attempt) loaded = undefined;
    });
  }
  return loaded;
}

async function importRuntime(importer: (specifier: string) => Promise<unknown>): Promise<OrtModuleLike> {
  let m: unknown;
  try {
    m = await importer(ONNX_RUNTIME_NODE);
  } catch (error) {
    if (isMissingModule(error, ONNX_RUNTIME_NODE)) throw new DeeplabError('backend-unavailable', ONNX_RUNTIME_MISSING, { cause: error });
    throw new DeeplabError('backend-init-failed', `${ONNX_RUNTIME_NODE} failed to load: ${(error as Error).message}`, { cause: error });
  }
  // An ES import of the CommonJS package may put everything under `default`.
  const candidate = isOrtModule(m) ? m : (m as { default?: unknown } | undefined)?.default;
  if (!isOrtModule(candidate)) throw new DeeplabError('backend-init-failed', `${ONNX_RUNTIME_NODE} has no InferenceSession/Tensor`);
  return candidate;
}
