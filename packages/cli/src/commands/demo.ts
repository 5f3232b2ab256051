import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';
import { nodeFileSystem } from '@objsel/caffe-import/node';
import type { DeepLabConfig, DeepLabResNet, EvaluationResult } from '@objsel/deeplab-resnet';
import type { TrainSummary } from '@objsel/deeplab-resnet/train';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { formatConvert, runConvert, type ConvertResult } from './convert';
import { dcspDemoStep } from './dcsp';
import { interactiveDemoStep } from './demo-interactive';
import { formatEvaluation } from './evaluate';
import { formatTrainSummary, numberFlag } from './train';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Output directory (default `demo-output`). */
  out: string;
  /** The real DeepLab-ResNet-101 deploy.prototxt. */
  prototxt: string;
  /** Seed of the random caffemodel, the synthetic dataset, the data order and the new weights. */
  seed: number;
  /** Training updates of the reduced DeepLab (default {@link DEMO_TRAINING}.steps). */
  steps?: number;
  /** Synthetic images (train + val; default {@link DEMO_DATASET}.count). */
  images?: number;
  /** The real photo masked at the end (default ../shared/fixtures/deeplab/2007_000129.jpg, if present). */
  photo?: string;
}

/** What steps share: options, the context, and what earlier steps produced. */
export interface DemoState {
  options: DemoOptions;
  ctx: CliContext;
  /** Set by the convert step: the objsel weights directory. */
  weightsDir?: string;
  /** Set by the convert step. */
  conversion?: ConvertResult;
  /** Set by the data step: the synthetic VOC-format dataset. */
  dataDir?: string;
  /** Set by the data step: classes including background. */
  numClasses?: number;
  /** Set by the train step (disposed by the masks step or at the end). */
  network?: DeepLabResNet;
  /** Set by the train step. */
  training?: Omit<TrainSummary, 'network'>;
  /** Set by the evaluate step. */
  evaluation?: EvaluationResult;
  /** Backend the training ran on. */
  backend?: string;
}

/** One step of the demo: returns its result (JSON) and a human summary. */
export interface DemoStep {
  name: string;
  run(state: DemoState): Promise<{ result: Record<string, unknown>; human: string }>;
}

/**
 * Step 1: a seeded random ResNet-101 caffemodel for the real deploy.prototxt (made by
 * caffe-import's writer, since the pretrained files are not redistributable here), converted
 * exactly as `objsel convert` does.
 */
const convertStep: DemoStep = {
  name: 'convert',
  async run(state) {
    const { options, ctx } = state;
    const caffeDir = path.join(options.out, 'caffe');
    await fs.mkdir(caffeDir, { recursive: true });
    const caffemodel = path.join(caffeDir, `deeplab_resnet101_random_seed${options.seed}.caffemodel`);
    const text = await fs.readFile(options.prototxt, 'utf8');
    ctx.onProgress({ task: 'demo', done: 0, total: 1, message: 'writing a random ResNet-101 caffemodel' });
    const net = parsePrototxt(text, { file: options.prototxt });
    const bytes = encodeCaffemodel(syntheticLayers(net, { seed: options.seed }), { name: 'DeepLab-ResNet-101 (seeded random weights)' });
    await fs.writeFile(caffemodel, bytes);
    const weightsDir = path.join(options.out, 'deeplab_resnet');
    const conversion = await runConvert(
      { prototxt: options.prototxt, caffemodel, out: weightsDir, generatedBy: '@objsel/cli demo' },
      ctx.onProgress,
    );
    state.weightsDir = weightsDir;
    state.conversion = conversion;
    return {
      result: { caffemodel, caffemodelBytes: bytes.length, ...conversion },
      human: `made ${caffemodel} (${(bytes.length / 1024 / 1024).toFixed(1)} MiB, seed ${options.seed})\n${formatConvert(conversion)}`,
    };
  },
};

/** The synthetic dataset of the demo: small images, three object classes with distinct shapes, colours and textures. */
export const DEMO_DATASET = { count: 60, size: 128, classes: 3, minSize: 40, maxSize: 80, valFraction: 0.2 } as const;

/**
 * The reduced DeepLab and its training: ResNet with one unit per stage at 1/8 width (conv1 8
 * channels, res5 256), ASPP rates scaled to the 11x11 logits of an 81x81 crop, BatchNorm on batch
 * statistics (`--is-training`, moving averages with decay 0.9 so that a short run ends with
 * usable statistics), momentum SGD with train.py's poly schedule and 1/10/20 multipliers.
 */
export const DEMO_TRAINING = {
  steps: 120,
  batchSize: 6,
  crop: 81,
  learningRate: 0.01,
  momentum: 0.9,
  weightDecay: 0.0005,
  bnDecay: 0.9,
  model: { inputChannels: 3, blocks: [1, 1, 1, 1], widthMultiplier: 0.125, bnEpsilon: 1e-5, asppRates: [1, 2, 3, 4] },
} as const;

/** Step 2: a synthetic VOC-format dataset (JPEGImages, SegmentationClassAug, lists) by @objsel/voc-data. */
const dataStep: DemoStep = {
  name: 'data',
  async run(state) {
    const { options, ctx } = state;
    const { makeSyntheticDataset } = await import('@objsel/voc-data');
    const dataDir = path.join(options.out, 'data');
    await fs.rm(dataDir, { recursive: true, force: true });
    const d = DEMO_DATASET;
    const summary = await makeSyntheticDataset(
      {
        count: options.images ?? d.count,
        seed: options.seed,
        width: d.size,
        height: d.size,
        classes: d.classes,
        minSize: d.minSize,
        maxSize: d.maxSize,
        valFraction: d.valFraction,
        sbd: false,
      },
      async (rel, bytes) => {
        const file = path.join(dataDir, rel);
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, bytes);
      },
      ctx.onProgress,
    );
    state.dataDir = dataDir;
    state.numClasses = summary.numClasses;
    return {
      result: {
        dataDir,
        count: summary.count,
        train: summary.train,
        val: summary.val,
        numClasses: summary.numClasses,
        classes: summary.classes,
        size: d.size,
      },
      human: `wrote ${summary.count} synthetic ${d.size}x${d.size} images (${summary.train} train, ${summary.val} val; classes ${summary.classes.join(', ')}) to ${dataDir}`,
    };
  },
};

/** Step 3: train the reduced DeepLab from scratch, as `objsel train --from-scratch` would. */
const trainStep: DemoStep = {
  name: 'train',
  async run(state) {
    const { options, ctx } = state;
    state.backend = await ctx.useBackend();
    const { train } = await import('@objsel/deeplab-resnet/train');
    const t = DEMO_TRAINING;
    const numClasses = state.numClasses!;
    const snapshotDir = path.join(options.out, 'snapshots');
    await fs.rm(snapshotDir, { recursive: true, force: true });
    const model: DeepLabConfig = { ...t.model, blocks: [...t.model.blocks], asppRates: [...t.model.asppRates], numClasses };
    const summary = await train({
      fs: nodeFileSystem,
      mode: 'train',
      dataDir: state.dataDir!,
      dataList: path.join(state.dataDir!, 'train.txt'),
      model,
      snapshotDir,
      batchSize: t.batchSize,
      inputSize: [t.crop, t.crop],
      randomMirror: true,
      randomScale: false,
      randomSeed: options.seed,
      savePredEvery: 50,
      saveNumImages: 2,
      trainer: {
        numClasses,
        numSteps: options.steps ?? t.steps,
        learningRate: t.learningRate,
        momentum: t.momentum,
        weightDecay: t.weightDecay,
        trainBatchNorm: true,
        bnDecay: t.bnDecay,
      },
      onProgress: ctx.onProgress,
      onInfo: (m) => ctx.info(m),
    });
    const { network, ...rest } = summary;
    state.network = network;
    state.training = rest;
    return {
      result: { ...rest, snapshotDir, backend: state.backend, model: { ...model, parameters: network.parameterCount() } },
      human: `${formatTrainSummary(rest, snapshotDir)}\nbackend ${state.backend}, ${network.parameterCount().toLocaleString('en-US')} parameters`,
    };
  },
};

/** Step 4: mean IoU on the validation split, as `objsel evaluate` computes it. */
const evaluateStep: DemoStep = {
  name: 'evaluate',
  async run(state) {
    const { ctx } = state;
    const { evaluate } = await import('@objsel/deeplab-resnet');
    const { parseList } = await import('@objsel/voc-data');
    const list = path.join(state.dataDir!, 'val.txt');
    const entries = parseList(await fs.readFile(list, 'utf8'), { file: list, dataDir: state.dataDir! });
    const classNames = JSON.parse(await fs.readFile(path.join(state.dataDir!, 'dataset.json'), 'utf8')).classes as string[];
    const evaluation = await evaluate({
      network: state.network!,
      entries,
      read: (p) => fs.readFile(p),
      classNames,
      onProgress: ctx.onProgress,
    });
    state.evaluation = evaluation;
    if (!(evaluation.miou >= 0.8)) ctx.warn(`mean IoU ${evaluation.miou.toFixed(3)} is below the demo's 0.8 target`);
    return { result: { ...evaluation }, human: formatEvaluation(evaluation) };
  },
};

/** Where ../shared/fixtures is: OBJSEL_FIXTURES, else beside the repository root (searched upwards from the working directory). */
export function findFixture(rel: string): string | undefined {
  const candidates: string[] = [];
  if (process.env.OBJSEL_FIXTURES) candidates.push(path.join(process.env.OBJSEL_FIXTURES, rel));
  for (let dir = path.resolve('.'); ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, '..', 'shared', 'fixtures', rel), path.join(dir, 'shared', 'fixtures', rel));
    if (path.dirname(dir) === dir) break;
  }
  return candidates.find((p) => existsSync(p));
}

/** Step 5: palette masks and overlays for a few validation images and the real photo. */
const masksStep: DemoStep = {
  name: 'masks',
  async run(state) {
    const { options, ctx } = state;
    const { DeepLabSegmenter } = await import('@objsel/deeplab-resnet');
    const { decodeImage, encodeIndexPng, encodePng, overlay, parseList } = await import('@objsel/voc-data');
    const outDir = path.join(options.out, 'masks');
    await fs.mkdir(outDir, { recursive: true });
    const list = path.join(state.dataDir!, 'val.txt');
    const inputs = parseList(await fs.readFile(list, 'utf8'), { dataDir: state.dataDir! })
      .slice(0, 4)
      .map((e) => ({ id: e.id, file: e.image }));
    const photo = options.photo ?? findFixture('deeplab/2007_000129.jpg');
    if (photo) inputs.push({ id: path.basename(photo).replace(/\.[^.]+$/, ''), file: photo });
    else ctx.warn('the real photo ../shared/fixtures/deeplab/2007_000129.jpg was not found: masks for synthetic images only');
    const written: Array<{ image: string; mask: string; overlay: string; classes: number[] }> = [];
    const segmenter = DeepLabSegmenter.fromModel(state.network!);
    try {
      for (const [i, input] of inputs.entries()) {
        const image = await decodeImage(await fs.readFile(input.file), input.file);
        const { labels } = await segmenter.segment(image);
        const mask = path.join(outDir, `${input.id}_mask.png`);
        const over = path.join(outDir, `${input.id}_overlay.png`);
        await fs.writeFile(mask, encodeIndexPng(labels, image.width, image.height));
        const blended = overlay(image, labels);
        await fs.writeFile(over, encodePng({ width: blended.width, height: blended.height, channels: 3, data: blended.data }));
        written.push({ image: input.file, mask, overlay: over, classes: [...new Set(labels)].sort((a, b) => a - b) });
        ctx.onProgress({ task: 'masks', done: i + 1, total: inputs.length, message: input.id });
      }
    } finally {
      segmenter.dispose();
    }
    return { result: { masks: written }, human: written.map((w) => `${w.mask}, ${w.overlay}`).join('\n') };
  },
};

/** The demo's steps, in order; later issues append theirs. */
export const DEMO_STEPS: DemoStep[] = [convertStep, dataStep, trainStep, evaluateStep, masksStep, interactiveDemoStep, dcspDemoStep];

/** Runs every demo step, printing each one's summary; writes `summary.json`; returns all results by step name. */
export async function runDemo(options: DemoOptions, ctx: CliContext, steps: DemoStep[] = DEMO_STEPS): Promise<Record<string, unknown>> {
  const started = performance.now();
  const state: DemoState = { options, ctx };
  const results: Record<string, unknown> = {};
  const seconds: Record<string, number> = {};
  try {
    for (const [i, step] of steps.entries()) {
      ctx.info(`== demo step ${i + 1}/${steps.length}: ${step.name}`);
      const t0 = performance.now();
      const { result, human } = await step.run(state);
      seconds[step.name] = Number(((performance.now() - t0) / 1000).toFixed(2));
      results[step.name] = result;
      ctx.info(human);
    }
  } finally {
    state.network?.dispose();
  }
  const summary = {
    miou: state.evaluation?.miou ?? null,
    perClassIoU: state.evaluation?.perClassIoU ?? null,
    steps: state.training?.steps ?? null,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    stepSeconds: seconds,
    trainImagesPerSecond: state.training?.imagesPerSecond ?? null,
    backend: state.backend ?? null,
    seed: options.seed,
    dataset: results.data ?? null,
    model: (results.train as { model?: unknown } | undefined)?.model ?? null,
    checkpoint: state.training?.checkpoint ?? null,
    masks: (results.masks as { masks?: unknown } | undefined)?.masks ?? null,
    noc: (results.interactive as { noc?: unknown } | undefined)?.noc ?? null,
    dcsp: results.dcsp ?? null,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
  };
  await fs.mkdir(options.out, { recursive: true });
  await fs.writeFile(path.join(options.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  results.summary = summary;
  return results;
}

/** Where the real deploy.prototxt is expected: OBJSEL_FIXTURES, else ../shared/fixtures beside the checkout. */
function defaultPrototxt(): string {
  const candidates = [
    process.env.OBJSEL_FIXTURES && path.join(process.env.OBJSEL_FIXTURES, 'deeplab/deploy.prototxt'),
    path.resolve('../shared/fixtures/deeplab/deploy.prototxt'),
    path.resolve('shared/fixtures/deeplab/deploy.prototxt'),
  ].filter((p): p is string => Boolean(p));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** `objsel demo`: the end-to-end walk-through on synthetic weights. */
export function registerDemo(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('demo')
    .description(
      'end-to-end demo: convert the real DeepLab-ResNet-101 deploy.prototxt with seeded random Caffe weights, make a synthetic VOC dataset, train a reduced DeepLab from scratch, evaluate, write masks and summary.json',
    )
    .option('--out <dir>', 'output directory', 'demo-output')
    .option('--prototxt <file>', 'DeepLab-ResNet-101 deploy.prototxt (default: ../shared/fixtures/deeplab/deploy.prototxt)')
    .option('--seed <n>', 'seed of the random weights, the synthetic data and the training', '1234')
    .option('--steps <n>', `training updates of the reduced DeepLab (default ${DEMO_TRAINING.steps})`)
    .option('--images <n>', `synthetic images, train + val (default ${DEMO_DATASET.count})`)
    .option('--photo <file>', 'a real photo to mask at the end (default ../shared/fixtures/deeplab/2007_000129.jpg)')
    .action(async (opts: { out: string; prototxt?: string; seed: string; steps?: string; images?: string; photo?: string }) => {
      const ctx = context();
      const seed = Number(opts.seed);
      if (!Number.isSafeInteger(seed)) throw new CliError('usage', `--seed must be an integer, got ${opts.seed}`);
      const prototxt = opts.prototxt ?? defaultPrototxt();
      if (!existsSync(prototxt))
        throw new CliError('io', 'deploy.prototxt not found (pass --prototxt or set OBJSEL_FIXTURES)', { file: prototxt });
      const options: DemoOptions = { out: opts.out, prototxt, seed };
      if (opts.steps !== undefined) options.steps = numberFlag('--steps', opts.steps, { integer: true, min: 1 });
      if (opts.images !== undefined) options.images = numberFlag('--images', opts.images, { integer: true, min: 2 });
      if (opts.photo !== undefined) options.photo = opts.photo;
      const results = await runDemo(options, ctx);
      const summary = results.summary as { miou: number | null; seconds: number; steps: number | null; backend: string | null };
      ctx.result(
        { out: opts.out, ...summary, results },
        () =>
          `demo finished in ${summary.seconds.toFixed(1)} s: mean IoU ${summary.miou === null ? 'n/a' : summary.miou.toFixed(3)} after ${summary.steps} updates on ${summary.backend}; outputs in ${opts.out}/ (summary.json, masks/, snapshots/)`,
      );
    });
  withExamples(cmd, [
    'objsel demo',
    'objsel demo --out /tmp/demo --seed 7 --json',
    'npm run demo   # from the repository root: build, then this',
  ]);
}
