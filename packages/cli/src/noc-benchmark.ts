import path from 'node:path';
import { iouCurveCsv, iouCurveSvg, meanIouAt, nocMetrics, type NocMetrics } from '@objsel/clicks';
import type { NocObject, NocOptions, NocRun } from '@objsel/deeplab-resnet/interactive';
import { BENCHMARK_NAMES, nodeDatasetDirectory, openBenchmark, type BenchmarkName } from '@objsel/voc-data';
import type { Command } from 'commander';
import { CliError } from './errors';
import { choiceFlag } from './flags';
import { assertOutputSeparate } from './output-guard';
import { writeOutputs } from './staged-outputs';

/** `--dataset` values: a VOC-format list (today's `noc`) or a benchmark layout. */
export const NOC_DATASETS = ['voc-list', ...BENCHMARK_NAMES] as const;
export type NocDataset = (typeof NOC_DATASETS)[number];

/** The benchmark flags of `objsel noc`. */
export interface RawBenchmarkFlags {
  dataset: string;
  dataDir: string;
  dataList?: string;
  weights?: string;
  saveCurve?: string;
  curveSvg?: string;
}

/** Adds `--dataset`, `--save-curve` and `--curve-svg` to `noc`. */
export function addBenchmarkFlags(cmd: Command): Command {
  return cmd
    .option('--dataset <name>', `data layout under --data-dir: ${NOC_DATASETS.join('|')}`, 'voc-list')
    .option('--save-curve <file>', 'write mean IoU after k clicks (k = 1..budget) as .csv or .json; every object is clicked to the budget')
    .option('--curve-svg <file>', 'draw the IoU-vs-clicks curve as SVG; every object is clicked to the budget');
}

function curveFormat(file: string): 'csv' | 'json' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.json') return ext.slice(1) as 'csv' | 'json';
  throw new CliError('usage', `--save-curve must end in .csv or .json, got '${file}'`);
}

/**
 * Checks the benchmark flags and returns what `runNoc` needs: the objects of a benchmark layout
 * (none for `voc-list`, which reads `--data-list`) and whether runs go to the full budget.
 */
export function benchmarkNocOptions(
  flags: RawBenchmarkFlags,
  maxImages: number | undefined,
): { dataset: NocDataset } & Pick<NocOptions, 'objects' | 'fullCurve'> {
  const dataset = choiceFlag('--dataset', flags.dataset, NOC_DATASETS);
  if (flags.saveCurve !== undefined) {
    curveFormat(flags.saveCurve);
    assertOutputSeparate('--save-curve', flags.saveCurve, [flags.dataDir, flags.weights, flags.dataList]);
  }
  if (flags.curveSvg !== undefined) assertOutputSeparate('--curve-svg', flags.curveSvg, [flags.dataDir, flags.weights, flags.dataList]);
  const fullCurve = flags.saveCurve !== undefined || flags.curveSvg !== undefined;
  if (dataset === 'voc-list') {
    if (flags.dataList === undefined) throw new CliError('usage', '--data-list is needed with --dataset voc-list (the default)');
    return { dataset, fullCurve };
  }
  if (flags.dataList !== undefined)
    throw new CliError('usage', `--data-list is for --dataset voc-list; ${dataset} finds its files under --data-dir`);
  const source = openBenchmark(
    dataset as BenchmarkName,
    nodeDatasetDirectory(),
    flags.dataDir,
    maxImages === undefined ? {} : { maxImages },
  );
  // A benchmark object carries what the robot and the predictor need (id, gt, ignore, image).
  const objects: NonNullable<NocOptions['objects']> = {
    count: () => source.count(),
    objects: () => source.objects() as AsyncIterable<NocObject>,
  };
  return { dataset, objects, fullCurve };
}

/** The figures papers print for one run: NoC, NoF, SPC, mIoU@k and the IoU-vs-clicks curve. */
export interface BenchmarkFigures {
  dataset: NocDataset;
  noc: NocMetrics['noc'];
  nof: NocMetrics['nof'];
  /**
   * Seconds per click: `total` is wall time over the whole evaluation (RITM's SPC); `network`
   * (input, forward, f-BRS, zoom), `refinement` and `other` (robot, EDT, IoU, reading) split it.
   */
  spc: NocRun['spc'];
  /** Mean IoU after k clicks, keyed `mIoU@1`, `mIoU@3`, ... (RITM's plot script's picks). */
  miou: Record<string, number>;
  iouCurve: number[];
}

/** Recomputes the paper figures from the run's per-object IoUs (RITM's rules, see `nocMetrics`). */
export function benchmarkFigures(run: NocRun, dataset: NocDataset): BenchmarkFigures {
  const metrics = nocMetrics(
    run.instances.map((r) => r.ious),
    { thresholds: run.thresholds, maxClicks: run.maxClicks, seconds: run.seconds },
  );
  const miou: Record<string, number> = {};
  if (metrics.count > 0) for (const k of [1, 3, 5, 10, 20]) if (k <= run.maxClicks) miou[`mIoU@${k}`] = meanIouAt(metrics, k);
  const spc = { ...(run.spc ?? { network: Number.NaN, refinement: Number.NaN, other: Number.NaN }), total: metrics.spc ?? Number.NaN };
  return { dataset, noc: metrics.noc, nof: metrics.nof, spc, miou, iouCurve: metrics.iouCurve };
}

/** One line per figure group, as RITM's results table. */
export function formatBenchmarkFigures(f: BenchmarkFigures): string {
  const fixed = (r: Record<string, number>, digits: number) =>
    Object.entries(r)
      .map(([k, v]) => `${k} ${v.toFixed(digits)}`)
      .join('   ');
  const spc = `SPC ${f.spc.total.toFixed(3)} s (network ${f.spc.network.toFixed(3)}, refinement ${f.spc.refinement.toFixed(3)}, other ${f.spc.other.toFixed(3)})`;
  return [`${f.dataset}: ${fixed(f.noc, 2)}   ${fixed(f.nof, 0)}   ${spc}`, fixed(f.miou, 4)].filter(Boolean).join('\n');
}

/** Writes `--save-curve` (CSV or JSON) and `--curve-svg`. */
export async function writeCurveFiles(flags: RawBenchmarkFlags, f: BenchmarkFigures, run: NocRun): Promise<void> {
  const label = `${f.dataset} · ${path.basename(path.resolve(flags.weights ?? '.'))} · ${run.refine}${run.brs ? ' + f-BRS' : ''}${run.zoomedClicks > 0 ? ' + zoom-in' : ''}`;
  const series = [{ label, curve: f.iouCurve }];
  const files: Array<[string, string]> = [];
  if (flags.saveCurve !== undefined) {
    const body =
      curveFormat(flags.saveCurve) === 'csv'
        ? iouCurveCsv(series)
        : `${JSON.stringify(
            {
              label,
              dataset: f.dataset,
              maxClicks: run.maxClicks,
              noc: f.noc,
              nof: f.nof,
              spc: f.spc,
              iouCurve: f.iouCurve,
              instances: run.instances.map((r) => ({ id: r.id, ious: r.ious })),
            },
            null,
            2,
          )}\n`;
    files.push([flags.saveCurve, body]);
  }
  if (flags.curveSvg !== undefined) files.push([flags.curveSvg, iouCurveSvg(series, { title: `mIoU after every click — ${f.dataset}` })]);
  await writeOutputs(files);
}
