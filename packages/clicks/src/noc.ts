import { ClicksError } from './errors';
import { nocKey, nocReport, type NocInstanceResult, type NocReport } from './noc-report';
import { maskIou, nextClick, type NextClickOptions } from './robot';
import type { OnProgress } from './progress';
import type { Click } from './types';
import { checkLength, checkNumber } from './validate';

/** A mask, or a promise of one (a network forward pass is asynchronous in TF.js). */
export type MaybePromise<T> = T | Promise<T>;

/** Options of {@link runRobot} and {@link evaluateNoc}. */
export interface RobotOptions extends NextClickOptions {
  /** The click budget (default 20, the protocol of Xu et al. and every later paper). */
  maxClicks?: number;
  /** IoU thresholds (default [0.85, 0.9]: NoC@85 and NoC@90). */
  iouThresholds?: readonly number[];
  /** Keep clicking up to `maxClicks` after every threshold is reached, for full IoU curves (default false). */
  fullCurve?: boolean;
}

/** One robot run on one object. */
export interface RobotRun {
  /** The clicks placed, in order. */
  clicks: Click[];
  /** IoU after each click (`ious[k]` after k + 1 clicks). */
  ious: number[];
  /** Per threshold: clicks to first reach it, or `maxClicks` if never (a failure counts as the budget). */
  noc: number[];
  /** Per threshold: whether it was reached within the budget. */
  reached: boolean[];
  /** The last prediction. */
  mask: Uint8Array;
}

/**
 * Segments with the clicks so far and returns the predicted mask (`width * height`, non-zero =
 * object). `previous` is the prediction before the last click (null at the first click).
 */
export type PredictMask = (clicks: readonly Click[], previous: Uint8Array | null) => MaybePromise<Uint8Array>;

function resolve(options: RobotOptions): { maxClicks: number; thresholds: number[] } {
  const maxClicks = options.maxClicks ?? 20;
  checkNumber(maxClicks, 'maxClicks', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  const thresholds = [...(options.iouThresholds ?? [0.85, 0.9])];
  if (thresholds.length === 0) throw new ClicksError('bad-parameter', 'at least one IoU threshold is needed', { where: 'iouThresholds' });
  for (const t of thresholds) checkNumber(t, 'iouThresholds', (v) => v > 0 && v <= 1, 'in (0, 1]');
  return { maxClicks, thresholds };
}

/**
 * Clicks on one object like a user would (see {@link nextClick}) until every IoU threshold is
 * reached or the budget is spent, calling `predict` after each click.
 */
export async function runRobot(
  gt: Uint8Array,
  width: number,
  height: number,
  predict: PredictMask,
  options: RobotOptions = {},
): Promise<RobotRun> {
  checkLength(gt, width, height, 1, 'gt');
  const { maxClicks, thresholds } = resolve(options);
  const clicks: Click[] = [];
  const ious: number[] = [];
  const first = thresholds.map(() => 0);
  let mask: Uint8Array = new Uint8Array(width * height);
  let previous: Uint8Array | null = null;
  while (clicks.length < maxClicks) {
    const click = nextClick(gt, mask, width, height, options);
    if (!click) {
      if (clicks.length === 0) throw new ClicksError('bad-shape', 'the ground truth has no object pixel to click', { where: 'gt' });
      break; // nothing left to correct
    }
    clicks.push(click);
    const predicted = await predict(clicks, previous);
    checkLength(predicted, width, height, 1, 'prediction');
    previous = predicted;
    mask = predicted;
    const iou = maskIou(gt, mask, options.ignore);
    ious.push(iou);
    thresholds.forEach((t, k) => {
      if (first[k] === 0 && iou >= t) first[k] = clicks.length;
    });
    if (!options.fullCurve && first.every((f) => f > 0)) break;
  }
  return {
    clicks,
    ious,
    noc: first.map((f) => (f > 0 ? f : maxClicks)),
    reached: first.map((f) => f > 0),
    mask,
  };
}

/** One object of a NoC evaluation. */
export interface NocInstance {
  /** A name for reports, e.g. `2007_000129#1`. */
  id: string;
  gt: Uint8Array;
  width: number;
  height: number;
  /** Pixels excluded from errors and IoU (e.g. VOC void). */
  ignore?: Uint8Array;
}

/**
 * Number-of-clicks evaluation over a set of objects: the robot clicks on each until the IoU
 * thresholds are met or the budget (20) is spent; failures count as the budget. `predict`
 * segments one object from its clicks (a model, a model plus graph cut, ...).
 */
export async function evaluateNoc(
  instances: Iterable<NocInstance> | AsyncIterable<NocInstance>,
  predict: (instance: NocInstance, clicks: readonly Click[], previous: Uint8Array | null) => MaybePromise<Uint8Array>,
  options: RobotOptions & { onProgress?: OnProgress; total?: number } = {},
): Promise<NocReport> {
  const { maxClicks, thresholds } = resolve(options);
  const results: NocInstanceResult[] = [];
  const keys = thresholds.map(nocKey);
  const sums = thresholds.map(() => 0);
  for await (const instance of instances) {
    const run = await runRobot(instance.gt, instance.width, instance.height, (clicks, previous) => predict(instance, clicks, previous), {
      ...options,
      ignore: instance.ignore ?? options.ignore,
    });
    results.push({ id: instance.id, noc: run.noc, reached: run.reached, ious: run.ious, clicks: run.clicks });
    run.noc.forEach((n, k) => {
      sums[k]! += n;
    });
    options.onProgress?.({
      task: 'noc',
      done: results.length,
      total: options.total,
      message: instance.id,
      metrics: Object.fromEntries(keys.map((key, k) => [key, sums[k]! / results.length])),
    });
  }
  return nocReport(results, thresholds, maxClicks);
}
