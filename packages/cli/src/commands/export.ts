import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { EXPORT_TARGETS, type ExportRequest } from '../export/targets';
import { withStagedOutputs } from '../staged-outputs';

/** The command's one-line description (also in the lazy command table). */
export const EXPORT_SUMMARY =
  "write objsel weights in another format: onnx (ONNX Runtime, CVAT, Triton) or tf-checkpoint (the TF port's names)";

/** `objsel export --weights W --to TARGET --out PATH`: objsel weights in another framework's format. */
export function registerExport(program: Command, context: () => CliContext): void {
  const names = Object.keys(EXPORT_TARGETS);
  const cmd = program
    .command('export')
    .description(EXPORT_SUMMARY)
    .requiredOption('--weights <path>', 'weights directory, snapshot directory (its latest checkpoint) or TensorFlow checkpoint')
    .requiredOption('--to <target>', `output format: ${names.map((n) => `${n} = ${EXPORT_TARGETS[n]!.description}`).join('; ')}`)
    .requiredOption(
      '--out <path>',
      'output path, never an input: a file for onnx (written atomically), a prefix for tf-checkpoint (PREFIX.index + PREFIX.data-00000-of-00001)',
    )
    .option('--with-upsampled', 'onnx: a second output fc1_voc12_upsampled, the logits resized to the input size (TF1 bilinear)')
    .option('--no-attention', 'onnx, DCSP weights: leave out the attention output fc1_voc12_d0')
    .action(async (opts: ExportRequest & { to: string }) => {
      const ctx = context();
      const target = Object.hasOwn(EXPORT_TARGETS, opts.to) ? EXPORT_TARGETS[opts.to] : undefined;
      if (!target) throw new CliError('usage', `--to must be one of ${names.join(', ')}, got '${opts.to}'`);
      const { to: _to, ...request } = opts;
      const { result, human } = await withStagedOutputs([request.out], (out) => target.run(request, ctx, out));
      ctx.result(result, () => human);
    });
  withExamples(cmd, [
    'objsel export --weights deeplab_resnet --to onnx --out deeplab.onnx',
    'objsel export --weights snapshots --to onnx --out deeplab.onnx --with-upsampled',
    'objsel export --weights dcsp-snapshots --to onnx --out dcsp.onnx --no-attention',
    'objsel export --weights snapshots-interactive --to onnx --out interactive.onnx --json',
    'objsel export --weights deeplab_resnet --to tf-checkpoint --out exported/model.ckpt-20000',
  ]);
}
