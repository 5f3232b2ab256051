import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';
import { formatEvaluation } from '../format-evaluation';

/** `objsel merge evaluate RESULT...`: shards run with --shard, merged into the result of one run. */
export function registerMerge(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('merge')
    .description(
      "merge the --json results of the shards of an evaluate or noc run (--shard I/N) into the run's result: confusion matrices summed, NoC objects joined",
    )
    .argument('<command>', 'the sharded command: evaluate or noc')
    .argument('<results...>', "each shard's --json output file (or a finished run directory)")
    .action(async (command: string, results: string[]) => {
      const ctx = context();
      const { choiceFlag } = await import('../flags');
      choiceFlag('<command>', command, ['evaluate', 'noc'] as const);
      if (command === 'noc') {
        const [{ mergeNoc }, { nocJob }] = await Promise.all([import('../jobs/merge-noc'), import('../jobs/noc-job')]);
        const merged = await mergeNoc(results);
        ctx.result(merged, () => nocJob.format(merged));
        return;
      }
      const { mergeEvaluate } = await import('../jobs/merge-results');
      const merged = await mergeEvaluate(results);
      ctx.result(merged, () => formatEvaluation(merged as never));
    });
  withExamples(cmd, [
    'objsel merge evaluate shard0.json shard1.json shard2.json shard3.json',
    'objsel merge evaluate shards/*.json --json > miou.json',
    'objsel merge noc noc0.json noc1.json --json > noc.json',
  ]);
}
