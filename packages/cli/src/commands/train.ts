import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';
import { addInteractiveTrainFlags, type RawInteractiveFlags } from '../interactive-train-flags';
import { runInteractiveTrain, runTrainCommand } from '../run-training';
import { addCommonTrainFlags } from '../train-flags';

/** `objsel train`: train.py / train_msc.py. */
export function registerTrain(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('train')
    .description(
      'train DeepLab-ResNet as the TensorFlow port does (train.py; train_msc.py with --scales 1,0.75,0.5 --grad-update-every 10 --batch-size 1)',
    );
  addCommonTrainFlags(cmd, {
    batchSize: '10',
    learningRate: '2.5e-4',
    numSteps: '20001',
    savePredEvery: '1000',
    snapshotDir: './snapshots/',
  })
    .option('--power <p>', 'exponent of the poly learning-rate decay', '0.9')
    .option('--momentum <m>', 'momentum of the optimiser', '0.9')
    .option('--weight-decay <wd>', 'L2 factor on convolution weights', '0.0005');
  addInteractiveTrainFlags(cmd).action(async (flags: RawInteractiveFlags, command: Command) =>
    flags.interactive ? runInteractiveTrain(context(), flags, command) : runTrainCommand(context(), flags, 'train'),
  );
  withExamples(cmd, [
    'objsel train --data-dir ~/VOCdevkit/VOC2012 --data-list dataset/train.txt --restore-from deeplab_resnet_init --random-scale --random-mirror',
    'objsel train --scales 1,0.75,0.5 --grad-update-every 10 --batch-size 1   # train_msc.py',
    'objsel train --from-scratch --depth 50 --width-multiplier 0.125 --blocks 1,1,1,1 --num-classes 4 --is-training --data-dir data --data-list data/train.txt',
    'objsel train --snapshot-dir snapshots --resume   # continue after an interruption',
    'objsel train --interactive --data-dir ~/VOCdevkit/VOC2012 --data-list ~/VOCdevkit/VOC2012/ImageSets/Segmentation/train.txt --restore-from deeplab_resnet   # Xu et al. 2016, fresh clicks every epoch',
    'objsel train --interactive --clicks-list clicks/clicks.txt --data-dir synth --data-list synth/train.txt --from-scratch --depth 50 --blocks 1,1,1,1 --width-multiplier 0.125',
  ]);
}
