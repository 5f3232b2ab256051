import { promises as fs } from 'node:fs';
import type { NocInstance, NocReport } from '@objsel/clicks';
import type { BrsOptions, InteractiveSegmenter } from '@objsel/deeplab-resnet';
import type { RgbImage } from '@objsel/voc-data';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { createInteractivePredictor, loadInteractiveNetwork, type PredictorOptions, type RefineMode } from './interactive';
import { listFlag, nodeTrainingFs, numberFlag } from './train';

/** One object to evaluate, with its image. */
export interface NocObject extends NocInstance {
  image: RgbImage;
}

/**
 * The objects of a list, one per instance of each image's `SegmentationObject` label: ground
 * truth = the instance, ignored = void (255), as every NoC evaluation on VOC does.
 */
export async function* nocObjects(
  dataDir: string,
  dataList: string,
  objectDir: string,
  options: { maxImages?: number; onMissing?: (id: string) => void } = {},
): AsyncGenerator<NocObject> {
  const { decodeImage, decodeLabel, parseList } = await import('@objsel/voc-data');
  const { objectIds } = await import('@objsel/clicks');
  const { instancePath, readBytesIfExists } = await import('@objsel/deeplab-resnet');
  const entries = parseList(await fs.readFile(dataList, 'utf8'), { file: dataList, dataDir }).slice(0, options.maxImages ?? Infinity);
  for (const entry of entries) {
    const file = instancePath(dataDir, objectDir, entry);
    const bytes = await readBytesIfExists(nodeTrainingFs, file);
    if (!bytes) {
      options.onMissing?.(entry.id);
      continue;
    }
    const label = decodeLabel(bytes, file);
    const image = await decodeImage(new Uint8Array(await fs.readFile(entry.image)), entry.image);
    if (image.width !== label.width || image.height !== label.height)
      throw new CliError('usage', `instance label is ${label.width}x${label.height}, image ${image.width}x${image.height}`, { file });
    const ignore = Uint8Array.from(label.data, (v) => (v === 255 ? 1 : 0));
    for (const object of objectIds(label.data)) {
      yield {
        id: `${entry.id}#${object}`,
        gt: Uint8Array.from(label.data, (v) => (v === object ? 1 : 0)),
        ignore,
        width: image.width,
        height: image.height,
        image,
      };
    }
  }
}

/** Counts the objects of a list (for progress totals). */
export async function countNocObjects(dataDir: string, dataList: string, objectDir: string, maxImages?: number): Promise<number> {
  const { decodeLabel, parseList } = await import('@objsel/voc-data');
  const { objectIds } = await import('@objsel/clicks');
  const { instancePath, readBytesIfExists } = await import('@objsel/deeplab-resnet');
  let n = 0;
  for (const entry of parseList(await fs.readFile(dataList, 'utf8'), { file: dataList, dataDir }).slice(0, maxImages ?? Infinity)) {
    const bytes = await readBytesIfExists(nodeTrainingFs, instancePath(dataDir, objectDir, entry));
    if (bytes) n += objectIds(decodeLabel(bytes).data).length;
  }
  return n;
}

/** Options of {@link runNoc}. */
export interface NocOptions extends PredictorOptions {
  dataDir: string;
  dataList: string;
  objectDir?: string;
  maxClicks?: number;
  iou?: number[];
  maxImages?: number;
  onProgress?: CliContext['onProgress'];
  onMissing?: (id: string) => void;
}

/** A NoC report plus how it was made. */
export interface NocRun extends NocReport {
  refine: RefineMode;
  brs: boolean;
  /** Mean f-BRS steps per click (0 without BRS). */
  meanBrsSteps: number;
  seconds: number;
  /** CPU seconds of this process (all threads) — steadier than wall time on a shared machine. */
  cpuSeconds: number;
  /** Mean seconds per click (model + refinement). */
  secondsPerClick: number;
}

/**
 * NoC@85/90 of an interactive segmenter over a list: the clicks package's robot clicks on every
 * object until the IoU thresholds or the click budget, each click segmented by the model (plus
 * f-BRS) and refined.
 */
export async function runNoc(segmenter: InteractiveSegmenter, options: NocOptions): Promise<NocRun> {
  const { evaluateNoc } = await import('@objsel/clicks');
  const objectDir = options.objectDir ?? 'SegmentationObject';
  const total = await countNocObjects(options.dataDir, options.dataList, objectDir, options.maxImages);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let clicks = 0;
  let brsSteps = 0;
  const predictors = new Map<string, ReturnType<typeof createInteractivePredictor>>();
  const report = await evaluateNoc(
    nocObjects(options.dataDir, options.dataList, objectDir, options),
    async (instance, clickList) => {
      const object = instance as NocObject;
      let predict = predictors.get(object.id);
      if (!predict) {
        predictors.clear();
        predict = createInteractivePredictor(object.image, segmenter, options);
        predictors.set(object.id, predict);
      }
      const prediction = await predict(clickList);
      clicks++;
      brsSteps += prediction.brsSteps;
      return prediction.mask;
    },
    { maxClicks: options.maxClicks ?? 20, iouThresholds: options.iou ?? [0.85, 0.9], onProgress: options.onProgress, total },
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    ...report,
    refine: options.refine,
    brs: Boolean(options.brs),
    meanBrsSteps: clicks ? brsSteps / clicks : 0,
    seconds,
    cpuSeconds,
    secondsPerClick: clicks ? seconds / clicks : 0,
  };
}

/** Human NoC report. */
export function formatNoc(run: NocRun, perInstance = true): string {
  const keys = Object.keys(run.meanNoc);
  const lines = [
    `${run.count} objects, refine ${run.refine}${run.brs ? ` + f-BRS (mean ${run.meanBrsSteps.toFixed(1)} steps/click)` : ''}, budget ${run.maxClicks} clicks, ${run.secondsPerClick.toFixed(3)} s/click (${run.cpuSeconds.toFixed(1)} CPU s in all)`,
    keys.map((k) => `${k} ${run.meanNoc[k]!.toFixed(2)} (${run.failures[k]} failed)`).join('   '),
  ];
  if (perInstance) {
    lines.push(['object', ...keys, 'final IoU'].join('\t'));
    for (const r of run.instances) lines.push([r.id, ...r.noc.map(String), (r.ious[r.ious.length - 1] ?? 0).toFixed(3)].join('\t'));
  }
  return lines.join('\n');
}

/** Parses the BRS flags into options (undefined without `--brs`). */
export function brsFromFlags(flags: { brs?: boolean; brsSteps?: string; brsLr?: string; brsRadius?: string }): BrsOptions | undefined {
  if (!flags.brs) return undefined;
  const o: BrsOptions = {};
  if (flags.brsSteps !== undefined) o.steps = numberFlag('--brs-steps', flags.brsSteps, { integer: true, min: 0 });
  if (flags.brsLr !== undefined) o.learningRate = numberFlag('--brs-lr', flags.brsLr, { min: 0, minExclusive: true });
  if (flags.brsRadius !== undefined) o.radius = numberFlag('--brs-radius', flags.brsRadius, { min: 0 });
  return o;
}

/** Parses `--refine` and the graph-cut flags. */
export function refineFromFlags(flags: {
  refine: string;
  lambda?: string;
  sigma?: string;
  connectivity?: string;
  crfPreset?: string;
  clickScale?: string;
}): Omit<PredictorOptions, 'brs'> {
  if (!['none', 'graphcut', 'crf'].includes(flags.refine))
    throw new CliError('usage', `--refine must be none, graphcut or crf, got '${flags.refine}'`);
  const graphCut: NonNullable<PredictorOptions['graphCut']> = {};
  if (flags.lambda !== undefined) graphCut.lambda = numberFlag('--lambda', flags.lambda, { min: 0 });
  if (flags.sigma !== undefined) graphCut.sigma = numberFlag('--sigma', flags.sigma, { min: 0, minExclusive: true });
  if (flags.connectivity !== undefined) {
    const c = numberFlag('--connectivity', flags.connectivity, { integer: true });
    if (c !== 4 && c !== 8) throw new CliError('usage', `--connectivity must be 4 or 8, got ${flags.connectivity}`);
    graphCut.connectivity = c;
  }
  return {
    refine: flags.refine as RefineMode,
    graphCut,
    ...(flags.crfPreset ? { crfPreset: flags.crfPreset } : {}),
    ...(flags.clickScale !== undefined
      ? { clickScale: numberFlag('--click-scale', flags.clickScale, { min: 0, minExclusive: true }) }
      : {}),
  };
}

/** Adds `--refine`, graph-cut, CRF, BRS and click-scale flags (shared by `select` and `noc`). */
export function addRefineFlags(cmd: Command, defaultRefine: string): Command {
  return cmd
    .option(
      '--refine <mode>',
      'none (threshold 0.5), graphcut (exact min cut, clicks as hard constraints) or crf (dense CRF)',
      defaultRefine,
    )
    .option('--lambda <l>', 'graph-cut smoothness weight (clicks package default 5)')
    .option('--sigma <s>', 'graph-cut colour scale (default: RMS neighbour colour difference)')
    .option('--connectivity <n>', 'graph-cut neighbourhood, 4 or 8', '4')
    .option('--crf-preset <name>', 'dense-CRF parameters for --refine crf', 'deeplab-v2')
    .option(
      '--brs',
      'f-BRS: at each click optimise a per-channel scale and bias of the backbone features so the clicked pixels take their labels',
    )
    .option('--brs-steps <n>', 'most f-BRS optimisation steps per click (default 20)')
    .option('--brs-lr <lr>', 'f-BRS Adam step size (default 0.05)')
    .option('--brs-radius <px>', 'pixels this close to a click must take its label (default 5)')
    .option('--click-scale <k>', 'distance-map scale the network was trained with (default 1)');
}

interface RawNocFlags {
  dataDir: string;
  dataList: string;
  weights: string;
  maxClicks: string;
  iou: string;
  objectDir: string;
  maxImages?: string;
  refine: string;
  lambda?: string;
  sigma?: string;
  connectivity?: string;
  crfPreset?: string;
  brs?: boolean;
  brsSteps?: string;
  brsLr?: string;
  brsRadius?: string;
  clickScale?: string;
}

/** `objsel noc`: number-of-clicks evaluation of an interactive network with the click robot. */
export function registerNoc(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('noc')
    .description(
      'NoC@85/NoC@90 of an interactive network: the robot clicks the centre of the largest error until the IoU threshold or the budget, per SegmentationObject instance',
    )
    .requiredOption('--data-dir <dir>', 'directory the list paths are appended to')
    .requiredOption('--data-list <file>', 'list of "/JPEGImages/x.jpg /SegmentationClass/x.png" lines (or ids)')
    .requiredOption('--weights <dir>', 'interactive weights: a weights directory, checkpoint or snapshot directory')
    .option('--max-clicks <n>', 'click budget per object (failures count as this)', '20')
    .option('--iou <list>', 'IoU thresholds', '0.85,0.9')
    .option('--object-dir <dir>', 'instance labels under --data-dir', 'SegmentationObject')
    .option('--max-images <n>', 'evaluate only the first n images of the list');
  addRefineFlags(cmd, 'none').action(async (flags: RawNocFlags) => {
    const ctx = context();
    const maxClicks = numberFlag('--max-clicks', flags.maxClicks, { integer: true, min: 1 });
    const iou = listFlag('--iou', flags.iou);
    if (iou.some((t) => t > 1)) throw new CliError('usage', `--iou thresholds must be in (0, 1], got ${flags.iou}`);
    const options: NocOptions = {
      ...refineFromFlags(flags),
      brs: brsFromFlags(flags),
      dataDir: flags.dataDir,
      dataList: flags.dataList,
      objectDir: flags.objectDir,
      maxClicks,
      iou,
      onProgress: ctx.onProgress,
      onMissing: (id) => ctx.warn(`${id}: no ${flags.objectDir}/${id}.png, skipped`),
    };
    if (flags.maxImages !== undefined) options.maxImages = numberFlag('--max-images', flags.maxImages, { integer: true, min: 1 });
    const backend = await ctx.useBackend();
    const { InteractiveSegmenter } = await import('@objsel/deeplab-resnet');
    const network = await loadInteractiveNetwork(flags.weights);
    const segmenter = InteractiveSegmenter.fromModel(network);
    try {
      const run = await runNoc(segmenter, options);
      ctx.result({ ...run, backend, weights: flags.weights }, () => formatNoc(run));
    } finally {
      segmenter.dispose();
      network.dispose();
    }
  });
  withExamples(cmd, [
    'objsel noc --data-dir ~/VOCdevkit/VOC2012 --data-list ImageSets/Segmentation/val.txt --weights snapshots-interactive',
    'objsel noc --data-dir synth --data-list synth/val.txt --weights snap --refine graphcut --brs --json',
    'objsel noc --data-dir synth --data-list synth/val.txt --weights snap --iou 0.85 --max-clicks 10',
  ]);
}
