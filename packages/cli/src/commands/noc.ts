import type { NocOptions, NocRun } from '@objsel/deeplab-resnet/interactive';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';
import { CliError } from '../errors';
import { choiceFlag, numberFlag } from '../flags';
import { SELECT_METHODS } from '../method-selection';
import { assertDirectory, readBytes } from '../node-fs';
import { addRefineFlags, brsFromFlags, refineFromFlags, type RawSelectionFlags } from '../selection-flags';
import { openInteractiveModel } from '../models';
import {
  addBenchmarkFlags,
  benchmarkFigures,
  benchmarkNocOptions,
  formatBenchmarkFigures,
  writeCurveFiles,
  type RawBenchmarkFlags,
} from '../noc-benchmark';
import { addNocProtocolFlags, iouThresholdsFromFlags, nocProtocolFromFlags, type RawNocProtocolFlags } from '../noc-protocol-flags';

/** Human NoC report. */
export function formatNoc(run: Omit<NocRun, 'spc' | 'zoomedClicks'> & { method?: string }, perInstance = true): string {
  const keys = Object.keys(run.meanNoc);
  const lines = [
    `${run.count} objects, ${run.method ? `method ${run.method}` : `refine ${run.refine}`}${run.brs ? ` + f-BRS (mean ${run.meanBrsSteps.toFixed(1)} steps/click)` : ''}, budget ${run.maxClicks} clicks, ${run.secondsPerClick.toFixed(3)} s/click (${run.cpuSeconds.toFixed(1)} CPU s in all)`,
    keys.map((k) => `${k} ${run.meanNoc[k]!.toFixed(2)} (${run.failures[k]} failed)`).join('   '),
  ];
  if (perInstance) {
    lines.push(['object', ...keys, 'final IoU'].join('\t'));
    for (const r of run.instances) lines.push([r.id, ...r.noc.map(String), (r.ious[r.ious.length - 1] ?? 0).toFixed(3)].join('\t'));
  }
  return lines.join('\n');
}

interface RawNocFlags extends RawSelectionFlags, RawBenchmarkFlags, RawNocProtocolFlags {
  dataDir: string;
  dataList?: string;
  method: string;
  weights?: string;
  maxClicks: string;
  iou: string;
  objectDir: string;
  maxImages?: string;
}

/** `objsel noc`: number-of-clicks evaluation of an interactive network with the click robot. */
export function registerNoc(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('noc')
    .description(
      'NoC@85/NoC@90 of an interactive network or a classic method (--method grabcut, ...: baseline rows): the robot clicks the centre of the largest error until the IoU threshold or the budget, per SegmentationObject instance',
    )
    .requiredOption('--data-dir <dir>', 'directory the list paths are appended to')
    .option('--data-list <file>', 'with --dataset voc-list: list of "/JPEGImages/x.jpg /SegmentationClass/x.png" lines (or ids)')
    .option('--method <name>', `${SELECT_METHODS.join(', ')}: the network needs --weights, the classic methods need none`, 'network')
    .option('--weights <dir>', 'interactive weights (--method network): a weights directory, checkpoint or snapshot directory')
    .option('--max-clicks <n>', 'click budget per object (failures count as this)', '20')
    .option('--iou <list>', 'IoU thresholds', '0.85,0.9')
    .option('--object-dir <dir>', 'instance labels under --data-dir', 'SegmentationObject')
    .option('--max-images <n>', 'evaluate only the first n images of the list');
  addBenchmarkFlags(cmd);
  addNocProtocolFlags(cmd);
  addRefineFlags(cmd, 'none').action(async (flags: RawNocFlags) => {
    const ctx = context();
    assertDirectory('--data-dir', flags.dataDir);
    const maxClicks = numberFlag('--max-clicks', flags.maxClicks, { integer: true, min: 1, max: 1000 });
    const iou = iouThresholdsFromFlags(flags, cmd.getOptionValueSource('iou') === 'cli');
    const method = choiceFlag('--method', flags.method, SELECT_METHODS);
    const maxImages =
      flags.maxImages === undefined ? undefined : numberFlag('--max-images', flags.maxImages, { integer: true, min: 1, max: 10_000_000 });
    const protocol = nocProtocolFromFlags(flags, method);
    if (method !== 'network') {
      if (!flags.dataList || (flags.dataset ?? 'voc-list') !== 'voc-list')
        throw new CliError('usage', `--method ${method} runs on a --data-list (--dataset voc-list)`);
      const { runMethodNoc } = await import('../method-noc');
      const run = await runMethodNoc({
        method,
        dataDir: flags.dataDir,
        dataList: flags.dataList,
        objectDir: flags.objectDir,
        maxClicks,
        iou,
        ...(maxImages !== undefined ? { maxImages } : {}),
        ...(protocol.clickConsistent ? { clickConsistent: true } : {}),
        onProgress: ctx.onProgress,
        onMissing: (id) => ctx.warn(`${id}: no ${flags.objectDir}/${id}.png, skipped`),
      });
      ctx.result(run, () => formatNoc(run));
      return;
    }
    if (!flags.weights)
      throw new CliError('usage', '--method network needs --weights DIR (the classic methods, e.g. --method geodesic, need none)');
    const { dataset, ...benchmark } = benchmarkNocOptions(flags, maxImages);
    const options: NocOptions = {
      ...refineFromFlags(flags),
      brs: brsFromFlags(flags),
      read: readBytes,
      dataDir: flags.dataDir,
      dataList: flags.dataList ?? '',
      ...benchmark,
      ...protocol,
      objectDir: flags.objectDir,
      maxClicks,
      iou,
      onProgress: ctx.onProgress,
      onMissing: (id) => ctx.warn(`${id}: no ${flags.objectDir}/${id}.png, skipped`),
    };
    if (maxImages !== undefined) options.maxImages = maxImages;
    const { runNoc } = await import('@objsel/deeplab-resnet/interactive');
    const { model, backend } = await openInteractiveModel(ctx, flags.weights);
    try {
      const run = await runNoc(model, options);
      if (run.count === 0)
        throw new CliError('usage', `no object under ${flags.dataDir} has a label (${flags.objectDir} or the dataset's masks)`);
      const figures = benchmarkFigures(run, dataset);
      await writeCurveFiles(flags, figures, run);
      ctx.result({ ...run, ...figures, backend, weights: flags.weights }, () => `${formatNoc(run)}\n${formatBenchmarkFigures(figures)}`);
    } finally {
      await model.dispose();
    }
  });
  withExamples(cmd, [
    'objsel noc --data-dir ~/VOCdevkit/VOC2012 --data-list ~/VOCdevkit/VOC2012/ImageSets/Segmentation/val.txt --weights snapshots-interactive',
    'objsel noc --data-dir synth --data-list synth/val.txt --weights snap --refine graphcut --brs --json',
    'objsel noc --data-dir synth --data-list synth/val.txt --weights snap --iou 0.85 --max-clicks 10',
    'objsel noc --data-dir synth --data-list synth/val.txt --weights snap --backend onnx',
    'objsel noc --data-dir synth --data-list synth/val.txt --weights snap --click-consistent   # the masks select and serve answer',
    'objsel noc --data-dir synth --data-list synth/val.txt --method grabcut   # a baseline row, no weights',
    'objsel noc --dataset grabcut --data-dir ~/datasets/GrabCut --weights snap --save-curve grabcut.csv --curve-svg grabcut.svg',
    'objsel noc --dataset sbd --data-dir ~/datasets/SBD --weights snap --max-images 100 --json',
  ]);
}
