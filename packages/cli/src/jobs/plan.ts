/**
 * A queued run: the command, its settings and items (JSON, so any worker rebuilds the exact
 * call), cut into chunks. Its id is a hash of all of that, so submitting the same run again finds
 * the same run directory and the same job ids (nothing is done twice).
 */
import { createHash } from 'node:crypto';
import { type ItemRange, chunkRanges } from './chunks';

export interface RunPlan {
  version: 1;
  runId: string;
  command: string;
  settings: unknown;
  items: unknown[];
  /** Items per job. */
  chunk: number;
  /** Tries of a job before it counts as failed. */
  attempts: number;
  /** First retry delay in ms; doubled for each later one. */
  backoffMs: number;
}

/** A plan and its id. */
export function makePlan(
  command: string,
  settings: unknown,
  items: unknown[],
  options: { chunk: number; attempts: number; backoffMs: number },
): RunPlan {
  const runId = createHash('sha256')
    .update(JSON.stringify({ command, settings, items, chunk: options.chunk }))
    .digest('hex')
    .slice(0, 12);
  return { version: 1, runId: `${command}-${runId}`, command, settings, items, ...options };
}

/** The plan's chunks. */
export function planChunks(plan: RunPlan): ItemRange[] {
  return chunkRanges(plan.items.length, plan.chunk);
}
