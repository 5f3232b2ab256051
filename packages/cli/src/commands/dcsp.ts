import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { nodeFileSystem } from '@objsel/caffe-import/node';
// Types only: @objsel/dcsp loads TF.js, which every other command would pay for at start-up.
import type { DcspDemoOptions, DcspNetwork, DcspTrainResult } from '@objsel/dcsp';
import { VOC_CLASSES, VOC_PALETTE, decodeFloatMap, decodeImage, decodeSaliency, encodeIndexPng } from '@objsel/voc-data';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import type { DemoStep } from './demo';
import { formatEvaluation } from './evaluate';
import { listFlag, numberFlag } from './train';

/** `--tags 3,15` or `--tags cat,person` → class ids. */
export function parseTags(text: string): number[] {
  const ids = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map((t) => {
      const byName = VOC_CLASSES.indexOf(t.toLowerCase());
      const id = /^\d+$/.test(t) ? Number(t) : byName;
      if (!(id >= 1 && id <= 20))
        throw new CliError('usage', `--tags: '${t}' is not a VOC object class (1..20 or a name such as 'person')`);
      return id;
    });
  return ids;
}

function parseNumber(flag: string, min: number, max = Infinity): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (!Number.isFinite(v) || v < min || v > max)
      throw new CliError('usage', `${flag}: expected a number in [${min}, ${max}], got '${text}'`);
    return v;
  };
}

async function readBytes(file: string): Promise<Uint8Array> {
  return new Uint8Array(await fs.readFile(file));
}

interface CuesOptions {
  image: string;
  attention: string;
  saliency: string;
  tags: string;
  out: string;
  /** Default: DCSP's background threshold (DCSP_BACKGROUND_THRESHOLD of @objsel/dcsp). */
  threshold?: number;
}

/** `objsel dcsp cues`: one image's DCSP cues from its raw attention, saliency and tags. */
async function runCues(ctx: CliContext, o: CuesOptions): Promise<void> {
  const tags = parseTags(o.tags);
  const image = await decodeImage(await readBytes(o.image), o.image);
  const attention = decodeFloatMap(await readBytes(o.attention), o.attention);
  const saliency = decodeSaliency(await readBytes(o.saliency), o.saliency);
  const { width, height } = image;
  if (attention.width !== width || attention.height !== height || attention.channels !== 20) {
    throw new CliError(
      'usage',
      `attention is ${attention.height}x${attention.width}x${attention.channels}; expected the image size with 20 channels (${height}x${width}x20)`,
      { file: o.attention },
    );
  }
  if (saliency.width !== width || saliency.height !== height) {
    throw new CliError('usage', `saliency is ${saliency.height}x${saliency.width}; expected the image size ${height}x${width}`, {
      file: o.saliency,
    });
  }
  const { DCSP_BACKGROUND_THRESHOLD, fuseCues } = await import('@objsel/dcsp');
  const threshold = o.threshold ?? DCSP_BACKGROUND_THRESHOLD;
  const labels = fuseCues({ attention: attention.data, saliency: saliency.data, tags, width, height, threshold });
  await fs.mkdir(path.dirname(path.resolve(o.out)), { recursive: true });
  await fs.writeFile(o.out, encodeIndexPng(labels, width, height, VOC_PALETTE));
  const counts: Record<string, number> = {};
  for (const l of labels) counts[VOC_CLASSES[l] ?? String(l)] = (counts[VOC_CLASSES[l] ?? String(l)] ?? 0) + 1;
  const pixels = width * height;
  ctx.result({ out: o.out, width, height, tags, threshold, pixels: counts }, () =>
    [
      `wrote ${o.out} (${width}x${height}, VOC palette)`,
      ...Object.entries(counts).map(([name, n]) => `  ${name.padEnd(12)} ${((100 * n) / pixels).toFixed(1).padStart(5)}%`),
    ].join('\n'),
  );
}

interface NetworkFlags {
  restoreFrom: string;
  fromScratch?: boolean;
  notRestoreLast?: boolean;
  numClasses: string;
  depth: string;
  widthMultiplier: string;
  blocks?: string;
  asppRates?: string;
  bnEpsilon?: string;
  randomSeed: string;
}

/** The network to train: restored (`--restore-from`, a fresh attention head if it has none) or from scratch. */
async function networkFromFlags(ctx: CliContext, flags: NetworkFlags): Promise<{ network: DcspNetwork; source: string }> {
  const { DcspNetwork, loadDcspNetwork } = await import('@objsel/dcsp');
  const { resnetConfig } = await import('@objsel/deeplab-resnet');
  const seed = numberFlag('--random-seed', flags.randomSeed, { integer: true });
  const bnEpsilon = flags.bnEpsilon === undefined ? undefined : numberFlag('--bn-epsilon', flags.bnEpsilon, { min: 0, minExclusive: true });
  if (flags.fromScratch) {
    const depth = numberFlag('--depth', flags.depth, { integer: true });
    if (depth !== 50 && depth !== 101 && depth !== 152) throw new CliError('usage', `--depth must be 50, 101 or 152, got ${flags.depth}`);
    const config = resnetConfig(depth, {
      numClasses: numberFlag('--num-classes', flags.numClasses, { integer: true, min: 2 }),
      widthMultiplier: numberFlag('--width-multiplier', flags.widthMultiplier, { min: 0, minExclusive: true }),
      ...(flags.blocks ? { blocks: listFlag('--blocks', flags.blocks, { integer: true, length: 4 }) } : {}),
      ...(flags.asppRates ? { asppRates: listFlag('--aspp-rates', flags.asppRates, { integer: true }) } : {}),
      ...(bnEpsilon === undefined ? {} : { bnEpsilon }),
    });
    return { network: DcspNetwork.create(config, { seed }), source: 'from scratch' };
  }
  const { network, weightsDir } = await loadDcspNetwork(nodeFileSystem, flags.restoreFrom, {
    seed,
    notRestoreLast: flags.notRestoreLast === true,
    ...(bnEpsilon === undefined ? {} : { bnEpsilon }),
  });
  const n = numberFlag('--num-classes', flags.numClasses, { integer: true, min: 2 });
  if (n !== network.numClasses && !flags.notRestoreLast) {
    network.dispose();
    throw new CliError(
      'usage',
      `--num-classes ${n} does not match the weights (${network.numClasses} classes); add --not-restore-last to re-initialise fc*`,
    );
  }
  ctx.info(`restored ${weightsDir}`);
  return { network, source: weightsDir };
}

interface TrainFlags extends NetworkFlags {
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
  const classfcSteps = numberFlag('--classfc-steps', flags.classfcSteps, { integer: true, min: 0 });
  const adaptAfter = numberFlag('--adapt-after', flags.adaptAfter, { integer: true, min: 0 });
  const adaptRounds = numberFlag('--adapt-rounds', flags.adaptRounds, { integer: true, min: 0 });
  const [h, w] = listFlag('--input-size', flags.inputSize, { integer: true, length: 2 }) as [number, number];
  if (flags.attentionTrain !== 'fc' && flags.attentionTrain !== 'all')
    throw new CliError('usage', `--attention-train must be fc or all, got '${flags.attentionTrain}'`);
  const attentionTrainable = flags.attentionTrain;
  const cueDir = flags.cueDir ?? path.join(flags.snapshotDir, 'cues');
  const backend = await ctx.useBackend();
  const { FileCueStore, listDataSource, trainDcsp } = await import('@objsel/dcsp');
  const { nodeFileSource, parseList } = await import('@objsel/voc-data');
  const readList = async (file: string) => parseList(await fs.readFile(file, 'utf8'), { file, dataDir: flags.dataDir });
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
  const { network, source } = await networkFromFlags(ctx, flags);
  try {
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
      learningRate: numberFlag('--learning-rate', flags.learningRate, { min: 0 }),
      batchSize: numberFlag('--batch-size', flags.batchSize, { integer: true, min: 1 }),
      inputSize: [h, w],
      momentum: numberFlag('--momentum', flags.momentum, { min: 0 }),
      power: numberFlag('--power', flags.power),
      weightDecay: numberFlag('--weight-decay', flags.weightDecay, { min: 0 }),
      randomScale: flags.randomScale,
      randomMirror: flags.randomMirror,
      randomSeed: numberFlag('--random-seed', flags.randomSeed, { integer: true }),
      attentionTrainable,
      trainBatchNorm: flags.isTraining === true,
      bnDecay: numberFlag('--bn-decay', flags.bnDecay, { min: 0 }),
      saveEvery: numberFlag('--save-pred-every', flags.savePredEvery, { integer: true, min: 1 }),
      checkpoints: {
        fs: nodeFileSystem,
        attnSnapshotDir: flags.attnSnapshotDir,
        snapshotDir: flags.snapshotDir,
        keep: numberFlag('--keep', flags.keep, { integer: true, min: 1 }),
      },
      resume: flags.resume === true,
      onProgress: ctx.onProgress,
      onInfo: (m) => ctx.info(m),
    });
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
    network.dispose();
  }
}

interface EvalFlags {
  dataDir: string;
  dataList: string;
  numSteps?: string;
  restoreFrom: string;
  crf?: boolean;
  scales: string;
  bnEpsilon?: string;
  saveDir?: string;
}

async function loadForEval(ctx: CliContext, flags: EvalFlags): Promise<{ network: DcspNetwork; weightsDir: string; backend: string }> {
  const backend = await ctx.useBackend();
  const { loadDcspNetwork } = await import('@objsel/dcsp');
  const bnEpsilon = flags.bnEpsilon === undefined ? undefined : numberFlag('--bn-epsilon', flags.bnEpsilon, { min: 0, minExclusive: true });
  const loaded = await loadDcspNetwork(nodeFileSystem, flags.restoreFrom, bnEpsilon === undefined ? {} : { bnEpsilon });
  return { ...loaded, backend };
}

async function runEvaluate(ctx: CliContext, flags: EvalFlags): Promise<void> {
  const scales = listFlag('--scales', flags.scales);
  const numSteps = flags.numSteps === undefined ? undefined : numberFlag('--num-steps', flags.numSteps, { integer: true, min: 1 });
  const { parseList } = await import('@objsel/voc-data');
  const entries = parseList(await fs.readFile(flags.dataList, 'utf8'), { file: flags.dataList, dataDir: flags.dataDir });
  const { network, weightsDir, backend } = await loadForEval(ctx, flags);
  try {
    const { evaluateDcsp } = await import('@objsel/dcsp');
    const saveDir = flags.saveDir;
    if (saveDir) await fs.mkdir(saveDir, { recursive: true });
    const result = await evaluateDcsp({
      network,
      entries,
      read: (p) => fs.readFile(p),
      scales,
      crf: flags.crf === true,
      ...(numSteps === undefined ? {} : { numSteps }),
      onProgress: ctx.onProgress,
      ...(saveDir
        ? {
            onImage: async ({ entry, image, prediction }) =>
              fs.writeFile(path.join(saveDir, `${entry.id}.png`), encodeIndexPng(prediction, image.width, image.height, VOC_PALETTE)),
          }
        : {}),
    });
    ctx.result({ ...result, restoreFrom: weightsDir, dataList: flags.dataList, backend }, () => formatEvaluation(result));
  } finally {
    network.dispose();
  }
}

async function runTestVoc(ctx: CliContext, flags: EvalFlags & { saveDir: string }): Promise<void> {
  const scales = listFlag('--scales', flags.scales);
  const { parseList } = await import('@objsel/voc-data');
  const entries = parseList(await fs.readFile(flags.dataList, 'utf8'), { file: flags.dataList, dataDir: flags.dataDir });
  const count = Math.min(
    flags.numSteps === undefined ? entries.length : numberFlag('--num-steps', flags.numSteps, { integer: true, min: 1 }),
    entries.length,
  );
  const { network, weightsDir, backend } = await loadForEval(ctx, flags);
  try {
    const { DcspPredictor } = await import('@objsel/dcsp');
    await fs.mkdir(flags.saveDir, { recursive: true });
    const crf = flags.crf !== false;
    const predictor = DcspPredictor.fromNetwork(network);
    try {
      for (let i = 0; i < count; i++) {
        const entry = entries[i]!;
        const image = await decodeImage(new Uint8Array(await fs.readFile(entry.image)), entry.image);
        const labels = await predictor.predict(image, { scales, crf });
        await fs.writeFile(path.join(flags.saveDir, `${entry.id}.png`), encodeIndexPng(labels, image.width, image.height, VOC_PALETTE));
        ctx.onProgress({ task: 'dcsp test-voc', done: i + 1, total: count });
      }
    } finally {
      predictor.dispose();
    }
    ctx.result(
      { images: count, saveDir: flags.saveDir, crf, scales, restoreFrom: weightsDir, backend },
      () => `The segmentation masks have been saved to ${flags.saveDir} (${count} palettised PNGs <name>.png${crf ? ', dense CRF' : ''})`,
    );
  } finally {
    network.dispose();
  }
}

/**
 * The demo's DCSP step (for `DEMO_STEPS` in demo.ts): `runDcspDemo` on synthetic data (tags and
 * saliency from voc-data's maker, ground truth only for scoring), then `dcsp/<name>.png` strips
 * of image | ground truth | initial cues | prediction for three training images.
 */
export const dcspDemoStep: DemoStep = makeDcspDemoStep();

/** {@link dcspDemoStep} with other sizes (tests use tiny ones). */
export function makeDcspDemoStep(overrides: Partial<DcspDemoOptions> = {}): DemoStep {
  return {
    name: 'dcsp',
    async run(state) {
      const { ctx, options } = state;
      const backend = await ctx.useBackend();
      const { runDcspDemo } = await import('@objsel/dcsp');
      const { colorize, encodePng } = await import('@objsel/voc-data');
      const summary = await runDcspDemo({ seed: options.seed, previews: 3, onProgress: ctx.onProgress, ...overrides });
      const dir = path.join(options.out, 'dcsp');
      await fs.mkdir(dir, { recursive: true });
      const strips: string[] = [];
      for (const p of summary.previews ?? []) {
        const { width: w, height: h } = p.image;
        const panels = [p.image.data, colorize(p.truth), colorize(p.cues), colorize(p.prediction)];
        const strip = new Uint8Array(w * 4 * h * 3);
        for (let y = 0; y < h; y++)
          panels.forEach((panel, k) => {
            strip.set(panel.subarray(y * w * 3, (y + 1) * w * 3), (y * w * 4 + k * w) * 3);
          });
        const file = path.join(dir, `${p.name}.png`);
        await fs.writeFile(file, encodePng({ width: w * 4, height: h, channels: 3, data: strip }));
        strips.push(file);
      }
      const { previews: _previews, ...result } = summary;
      const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
      return {
        result: { ...result, backend, strips },
        human: [
          `DCSP from image tags + saliency (${summary.images.train} training images, ${summary.stages.map((s) => `${s.stage} ${s.steps}`).join(', ')} updates):`,
          `  mean IoU of the initial cues ${pct(summary.initialCueMiou)}, adapted cues ${pct(summary.adaptedCueMiou)}`,
          `  segmentation network ${pct(summary.trainMiou)}${summary.crf ? ' with CRF' : ''} (${pct(summary.trainMiouNoCrf)} without) on the same images, ${pct(summary.valMiou)} on ${summary.images.val} held-out images`,
          `  ${summary.beatsInitialCues ? 'the network beats its own initial cues' : 'the network does NOT beat its initial cues'}; strips (image | truth | cues | prediction): ${dir}/`,
        ].join('\n'),
      };
    },
  };
}

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

  const cues = dcsp
    .command('cues')
    .description(
      "one image's DCSP cues: per-class min-max normalised attention, masked by the tags, harmonic mean with saliency, background below the threshold, argmax; writes a VOC-palette index PNG",
    )
    .requiredOption('--image <file>', 'the photo (JPEG or PNG); gives the size')
    .requiredOption('--attention <file>', 'raw fc1_voc12_d0 attention at image size: float32 .npy [H, W, 20] for classes 1..20')
    .requiredOption('--saliency <file>', 'saliency at image size: 8-bit PNG (value/255), or .npy/.npz float in [0, 1]')
    .requiredOption('--tags <list>', 'present classes, comma-separated ids 1..20 or VOC names (3,15 or bird,person)')
    .requiredOption('--out <file>', 'output index PNG (VOC palette)')
    .option(
      '--threshold <t>',
      "background where the best harmonic mean is below this (default: DCSP's background threshold, 0.4)",
      parseNumber('--threshold', 0, 1),
    )
    .action(async (o: CuesOptions) => runCues(context(), o));
  withExamples(cues, [
    'objsel dcsp cues --image I.jpg --attention A.npy --saliency S.png --tags 3,15 --out CUES.png',
    'objsel dcsp cues --image I.jpg --attention A.npy --saliency S.npy --tags person --out cues.png --json',
  ]);

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
      'weights to start from: a checkpoint, snapshot directory or `objsel convert` output (gets a fresh fc1_voc12_d0 if it has none)',
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

  const evaluate = dcsp
    .command('evaluate')
    .description(
      "mean IoU as DCSP's evaluate.py: full images, 3 scales max-fused, bilinear, (softmax, dense CRF with DCSP's parameters,) argmax, 255 ignored",
    )
    .option('--data-dir <dir>', 'directory the list paths are appended to', '/home/VOCdevkit')
    .option('--data-list <file>', 'list of "/JPEGImages/x.jpg /SegmentationClassAug/x.png" lines', './dataset/val.txt')
    .option('--num-steps <n>', 'number of images to evaluate (default: the whole list; DCSP used 1449)')
    .option('--restore-from <dir>', 'checkpoint or snapshot directory (its latest checkpoint)', './snapshots/')
    .option('--crf', 'dense CRF (10 iterations, Gaussian 3/3, bilateral 49/5/4), as DCSP evaluates')
    .option('--scales <list>', 'input scales, max-fused at logit resolution', '1,0.75,0.5')
    .option('--bn-epsilon <e>', 'override the BatchNorm epsilon of the weights')
    .option('--save-dir <dir>', 'also write <name>.png (VOC palette) per image')
    .action(async (flags: EvalFlags) => runEvaluate(context(), flags));
  withExamples(evaluate, [
    'objsel dcsp evaluate --data-dir ~/VOCdevkit --data-list dataset/val.txt --restore-from snapshots --crf',
    'objsel dcsp evaluate --restore-from snapshots/ckpt-20000 --num-steps 100 --json > miou.json',
  ]);

  const testVoc = dcsp
    .command('test-voc')
    .description('predictions for the PASCAL VOC evaluation server (test_voc.py): 3 scales, dense CRF, palettised <name>.png in --save-dir')
    .option('--data-dir <dir>', 'directory the list paths are appended to', '/home/VOCdevkit')
    .option('--data-list <file>', 'list of "/JPEGImages/x.jpg" lines', './dataset/test.txt')
    .option('--num-steps <n>', 'number of images (default: the whole list; DCSP used 1456)')
    .option('--restore-from <dir>', 'checkpoint or snapshot directory (its latest checkpoint)', './snapshots/')
    .option('--save-dir <dir>', 'where <name>.png go', './output')
    .option('--no-crf', 'skip the dense CRF')
    .option('--scales <list>', 'input scales, max-fused at logit resolution', '1,0.75,0.5')
    .option('--bn-epsilon <e>', 'override the BatchNorm epsilon of the weights')
    .action(async (flags: EvalFlags & { saveDir: string }) => runTestVoc(context(), flags));
  withExamples(testVoc, [
    'objsel dcsp test-voc --data-dir ~/VOCdevkit --data-list dataset/test.txt --restore-from snapshots --save-dir results/VOC2012/Segmentation/comp6_test_cls',
  ]);
}
