import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';
import { numberParser } from '../flags';
import { addRedisFlags } from '../jobs/queue-flags';
import { redisConnection } from '../jobs/redis-connection';

/** `objsel worker`: runs the jobs `objsel submit` queues, until SIGTERM. */
export function registerWorker(program: Command, context: () => CliContext): void {
  const cmd = addRedisFlags(
    program
      .command('worker')
      .description(
        'take infer and evaluate jobs from a Redis queue (objsel submit) and run them, networks kept loaded, outputs written atomically; SIGTERM finishes the current jobs and exits',
      ),
  )
    .addOption(
      new Option('--concurrency <n>', 'jobs run at once by this process')
        .default(1)
        .argParser(numberParser('--concurrency', { integer: true, min: 1, max: 64 })),
    )
    .addOption(
      new Option('--stalled-ms <n>', "how long a job's lock lasts without renewal: a killed worker's job goes to another worker after this")
        .default(30_000)
        .argParser(numberParser('--stalled-ms', { integer: true, min: 200, max: 3_600_000 })),
    )
    .addOption(
      new Option(
        '--job-timeout-ms <n>',
        'end this worker when a job runs longer (0: never): the job goes to another worker, the supervisor restarts this one',
      )
        .default(0)
        .argParser(numberParser('--job-timeout-ms', { integer: true, min: 0, max: 86_400_000 })),
    )
    .action(async (flags: { redis: string; queue: string; concurrency: number; stalledMs: number; jobTimeoutMs: number }) => {
      redisConnection(flags.redis);
      const { runWorker } = await import('../jobs/worker');
      await runWorker(context(), flags);
    });
  withExamples(cmd, [
    'objsel worker --redis redis://127.0.0.1:6379',
    'objsel worker --redis redis://queue:6379 --concurrency 2 --backend tensorflow',
    'objsel worker --redis redis://queue:6379 --queue gpu --json',
  ]);
}
