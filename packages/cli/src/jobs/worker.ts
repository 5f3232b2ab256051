/**
 * `objsel worker`: takes jobs from the queue and runs their items through the command's job kind
 * (the same code as the command), writing the outputs atomically and the results to the run
 * directory. Networks stay loaded across jobs. A job that throws is retried by BullMQ with
 * exponential backoff; on its last try a chunk of several items is split into single-item jobs,
 * so one bad item fails alone, and a single item that fails is recorded in the run directory.
 * SIGTERM/SIGINT: the current jobs finish, then the worker exits 0 (a second signal: at once).
 */
import { hostname } from 'node:os';
import type { Job } from 'bullmq';
import type { CliContext } from '../context';
import { formatError } from '../errors';
import { takeOverSignals } from '../staged-outputs';
import { jobKind } from './kinds';
import type { RunPlan } from './plan';
import { addJobs, type QueueJobData } from './queue-jobs';
import { readPlan, writeDone, writeFailed, writeSplit } from './run-dir';
import { redisConnection } from './redis-connection';
import { SegmenterPool } from './segmenter-pool';

export interface WorkerOptions {
  redis: string;
  queue: string;
  concurrency: number;
  /** BullMQ's lockDuration and stalledInterval: how soon a dead worker's job is taken over. */
  stalledMs: number;
  /**
   * A job running longer than this ends the process (0: never), so a job that hangs (a stuck
   * backend start) goes to another worker through the stalled-job check instead of holding its
   * lock for ever; the process supervisor (compose, Kubernetes) starts the worker again.
   */
  jobTimeoutMs: number;
}

/** Runs until SIGTERM/SIGINT. */
export async function runWorker(ctx: CliContext, options: WorkerOptions): Promise<void> {
  const connection = redisConnection(options.redis);
  const { Queue, Worker } = await import('bullmq');
  const networks = new SegmenterPool();
  const plans = new Map<string, RunPlan>();
  const queue = new Queue(options.queue, { connection });
  const discardAll = takeOverSignals();
  const name = `${hostname()}:${process.pid}`;

  const processor = async (job: Job<QueueJobData>) => {
    const { runDir, range } = job.data;
    let plan = plans.get(runDir);
    if (!plan) {
      plan = readPlan(runDir);
      plans.set(runDir, plan);
    }
    const kind = await jobKind(plan.command);
    const items = plan.items.slice(range.start, range.end);
    const started = performance.now();
    const watchdog =
      options.jobTimeoutMs > 0
        ? setTimeout(() => {
            report(ctx, { type: 'timeout', job: job.id, run: plan.runId, seconds: options.jobTimeoutMs / 1000, worker: name });
            discardAll();
            process.exit(1);
          }, options.jobTimeoutMs)
        : undefined;
    try {
      const { results, meta } = await kind.runItems(plan.settings, items, { ctx, networks, onProgress: () => {} });
      await writeDone(runDir, { range, results, meta });
      report(ctx, {
        type: 'job',
        job: job.id,
        run: plan.runId,
        items: items.length,
        seconds: (performance.now() - started) / 1000,
        worker: name,
      });
      return { items: items.length };
    } catch (error) {
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 < attempts) throw error; // BullMQ retries it after the backoff
      if (items.length > 1) {
        // The last try of a chunk: its items go one by one, so the bad one fails alone.
        await writeSplit(runDir, range);
        await addJobs(
          queue,
          plan,
          runDir,
          Array.from({ length: items.length }, (_, k) => ({ start: range.start + k, end: range.start + k + 1 })),
        );
        report(ctx, { type: 'split', job: job.id, run: plan.runId, items: items.length, error: formatError(error), worker: name });
        return { split: items.length };
      }
      await writeFailed(runDir, { range, items, error: formatError(error), attempts });
      report(ctx, { type: 'failed', job: job.id, run: plan.runId, items: items.length, error: formatError(error), worker: name });
      throw error;
    } finally {
      clearTimeout(watchdog);
    }
  };

  const worker = new Worker<QueueJobData>(options.queue, processor, {
    connection,
    concurrency: options.concurrency,
    lockDuration: options.stalledMs,
    stalledInterval: options.stalledMs,
    maxStalledCount: 2,
  });
  worker.on('error', (error) => ctx.warn(`worker: ${formatError(error)}`));
  await worker.waitUntilReady();
  report(ctx, { type: 'ready', queue: options.queue, worker: name, concurrency: options.concurrency });

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) {
        discardAll();
        process.exit(143);
      }
      stopping = true;
      report(ctx, { type: 'stopping', worker: name });
      void worker
        .close()
        .then(() => queue.close())
        .finally(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await networks.dispose();
  report(ctx, { type: 'stopped', worker: name });
}

/** A worker event: a JSON line with --json, a text line otherwise. */
function report(ctx: CliContext, event: Record<string, unknown>): void {
  if (ctx.options.quiet) return;
  if (ctx.options.json) {
    ctx.streams.stdout.write(`${JSON.stringify(event)}\n`);
    return;
  }
  const { type, ...rest } = event;
  const parts = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v)}`);
  ctx.streams.stderr.write(`${String(type)} ${parts.join(' ')}\n`);
}
