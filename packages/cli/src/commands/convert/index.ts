import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { formatConvert, runConvert } from '../../convert-weights';
import { CliError } from '../../errors';
import { withExamples } from '../../examples';
import { choiceFlag, numberFlag } from '../../flags';
import { formatConvertCheckpoint, runConvertCheckpoint } from './checkpoint';

/** `objsel convert`: Caffe ResNet weights or a TensorFlow checkpoint → objsel/TF.js weights directory. */
export function registerConvert(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('convert')
    .description(
      "convert a ResNet .prototxt + .caffemodel (DeepLab-v2, or an ImageNet ResNet → backbone) or a TensorFlow checkpoint (the TF port's names) to an objsel weights directory (model.json + TF.js shards)",
    )
    .option('--prototxt <file>', 'Caffe network definition (e.g. deploy.prototxt)')
    .option('--caffemodel <file>', 'Caffe weights (binary NetParameter)')
    .option('--checkpoint <path>', "TensorFlow checkpoint: V2 prefix (model.ckpt-20000), V1 file, or a directory with a 'checkpoint' file")
    .requiredOption(
      '--out <dir>',
      'output directory (replaced atomically; never an input; an existing one only if it holds objsel weights)',
    )
    .option('--force', 'replace --out even if it is a file or a directory that does not hold objsel weights', false)
    .option('--allow-missing', 'convert even if prototxt layers with parameters have no blobs (they are listed in the report)', false)
    .option('-p, --phase <phase>', 'keep layers for this phase (include/exclude rules): TEST or TRAIN', 'TEST')
    .option('--shard-mb <n>', 'largest shard in MiB', '4')
    .action(
      async (opts: {
        prototxt?: string;
        caffemodel?: string;
        checkpoint?: string;
        out: string;
        allowMissing: boolean;
        phase: string;
        shardMb: string;
        force: boolean;
      }) => {
        const ctx = context();
        const phase = choiceFlag('--phase', opts.phase.toUpperCase(), ['TEST', 'TRAIN'] as const);
        const shardMb = numberFlag('--shard-mb', opts.shardMb, { min: 0, minExclusive: true, max: 4096 });
        const shardBytes = Math.round(shardMb * 1024 * 1024);
        if (opts.checkpoint !== undefined) {
          if (opts.prototxt !== undefined || opts.caffemodel !== undefined)
            throw new CliError('usage', 'give either --checkpoint or --prototxt with --caffemodel, not both');
          const converted = await runConvertCheckpoint({ checkpoint: opts.checkpoint, out: opts.out, shardBytes, force: opts.force });
          ctx.result(converted, () => formatConvertCheckpoint(converted));
          return;
        }
        if (opts.prototxt === undefined || opts.caffemodel === undefined)
          throw new CliError('usage', 'give --prototxt and --caffemodel (a Caffe model) or --checkpoint (a TensorFlow checkpoint)');
        const result = await runConvert(
          {
            prototxt: opts.prototxt,
            caffemodel: opts.caffemodel,
            out: opts.out,
            force: opts.force,
            allowMissing: opts.allowMissing,
            phase,
            shardBytes,
          },
          ctx.onProgress,
        );
        ctx.result(result, () => formatConvert(result));
      },
    );
  withExamples(cmd, [
    'objsel convert --prototxt deploy.prototxt --caffemodel train_iter_20000.caffemodel --out deeplab_resnet',
    'objsel convert --prototxt deploy.prototxt --caffemodel init.caffemodel --out init --allow-missing --json',
    'objsel convert --prototxt ResNet-101-deploy.prototxt --caffemodel ResNet-101-model.caffemodel --out resnet101-backbone',
    'objsel convert --checkpoint snapshots/model.ckpt-20000 --out deeplab_tf',
    'objsel convert --checkpoint deeplab_resnet.ckpt --out deeplab_resnet --json',
  ]);
}
