import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { EXPORT_TARGETS } from '../export/targets';

/** `objsel export --weights W --to TARGET --out PATH`: objsel weights in another framework's format. */
export function registerExport(program: Command, context: () => CliContext): void {
  const names = Object.keys(EXPORT_TARGETS);
  const cmd = program
    .command('export')
    .description(`write objsel weights in another format: ${names.map((n) => `${n} (${EXPORT_TARGETS[n]!.description})`).join('; ')}`)
    .requiredOption('--weights <path>', 'weights directory, snapshot directory (its latest checkpoint) or TensorFlow checkpoint')
    .requiredOption('--to <target>', `output format: ${names.join(', ')}`)
    .requiredOption('--out <path>', 'output path (for tf-checkpoint a prefix: PREFIX.index + PREFIX.data-00000-of-00001); never an input')
    .action(async (opts: { weights: string; to: string; out: string }) => {
      const ctx = context();
      const target = Object.hasOwn(EXPORT_TARGETS, opts.to) ? EXPORT_TARGETS[opts.to] : undefined;
      if (!target) throw new CliError('usage', `--to must be one of ${names.join(', ')}, got ${opts.to}`);
      const { result, human } = await target.run({ weights: opts.weights, out: opts.out }, ctx);
      ctx.result(result, () => human);
    });
  withExamples(cmd, [
    'objsel export --weights deeplab_resnet --to tf-checkpoint --out exported/model.ckpt-20000',
    'objsel export --weights snapshots/ --to tf-checkpoint --out tf/model.ckpt --json',
  ]);
}
