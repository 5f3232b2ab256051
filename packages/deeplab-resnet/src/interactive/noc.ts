/**
 * Number-of-clicks evaluation of the interactive network over a VOC-format list (`objsel noc`):
 * every instance of each image's `SegmentationObject` label is one object; the clicks package's
 * robot clicks on it until the IoU thresholds or the click budget, each click segmented by the
 * predictor (network, optionally f-BRS, then the refinement).
 */
import {
  enforceClicks,
  evaluateNoc,
  nocCostMeter,
  nocRunCost,
  type NocInstance,
  type NocObjectEntry,
  type NocReport,
} from '@objsel/clicks';
import { vocListObjects, type RgbImage } from '@objsel/voc-data';
import type { ReadBytes } from '../train/data-feed';
import type { OnProgress } from '../progress';
import { processCpuSeconds } from './cpu-time';
import { createInteractivePredictor, type InteractivePredictor, type PredictorOptions, type RefineMode } from './predictor';
import type { InteractiveProbabilityModel } from './probability-model';

/** One object to evaluate, with its image. */
export interface NocObject extends NocInstance {
  image: RgbImage;
}

/** Where the objects of a NoC evaluation come from. */
export interface NocDataOptions {
  /** File access (Node: `fs.promises.readFile`). */
  read: ReadBytes;
  /** `--data-dir`: the directory the list paths are appended to. */
  dataDir: string;
  /** `--data-list`: the list of images (VOC list lines or ids). */
  dataList: string;
  /** `--object-dir`: instance labels under `dataDir` (default `SegmentationObject`). */
  objectDir?: string;
  /** `--max-images`: only the first images of the list. */
  maxImages?: number;
  /** Called for each listed image without an instance label (it is skipped). */
  onMissing?: (id: string) => void;
  /** Only these objects of the list (a shard's or a queue job's share; voc-data's `vocListObjects`). */
  only?: readonly string[];
}

/**
 * The objects of a list, one per instance of each image's instance label: ground truth = the
 * instance, ignored = void (255), as every NoC evaluation on VOC does (voc-data's `vocListObjects`).
 */
export function nocObjects(data: NocDataOptions): AsyncGenerator<NocObject> {
  return vocListObjects(data).objects();
}

/** Counts the objects of a list (for progress totals). */
export function countNocObjects(data: NocDataOptions): Promise<number> {
  return vocListObjects(data).count();
}

/** Options of {@link runNoc}. */
export interface NocOptions extends PredictorOptions, NocDataOptions {
  /** `--max-clicks`: the click budget per object; failures count as it (20). */
  maxClicks?: number;
  /** `--iou`: the IoU thresholds ([0.85, 0.9]: NoC@85 and NoC@90). */
  iou?: number[];
  /** Objects to evaluate instead of the list's (a benchmark layout, e.g. voc-data's `openBenchmark`). */
  objects?: { count(): Promise<number>; objects(): AsyncIterable<NocObject> };
  /** Click every object to the budget, for IoU-vs-clicks curves (RITM's `--iou-analysis`); NoC is unchanged. */
  fullCurve?: boolean;
  /**
   * `--click-consistent`: each mask gets its clicked pixels set to their clicks' labels
   * (`enforceClicks`, as `select` and `serve` answer) before its IoU and the robot's next click.
   * Off by default: the papers' protocol scores the network's mask as it is.
   */
  clickConsistent?: boolean;
  onProgress?: OnProgress;
}

/** A NoC report plus how it was made. */
export interface NocRun extends NocReport {
  /** Per object: its clicks, IoUs and NoC, and what it cost. */
  instances: NocObjectEntry[];
  refine: RefineMode;
  /** Whether the masks were scored click-consistent (`--click-consistent`) rather than as the network gave them. */
  clickConsistent: boolean;
  brs: boolean;
  /** Mean f-BRS steps per click (0 without f-BRS). */
  meanBrsSteps: number;
  seconds: number;
  /** CPU seconds of this process (all threads) — steadier than wall time on a shared machine; NaN in browsers. */
  cpuSeconds: number;
  /** Mean seconds per click (model + refinement). */
  secondsPerClick: number;
  /** Wall seconds per click (RITM's SPC) and its parts (see {@link SecondsPerClick}). */
  spc: SecondsPerClick;
  /** With `zoomIn`: clicks whose network ran on a crop. */
  zoomedClicks: number;
}

/**
 * Where a click's wall time goes: `network` (input encoding, the forward pass, f-BRS, ZoomIn's
 * crop and paste), `refinement` (threshold, graph cut or CRF) and `other`, the per-object work
 * around them (the robot's next click with its distance transform, the IoU, reading and decoding
 * the objects); `total` is the evaluation's wall time over all clicks.
 */
export interface SecondsPerClick {
  total: number;
  network: number;
  refinement: number;
  other: number;
}

/** NoC@85/90 (or the given thresholds) of the interactive network over a list. */
export async function runNoc(segmenter: InteractiveProbabilityModel, options: NocOptions): Promise<NocRun> {
  const source = options.objects ?? vocListObjects(options);
  const total = await source.count();
  const meter = nocCostMeter(processCpuSeconds);
  const costs: NocObjectEntry['cost'][] = [];
  let current: { id: string; predict: InteractivePredictor } | undefined;
  const report = await evaluateNoc(
    source.objects(),
    async (instance, clickList) => {
      const object = instance as NocObject;
      if (current?.id !== object.id) current = { id: object.id, predict: createInteractivePredictor(object.image, segmenter, options) };
      const prediction = await current.predict(clickList);
      meter.click({
        networkSeconds: prediction.seconds.network,
        refinementSeconds: prediction.seconds.refinement,
        brsSteps: prediction.brsSteps,
        zoomed: Boolean(prediction.zoomRoi),
      });
      return options.clickConsistent ? enforceClicks(prediction.mask, object.image.width, object.image.height, clickList) : prediction.mask;
    },
    {
      maxClicks: options.maxClicks ?? 20,
      iouThresholds: options.iou ?? [0.85, 0.9],
      onProgress: (event) => {
        costs.push(meter.objectDone());
        options.onProgress?.(event);
      },
      total,
      fullCurve: options.fullCurve,
    },
  );
  return nocRunOf(report, costs, options);
}

/**
 * The run from its report and its objects' costs: the figures a run in one piece and shards
 * merged (`objsel merge noc`) both compute from the per-object entries.
 */
export function nocRunOf(
  report: NocReport,
  costs: readonly NocObjectEntry['cost'][],
  how: Pick<NocOptions, 'refine' | 'clickConsistent' | 'brs'>,
): NocRun {
  return {
    ...report,
    instances: report.instances.map((r, k) => ({ ...r, cost: costs[k]! })),
    refine: how.refine ?? 'none',
    clickConsistent: Boolean(how.clickConsistent),
    brs: Boolean(how.brs),
    ...nocRunCost(costs),
  };
}
