import * as tf from '@tensorflow/tfjs-core';
import { DeeplabError } from './errors';
import { registerConvGradKernels } from './kernels/conv-grad';
import { registerTensorflowStepKernel } from './kernels/tensorflow-step';
import { registerWebgpuAddNFix } from './kernels/webgpu-addn';
import { nodeCpuCount, prepareNodeWasmThreads, type WasmBackendModule } from './kernels/wasm-threads';

/** Backends objsel can run on; `auto` picks the fastest one that initialises here. */
export type BackendName = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** Every value accepted by {@link loadBackend}, in `--help` order. */
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/** What {@link loadBackend} settled on. */
export interface LoadedBackend {
  /** The name requested. */
  requested: BackendName;
  /** The TF.js backend now active (`tensorflow`, `webgpu`, `wasm` or `cpu`). */
  name: string;
  /** Human-readable notes: fallbacks taken, packages missing. */
  notes: string[];
  /** Threads the wasm backend runs (1 unless multi-threaded wasm initialised). */
  wasmThreads?: number;
}

/** Options of {@link loadBackend}. */
export interface LoadBackendOptions {
  /**
   * Threads for the wasm backend in Node (default: `OBJSEL_WASM_THREADS`, else every CPU Node
   * reports, except 1 under vitest, whose workers already fill the cores; 1 = the stock
   * single-threaded SIMD binary). Only applies when wasm is first
   * initialised in the process. Browsers pick their own count (needs cross-origin isolation).
   */
  wasmThreads?: number;
}

/** One step of backend setup: import the packages it needs, then activate it. */
type Activator = (options: LoadBackendOptions) => Promise<void>;

/** Whether the engine already holds an instance of a backend (`tf.findBackend` would start initialising it). */
function isInitialised(name: string): boolean {
  const registry = (tf.engine() as unknown as { registry?: Record<string, unknown> }).registry;
  return registry !== undefined && name in registry;
}

function wasmThreadCount(options: LoadBackendOptions): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  // Test runners already run one worker per core: more threads per worker would oversubscribe.
  const fallback = env?.VITEST ? 1 : nodeCpuCount();
  const requested = options.wasmThreads ?? (env?.OBJSEL_WASM_THREADS ? Number(env.OBJSEL_WASM_THREADS) : fallback);
  return Number.isFinite(requested) ? Math.max(1, Math.min(8, Math.floor(requested))) : 1;
}

/** Threads of the active wasm backend (1 if it is not active or single-threaded). */
async function activeWasmThreads(): Promise<number> {
  if (tf.getBackend() !== 'wasm') return 1;
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmBackendModule;
  try {
    return Math.max(1, wasm.getThreadsCount());
  } catch {
    return 1;
  }
}

/**
 * A hook run after a backend's module is imported and before `tf.setBackend`, e.g. to register
 * the kernels wasm lacks. Keyed by TF.js backend name.
 */
const preparers = new Map<string, Array<() => void | Promise<void>>>();

/**
 * Registers work to do when a backend is activated by {@link loadBackend} (kernel patches).
 * Runs at most once per backend and process.
 */
export function onBackendPrepare(backend: string, prepare: () => void | Promise<void>): void {
  const list = preparers.get(backend) ?? [];
  list.push(prepare);
  preparers.set(backend, list);
}

// The CPU backends get convolution gradients as forward convolutions (and wasm the kernels it lacks).
onBackendPrepare('wasm', () => registerConvGradKernels('wasm'));
onBackendPrepare('cpu', () => registerConvGradKernels('cpu'));
// None of these on 'tensorflow': TensorFlow's own kernels (both convolution backprops, AddN of
// any arity) are right and fast. Only its ReLU-gradient `Step` is rebuilt from fewer TensorFlow
// ops (same values). Dilated convolutions still go through space-to-batch in the training graph:
// tfjs-core refuses gradients of dilated conv2d on every backend, tensorflow included.
onBackendPrepare('tensorflow', () => registerTensorflowStepKernel());
// WebGPU's AddN fails (and spoils its command buffer) with more inputs than the device binds.
onBackendPrepare('webgpu', () => registerWebgpuAddNFix());

const prepared = new Set<string>();

async function prepare(backend: string): Promise<void> {
  if (prepared.has(backend)) return;
  prepared.add(backend);
  for (const fn of preparers.get(backend) ?? []) await fn();
}

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

async function activate(name: string): Promise<void> {
  await prepare(name);
  const ok = await tf.setBackend(name);
  if (!ok) throw new DeeplabError('backend-init-failed', `TF.js backend '${name}' failed to initialise`);
  await tf.ready();
}

const TFJS_VERSION = '4.22.0';

/** The first line of an error's message, for one-line reports. */
function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .trim();
}

/**
 * Environment TensorFlow reads when its library loads, set before tfjs-node is imported unless the
 * user set it: `TF_ENABLE_ONEDNN_OPTS=0` (TensorFlow 2.21 with oneDNN's custom ops on died with
 * SIGFPE on an AVX-512 AMD EPYC; with them off it runs, and results do not depend on oneDNN's
 * summation order) and `TF_CPP_MIN_LOG_LEVEL=1` (no INFO lines on stderr, warnings kept).
 */
export const TENSORFLOW_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({
  TF_ENABLE_ONEDNN_OPTS: '0',
  TF_CPP_MIN_LOG_LEVEL: '1',
});

function setTensorflowEnvironment(): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (!env) return;
  for (const [name, value] of Object.entries(TENSORFLOW_ENVIRONMENT)) if (env[name] === undefined) env[name] = value;
}

const activators: Record<Exclude<BackendName, 'auto'>, Activator> = {
  async tensorflow() {
    setTensorflowEnvironment();
    const broken: string[] = [];
    for (const spec of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        await importOptional(spec);
      } catch (error) {
        if (!isMissingModule(error, spec)) broken.push(`${spec} is installed but does not load (${firstLine(error)})`);
        continue;
      }
      await activate('tensorflow');
      return;
    }
    if (broken.length > 0) {
      // The usual cause: its install script could not download libtensorflow and the binding.
      throw new DeeplabError(
        'backend-unavailable',
        `backend 'tensorflow': ${broken.join('; ')}; its install script downloads libtensorflow and the binding, where it cannot, build them with bash tools/setup-tfjs-node.sh (objsel repository)`,
      );
    }
    throw new DeeplabError(
      'backend-unavailable',
      `backend 'tensorflow' needs @tensorflow/tfjs-node-gpu (or @tensorflow/tfjs-node): npm install @tensorflow/tfjs-node-gpu@${TFJS_VERSION}`,
    );
  },
  async webgpu() {
    const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
    if (!nav?.gpu) {
      throw new DeeplabError(
        'backend-unavailable',
        "backend 'webgpu' needs navigator.gpu: run in a WebGPU browser, or in Node install the 'webgpu' package and load its preload",
      );
    }
    // A bundled page imports the backend itself (a bundle cannot resolve this run-time import of
    // a bare name); its factory is then registered already.
    if (!tf.findBackendFactory('webgpu')) {
      try {
        await importOptional('@tensorflow/tfjs-backend-webgpu');
      } catch (error) {
        if (isMissingModule(error, '@tensorflow/tfjs-backend-webgpu')) {
          throw new DeeplabError(
            'backend-unavailable',
            `backend 'webgpu' needs @tensorflow/tfjs-backend-webgpu: npm install @tensorflow/tfjs-backend-webgpu@${TFJS_VERSION}`,
          );
        }
        throw error;
      }
    }
    await activate('webgpu');
  },
  async wasm(options) {
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmBackendModule;
    // Threads can only be chosen before the backend's first initialisation.
    const restore = isInitialised('wasm') ? undefined : prepareNodeWasmThreads(wasm, wasmThreadCount(options));
    try {
      await activate('wasm');
    } catch (error) {
      if (!restore) throw error;
      // Threaded init failed: fall back to the stock single-threaded binary.
      restore();
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setThreadsCount(1);
      await activate('wasm');
    } finally {
      restore?.();
    }
  },
  async cpu() {
    await import('@tensorflow/tfjs-backend-cpu');
    await activate('cpu');
  },
};

/** Order `auto` tries: native TensorFlow, then WebGPU (browsers), then wasm, then cpu. */
const AUTO_ORDER: Array<Exclude<BackendName, 'auto'>> = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/**
 * Activates a TF.js backend by name. `tensorflow` loads `@tensorflow/tfjs-node-gpu`, falling back
 * to `@tensorflow/tfjs-node`; both are optional peers, so a missing one throws a
 * {@link DeeplabError} with code `backend-unavailable` naming the package to install. `auto`
 * takes the first of tensorflow, webgpu (only where `navigator.gpu` exists), wasm, cpu that
 * initialises. Gradients must be registered by the entry point (`import '@tensorflow/tfjs'`).
 * Before importing tfjs-node, `tensorflow` sets `TF_ENABLE_ONEDNN_OPTS=0` and
 * `TF_CPP_MIN_LOG_LEVEL=1` in `process.env` where they are unset (see
 * {@link TENSORFLOW_ENVIRONMENT}). A tfjs-node whose install script could not fetch libtensorflow
 * (no binding) gives `backend-unavailable` too, naming `tools/setup-tfjs-node.sh`.
 *
 * @example
 * ```ts
 * const { name } = await loadBackend('auto'); // 'wasm' on a CPU-only Node machine
 * ```
 */
export async function loadBackend(requested: BackendName = 'auto', options: LoadBackendOptions = {}): Promise<LoadedBackend> {
  if (!BACKEND_NAMES.includes(requested)) {
    throw new DeeplabError('bad-config', `unknown backend '${String(requested)}' (expected one of ${BACKEND_NAMES.join(', ')})`);
  }
  if (requested !== 'auto') {
    await activators[requested](options);
    return { requested, name: tf.getBackend(), notes: [], wasmThreads: await activeWasmThreads() };
  }
  const notes: string[] = [];
  for (const candidate of AUTO_ORDER) {
    try {
      await activators[candidate](options);
      return { requested, name: tf.getBackend(), notes, wasmThreads: await activeWasmThreads() };
    } catch (error) {
      notes.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  throw new DeeplabError('backend-init-failed', `no TF.js backend initialised (${notes.join('; ')})`);
}
