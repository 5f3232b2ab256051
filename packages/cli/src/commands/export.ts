import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { EXPORT_TARGETS, type ExportFlags } from '../export/targets';

/** `objsel export`: weights to a deployment format (`--to`). */
export function registerExport(program: Command, context: () => CliContext): void {
  const targets = Object.keys(EXPORT_TARGETS);
  const cmd = program
    .command('export')
    .description(
      `write a network in another format: ${Object.entries(EXPORT_TARGETS)
        .map(([name, t]) => `${name}: ${t.description}`)
        .join('; ')}`,
    )
    .requiredOption('--weights <dir>', 'weights directory, checkpoint, or snapshot directory (its latest checkpoint)')
    .addOption(new Option('--to <format>', 'output format').choices(targets).makeOptionMandatory())
    .requiredOption('--out <file>', 'the file to write (atomically: a temporary file renamed into place)')
    .option('--with-upsampled', 'onnx: a second output fc1_voc12_upsampled, the logits resized to the input size (TF1 bilinear)')
    .option('--no-attention', 'onnx, DCSP weights: leave out the attention output fc1_voc12_d0');
  cmd.action(async (flags: ExportFlags) => {
    const ctx = context();
    const target = EXPORT_TARGETS[flags.to];
    if (!target) throw new CliError('usage', `--to must be one of ${targets.join(', ')}, got '${flags.to}'`);
    const result = await target.run(ctx, flags);
    const { summary, ...json } = result;
    ctx.result({ to: flags.to, ...json }, () => summary);
  });
  withExamples(cmd, [
    'objsel export --weights deeplab_resnet --to onnx --out deeplab.onnx',
    'objsel export --weights snapshots --to onnx --out deeplab.onnx --with-upsampled',
    'objsel export --weights dcsp-snapshots --to onnx --out dcsp.onnx --no-attention',
    'objsel export --weights snapshots-interactive --to onnx --out interactive.onnx --json',
  ]);
}
