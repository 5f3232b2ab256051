import type { Command } from 'commander';
import type { CliContext } from '../context';
import { formatConvert, runConvert } from '../convert-weights';
import { withExamples } from '../examples';
import { choiceFlag, numberFlag } from '../flags';

/** `objsel convert`: Caffe DeepLab weights → objsel/TF.js weights directory. */
export function registerConvert(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('convert')
    .description('convert a DeepLab-v2 ResNet .prototxt + .caffemodel to an objsel weights directory (model.json + TF.js shards)')
    .requiredOption('--prototxt <file>', 'Caffe network definition (e.g. deploy.prototxt)')
    .requiredOption('--caffemodel <file>', 'Caffe weights (binary NetParameter)')
    .requiredOption('--out <dir>', 'output directory (replaced atomically)')
    .option('--allow-missing', 'convert even if prototxt layers with parameters have no blobs (they are listed in the report)', false)
    .option('-p, --phase <phase>', 'keep layers for this phase (include/exclude rules): TEST or TRAIN', 'TEST')
    .option('--shard-mb <n>', 'largest shard in MiB', '4')
    .action(async (opts: { prototxt: string; caffemodel: string; out: string; allowMissing: boolean; phase: string; shardMb: string }) => {
      const ctx = context();
      const phase = choiceFlag('--phase', opts.phase.toUpperCase(), ['TEST', 'TRAIN'] as const);
      const shardMb = numberFlag('--shard-mb', opts.shardMb, { min: 0, minExclusive: true });
      const result = await runConvert(
        {
          prototxt: opts.prototxt,
          caffemodel: opts.caffemodel,
          out: opts.out,
          allowMissing: opts.allowMissing,
          phase,
          shardBytes: Math.round(shardMb * 1024 * 1024),
        },
        ctx.onProgress,
      );
      ctx.result(result, () => formatConvert(result));
    });
  withExamples(cmd, [
    'objsel convert --prototxt deploy.prototxt --caffemodel train_iter_20000.caffemodel --out deeplab_resnet',
    'objsel convert --prototxt deploy.prototxt --caffemodel init.caffemodel --out init --allow-missing --json',
  ]);
}
