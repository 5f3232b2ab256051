/**
 * Multi-threaded wasm in Node. `@tensorflow/tfjs-backend-wasm` 4.22.0 ships a threaded SIMD
 * binary but never uses it in Node (its `WASM_HAS_MULTITHREAD_SUPPORT` flag returns false there,
 * tfjs#3830): Emscripten's pthread workers are started from `blob:` URLs, which Node's
 * `worker_threads` cannot load, and the thread count is capped at `cpus / 2`. This module makes
 * it work by (only while the backend initialises):
 *
 * - turning the flag on and asking for `threads` threads;
 * - recording the text of the two `Blob`s the backend builds (the pthread worker script and the
 *   Emscripten factory) and handing Emscripten temporary files instead of `blob:` URLs; the
 *   factory's text gets the few Node bundle locals it references (Node built-ins, three tslib
 *   helpers, `__dirname`) so it evaluates inside a worker;
 * - reporting `2 × threads` CPUs to the C side's `cpus / 2` cap.
 *
 * Node built-ins come from `process.getBuiltinModule`, so this file has no `node:` imports and
 * bundles for browsers (where it does nothing).
 */
import * as tf from '@tensorflow/tfjs-core';

/** The tfjs-backend-wasm release whose internals this shim was written against. */
export const WASM_THREADS_TFJS_VERSION = '4.22.0';

/** The parts of `@tensorflow/tfjs-backend-wasm`'s exports the shim uses. */
export interface WasmBackendModule {
  setThreadsCount(count: number): void;
  getThreadsCount(): number;
  version_wasm?: string;
}

type Builtin = <T>(name: string) => T;

interface NodeFs {
  mkdtempSync(prefix: string): string;
  writeFileSync(file: string, data: string): void;
  rmSync(path: string, options: { recursive: boolean; force: boolean }): void;
}
interface NodeOs {
  tmpdir(): string;
  cpus(): unknown[];
  availableParallelism?(): number;
}
interface NodePath {
  join(...parts: string[]): string;
  dirname(p: string): string;
}

function builtin(): Builtin | undefined {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (name: string) => unknown } }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== 'function') return undefined;
  return <T>(name: string) => proc.getBuiltinModule!(name) as T;
}

/** Number of CPUs Node reports (1 outside Node). */
export function nodeCpuCount(): number {
  const get = builtin();
  if (!get) return 1;
  const os = get<NodeOs>('os');
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

const WORKER_LOAD = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}';
const FACTORY_PREFIX = 'var WasmBackendModuleThreadedSimd';

/** Locals of the Node bundle that the factory's source text refers to. */
function factoryPreamble(dir: string): string {
  return [
    "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os');",
    `var commonjsGlobal = globalThis, __dirname = ${JSON.stringify(dir)};`,
    'function __values(o) { var it = typeof Symbol === "function" && o[Symbol.iterator]; if (it) return it.call(o); var i = 0;',
    '  return { next: function () { return { value: o && o[i], done: !o || i++ >= o.length }; } }; }',
    'function __read(o, n) { var it = typeof Symbol === "function" && o[Symbol.iterator]; if (!it) return o; var r = [], x = it.call(o), s;',
    '  while ((n === void 0 || n-- > 0) && !(s = x.next()).done) r.push(s.value); return r; }',
    'function __spreadArray(to, from) { return to.concat(Array.prototype.slice.call(from)); }',
    '',
  ].join('\n');
}

/**
 * Lets Node exit while the wasm backend's pthread workers idle: Emscripten keeps them
 * referenced, which would hold the process open forever.
 */
export function unrefWasmWorkers(): void {
  const backend = (tf.engine() as unknown as { registry?: Record<string, { wasm?: { PThread?: Record<string, unknown> } }> }).registry
    ?.wasm;
  const pthread = backend?.wasm?.PThread;
  if (!pthread) return;
  for (const list of [pthread.unusedWorkers, pthread.runningWorkers]) {
    if (!Array.isArray(list)) continue;
    for (const worker of list as Array<{ unref?: () => void }>) worker.unref?.();
  }
}

/**
 * Prepares the next initialisation of the `wasm` backend to run `threads` threads in Node.
 * Returns a function that undoes the temporary patches and deletes the temporary files; call it
 * once `tf.setBackend('wasm')` has settled. Returns undefined (and changes nothing) outside Node, for `threads <= 1`, or
 * for a tfjs-backend-wasm version other than {@link WASM_THREADS_TFJS_VERSION}.
 */
export function prepareNodeWasmThreads(wasm: WasmBackendModule, threads: number): (() => void) | undefined {
  const get = builtin();
  if (!get || !(threads > 1)) return undefined;
  if (wasm.version_wasm !== WASM_THREADS_TFJS_VERSION) return undefined;
  const fs = get<NodeFs>('fs');
  const os = get<NodeOs>('os');
  const path = get<NodePath>('path');
  const proc = get<{ once(event: 'exit', fn: () => void): void }>('process');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-wasm-'));
  proc.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const factoryFile = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const texts = new WeakMap<Blob, string>();
  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;

  class RecordingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) {
        const text = parts.join('');
        texts.set(this, text);
        if (text.startsWith(FACTORY_PREFIX)) fs.writeFileSync(factoryFile, factoryPreamble(dir) + text);
      }
    }
  }
  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = (object: Blob | MediaSource): string => {
    const text = object instanceof OriginalBlob ? texts.get(object) : undefined;
    if (text === undefined || !text.includes(WORKER_LOAD)) return originalCreateObjectURL.call(URL, object);
    const workerFile = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
    fs.writeFileSync(workerFile, text.replace(WORKER_LOAD, `if(true){importScripts(${JSON.stringify(factoryFile)})}`));
    return workerFile;
  };
  os.cpus = () => {
    const cpus = originalCpus.call(os);
    return Array.from({ length: Math.max(cpus.length, 2 * threads) }, (_, i) => cpus[i % cpus.length]);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  return () => {
    unrefWasmWorkers();
    // Every pooled worker has read both files by the time initialisation settles.
    fs.rmSync(dir, { recursive: true, force: true });
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
  };
}
