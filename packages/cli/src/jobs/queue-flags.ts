/** The flags of the queue commands: where Redis is, which queue, where run directories go, how jobs are cut and retried. */
import { Option, type Command } from 'commander';
import { CliError } from '../errors';
import { numberParser } from '../flags';
import { redisConnection } from './redis-connection';

/** `--redis URL` (required) and `--queue NAME`. */
export function addRedisFlags(cmd: Command): Command {
  return cmd
    .requiredOption('--redis <url>', 'the Redis every worker and submitter shares, redis://HOST:PORT[/DB]')
    .option('--queue <name>', 'the BullMQ queue name', 'objsel');
}

/**
 * `--runs`, `--chunk`, `--attempts`, `--backoff-ms`, `--detach` of `objsel submit <command>`
 * (`--redis` and `--queue` belong to `objsel submit` itself, which its subcommands share).
 */
export function addSubmitFlags(cmd: Command): Command {
  return cmd
    .configureHelp({ showGlobalOptions: true })
    .option('--runs <dir>', 'where run directories go (a path every worker sees)', 'objsel-runs')
    .addOption(
      new Option('--chunk <n>', 'items per job').default(8).argParser(numberParser('--chunk', { integer: true, min: 1, max: 1_000_000 })),
    )
    .addOption(
      new Option('--attempts <n>', 'tries of a job before its items count as failed')
        .default(3)
        .argParser(numberParser('--attempts', { integer: true, min: 1, max: 100 })),
    )
    .addOption(
      new Option('--backoff-ms <n>', 'delay before the first retry, doubled for each later one')
        .default(1000)
        .argParser(numberParser('--backoff-ms', { integer: true, min: 0, max: 3_600_000 })),
    )
    .option('--detach', 'queue the jobs and print the run directory instead of following the run');
}

/** `--redis` of `objsel submit` (declared there, so not required by commander), checked. */
export function submitRedis(flags: { redis?: string }): string {
  if (!flags.redis) throw new CliError('usage', "give the queue's Redis with --redis redis://HOST:PORT");
  redisConnection(flags.redis);
  return flags.redis;
}

/** The parsed submit flags. */
export interface SubmitFlags {
  redis: string;
  queue: string;
  runs: string;
  chunk: number;
  attempts: number;
  backoffMs: number;
  detach?: boolean;
}
