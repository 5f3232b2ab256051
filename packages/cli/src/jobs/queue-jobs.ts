/**
 * The BullMQ jobs of a run: one per chunk of items (or per item, for a chunk that failed and
 * was split), with ids made of the run id and the item range so adding a job twice adds nothing.
 * A job carries only its run directory and range; the worker reads the plan from the directory.
 */
import type { Queue } from 'bullmq';
import { type ItemRange, rangeName } from './chunks';
import { type RunPlan, planChunks } from './plan';
import type { RunState } from './run-dir';

/** What a job carries. */
export interface QueueJobData {
  runDir: string;
  range: ItemRange;
}

/** The job id of a range of a run (BullMQ ids may not contain ':'). */
export const jobId = (plan: RunPlan, range: ItemRange): string => `${plan.runId}.${rangeName(range)}`;

/** The ranges still to run: whole chunks none of whose items is covered (and not split), single items otherwise. */
export function missingRanges(plan: RunPlan, state: Pick<RunState, 'covered' | 'split'>): ItemRange[] {
  const out: ItemRange[] = [];
  for (const chunk of planChunks(plan)) {
    const missing: number[] = [];
    for (let i = chunk.start; i < chunk.end; i++) if (!state.covered[i]) missing.push(i);
    if (missing.length === chunk.end - chunk.start && !state.split.has(rangeName(chunk))) out.push(chunk);
    else for (const i of missing) out.push({ start: i, end: i + 1 });
  }
  return out;
}

/** Adds the jobs of `ranges` (those already queued are left as they are). */
export async function addJobs(queue: Queue, plan: RunPlan, runDir: string, ranges: readonly ItemRange[]): Promise<void> {
  const BATCH = 500;
  for (let i = 0; i < ranges.length; i += BATCH) {
    await queue.addBulk(
      ranges.slice(i, i + BATCH).map((range) => ({
        name: plan.command,
        data: { runDir, range } satisfies QueueJobData,
        opts: {
          jobId: jobId(plan, range),
          attempts: plan.attempts,
          backoff: { type: 'exponential', delay: plan.backoffMs },
          // The run directory keeps the results; Redis keeps only failures, for `objsel status`.
          removeOnComplete: true,
          removeOnFail: false,
        },
      })),
    );
  }
}
