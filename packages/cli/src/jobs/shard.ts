/**
 * `--shard INDEX/COUNT`: a static share of a command's items for schedulers without Redis. The
 * default comes from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with JOB_COMPLETIONS set
 * from the Job's `completions`) or a Slurm job array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT).
 */
import type { Command } from 'commander';
import { CliError } from '../errors';
import { type ItemRange, shardRange } from './chunks';

/** One shard of a run. */
export interface Shard {
  index: number;
  count: number;
}

/** Adds `--shard INDEX/COUNT`. */
export function addShardFlag(cmd: Command): Command {
  return cmd.option(
    '--shard <index/count>',
    'run only share INDEX (0-based) of COUNT contiguous shares of the items (default: JOB_COMPLETION_INDEX/JOB_COMPLETIONS or SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT when set); merge with objsel merge',
  );
}

function parseShard(text: string, where: string): Shard {
  const m = /^(\d{1,7})\/(\d{1,7})$/.exec(text.trim());
  if (!m) throw new CliError('usage', `${where}: expected INDEX/COUNT such as 0/4, got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new CliError('usage', `${where}: INDEX must be in 0..COUNT-1 and COUNT at least 1, got ${text}`);
  return { index, count };
}

/** The shard `--shard` or the scheduler's environment names; undefined: every item. */
export function shardFromFlag(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Shard | undefined {
  if (flag !== undefined) return parseShard(flag, '--shard');
  if (env.JOB_COMPLETION_INDEX !== undefined && env.JOB_COMPLETIONS !== undefined)
    return parseShard(`${env.JOB_COMPLETION_INDEX}/${env.JOB_COMPLETIONS}`, 'JOB_COMPLETION_INDEX/JOB_COMPLETIONS');
  if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined)
    return parseShard(`${env.SLURM_ARRAY_TASK_ID}/${env.SLURM_ARRAY_TASK_COUNT}`, 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
  return undefined;
}

/** The items of a shard (all of them without one). */
export function shardItems<T>(items: readonly T[], shard: Shard | undefined): { items: T[]; range: ItemRange } {
  const range = shard ? shardRange(items.length, shard.index, shard.count) : { start: 0, end: items.length };
  return { items: items.slice(range.start, range.end), range };
}
