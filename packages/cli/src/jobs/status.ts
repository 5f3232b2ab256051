/** `objsel status RUN --redis URL`: how far a run is, from its directory and its jobs in Redis. */
import type { CliContext } from '../context';
import { jobId, missingRanges } from './queue-jobs';
import { readPlan, readRunState } from './run-dir';
import { openQueue } from './open-queue';

export async function runStatus(ctx: CliContext, runDir: string, flags: { redis: string; queue: string }): Promise<void> {
  const plan = readPlan(runDir);
  const state = readRunState(runDir, plan);
  const queue = await openQueue(flags.redis, flags.queue);
  const jobs: Record<string, number> = {};
  try {
    for (const range of missingRanges(plan, state)) {
      const job = await queue.getJob(jobId(plan, range));
      const st = job ? await job.getState() : 'missing';
      jobs[st] = (jobs[st] ?? 0) + 1;
    }
  } finally {
    await queue.close();
  }
  const total = plan.items.length;
  const pending = total - state.done - state.failed;
  ctx.result(
    { run: runDir, runId: plan.runId, command: plan.command, items: total, done: state.done, failed: state.failed, pending, jobs },
    () =>
      [
        `${runDir}: ${plan.command}, ${state.done} of ${total} items done, ${state.failed} failed, ${pending} pending`,
        ...(Object.keys(jobs).length
          ? [
              `jobs: ${Object.entries(jobs)
                .map(([k, v]) => `${v} ${k}`)
                .join(', ')}`,
            ]
          : []),
        ...(pending === 0 ? [`finished: objsel collect ${runDir}`] : []),
      ].join('\n'),
  );
}
