/**
 * `objsel noc` as items: each item is one object of the list (`<image id>#<instance>`, voc-data's
 * `vocListObjects`), its result the robot's clicks, IoUs and NoC with what the object cost. A
 * run's report is computed from those entries alone (@objsel/clicks' `nocReport` and
 * `nocRunCost`, the functions `runNoc` itself reports with), so the command, its `--shard`s merged
 * by `objsel merge noc` and a queue run give the same figures; only the timings differ, and
 * merged timings are the shards' summed (as if they ran one after another).
 */
import path from 'node:path';
import type { NocObjectEntry, ZoomInOptions } from '@objsel/clicks';
import type { NocRun, PredictorOptions } from '@objsel/deeplab-resnet/interactive';
import { CliError } from '../errors';
import type { SELECT_METHODS } from '../method-selection';
import type { MethodNocRun } from '../method-noc';
import { type BenchmarkFigures, benchmarkFigures, formatBenchmarkFigures } from '../noc-benchmark';
import { readBytes } from '../node-fs';
import type { JobKind } from './job-kind';

/** Everything `objsel noc` was asked (with `--dataset voc-list`), besides the objects. */
export interface NocJobSettings {
  method: (typeof SELECT_METHODS)[number];
  /** The interactive network (`--method network`). */
  weights?: string;
  dataDir: string;
  dataList: string;
  objectDir: string;
  maxImages?: number;
  maxClicks: number;
  iou: number[];
  /** `--refine` and its graph-cut / CRF flags. */
  predictor: Omit<PredictorOptions, 'brs'>;
  brs?: PredictorOptions['brs'];
  zoomIn?: ZoomInOptions;
  clickConsistent?: boolean;
  /** Every object clicked to the budget (`--save-curve`, `--curve-svg`). */
  fullCurve: boolean;
}

/** What a summary needs of the settings: the part a shard's result line carries too. */
type SummarySettings = Pick<NocJobSettings, 'method' | 'iou' | 'maxClicks' | 'clickConsistent' | 'weights'> & {
  predictor: Pick<PredictorOptions, 'refine'>;
  brs?: unknown;
};

/** Human NoC report (network and classic methods). */
export function formatNoc(
  run: Omit<NocRun, 'spc' | 'zoomedClicks' | 'instances'> & Pick<MethodNocRun, 'instances'> & { method?: string },
  perInstance = true,
): string {
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

/**
 * The command's result from per-object entries in list order: the network's run with the papers'
 * figures, or a classic method's run. `objsel merge noc` calls it on the shards' entries.
 */
export async function nocSummary(
  s: SummarySettings,
  entries: readonly NocObjectEntry[],
  meta: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const { nocReport } = await import('@objsel/clicks');
  const report = nocReport(entries, s.iou, s.maxClicks);
  const costs = entries.map((e) => e.cost);
  if (s.method !== 'network') {
    const { methodNocRunOf } = await import('../method-noc');
    return { ...methodNocRunOf(report, costs, s.method, Boolean(s.clickConsistent)) };
  }
  const { nocRunOf } = await import('@objsel/deeplab-resnet/interactive');
  const run = nocRunOf(report, costs, {
    refine: s.predictor.refine,
    clickConsistent: s.clickConsistent,
    brs: s.brs as PredictorOptions['brs'],
  });
  return { ...run, ...benchmarkFigures(run, 'voc-list'), backend: meta.backend, weights: s.weights };
}

export const nocJob: JobKind<NocJobSettings, string, NocObjectEntry> = {
  command: 'noc',
  absolutePaths(s, ids, cwd) {
    const abs = (p: string) => path.resolve(cwd, p);
    return {
      settings: {
        ...s,
        dataDir: abs(s.dataDir),
        dataList: abs(s.dataList),
        ...(s.weights === undefined ? {} : { weights: abs(s.weights) }),
      },
      items: [...ids],
    };
  },
  async runItems(s, ids, env) {
    const data = {
      dataDir: s.dataDir,
      dataList: s.dataList,
      objectDir: s.objectDir,
      ...(s.maxImages === undefined ? {} : { maxImages: s.maxImages }),
      only: ids,
      onProgress: env.onProgress,
    };
    let run: { instances: NocObjectEntry[] };
    let meta: Record<string, unknown> = {};
    if (s.method !== 'network') {
      const { runMethodNoc } = await import('../method-noc');
      run = await runMethodNoc({
        ...data,
        method: s.method,
        maxClicks: s.maxClicks,
        iou: s.iou,
        ...(s.clickConsistent ? { clickConsistent: true } : {}),
      });
    } else {
      if (!s.weights) throw new CliError('usage', '--method network needs --weights DIR');
      const { runNoc } = await import('@objsel/deeplab-resnet/interactive');
      const { openInteractiveModel } = await import('../models');
      const { model, backend } = await openInteractiveModel(env.ctx, s.weights);
      try {
        run = await runNoc(model, {
          ...s.predictor,
          ...(s.brs === undefined ? {} : { brs: s.brs }),
          ...(s.zoomIn === undefined ? {} : { zoomIn: s.zoomIn }),
          ...(s.clickConsistent ? { clickConsistent: true } : {}),
          ...data,
          read: readBytes,
          maxClicks: s.maxClicks,
          iou: s.iou,
          fullCurve: s.fullCurve,
        });
      } finally {
        await model.dispose();
      }
      meta = { backend };
    }
    const found = new Set(run.instances.map((r) => r.id));
    const lost = ids.filter((id) => !found.has(id));
    if (lost.length > 0)
      throw new CliError(
        'usage',
        `object ${lost[0]} of the run is no longer under ${s.dataDir} (${lost.length} missing): the data changed since the run was planned`,
        {
          file: s.dataList,
        },
      );
    return { results: run.instances, meta };
  },
  summarise(s, entries, meta) {
    return nocSummary(s, entries, meta);
  },
  format(summary) {
    const run = summary as unknown as Parameters<typeof formatNoc>[0];
    if (summary.dataset === undefined) return formatNoc(run);
    return `${formatNoc(run)}\n${formatBenchmarkFigures(summary as unknown as BenchmarkFigures)}`;
  },
};
