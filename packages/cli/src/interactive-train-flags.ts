/**
 * The `--interactive` flags of `objsel train` (Xu et al. 2016) and their translation into
 * `InteractiveTrainOptions`; the seed's defaults apply where a flag was left at train.py's.
 */
import type { InteractiveDataSettings, InteractiveTrainerConfig, InteractiveTrainOptions } from '@objsel/deeplab-resnet/interactive';
import type { Command } from 'commander';
import { choiceFlag, MAX_STEPS, numberFlag, strategiesFlag } from './flags';
import { bnEpsilonFlag, inputSizeFlag, scratchArchitecture, scratchModel, type RawTrainFlags } from './train-flags';

/** The interactive flags on top of `objsel train`'s (as commander gives them). */
export interface RawInteractiveFlags extends RawTrainFlags {
  interactive?: boolean;
  clicksList?: string;
  objectDir: string;
  strategies: string;
  dMargin?: string;
  dStep?: string;
  d?: string;
  clickScale: string;
  clickSubsets?: boolean;
  nPositive?: string;
  nNegative?: string;
  posWeight: string;
  lossScale: string;
  resizeMode: string;
  channelInit: string;
  schedule: string;
}

/**
 * The interactive training defaults of Damanpreet/deep-interactive's `code/train.py` (learning rate
 * 1e-5, batch 7, weight decay 2.5e-4) where they differ from DeepLab's `train.py`; used unless the flag is given.
 */
export const INTERACTIVE_FLAG_DEFAULTS = {
  learningRate: '1e-5',
  batchSize: '7',
  weightDecay: '2.5e-4',
  numSteps: '20000',
  snapshotDir: './snapshots_interactive/',
} as const;

/** Adds the `--interactive` flags to `objsel train`. */
export function addInteractiveTrainFlags(cmd: Command): Command {
  return cmd
    .option(
      '--interactive',
      `train the interactive network (Xu et al. 2016): 5-channel input (BGR + click distance maps), one output, weighted sigmoid CE; seed defaults --learning-rate ${INTERACTIVE_FLAG_DEFAULTS.learningRate} --batch-size ${INTERACTIVE_FLAG_DEFAULTS.batchSize} --weight-decay ${INTERACTIVE_FLAG_DEFAULTS.weightDecay} --num-steps ${INTERACTIVE_FLAG_DEFAULTS.numSteps}`,
    )
    .option(
      '--clicks-list <file>',
      '--interactive: fixed clicks from `objsel clicks sample` (its clicks.txt) instead of fresh clicks every epoch',
    )
    .option('--object-dir <dir>', '--interactive: instance labels under --data-dir', 'SegmentationObject')
    .option(
      '--strategies <list>',
      '--interactive: negative click strategies drawn from per sample (1 band, 2 other objects, 3 band coverage)',
      '1,2,3',
    )
    .option('--d-margin <px>', '--interactive: click sampler d_margin (default 10)')
    .option('--d-step <px>', '--interactive: click sampler d_step (default: the bounding-box rule)')
    .option('--d <px>', '--interactive: click sampler band width d (default 20)')
    .option('--n-positive <n>', '--interactive: click sampler N_pos, positives per sample 1..n (default 5)')
    .option('--n-negative <n>', '--interactive: click sampler N_neg, strategy 1/2 negatives per sample floor(2n/3)..n-1 (default 30)')
    .option(
      '--click-subsets',
      "--interactive: keep a random subset of each sample's clicks (1..all positives, 0..all negatives), so that single-click and few-click inputs are trained",
    )
    .option('--click-scale <k>', '--interactive: distance-map scale before truncation at 255', '1')
    .option('--pos-weight <q>', '--interactive: pos_weight of the weighted sigmoid cross-entropy', '5')
    .option('--loss-scale <k>', '--interactive: factor on the cross-entropy (the seed: 20)', '20')
    .option(
      '--resize-mode <mode>',
      '--interactive: resize (every sample to --input-size, the seed) or crop (train.py augmentation)',
      'resize',
    )
    .option(
      '--channel-init <init>',
      '--interactive: conv1 filters of the click channels when widening RGB weights: zeros or gaussian',
      'zeros',
    )
    .option('--schedule <s>', '--interactive: learning-rate schedule, constant (the seed) or poly', 'constant');
}

/** Flags whose value came from commander's default (so the seed's default applies instead). */
function fromDefault(cmd: Command | undefined, name: string): boolean {
  return cmd ? cmd.getOptionValueSource(name) === 'default' : false;
}

/** Turns the flags into {@link InteractiveTrainOptions} (without `fs` and callbacks); `data` are its typed data settings. */
export function interactiveOptionsFromFlags(
  flags: RawInteractiveFlags,
  cmd?: Command,
): { options: Omit<InteractiveTrainOptions, 'fs'>; data: InteractiveDataSettings } {
  const pick = (name: keyof typeof INTERACTIVE_FLAG_DEFAULTS, given: string): string =>
    fromDefault(cmd, name) ? INTERACTIVE_FLAG_DEFAULTS[name] : given;
  const [h, w] = inputSizeFlag(flags.inputSize);
  const mode = choiceFlag('--resize-mode', flags.resizeMode, ['resize', 'crop'] as const);
  const channelInit = choiceFlag('--channel-init', flags.channelInit, ['zeros', 'gaussian'] as const);
  const schedule = choiceFlag('--schedule', flags.schedule, ['constant', 'poly'] as const);
  const trainer: Partial<InteractiveTrainerConfig> = {
    numSteps: numberFlag('--num-steps', pick('numSteps', flags.numSteps), { integer: true, min: 1, max: MAX_STEPS }),
    learningRate: numberFlag('--learning-rate', pick('learningRate', flags.learningRate), { min: 0, max: 10 }),
    schedule,
    power: numberFlag('--power', flags.power ?? '0.9', { min: 0, max: 100 }),
    momentum: numberFlag('--momentum', flags.momentum ?? '0.9', { min: 0, max: 1, maxExclusive: true }),
    weightDecay: numberFlag('--weight-decay', pick('weightDecay', flags.weightDecay ?? '0.0005'), { min: 0, max: 1 }),
    posWeight: numberFlag('--pos-weight', flags.posWeight, { min: 0, minExclusive: true, max: 1e6 }),
    lossScale: numberFlag('--loss-scale', flags.lossScale, { min: 0, minExclusive: true, max: 1e6 }),
    trainBatchNorm: flags.isTraining === true,
    bnDecay: numberFlag('--bn-decay', flags.bnDecay, { min: 0, max: 1 }),
    ignoreLabel: numberFlag('--ignore-label', flags.ignoreLabel, { integer: true, min: 0, max: 255 }),
  };
  const seed = numberFlag('--random-seed', flags.randomSeed, { integer: true, min: -(2 ** 31), max: 2 ** 32 - 1 });
  const data: InteractiveDataSettings = {
    dataDir: flags.dataDir,
    dataList: flags.dataList,
    objectDir: flags.objectDir,
    ...(flags.clicksList ? { clicksList: flags.clicksList } : {}),
    batchSize: numberFlag('--batch-size', pick('batchSize', flags.batchSize), { integer: true, min: 1, max: 1024 }),
    inputSize: [h, w],
    mode,
    randomScale: flags.randomScale === true,
    randomMirror: flags.randomMirror === true,
    seed,
    ignoreLabel: trainer.ignoreLabel!,
    strategies: strategiesFlag(flags.strategies),
    sampling: {
      ...(flags.dMargin !== undefined ? { dMargin: numberFlag('--d-margin', flags.dMargin, { min: 0, max: 65536 }) } : {}),
      ...(flags.dStep !== undefined ? { dStep: numberFlag('--d-step', flags.dStep, { min: 0, max: 65536 }) } : {}),
      ...(flags.d !== undefined ? { d: numberFlag('--d', flags.d, { min: 0, max: 65536 }) } : {}),
      ...(flags.nPositive !== undefined
        ? { nPositive: numberFlag('--n-positive', flags.nPositive, { integer: true, min: 1, max: 1000 }) }
        : {}),
      ...(flags.nNegative !== undefined
        ? { nNegative: numberFlag('--n-negative', flags.nNegative, { integer: true, min: 0, max: 1000 }) }
        : {}),
    },
    clickScale: numberFlag('--click-scale', flags.clickScale, { min: 0, minExclusive: true, max: 1000 }),
    clickSubsets: flags.clickSubsets === true,
  };
  const options: Omit<InteractiveTrainOptions, 'fs'> = {
    data,
    snapshotDir: fromDefault(cmd, 'snapshotDir') ? INTERACTIVE_FLAG_DEFAULTS.snapshotDir : flags.snapshotDir,
    resume: flags.resume === true,
    trainer,
    seed,
    savePredEvery: numberFlag('--save-pred-every', flags.savePredEvery, { integer: true, min: 1, max: MAX_STEPS }),
    saveNumImages: numberFlag('--save-num-images', flags.saveNumImages, { integer: true, min: 0, max: 64 }),
    keep: numberFlag('--keep', flags.keep, { integer: true, min: 1, max: 10000 }),
    channelInit: { init: channelInit, seed },
  };
  const bnEpsilon = bnEpsilonFlag(flags.bnEpsilon);
  if (bnEpsilon !== undefined) options.bnEpsilon = bnEpsilon;
  if (flags.fromScratch) {
    options.model = scratchModel(scratchArchitecture(flags), flags, { inputChannels: 5, numClasses: 1, bnEpsilon: bnEpsilon ?? 1e-5 });
  } else {
    options.restoreFrom = flags.restoreFrom;
  }
  return { options, data };
}
