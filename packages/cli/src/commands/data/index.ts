import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../../examples';
import { registerDataCheck } from './check';
import { registerDataMakeSynthetic } from './make-synthetic';
import { registerDataSbdToPng } from './sbd-to-png';

/** `objsel data`: check, make-synthetic, sbd-to-png. */
export function registerData(program: Command, context: () => CliContext): void {
  const data = program
    .command('data')
    .description('PASCAL VOC / SBD datasets: check labels, make synthetic VOC-format data, convert SBD .mat labels');
  withExamples(data, [
    'objsel data check --data-dir ~/VOCdevkit/VOC2012 --data-list dataset/train.txt',
    'objsel data make-synthetic --out synth --count 200 --seed 1',
    'objsel data sbd-to-png --data-dir benchmark_RELEASE/dataset',
  ]);

  registerDataCheck(data, context);
  registerDataMakeSynthetic(data, context);
  registerDataSbdToPng(data, context);
}
