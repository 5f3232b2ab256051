/**
 * The data, checkpoint and model flags of `objsel train` and `fine-tune` (also read by
 * `train --interactive`), and their translation into `TrainOptions`.
 */
import type { DeepLabConfig } from '@objsel/deeplab-resnet';
import type { TrainOptions } from '@objsel/deeplab-resnet/train';
import type { Command } from 'commander';
import { assertPixelCap, depthFlag, listFlag, MAX_SIDE, MAX_STEPS, numberFlag } from './flags';
import { assertOutputSeparate } from './output-guard';

/** Options shared by `train` and `fine-tune` as commander gives them (strings and booleans). */
export interface RawTrainFlags extends RawScratchFlags {
  dataDir: string;
  dataList: string;
  restoreFrom: string;
  fromScratch?: boolean;
  snapshotDir: string;
  numSteps: string;
  batchSize: string;
  inputSize: string;
  learningRate: string;
  power?: string;
  momentum?: string;
  weightDecay?: string;
  randomScale?: boolean;
  randomMirror?: boolean;
  notRestoreLast?: boolean;
  isTraining?: boolean;
  numClasses: string;
  ignoreLabel: string;
  savePredEvery: string;
  saveNumImages: string;
  randomSeed: string;
  gradUpdateEvery: string;
  scales: string;
  resume?: boolean;
  bnDecay: string;
  bnEpsilon?: string;
  keep: string;
}

/** Adds the data, checkpoint and model flags common to `train` and `fine-tune`. */
export function addCommonTrainFlags(
  cmd: Command,
  defaults: { batchSize: string; learningRate: string; numSteps: string; savePredEvery: string; snapshotDir: string },
): Command {
  return cmd
    .option('--data-dir <dir>', 'directory the list paths are appended to', '/home/VOCdevkit')
    .option('--data-list <file>', 'list of "/JPEGImages/x.jpg /SegmentationClassAug/x.png" lines', './dataset/train.txt')
    .option(
      '--restore-from <dir>',
      'weights to start from: an `objsel convert` directory (a ResNet backbone gets a new head), a checkpoint, a snapshot directory (its latest) or a TensorFlow checkpoint',
      './deeplab_resnet',
    )
    .option('--from-scratch', 'start from randomly initialised weights (--depth, --width-multiplier, --blocks) instead of --restore-from')
    .option('--snapshot-dir <dir>', 'where checkpoints (ckpt-<step>/), metrics.jsonl, images/ and curve.svg go', defaults.snapshotDir)
    .option('--num-steps <n>', 'number of updates', defaults.numSteps)
    .option('--batch-size <n>', 'images per batch', defaults.batchSize)
    .option('--input-size <h,w>', 'random crop size (at most 8192x8192 pixels)', '321,321')
    .option('--learning-rate <lr>', 'base learning rate', defaults.learningRate)
    .option('--random-scale', 'randomly rescale inputs by [0.5, 1.5)')
    .option('--random-mirror', 'randomly mirror inputs')
    .option('--not-restore-last', 'do not restore the last layers (fc*): they start Gaussian (std 0.01) with zero biases')
    .option('--is-training', 'BatchNorm uses batch statistics and updates the moving ones (gamma/beta stay frozen)')
    .option('--num-classes <n>', 'classes, background included', '21')
    .option('--ignore-label <n>', 'label value of the crop padding (pixels >= --num-classes are ignored)', '255')
    .option('--save-pred-every <n>', 'checkpoint and pictures every this many updates', defaults.savePredEvery)
    .option('--save-num-images <n>', 'images in each picture strip', '2')
    .option('--random-seed <n>', 'seed of the data order, augmentation and new weights', '1234')
    .option('--grad-update-every <k>', 'average the gradients of k batches per update (Caffe iter_size)', '1')
    .option('--scales <list>', 'input scales; 1,0.75,0.5 trains as train_msc.py (max fusion, four losses)', '1')
    .option('--resume', 'continue from the latest checkpoint in --snapshot-dir with its saved settings')
    .option('--depth <n>', 'ResNet depth for --from-scratch: 50, 101 or 152', '101')
    .option('--width-multiplier <x>', 'channel multiplier for --from-scratch (e.g. 0.125 for small models)', '1')
    .option('--blocks <list>', 'residual units per stage for --from-scratch, e.g. 1,1,1,1 (default: from --depth)')
    .option('--aspp-rates <list>', 'ASPP dilation rates for --from-scratch (default 6,12,18,24)')
    .option('--bn-decay <d>', 'moving-average decay of BatchNorm statistics under --is-training (slim: 0.999)', '0.999')
    .option('--bn-epsilon <e>', 'override the BatchNorm epsilon of restored weights (0.001 = TF port)')
    .option('--keep <n>', 'checkpoints to keep', '10');
}

/** The architecture flags of `--from-scratch` as commander gives them. */
export interface RawScratchFlags {
  depth: string;
  widthMultiplier: string;
  blocks?: string;
  asppRates?: string;
}

/** `--depth`, `--blocks` and `--aspp-rates`: residual units per stage and ASPP rates. */
export function scratchArchitecture(flags: RawScratchFlags): { blocks: number[]; asppRates: number[] } {
  const { blocks: byDepth } = depthFlag(flags.depth);
  return {
    blocks: flags.blocks ? listFlag('--blocks', flags.blocks, { integer: true, length: 4 }) : byDepth,
    asppRates: flags.asppRates ? listFlag('--aspp-rates', flags.asppRates, { integer: true }) : [6, 12, 18, 24],
  };
}

/** The `--from-scratch` network: the architecture flags plus `--width-multiplier`. */
export function scratchModel(
  architecture: { blocks: number[]; asppRates: number[] },
  flags: RawScratchFlags,
  shape: { inputChannels: number; numClasses: number; bnEpsilon: number },
): DeepLabConfig {
  return {
    inputChannels: shape.inputChannels,
    numClasses: shape.numClasses,
    blocks: architecture.blocks,
    widthMultiplier: widthMultiplierFlag(flags.widthMultiplier),
    bnEpsilon: shape.bnEpsilon,
    asppRates: architecture.asppRates,
  };
}

/** `--width-multiplier`: the channel multiplier of a network made from scratch. */
export function widthMultiplierFlag(value: string): number {
  return numberFlag('--width-multiplier', value, { min: 0, minExclusive: true, max: 4 });
}

/** `--bn-epsilon` if given. */
export function bnEpsilonFlag(value: string | undefined): number | undefined {
  return value === undefined ? undefined : numberFlag('--bn-epsilon', value, { min: 0, minExclusive: true, max: 1 });
}

/** `--input-size h,w`. */
export function inputSizeFlag(value: string): [number, number] {
  const [h, w] = listFlag('--input-size', value, { integer: true, length: 2, max: MAX_SIDE }) as [number, number];
  assertPixelCap('--input-size', w, h);
  return [h, w];
}

/** Turns the flags into {@link TrainOptions} (without `fs` and callbacks). */
export function trainOptionsFromFlags(flags: RawTrainFlags, mode: 'train' | 'fine-tune'): Omit<TrainOptions, 'fs'> {
  const numClasses = numberFlag('--num-classes', flags.numClasses, { integer: true, min: 1, max: 255 });
  const [h, w] = inputSizeFlag(flags.inputSize);
  const architecture = scratchArchitecture(flags);
  // Read only --from-scratch, but checked always: a bad number is a mistake either way.
  widthMultiplierFlag(flags.widthMultiplier);
  const trainer: TrainOptions['trainer'] = {
    numClasses,
    numSteps: numberFlag('--num-steps', flags.numSteps, { integer: true, min: 1, max: MAX_STEPS }),
    learningRate: numberFlag('--learning-rate', flags.learningRate, { min: 0, max: 10 }),
    trainBatchNorm: flags.isTraining === true,
    bnDecay: numberFlag('--bn-decay', flags.bnDecay, { min: 0, max: 1 }),
    gradUpdateEvery: numberFlag('--grad-update-every', flags.gradUpdateEvery, { integer: true, min: 1, max: 1024 }),
    scales: listFlag('--scales', flags.scales, { min: 0, minExclusive: true, max: 4 }),
  };
  if (mode === 'train') {
    trainer.power = numberFlag('--power', flags.power ?? '0.9', { min: 0, max: 100 });
    trainer.momentum = numberFlag('--momentum', flags.momentum ?? '0.9', { min: 0, max: 1, maxExclusive: true });
    trainer.weightDecay = numberFlag('--weight-decay', flags.weightDecay ?? '0.0005', { min: 0, max: 1 });
  }
  const options: Omit<TrainOptions, 'fs'> = {
    mode,
    dataDir: flags.dataDir,
    dataList: flags.dataList,
    snapshotDir: flags.snapshotDir,
    resume: flags.resume === true,
    notRestoreLast: flags.notRestoreLast === true,
    trainer,
    batchSize: numberFlag('--batch-size', flags.batchSize, { integer: true, min: 1, max: 1024 }),
    inputSize: [h, w],
    randomScale: flags.randomScale === true,
    randomMirror: flags.randomMirror === true,
    randomSeed: numberFlag('--random-seed', flags.randomSeed, { integer: true, min: -(2 ** 31), max: 2 ** 32 - 1 }),
    ignoreLabel: numberFlag('--ignore-label', flags.ignoreLabel, { integer: true, min: 0, max: 255 }),
    savePredEvery: numberFlag('--save-pred-every', flags.savePredEvery, { integer: true, min: 1, max: MAX_STEPS }),
    saveNumImages: numberFlag('--save-num-images', flags.saveNumImages, { integer: true, min: 0, max: 64 }),
    keep: numberFlag('--keep', flags.keep, { integer: true, min: 1, max: 10000 }),
  };
  const bnEpsilon = bnEpsilonFlag(flags.bnEpsilon);
  if (bnEpsilon !== undefined) options.bnEpsilon = bnEpsilon;
  if (flags.fromScratch) {
    options.model = scratchModel(architecture, flags, { inputChannels: 3, numClasses, bnEpsilon: bnEpsilon ?? 1e-5 });
  } else {
    // Pruning old checkpoints (--keep) must never delete the weights the run starts from.
    if (!options.resume) assertOutputSeparate('--snapshot-dir', flags.snapshotDir, [flags.restoreFrom]);
    options.restoreFrom = flags.restoreFrom;
  }
  return options;
}
