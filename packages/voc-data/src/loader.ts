import { stackBatch, type Batch, type BatchSample } from './batch';
import { VocDataError } from './errors';
import { nodeFileSource, type FileSource } from './files';
import type { ListEntry } from './lists';
import { SampleRng, permutation } from './sample-rng';
import { loadSample, prepareSample, type SampleOptions } from './sample';
import type { SampleExecutor } from './sample-executor';
import { startWorkerPool, type WorkerPool } from './worker-pool';

export type { SampleExecutor, SampleTask } from './sample-executor';

/** Options of {@link createLoader}; the sample options are {@link SampleOptions}. */
export interface LoaderOptions extends SampleOptions {
  /** Samples per batch (train.py: 10). Without a crop, samples differ in size: use 1. */
  batchSize?: number;
  /** Seed of the epoch order and of every sample's augmentation (train.py `--random-seed 1234`). */
  seed?: number;
  /** Reshuffle every epoch (default: true when cropping, i.e. training; false for evaluation). */
  shuffle?: boolean;
  /** Drop the last, smaller batch of an epoch (default: same as `shuffle`). */
  dropLast?: boolean;
  /** Batches decoded ahead of the consumer (default 3). */
  prefetch?: number;
  /**
   * Node worker threads that read, decode and augment (default: CPU count − 1, at least 1, at
   * most 4). 0 decodes on the calling thread (the only mode in browsers, where
   * `createImageBitmap` already decodes off the main thread).
   */
  workers?: number;
  /** In-process reading (default: the file system in Node). Workers always read the file system. */
  files?: FileSource;
  /** The worker script (default: `worker.js` beside the built package). */
  workerUrl?: string | URL;
}

/** A batch with its place in the stream. */
export type LoadedBatch = Batch & { epoch: number; index: number };

/** Counters for showing that data never stalls training. */
export interface LoaderStats {
  batches: number;
  samples: number;
  /** Total time `next()` callers spent waiting for data, ms. */
  waitMs: number;
  /** Longest single wait, ms. */
  maxWaitMs: number;
}

/** An endless, prefetching stream of batches over shuffled epochs. */
export interface BatchLoader {
  readonly mode: 'workers' | 'in-process';
  readonly workers: number;
  /** Why the loader runs the way it does (e.g. fell back to in-process). */
  readonly notes: string[];
  readonly batchesPerEpoch: number;
  /** The next batch: epochs follow each other, each in its own seeded order. */
  next(): Promise<LoadedBatch>;
  /** The batches up to the end of the current epoch. */
  epoch(): AsyncGenerator<LoadedBatch>;
  stats(): LoaderStats;
  /** Stops the workers; pending batches are dropped. */
  close(): Promise<void>;
}

function inProcessExecutor(files: FileSource, options: SampleOptions): SampleExecutor {
  return {
    async run(task) {
      const loaded = await loadSample(task.entry, files, options);
      return prepareSample(loaded, options, new SampleRng(task.seed));
    },
    async close() {},
  };
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

/** SampleOptions without the parts that cannot cross a thread boundary. */
function transferableOptions(options: LoaderOptions): SampleOptions {
  const { codec: _codec, files: _files, workerUrl: _url, ...rest } = options as LoaderOptions & Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest)) as SampleOptions;
}

/**
 * A loader over `entries`: per-epoch seeded shuffling, decoding and augmentation ahead of the
 * consumer (on worker threads in Node), batches as NHWC float32 + int32 labels. The same seed
 * gives the same batches whatever the number of workers, because every sample's augmentation
 * is seeded by `(seed, epoch, position)`.
 */
export async function createLoader(entries: readonly ListEntry[], options: LoaderOptions = {}): Promise<BatchLoader> {
  if (entries.length === 0) throw new VocDataError('bad-list', 'the list has no entries');
  const batchSize = options.batchSize ?? (options.crop ? 10 : 1);
  const seed = options.seed ?? 1234;
  const shuffle = options.shuffle ?? !!options.crop;
  const dropLast = options.dropLast ?? shuffle;
  const prefetch = Math.max(1, options.prefetch ?? 3);
  const n = entries.length;
  const batchesPerEpoch = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  if (batchesPerEpoch === 0) throw new VocDataError('bad-list', `${n} entries are fewer than one batch of ${batchSize}`);
  const notes: string[] = [];

  let executor: SampleExecutor | undefined;
  let pool: WorkerPool | undefined;
  let workers = 0;
  const wanted = options.workers ?? (isNode() ? await defaultWorkerCount() : 0);
  if (wanted > 0 && isNode()) {
    try {
      pool = await startWorkerPool(wanted, transferableOptions(options), options.workerUrl);
      executor = pool;
      workers = pool.size;
    } catch (error) {
      notes.push(`worker threads unavailable (${(error as Error).message}); decoding in-process`);
    }
  } else if (wanted > 0) notes.push('worker threads are Node-only; decoding in-process');
  if (!executor) {
    const files = options.files ?? (isNode() ? nodeFileSource() : undefined);
    if (!files) throw new VocDataError('unsupported', 'createLoader: pass `files` (e.g. fetchFileSource()) outside Node');
    executor = inProcessExecutor(files, options);
  }
  const exec = executor;

  const orders = new Map<number, Uint32Array>();
  const orderOf = (epoch: number): Uint32Array => {
    let o = orders.get(epoch);
    if (!o) {
      o = shuffle ? permutation(n, new SampleRng([seed, epoch, 0x5eed])) : Uint32Array.from({ length: n }, (_, i) => i);
      orders.set(epoch, o);
      orders.delete(epoch - 2);
    }
    return o;
  };

  let scheduledBatch = 0; // global batch counter of the next batch to schedule
  const pending: Array<{ promise: Promise<LoadedBatch> }> = [];
  const stats: LoaderStats = { batches: 0, samples: 0, waitMs: 0, maxWaitMs: 0 };
  let closed = false;

  const schedule = () => {
    while (pending.length < prefetch) {
      const g = scheduledBatch++;
      const epoch = Math.floor(g / batchesPerEpoch);
      const index = g % batchesPerEpoch;
      const order = orderOf(epoch);
      const start = index * batchSize;
      const end = Math.min(start + batchSize, n);
      const tasks: Promise<BatchSample>[] = [];
      for (let k = start; k < end; k++) tasks.push(exec.run({ entry: entries[order[k]!]!, seed: [seed, epoch, k] }));
      const promise = Promise.all(tasks).then((samples) => ({ ...stackBatch(samples), epoch, index }));
      promise.catch(() => {}); // surfaced when the consumer reaches this batch
      pending.push({ promise });
    }
  };

  const next = async (): Promise<LoadedBatch> => {
    if (closed) throw new VocDataError('unsupported', 'the loader is closed');
    schedule();
    const head = pending.shift()!;
    schedule();
    const t0 = performance.now();
    const batch = await head.promise;
    const waited = performance.now() - t0;
    stats.waitMs += waited;
    stats.maxWaitMs = Math.max(stats.maxWaitMs, waited);
    stats.batches++;
    stats.samples += batch.size;
    return batch;
  };

  return {
    mode: pool ? 'workers' : 'in-process',
    workers,
    notes,
    batchesPerEpoch,
    next,
    async *epoch() {
      for (;;) {
        const b = await next();
        yield b;
        if (b.index === batchesPerEpoch - 1) return;
      }
    },
    stats: () => ({ ...stats }),
    async close() {
      closed = true;
      pending.length = 0;
      await exec.close();
    },
  };
}

async function defaultWorkerCount(): Promise<number> {
  try {
    const os = (await import(/* @vite-ignore */ /* webpackIgnore: true */ OS)) as {
      availableParallelism?: () => number;
      cpus: () => unknown[];
    };
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    return Math.max(1, Math.min(4, cores - 1));
  } catch {
    return 1;
  }
}
const OS = 'node:os';
