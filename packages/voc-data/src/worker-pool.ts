import type { BatchSample } from './batch';
import { VocDataError, type VocDataErrorCode } from './errors';
import type { SampleExecutor, SampleTask } from './sample-executor';
import type { SampleOptions } from './sample';

/** Messages between the pool and `worker.js`. */
export type WorkerRequest = { type: 'task'; id: number; task: SampleTask };
export type WorkerReply =
  | { type: 'done'; id: number; sample: BatchSample }
  | { type: 'error'; id: number; error: { code: VocDataErrorCode; message: string; file?: string; where?: string; name: string } };

/** A pool of Node worker threads running sample tasks. */
export interface WorkerPool extends SampleExecutor {
  readonly size: number;
}

// Node built-ins through variable specifiers: browser bundlers must not follow them.
const WORKER_THREADS = 'node:worker_threads';
const FS = 'node:fs';
const URL_MODULE = 'node:url';
const WORKER_FILE = 'worker.js';

interface NodeWorker {
  postMessage(message: unknown, transfer?: unknown[]): void;
  on(event: 'message', cb: (m: WorkerReply) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  on(event: 'exit', cb: (code: number) => void): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** The built worker script beside this module (dist/worker.js). */
async function defaultWorkerUrl(): Promise<URL> {
  return new URL(WORKER_FILE, import.meta.url);
}

/** Fails early (so the loader can fall back to in-process decoding) when the script is missing. */
async function assertExists(url: URL | string): Promise<void> {
  const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ FS)) as { existsSync(p: string): boolean };
  const { fileURLToPath } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ URL_MODULE)) as {
    fileURLToPath(u: URL | string): string;
  };
  const file = url instanceof URL || url.startsWith('file:') ? fileURLToPath(url) : url;
  if (!fs.existsSync(file)) throw new Error(`no worker script at ${file} (build @objsel/voc-data, or pass workerUrl)`);
}

/**
 * Starts `size` workers running `worker.js`; each takes tasks in order and posts samples back with
 * their buffers transferred. Workers are unreferenced while idle so they never keep Node alive.
 */
export async function startWorkerPool(size: number, options: SampleOptions, workerUrl?: string | URL): Promise<WorkerPool> {
  const { Worker } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ WORKER_THREADS)) as {
    Worker: new (url: URL | string, opts: object) => NodeWorker;
  };
  const url = workerUrl
    ? typeof workerUrl === 'string' && !/^file:/.test(workerUrl)
      ? workerUrl
      : new URL(workerUrl)
    : await defaultWorkerUrl();
  await assertExists(url);
  const callbacks = new Map<number, { resolve: (s: BatchSample) => void; reject: (e: Error) => void; worker: number }>();
  const load = new Array<number>(size).fill(0);
  const workers: NodeWorker[] = [];
  let nextId = 0;
  let failure: Error | undefined;

  for (let w = 0; w < size; w++) {
    const worker = new Worker(url, { workerData: { options } });
    worker.unref();
    worker.on('message', (m) => {
      const cb = callbacks.get(m.id);
      if (!cb) return;
      callbacks.delete(m.id);
      if (--load[w]! === 0) worker.unref();
      if (m.type === 'done') cb.resolve(m.sample);
      else
        cb.reject(
          new VocDataError(
            m.error.code,
            m.error.message.replace(m.error.file ? `${m.error.file}: ` : '', '').replace(m.error.where ? `${m.error.where}: ` : '', ''),
            { file: m.error.file, where: m.error.where },
          ),
        );
    });
    const fail = (error: Error) => {
      failure ??= error;
      for (const [id, cb] of callbacks) {
        if (cb.worker !== w) continue;
        callbacks.delete(id);
        cb.reject(new VocDataError('io', `data worker failed: ${error.message}`, { cause: error }));
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`exited with code ${code}`));
    });
    workers.push(worker);
  }

  return {
    size,
    run(task) {
      if (failure) return Promise.reject(new VocDataError('io', `data worker failed: ${failure.message}`));
      let w = 0;
      for (let i = 1; i < size; i++) if (load[i]! < load[w]!) w = i;
      const id = nextId++;
      if (load[w]!++ === 0) workers[w]!.ref();
      return new Promise<BatchSample>((resolve, reject) => {
        callbacks.set(id, { resolve, reject, worker: w });
        workers[w]!.postMessage({ type: 'task', id, task } satisfies WorkerRequest);
      });
    },
    async close() {
      for (const cb of callbacks.values()) cb.reject(new VocDataError('unsupported', 'the loader was closed'));
      callbacks.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
