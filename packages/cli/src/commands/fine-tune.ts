import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';
import { runTrainCommand } from '../run-training';
import { addCommonTrainFlags, type RawTrainFlags } from '../train-flags';

/**
 * `objsel fine-tune`: fine_tune.py — only `fc1_voc12*` are trained, with Adam at a constant
 * learning rate, no weight decay, and ignored pixels counted as zero loss in the mean (as
 * fine_tune.py's one-hot loss does).
 */
export function registerFineTune(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('fine-tune')
    .description('fine-tune only the last layers (fc1_voc12*) with Adam at a constant learning rate (fine_tune.py)');
  addCommonTrainFlags(cmd, {
    batchSize: '4',
    learningRate: '1e-4',
    numSteps: '20000',
    savePredEvery: '100',
    snapshotDir: './snapshots_finetune/',
  }).action(async (flags: RawTrainFlags) => runTrainCommand(context(), flags, 'fine-tune'));
  withExamples(cmd, [
    'objsel fine-tune --data-dir ~/VOCdevkit/VOC2012 --data-list dataset/train.txt --restore-from deeplab_resnet',
    'objsel fine-tune --restore-from deeplab_resnet --not-restore-last --num-classes 3 --data-dir mydata --data-list mydata/train.txt',
  ]);
}
