/**
 * `objsel submit`: a run planned from the command's own flags is written to its run directory,
 * its missing jobs are queued, and (unless detached) the run is followed with one progress bar to
 * its end, then summarised exactly as the command summarises a run in one process.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Queue } from 'bullmq';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { rangeName } from './chunks';
import { collectRun } from './collect';
import type { RunPlan } from './plan';
import { addJobs, jobId, missingRanges, type QueueJobData } from './queue-jobs';
import { newRunStateCache, readPlan, readRunState, writeFailed, writePlan } from './run-dir';
import { openQueue } from './open-queue';

/** Flags every `objsel submit <command>` takes. */
export interface QueueFlags {
  redis: string;
  queue: string;
  runs: string;
  detach?: boolean;
}

/** How often the run directory is read while following a run. */
const POLL_MS = 100;
/** How often the jobs are checked against Redis (lost by a restart, failed by stalling). */
const CHECK_MS = 2000;
/** Jobs checked against Redis per check. */
const CHECK_JOBS = 256;

/** Queues a new run (or the missing part of one submitted before) and follows it unless detached. */
export async function submitRun(ctx: CliContext, plan: RunPlan, flags: QueueFlags): Promise<void> {
  const runDir = path.resolve(flags.runs, plan.runId);
  if (existsSync(path.join(runDir, 'plan.json')) && readPlan(runDir).runId !== plan.runId)
    throw new CliError('usage', `${runDir} holds another run`, { file: runDir });
  await writePlan(runDir, plan);
  await followRun(ctx, runDir, flags);
}

/** Queues a run's failed items again and follows it. */
export async function retryFailed(ctx: CliContext, runDir: string, flags: QueueFlags): Promise<void> {
  const plan = readPlan(runDir);
  const state = readRunState(runDir, plan);
  if (state.failures.length === 0) ctx.info(`${runDir}: no failed item`);
  const queue = await openQueue(flags.redis, flags.queue);
  try {
    for (const f of state.failures) {
      await queue.remove(jobId(plan, f.range)).catch(() => 0);
      rmSync(path.join(runDir, 'failed', `${rangeName(f.range)}.json`), { force: true });
    }
  } finally {
    await queue.close();
  }
  rmSync(path.join(runDir, 'failed.jsonl'), { force: true });
  await followRun(ctx, runDir, flags);
}

async function followRun(ctx: CliContext, runDir: string, flags: QueueFlags): Promise<void> {
  const plan = readPlan(runDir);
  const cache = newRunStateCache();
  let state = readRunState(runDir, plan, cache);
  const total = plan.items.length;
  const finished = () => state.done + state.failed === total;
  if (finished()) {
    // Submitted before and done: nothing is queued again.
    await collectRun(ctx, runDir);
    return;
  }
  const queue = await openQueue(flags.redis, flags.queue);
  try {
    const client = await queue.client;
    let reconnected = false;
    let down = false;
    client.on('reconnecting', () => {
      down = true;
    });
    client.on('ready', () => {
      if (down) reconnected = true;
      down = false;
    });
    const enqueue = async () => {
      state = readRunState(runDir, plan, cache);
      const ranges = missingRanges(plan, state);
      await addJobs(queue, plan, runDir, ranges);
      return ranges.length;
    };
    const queued = await enqueue();
    if (flags.detach) {
      ctx.result({ run: runDir, runId: plan.runId, command: plan.command, items: total, jobs: queued }, () =>
        [
          `submitted ${runDir}: ${total} items, ${queued} jobs on queue '${flags.queue}'`,
          `follow it with: objsel status ${runDir} --redis ${flags.redis}`,
          `when it is done: objsel collect ${runDir}`,
        ].join('\n'),
      );
      return;
    }
    let lastCheck = performance.now();
    while (true) {
      state = readRunState(runDir, plan, cache);
      ctx.onProgress({ task: plan.command, done: state.done + state.failed, total, metrics: { failed: state.failed } });
      if (finished()) break;
      const now = performance.now();
      if (reconnected || now - lastCheck > CHECK_MS) {
        // A Redis that restarted without persistence lost the jobs: queue the missing ones again.
        if (reconnected) {
          reconnected = false;
          await enqueue().catch(() => 0);
        } else await recordStalledOut(queue, plan, runDir, state).catch(() => undefined);
        lastCheck = now;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    await queue.close().catch(() => undefined);
  }
  await collectRun(ctx, runDir);
}

/**
 * Jobs BullMQ failed without a worker writing their failure (a job whose workers died more often
 * than the stalled limit allows) are recorded here, so the run still ends. A run whose jobs
 * vanished (Redis restarted) gets them again.
 */
async function recordStalledOut(queue: Queue, plan: RunPlan, runDir: string, state: ReturnType<typeof readRunState>): Promise<void> {
  // The first unfinished jobs only: a safety net beside the reconnect handling, not a scan per poll.
  const ranges = missingRanges(plan, state).slice(0, CHECK_JOBS);
  const jobs = await Promise.all(ranges.map((r) => queue.getJob(jobId(plan, r))));
  const lost: typeof ranges = [];
  for (const [k, job] of jobs.entries()) {
    const range = ranges[k]!;
    if (!job) {
      lost.push(range);
      continue;
    }
    if (job.finishedOn && job.failedReason && range.end - range.start === 1 && (await job.isFailed())) {
      await writeFailed(runDir, {
        range,
        items: plan.items.slice(range.start, range.end),
        error: job.failedReason,
        attempts: job.attemptsMade,
      });
    }
  }
  // A job finishes (and leaves Redis) just before its results are read: queued again only if still missing.
  if (lost.length > 0) {
    const again = missingRanges(plan, readRunState(runDir, plan));
    const names = new Set(lost.map((r) => jobId(plan, r)));
    await addJobs(
      queue,
      plan,
      runDir,
      again.filter((r) => names.has(jobId(plan, r))),
    );
  }
}

export type { QueueJobData };
