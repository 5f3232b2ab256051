/** What an `objsel evaluate` run is, from its flags: the list entries and the settings. */
import type { ListEntry } from '@objsel/voc-data';
import type { Command } from 'commander';
import { CliError } from '../errors';
import { listFlag, numberFlag } from '../flags';
import { numClassesFlag, weightsFlag } from '../network-flags';
import { readText } from '../node-fs';
import { bnEpsilonFlag } from '../train-flags';
import type { EvaluateJobSettings } from './evaluate-job';

/** The flags of `objsel evaluate` (and `objsel submit evaluate`). */
export interface EvaluateFlags {
  dataDir: string;
  dataList: string;
  weights?: string;
  restoreFrom?: string;
  numSteps?: string;
  numClasses?: string;
  scales: string;
  crf?: string | boolean;
  bnEpsilon?: string;
  saveDir?: string;
}

/** Declares evaluate's flags on `cmd`. */
export function addEvaluateOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'directory the list paths are appended to', '/home/VOCdevkit')
    .option('--data-list <file>', 'list of "/JPEGImages/x.jpg /SegmentationClassAug/x.png" lines', './dataset/val.txt')
    .option('--weights <dir>', 'weights directory, checkpoint, or snapshot directory (its latest checkpoint)')
    .option('--restore-from <dir>', 'the same as --weights (evaluate.py name)')
    .option('--num-steps <n>', 'number of images to evaluate (default: the whole list; evaluate.py used 1449)')
    .option('--num-classes <n>', 'classes of the network (checked against the weights)')
    .option('--scales <list>', 'input scales, max-fused at logit resolution (1,0.75,0.5 = evaluate_msc.py)', '1')
    .option('--crf [preset]', 'refine with a dense CRF (@objsel/dense-crf preset, default deeplab-v2)')
    .option('--bn-epsilon <e>', 'override the BatchNorm epsilon of the weights (0.001 = TF port)')
    .option('--save-dir <dir>', 'also write <id>_mask.png (VOC palette) per image');
}

/** The flags checked, without reading anything. */
export function evaluateSettings(flags: EvaluateFlags): { settings: EvaluateJobSettings; numSteps: number | undefined } {
  const weights = weightsFlag(flags);
  if (!weights) throw new CliError('usage', 'give the network with --weights DIR');
  const scales = listFlag('--scales', flags.scales);
  const numSteps = flags.numSteps === undefined ? undefined : numberFlag('--num-steps', flags.numSteps, { integer: true, min: 1 });
  const bnEpsilon = bnEpsilonFlag(flags.bnEpsilon);
  const numClasses = numClassesFlag(flags.numClasses);
  const settings: EvaluateJobSettings = {
    weights,
    scales,
    dataList: flags.dataList,
    ...(numClasses === undefined ? {} : { numClasses }),
    ...(flags.crf === undefined ? {} : { crf: flags.crf }),
    ...(bnEpsilon === undefined ? {} : { bnEpsilon }),
    ...(flags.saveDir === undefined ? {} : { saveDir: flags.saveDir }),
  };
  return { settings, numSteps };
}

/** The entries of the list (the first `--num-steps` of them). */
export async function evaluateItems(flags: EvaluateFlags, numSteps: number | undefined): Promise<ListEntry[]> {
  const { parseList } = await import('@objsel/voc-data');
  const entries = parseList(await readText(flags.dataList), { file: flags.dataList, dataDir: flags.dataDir });
  return entries.slice(0, numSteps ?? entries.length);
}
