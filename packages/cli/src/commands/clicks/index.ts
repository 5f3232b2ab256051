import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../../examples';
import { registerClicksMaps } from './maps';
import { registerClicksNext } from './next';
import { registerClicksSample } from './sample';

/** `objsel clicks sample|maps|next`: training clicks, click distance maps and the click robot. */
export function registerClicks(program: Command, context: () => CliContext): void {
  const group = program
    .command('clicks')
    .description('interactive selection clicks: sample training clicks, encode distance maps, place the robot click');
  withExamples(group, [
    'objsel clicks sample --data-dir ~/VOCdevkit/VOC2012 --data-list ~/VOCdevkit/VOC2012/ImageSets/Segmentation/train.txt --out-dir clicks',
    'objsel clicks maps --clicks clicks/2007_000032_1_s1_0.json --width 500 --height 281 --out maps.npy',
    'objsel clicks next --gt gt.png --pred pred.png',
  ]);

  registerClicksSample(group, context);
  registerClicksMaps(group, context);
  registerClicksNext(group, context);
}
