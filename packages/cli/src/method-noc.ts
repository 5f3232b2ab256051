/**
 * `objsel noc --method grabcut|graphcut-colour|random-walker|geodesic`: the baseline rows of a NoC
 * table. The clicks package's robot clicks on every `SegmentationObject` instance of a VOC-format
 * list and the classic method predicts after each click (`createMethodPredictor`: each click
 * refines the previous result). Only the leaf packages are loaded: no TF.js, no network.
 */
import {
  nocRunCost,
  type NocObjectCost,
  type NocObjectEntry,
  type NocReport,
  type NocRunCost,
  type SelectionMethodName,
} from '@objsel/clicks';
import type { BenchmarkObject } from '@objsel/voc-data';
import type { OnProgress } from '@objsel/clicks';
import { readBytes } from './node-fs';

/** Options of {@link runMethodNoc} (the `objsel noc` data and robot flags). */
export interface MethodNocOptions {
  method: SelectionMethodName;
  dataDir: string;
  dataList: string;
  /** Instance labels under `dataDir` (default `SegmentationObject`). */
  objectDir?: string;
  maxImages?: number;
  maxClicks?: number;
  iou?: number[];
  onProgress?: OnProgress;
  /** Called for each listed image without an instance label (it is skipped). */
  onMissing?: (id: string) => void;
  /** `--click-consistent`: each mask with its clicked pixels set to their labels before its IoU (the papers score it as it is). */
  clickConsistent?: boolean;
  /** Only these objects of the list (a shard's or a queue job's share). */
  only?: readonly string[];
}

/** A NoC report of a classic method, shaped like the network's (`formatNoc` prints both). */
export interface MethodNocRun extends NocReport, NocRunCost {
  method: SelectionMethodName;
  /** The classic methods have no refinement and no f-BRS; kept for the report's shape. */
  refine: 'none';
  clickConsistent: boolean;
  brs: false;
  instances: NocObjectEntry[];
}

/** NoC of a classic method over a VOC-format list: the same robot, objects and report as the network's `noc`. */
export async function runMethodNoc(options: MethodNocOptions): Promise<MethodNocRun> {
  const { vocListObjects } = await import('@objsel/voc-data');
  const { createMethodPredictor, enforceClicks, evaluateNoc, nocCostMeter } = await import('@objsel/clicks');
  const source = vocListObjects({ read: readBytes, ...options });
  const total = await source.count();
  const meter = nocCostMeter(() => {
    const cpu = process.cpuUsage();
    return (cpu.user + cpu.system) / 1e6;
  });
  const costs: NocObjectCost[] = [];
  let current: { id: string; predict: ReturnType<typeof createMethodPredictor> } | undefined;
  const report = await evaluateNoc(
    source.objects(),
    async (instance, clickList, previous) => {
      const object = instance as BenchmarkObject;
      if (current?.id !== object.id) current = { id: object.id, predict: createMethodPredictor(object.image, options.method) };
      meter.click();
      const mask = await current.predict(clickList, previous);
      const { width, height } = object.image;
      return options.clickConsistent ? enforceClicks(mask, width, height, clickList) : mask;
    },
    {
      maxClicks: options.maxClicks ?? 20,
      iouThresholds: options.iou ?? [0.85, 0.9],
      onProgress: (event) => {
        costs.push(meter.objectDone());
        options.onProgress?.(event);
      },
      total,
    },
  );
  return methodNocRunOf(report, costs, options.method, Boolean(options.clickConsistent));
}

/** The classic method's run from its report and its objects' costs (a run in one piece and merged shards alike). */
export function methodNocRunOf(
  report: NocReport,
  costs: readonly NocObjectCost[],
  method: SelectionMethodName,
  clickConsistent: boolean,
): MethodNocRun {
  return {
    ...report,
    instances: report.instances.map((r, k) => ({ ...r, cost: costs[k]! })),
    method,
    refine: 'none',
    clickConsistent,
    brs: false,
    ...nocRunCost(costs),
  };
}
