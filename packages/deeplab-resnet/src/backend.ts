import * as tf from '@tensorflow/tfjs-core';
import { DeeplabError } from './errors';
import { registerConvGradKernels } from './kernels/conv-grad';
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

const activators: Record<Exclude<BackendName, 'auto'>, Activator> = {
  async tensorflow() {
    const tried: string[] = [];
    for (const spec of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        await importOptional(spec);
        await activate('tensorflow');
        return;
      } catch (error) {
        if (!isMissingModule(error, spec)) throw error;
        tried.push(spec);
      }
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
