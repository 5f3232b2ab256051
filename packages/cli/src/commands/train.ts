import type { Command } from 'commander';
import { nodeFileSystem } from '@objsel/caffe-import/node';
import type { TrainOptions, TrainSummary } from '@objsel/deeplab-resnet';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { addInteractiveTrainFlags, runInteractiveTrain, type RawInteractiveFlags } from './train-interactive';

/** Parses a number flag; `integer` and `min` are checked. */
export function numberFlag(name: string, value: string, options: { integer?: boolean; min?: number; minExclusive?: boolean } = {}): number {
  const n = Number(value);
  const bad =
    value.trim() === '' ||
    !Number.isFinite(n) ||
    (options.integer && !Number.isSafeInteger(n)) ||
    (options.min !== undefined && (options.minExclusive ? n <= options.min : n < options.min));
  if (bad) {
    const what = `${options.integer ? 'an integer' : 'a number'}${options.min !== undefined ? ` ${options.minExclusive ? '>' : '>='} ${options.min}` : ''}`;
    throw new CliError('usage', `${name} must be ${what}, got '${value}'`);
  }
  return n;
}

/** Parses `a,b,c` into positive numbers. */
export function listFlag(name: string, value: string, options: { integer?: boolean; length?: number } = {}): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const out = parts.map((p) => numberFlag(name, p, { integer: options.integer ?? false, min: 0, minExclusive: true }));
  if (options.length !== undefined && out.length !== options.length)
    throw new CliError('usage', `${name} needs ${options.length} comma-separated values, got '${value}'`);
  return out;
}

/** Options shared by `train` and `fine-tune` as commander gives them (strings and booleans). */
export interface RawTrainFlags {
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
  depth: string;
  widthMultiplier: string;
  blocks?: string;
  asppRates?: string;
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
    .option('--input-size <h,w>', 'random crop size', '321,321')
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

/** Turns the flags into {@link TrainOptions} (without `fs` and callbacks). */
export function trainOptionsFromFlags(flags: RawTrainFlags, mode: 'train' | 'fine-tune'): Omit<TrainOptions, 'fs'> {
  const numClasses = numberFlag('--num-classes', flags.numClasses, { integer: true, min: 1 });
  const [h, w] = listFlag('--input-size', flags.inputSize, { integer: true, length: 2 }) as [number, number];
  const depth = numberFlag('--depth', flags.depth, { integer: true });
  if (![50, 101, 152].includes(depth)) throw new CliError('usage', `--depth must be 50, 101 or 152, got ${flags.depth}`);
  const blocksByDepth: Record<number, number[]> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };
  const blocks = flags.blocks ? listFlag('--blocks', flags.blocks, { integer: true, length: 4 }) : blocksByDepth[depth]!;
  const asppRates = flags.asppRates ? listFlag('--aspp-rates', flags.asppRates, { integer: true }) : [6, 12, 18, 24];
  const trainer: TrainOptions['trainer'] = {
    numClasses,
    numSteps: numberFlag('--num-steps', flags.numSteps, { integer: true, min: 1 }),
    learningRate: numberFlag('--learning-rate', flags.learningRate, { min: 0 }),
    trainBatchNorm: flags.isTraining === true,
    bnDecay: numberFlag('--bn-decay', flags.bnDecay, { min: 0 }),
    gradUpdateEvery: numberFlag('--grad-update-every', flags.gradUpdateEvery, { integer: true, min: 1 }),
    scales: listFlag('--scales', flags.scales),
  };
  if (mode === 'train') {
    trainer.power = numberFlag('--power', flags.power ?? '0.9');
    trainer.momentum = numberFlag('--momentum', flags.momentum ?? '0.9', { min: 0 });
    trainer.weightDecay = numberFlag('--weight-decay', flags.weightDecay ?? '0.0005', { min: 0 });
  }
  const options: Omit<TrainOptions, 'fs'> = {
    mode,
    dataDir: flags.dataDir,
    dataList: flags.dataList,
    snapshotDir: flags.snapshotDir,
    resume: flags.resume === true,
    notRestoreLast: flags.notRestoreLast === true,
    trainer,
    batchSize: numberFlag('--batch-size', flags.batchSize, { integer: true, min: 1 }),
    inputSize: [h, w],
    randomScale: flags.randomScale === true,
    randomMirror: flags.randomMirror === true,
    randomSeed: numberFlag('--random-seed', flags.randomSeed, { integer: true }),
    ignoreLabel: numberFlag('--ignore-label', flags.ignoreLabel, { integer: true, min: 0 }),
    savePredEvery: numberFlag('--save-pred-every', flags.savePredEvery, { integer: true, min: 1 }),
    saveNumImages: numberFlag('--save-num-images', flags.saveNumImages, { integer: true, min: 0 }),
    keep: numberFlag('--keep', flags.keep, { integer: true, min: 1 }),
  };
  if (flags.bnEpsilon !== undefined) options.bnEpsilon = numberFlag('--bn-epsilon', flags.bnEpsilon, { min: 0, minExclusive: true });
  if (flags.fromScratch) {
    options.model = {
      inputChannels: 3,
      numClasses,
      blocks,
      widthMultiplier: numberFlag('--width-multiplier', flags.widthMultiplier, { min: 0, minExclusive: true }),
      bnEpsilon: options.bnEpsilon ?? 1e-5,
      asppRates,
    };
  } else {
    options.restoreFrom = flags.restoreFrom;
  }
  return options;
}

/** Human summary of a run. */
export function formatTrainSummary(summary: Omit<TrainSummary, 'network'>, snapshotDir: string): string {
  return [
    `${summary.stepsThisRun} update(s) in ${summary.seconds.toFixed(1)} s (${summary.imagesPerSecond.toFixed(2)} images/s); step ${summary.steps}, loss ${summary.loss.toFixed(4)}`,
    summary.resumedFrom ? `resumed from ${summary.resumedFrom}` : undefined,
    `last checkpoint: ${summary.checkpoint}`,
    `metrics: ${snapshotDir}/metrics.jsonl, pictures: ${snapshotDir}/images/, curve: ${snapshotDir}/curve.svg`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Runs `train` or `fine-tune` with parsed flags: loads the backend, trains, prints the summary. */
export async function runTrainCommand(ctx: CliContext, flags: RawTrainFlags, mode: 'train' | 'fine-tune'): Promise<void> {
  const options = trainOptionsFromFlags(flags, mode);
  const backend = await ctx.useBackend();
  const { train } = await import('@objsel/deeplab-resnet');
  const summary = await train({ ...options, fs: nodeFileSystem, onProgress: ctx.onProgress, onInfo: (m) => ctx.info(m) });
  summary.network.dispose();
  const { network: _network, ...rest } = summary;
  ctx.result({ ...rest, backend, snapshotDir: options.snapshotDir }, () => formatTrainSummary(rest, options.snapshotDir));
}

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
    'objsel train --interactive --data-dir ~/VOCdevkit/VOC2012 --data-list ImageSets/Segmentation/train.txt --restore-from deeplab_resnet   # Xu et al. 2016, fresh clicks every epoch',
    'objsel train --interactive --clicks-list clicks/clicks.txt --data-dir synth --data-list synth/train.txt --from-scratch --depth 50 --blocks 1,1,1,1 --width-multiplier 0.125',
  ]);
}
