import { ClicksError } from './errors';
import { nocKey } from './noc-report';
import { checkNumber } from './validate';

/**
 * The figures interactive-segmentation papers print (RITM, f-BRS, FocalClick, SimpleClick), from
 * per-object IoU-after-each-click arrays. The rules follow RITM's `isegm/inference/utils.py`
 * (`compute_noc_metric`, `get_time_metrics`) and `scripts/plot_ious_analysis.py`:
 *
 * - NoC@t: 1 + the index of the first IoU >= t among the first `maxClicks` IoUs; `maxClicks` if
 *   none (a failure counts as the whole budget).
 * - NoF@t: objects whose NoC@t equals `maxClicks` — RITM counts `scores == max_clicks`, so an
 *   object that first reaches t exactly at the last click is a failure too (we keep that rule so
 *   numbers sit beside the papers').
 * - SPC: wall seconds over all clicks made (`elapsed / sum(len(ious))`), early-stopped runs
 *   counting only the clicks they made.
 * - IoU curve: mean over objects of the IoU after k clicks, k = 1..maxClicks. RITM runs every
 *   object the full budget for this (`--iou-analysis` sets the target to 1.01); a run that stopped
 *   early keeps its last IoU (edge padding), which equals RITM's curve whenever runs are full.
 *   An object with no IoU at all contributes 0.
 */
export interface NocMetrics {
  thresholds: number[];
  maxClicks: number;
  /** Objects. */
  count: number;
  /** Mean NoC per threshold, keyed `NoC@85`, `NoC@90`, ... */
  noc: Record<string, number>;
  /** Failures per threshold, keyed `NoF@85`, `NoF@90`, ... */
  nof: Record<string, number>;
  /** Per object, per threshold: its NoC (RITM's rule). */
  perObject: number[][];
  /** `iouCurve[k - 1]`: mean IoU after k clicks, k = 1..maxClicks. */
  iouCurve: number[];
  /** Clicks made in all (the SPC denominator). */
  clicks: number;
  /** Seconds per click, when `seconds` was given (NaN with no click). */
  spc?: number;
}

/** Options of {@link nocMetrics}. */
export interface NocMetricsOptions {
  /** IoU thresholds (default [0.85, 0.9]). */
  thresholds?: readonly number[];
  /** Click budget (default 20). IoUs past it are ignored. */
  maxClicks?: number;
  /** Wall seconds the evaluation took, for SPC. */
  seconds?: number;
}

/** The report key of a failure count: 0.85 gives `NoF@85`. */
export function nofKey(threshold: number): string {
  return nocKey(threshold).replace('NoC', 'NoF');
}

/** NoC of one object's IoUs at one threshold (RITM's `_get_noc`), capped at `maxClicks`. */
export function clicksToReach(ious: readonly number[], threshold: number, maxClicks: number): number {
  const n = Math.min(ious.length, maxClicks);
  for (let k = 0; k < n; k++) if (ious[k]! >= threshold) return k + 1;
  return maxClicks;
}

/** Mean IoU after k clicks, k = 1..maxClicks, a run that stopped early holding its last IoU. */
export function iouCurve(all: readonly (readonly number[])[], maxClicks: number): number[] {
  const curve = new Array<number>(maxClicks).fill(0);
  if (all.length === 0) return curve;
  for (const ious of all) {
    const n = Math.min(ious.length, maxClicks);
    for (let k = 0; k < maxClicks; k++) curve[k]! += n === 0 ? 0 : ious[Math.min(k, n - 1)]!;
  }
  return curve.map((s) => s / all.length);
}

/** mIoU@k (k from 1): the IoU curve's value after k clicks. */
export function meanIouAt(metrics: Pick<NocMetrics, 'iouCurve'>, k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > metrics.iouCurve.length)
    throw new ClicksError('bad-parameter', `mIoU@${k}: k must be an integer in 1..${metrics.iouCurve.length}`, { where: 'k' });
  return metrics.iouCurve[k - 1]!;
}

/** NoC@t, NoF@t, SPC and the IoU-vs-clicks curve of per-object IoU arrays (see {@link NocMetrics}). */
export function nocMetrics(all: readonly (readonly number[])[], options: NocMetricsOptions = {}): NocMetrics {
  const maxClicks = options.maxClicks ?? 20;
  checkNumber(maxClicks, 'maxClicks', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  const thresholds = [...(options.thresholds ?? [0.85, 0.9])];
  if (thresholds.length === 0) throw new ClicksError('bad-parameter', 'at least one IoU threshold is needed', { where: 'thresholds' });
  for (const t of thresholds) checkNumber(t, 'thresholds', (v) => v > 0 && v <= 1, 'in (0, 1]');
  all.forEach((ious, i) => {
    for (const v of ious)
      if (!(v >= 0 && v <= 1)) throw new ClicksError('bad-parameter', `IoU ${v} is not in [0, 1]`, { where: `object ${i}` });
  });
  const perObject = all.map((ious) => thresholds.map((t) => clicksToReach(ious, t, maxClicks)));
  const count = all.length;
  const noc: Record<string, number> = {};
  const nof: Record<string, number> = {};
  thresholds.forEach((t, j) => {
    let sum = 0;
    let failed = 0;
    for (const row of perObject) {
      sum += row[j]!;
      if (row[j] === maxClicks) failed++;
    }
    noc[nocKey(t)] = count ? sum / count : 0;
    nof[nofKey(t)] = failed;
  });
  const clicks = all.reduce((s, ious) => s + ious.length, 0);
  const metrics: NocMetrics = { thresholds, maxClicks, count, noc, nof, perObject, iouCurve: iouCurve(all, maxClicks), clicks };
  if (options.seconds !== undefined) metrics.spc = clicks ? options.seconds / clicks : Number.NaN;
  return metrics;
}
