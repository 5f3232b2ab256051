import path from 'node:path';
import type { DcspTrainResult } from '@objsel/dcsp/train';
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { dcspNetworkFromFlags, dcspNetworkNumbers, type DcspNetworkFlags } from '../../dcsp-weights';
import { CliError } from '../../errors';
import { withExamples } from '../../examples';
import { choiceFlag, numberFlag } from '../../flags';
import { nodeFileSystem, readText } from '../../node-fs';
import { assertOutputSeparate } from '../../output-guard';
import { inputSizeFlag } from '../../train-flags';
import { stageOutputs } from '../../staged-outputs';

interface TrainFlags extends DcspNetworkFlags {
  dataDir: string;
  classfcDataList: string;
  segmentDataList: string;
  classfcSteps: string;
  adaptAfter: string;
  adaptRounds: string;
  learningRate: string;
  attnSnapshotDir: string;
  snapshotDir: string;
  cueDir?: string;
  batchSize: string;
  inputSize: string;
  momentum: string;
  power: string;
  weightDecay: string;
  randomScale: boolean;
  randomMirror: boolean;
  attentionTrain: string;
  isTraining?: boolean;
  bnDecay: string;
  savePredEvery: string;
  keep: string;
  resume?: boolean;
}

function formatTrainResult(result: DcspTrainResult, o: { attnSnapshotDir: string; snapshotDir: string; cueDir: string }): string {
  const loss = (v: number | null) => (v === null ? '-' : v.toFixed(4));
  return [
    ...result.stages.map(
      (s) =>
        `${s.stage.padEnd(21)} ${String(s.steps).padStart(6)} update(s)  loss ${loss(s.firstLoss)} -> ${loss(s.lastLoss)}  ${s.seconds.toFixed(1)} s`,
    ),
    `cue passes: ${result.cueSeconds.toFixed(1)} s, cues in ${o.cueDir}`,
    `attention checkpoints: ${o.attnSnapshotDir}, segmentation checkpoints: ${o.snapshotDir}`,
  ].join('\n');
}

async function runTrain(ctx: CliContext, flags: TrainFlags): Promise<void> {
  const classfcSteps = numberFlag('--classfc-steps', flags.classfcSteps, { integer: true, min: 0, max: 10_000_000 });
  const adaptAfter = numberFlag('--adapt-after', flags.adaptAfter, { integer: true, min: 0, max: 10_000_000 });
  const adaptRounds = numberFlag('--adapt-rounds', flags.adaptRounds, { integer: true, min: 0, max: 100 });
  // Every number is checked before any list or network is read.
  dcspNetworkNumbers(flags);
  const { keep, ...numbers } = {
    learningRate: numberFlag('--learning-rate', flags.learningRate, { min: 0, max: 10 }),
    batchSize: numberFlag('--batch-size', flags.batchSize, { integer: true, min: 1, max: 1024 }),
    momentum: numberFlag('--momentum', flags.momentum, { min: 0, max: 1, maxExclusive: true }),
    power: numberFlag('--power', flags.power, { min: 0, max: 100 }),
    weightDecay: numberFlag('--weight-decay', flags.weightDecay, { min: 0, max: 1 }),
    randomSeed: numberFlag('--random-seed', flags.randomSeed, { integer: true, min: -(2 ** 31), max: 2 ** 32 - 1 }),
    bnDecay: numberFlag('--bn-decay', flags.bnDecay, { min: 0, max: 1 }),
    saveEvery: numberFlag('--save-pred-every', flags.savePredEvery, { integer: true, min: 1, max: 10_000_000 }),
    keep: numberFlag('--keep', flags.keep, { integer: true, min: 1, max: 10000 }),
  };
  // The two networks' checkpoints are pruned separately (--keep): one directory must not hold the other's.
  assertOutputSeparate('--snapshot-dir', flags.snapshotDir, [flags.attnSnapshotDir]);
  const [h, w] = inputSizeFlag(flags.inputSize);
  const attentionTrainable = choiceFlag('--attention-train', flags.attentionTrain, ['fc', 'all'] as const);
  const cueDir = flags.cueDir ?? path.join(flags.snapshotDir, 'cues');
  const backend = await ctx.useBackend();
  const { FileCueStore, trainDcsp } = await import('@objsel/dcsp/train');
  const { listDataSource } = await import('@objsel/dcsp');
  const { nodeFileSource, parseList } = await import('@objsel/voc-data');
  const readList = async (file: string) => parseList(await readText(file), { file, dataDir: flags.dataDir });
  const classfcEntries = await readList(flags.classfcDataList);
  const segmentEntries = await readList(flags.segmentDataList);
  for (const [flag, entries, file] of [
    ['--classfc-data-list', classfcEntries, flags.classfcDataList],
    ['--segment-data-list', segmentEntries, flags.segmentDataList],
  ] as const) {
    const bad = entries.find((e) => !e.classes || (flag === '--segment-data-list' && !e.saliency));
    if (bad)
      throw new CliError(
        'usage',
        `${flag}: line ${bad.line} lacks ${bad.classes ? 'a saliency map' : 'a class-category file'} (expected DCSP's list format)`,
        { file },
      );
  }
  const { network, source } = await dcspNetworkFromFlags(ctx, flags);
  const out = stageOutputs([flags.attnSnapshotDir, flags.snapshotDir, cueDir]);
  try {
    // A run failing before its first checkpoint leaves no directory it created.
    for (const dir of [flags.attnSnapshotDir, flags.snapshotDir]) await out.mkdir(dir, { discardUnless: 'checkpoint.json' });
    await out.mkdir(cueDir);
    const files = nodeFileSource();
    const numClasses = network.numClasses;
    const result = await trainDcsp({
      network,
      classfcData: listDataSource(classfcEntries, files, { numClasses }),
      segmentData: listDataSource(segmentEntries, files, { numClasses }),
      cueStore: new FileCueStore(nodeFileSystem, cueDir),
      classfcSteps,
      adaptAfter,
      adaptRounds,
      ...numbers,
      inputSize: [h, w],
      randomScale: flags.randomScale,
      randomMirror: flags.randomMirror,
      attentionTrainable,
      trainBatchNorm: flags.isTraining === true,
      checkpoints: {
        fs: nodeFileSystem,
        attnSnapshotDir: flags.attnSnapshotDir,
        snapshotDir: flags.snapshotDir,
        keep,
      },
      resume: flags.resume === true,
      onProgress: ctx.onProgress,
      onInfo: (m) => ctx.info(m),
    });
    await out.commit();
    const { cueStore: _store, ...summary } = result;
    const latest = path.join(flags.snapshotDir, `ckpt-${(adaptRounds + 1) * adaptAfter}`);
    ctx.result(
      {
        ...summary,
        restoredFrom: source,
        attnSnapshotDir: flags.attnSnapshotDir,
        snapshotDir: flags.snapshotDir,
        cueDir,
        checkpoint: latest,
        backend,
      },
      () =>
        `${formatTrainResult(result, { attnSnapshotDir: flags.attnSnapshotDir, snapshotDir: flags.snapshotDir, cueDir })}\nfinal network: ${latest}`,
    );
  } finally {
    out.discard();
    network.dispose();
  }
}

/** `objsel dcsp train`. */
export function registerDcspTrain(dcsp: Command, context: () => CliContext): void {
  const train = dcsp
    .command('train')
    .description(
      "DCSP's schedule (dcsp.py): attention network (only fc*, sigmoid loss on pooled fc1_voc12_d0), initial cues for the segment list, segmentation training on the cues (+ classification loss), adaptation (cues from the segmentation net), more training",
    )
    .option('--data-dir <dir>', 'directory the list paths are appended to', '/home/VOCdevkit')
    .option(
      '--classfc-data-list <file>',
      'list of "/JPEGImages/x.jpg /ClassCategories/x.txt" lines (attention training)',
      './dataset/train_labels_only.txt',
    )
    .option(
      '--segment-data-list <file>',
      'list of "image attention saliency classes" lines (DCSP train_attn_sal_labels.txt; the attention column is not read)',
      './dataset/train_attn_sal_labels.txt',
    )
    .option('--classfc-steps <n>', 'updates of the attention network', '30000')
    .option('--adapt-after <n>', 'segmentation updates before, and after, each adaptation', '10000')
    .option('--adapt-rounds <n>', 'adaptation rounds (DCSP ADAPT_STEPS)', '1')
    .option('--learning-rate <lr>', 'base learning rate of every stage (poly decay)', '1e-3')
    .option(
      '--restore-from <dir>',
      'weights to start from: a checkpoint, snapshot directory, `objsel convert` output or TensorFlow checkpoint (gets a fresh fc1_voc12_d0 if it has none)',
      './deeplab_resnet',
    )
    .option('--from-scratch', 'start from random weights (--depth, --width-multiplier, --blocks, --aspp-rates) instead of --restore-from')
    .option('--not-restore-last', 're-initialise every fc* layer (another --num-classes)')
    .option('--attn-snapshot-dir <dir>', 'checkpoints of the attention network (ckpt-<step>/)', './attn_snapshots')
    .option('--snapshot-dir <dir>', 'checkpoints of the segmentation network (ckpt-<global step>/)', './snapshots/')
    .option('--cue-dir <dir>', 'where cues go: initial/<name>.npz (actv) + .png, adapted/<name>.png (default <snapshot-dir>/cues)')
    .option('--batch-size <n>', 'images per batch', '10')
    .option('--input-size <h,w>', 'random crop size', '321,321')
    .option('--momentum <m>', 'momentum', '0.9')
    .option('--power <p>', 'poly exponent', '0.9')
    .option('--weight-decay <wd>', 'L2 factor on convolution weights', '0.0005')
    .option('--no-random-scale', 'do not rescale inputs by [0.5, 1.5) (DCSP always does)')
    .option('--no-random-mirror', 'do not mirror inputs (DCSP always does)')
    .option(
      '--attention-train <set>',
      'variables of the attention stage: fc (DCSP) or all (for a backbone that is not a pre-trained classifier)',
      'fc',
    )
    .option('--is-training', 'BatchNorm on batch statistics with moving-average updates (not DCSP; for --from-scratch)')
    .option('--bn-decay <d>', 'moving-average decay of BatchNorm statistics under --is-training', '0.999')
    .option('--num-classes <n>', 'classes, background included', '21')
    .option('--depth <n>', 'ResNet depth for --from-scratch: 50, 101 or 152', '101')
    .option('--width-multiplier <x>', 'channel multiplier for --from-scratch', '1')
    .option('--blocks <list>', 'residual units per stage for --from-scratch, e.g. 1,1,1,1')
    .option('--aspp-rates <list>', 'ASPP dilation rates for --from-scratch (default 6,12,18,24)')
    .option('--bn-epsilon <e>', 'override the BatchNorm epsilon of restored weights (0.001 = TF port)')
    .option('--random-seed <n>', 'seed of data order, augmentation and new weights', '1234')
    .option('--save-pred-every <n>', 'also checkpoint every this many updates of a stage', '1000')
    .option('--keep <n>', 'checkpoints to keep per snapshot directory', '10')
    .option(
      '--resume',
      'continue an interrupted run from the latest checkpoints in --attn-snapshot-dir / --snapshot-dir with their saved settings',
    )
    .action(async (flags: TrainFlags) => runTrain(context(), flags));
  withExamples(train, [
    'objsel dcsp train --data-dir ~/VOCdevkit --classfc-data-list dataset/train_labels_only.txt --segment-data-list dataset/train_attn_sal_labels.txt --classfc-steps 30000 --adapt-after 10000 --restore-from resnet101_imagenet',
    'objsel dcsp train --data-dir synth --classfc-data-list synth/train_labels_only.txt --segment-data-list synth/train_attn_sal_labels.txt --from-scratch --depth 50 --width-multiplier 0.125 --blocks 1,1,1,1 --aspp-rates 1,2,3,4 --num-classes 4 --attention-train all --is-training --bn-decay 0.9 --batch-size 4 --input-size 64,64 --classfc-steps 60 --adapt-after 60',
  ]);
}
