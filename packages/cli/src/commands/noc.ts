import { promises as fs } from 'node:fs';
import type { BrsOptions, NocOptions, NocRun, PredictorOptions, RefineMode } from '@objsel/deeplab-resnet/interactive';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { openInteractiveModel } from '../models';
import { listFlag, numberFlag } from './train';

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
      read: (p) => fs.readFile(p),
      dataDir: flags.dataDir,
      dataList: flags.dataList,
      objectDir: flags.objectDir,
      maxClicks,
      iou,
      onProgress: ctx.onProgress,
      onMissing: (id) => ctx.warn(`${id}: no ${flags.objectDir}/${id}.png, skipped`),
    };
    if (flags.maxImages !== undefined) options.maxImages = numberFlag('--max-images', flags.maxImages, { integer: true, min: 1 });
    const { runNoc } = await import('@objsel/deeplab-resnet/interactive');
    const { model, backend } = await openInteractiveModel(ctx, flags.weights);
    try {
      const run = await runNoc(model, options);
      ctx.result({ ...run, backend, weights: flags.weights }, () => formatNoc(run));
    } finally {
      await model.dispose();
    }
  });
  withExamples(cmd, [
    'objsel noc --data-dir ~/VOCdevkit/VOC2012 --data-list ImageSets/Segmentation/val.txt --weights snapshots-interactive',
    'objsel noc --data-dir synth --data-list synth/val.txt --weights snap --refine graphcut --brs --json',
    'objsel noc --data-dir synth --data-list synth/val.txt --weights snap --iou 0.85 --max-clicks 10',
    'objsel noc --data-dir synth --data-list synth/val.txt --weights snap --backend onnx',
  ]);
}
