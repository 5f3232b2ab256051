import type { NocOptions } from '@objsel/deeplab-resnet/interactive';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';
import { CliError } from '../errors';
import { formatNoc, nocJob } from '../jobs/noc-job';
import { addNocOptions, nocFlagValues, nocItems, nocSettings, type RawNocFlags } from '../jobs/noc-plan';
import { printOutcome } from '../jobs/run-job';
import { SegmenterPool } from '../jobs/segmenter-pool';
import { addShardFlag, shardFromFlag, shardItems } from '../jobs/shard';
import { openInteractiveModel } from '../models';
import { benchmarkFigures, benchmarkNocOptions, formatBenchmarkFigures, type BenchmarkFigures, writeCurveFiles } from '../noc-benchmark';
import { assertDirectory, readBytes } from '../node-fs';
import { brsFromFlags, refineFromFlags } from '../selection-flags';

export { formatNoc };

/** `objsel noc`: number-of-clicks evaluation of an interactive network with the click robot. */
export function registerNoc(program: Command, context: () => CliContext): void {
  const base = program
    .command('noc')
    .description(
      'NoC@85/NoC@90 of an interactive network or a classic method (--method grabcut, ...: baseline rows): the robot clicks the centre of the largest error until the IoU threshold or the budget, per SegmentationObject instance',
    );
  const cmd = addShardFlag(addNocOptions(base));
  cmd.action(async (flags: RawNocFlags & { shard?: string }) => {
    const ctx = context();
    assertDirectory('--data-dir', flags.dataDir);
    const iouGiven = cmd.getOptionValueSource('iou') === 'cli';
    const { maxImages } = nocFlagValues(flags, iouGiven);
    const { dataset } = benchmarkNocOptions(flags, maxImages);
    const shard = shardFromFlag(flags.shard);
    if (dataset !== 'voc-list') {
      if (shard) throw new CliError('usage', `--shard runs on a --data-list (--dataset voc-list), not --dataset ${dataset}`);
      await runBenchmarkNoc(ctx, flags, iouGiven);
      return;
    }
    if (shard && (flags.saveCurve !== undefined || flags.curveSvg !== undefined))
      throw new CliError(
        'usage',
        '--save-curve and --curve-svg draw the whole run: give them without --shard (the merged result has the curve)',
      );
    const settings = nocSettings(flags, iouGiven);
    const networks = new SegmenterPool();
    try {
      const items = await nocItems(settings, (id) => ctx.warn(`${id}: no ${settings.objectDir}/${id}.png, skipped`));
      const share = shardItems(items, shard);
      const { results, meta } = await nocJob.runItems(settings, share.items, { ctx, networks, onProgress: ctx.onProgress });
      const summary = await nocJob.summarise(settings, results, meta);
      if (summary.dataset !== undefined) await writeCurveFiles(flags, summary as unknown as BenchmarkFigures, summary as never);
      printOutcome(ctx, nocJob, shard ? { ...summary, shard: { ...shard, items: share.range, of: items.length } } : summary);
    } finally {
      await networks.dispose();
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
    'objsel noc --data-dir synth --data-list synth/val.txt --weights snap --shard 0/2 --json > noc0.json && objsel merge noc noc*.json',
  ]);
}

/** A benchmark layout (`--dataset grabcut`, `sbd`, ...): its objects come from the layout, in one process. */
async function runBenchmarkNoc(ctx: CliContext, flags: RawNocFlags, iouGiven: boolean): Promise<void> {
  const { maxClicks, iou, method, maxImages, protocol } = nocFlagValues(flags, iouGiven);
  if (method !== 'network') throw new CliError('usage', `--method ${method} runs on a --data-list (--dataset voc-list)`);
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
}
