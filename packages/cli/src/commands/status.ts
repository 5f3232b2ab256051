import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';
import { addRedisFlags } from '../jobs/queue-flags';
import { redisConnection } from '../jobs/redis-connection';

/** `objsel status RUN`: items done, failed and pending, and the states of the run's jobs. */
export function registerStatus(program: Command, context: () => CliContext): void {
  const cmd = addRedisFlags(
    program
      .command('status')
      .description('how far a queued run is: items done, failed and pending, and its jobs in Redis')
      .argument('<run>', 'the run directory objsel submit printed'),
  ).action(async (run: string, flags: { redis: string; queue: string }) => {
    redisConnection(flags.redis);
    const { runStatus } = await import('../jobs/status');
    await runStatus(context(), run, flags);
  });
  withExamples(cmd, [
    'objsel status objsel-runs/infer-3f2a9c1b7d20 --redis redis://127.0.0.1:6379',
    'objsel status objsel-runs/evaluate-0c1d2e3f4a5b --redis redis://queue:6379 --json',
  ]);
}
