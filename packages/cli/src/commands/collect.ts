import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';

/** `objsel collect RUN`: the result of a finished run from its directory (no Redis needed). */
export function registerCollect(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('collect')
    .description(
      "the result of a finished queued run, read from its directory alone: the command's own result, failures in RUN/failed.jsonl",
    )
    .argument('<run>', 'the run directory objsel submit printed')
    .action(async (run: string) => {
      const { collectRun } = await import('../jobs/collect');
      await collectRun(context(), run);
    });
  withExamples(cmd, [
    'objsel collect objsel-runs/evaluate-0c1d2e3f4a5b',
    'objsel collect objsel-runs/evaluate-0c1d2e3f4a5b --json > miou.json',
  ]);
}
