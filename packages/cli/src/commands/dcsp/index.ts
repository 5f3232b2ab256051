import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../../examples';
import { registerDcspCues } from './cues';
import { registerDcspEvaluate } from './evaluate';
import { registerDcspTestVoc } from './test-voc';
import { registerDcspTrain } from './train';

/** `objsel dcsp ...`: DCSP's cues, training, evaluation and VOC server output. */
export function registerDcsp(program: Command, context: () => CliContext): void {
  const dcsp = program
    .command('dcsp')
    .description('weakly supervised segmentation from image tags and saliency (DCSP, Chaudhry et al. 2017)');
  withExamples(dcsp, [
    'objsel dcsp cues --image 2007_000032.jpg --attention A.npy --saliency S.png --tags 1,15 --out cues.png',
    'objsel dcsp train --data-dir VOCdevkit --classfc-data-list train_labels_only.txt --segment-data-list train_attn_sal_labels.txt',
    'objsel dcsp evaluate --data-dir VOCdevkit --data-list val.txt --restore-from snapshots/ckpt-20000 --crf',
  ]);

  registerDcspCues(dcsp, context);
  registerDcspTrain(dcsp, context);
  registerDcspEvaluate(dcsp, context);
  registerDcspTestVoc(dcsp, context);
}
