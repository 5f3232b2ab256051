/**
 * `objsel noc --method grabcut|graphcut-colour|random-walker|geodesic`: the baseline rows of a NoC
 * table. The clicks package's robot clicks on every `SegmentationObject` instance of a VOC-format
 * list and the classic method predicts after each click (`createMethodPredictor`: each click
 * refines the previous result). Only the leaf packages are loaded: no TF.js, no network.
 */
import type { NocReport, SelectionMethodName } from '@objsel/clicks';
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
}

/** A NoC report of a classic method, shaped like the network's (`formatNoc` prints both). */
export interface MethodNocRun extends NocReport {
  method: SelectionMethodName;
  /** The classic methods have no refinement and no f-BRS; kept for the report's shape. */
  refine: 'none';
  clickConsistent: boolean;
  brs: false;
  meanBrsSteps: 0;
  seconds: number;
  /** CPU seconds of this process (all threads): steadier than wall time on a shared machine. */
  cpuSeconds: number;
  secondsPerClick: number;
}

/** NoC of a classic method over a VOC-format list: the same robot, objects and report as the network's `noc`. */
export async function runMethodNoc(options: MethodNocOptions): Promise<MethodNocRun> {
  const { vocListObjects } = await import('@objsel/voc-data');
  const { createMethodPredictor, enforceClicks, evaluateNoc } = await import('@objsel/clicks');
  const source = vocListObjects({ read: readBytes, ...options });
  const total = await source.count();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let clicks = 0;
  let current: { id: string; predict: ReturnType<typeof createMethodPredictor> } | undefined;
  const report = await evaluateNoc(
    source.objects(),
    async (instance, clickList, previous) => {
      const object = instance as BenchmarkObject;
      if (current?.id !== object.id) current = { id: object.id, predict: createMethodPredictor(object.image, options.method) };
      clicks++;
      const mask = await current.predict(clickList, previous);
      const { width, height } = object.image;
      return options.clickConsistent ? enforceClicks(mask, width, height, clickList) : mask;
    },
    { maxClicks: options.maxClicks ?? 20, iouThresholds: options.iou ?? [0.85, 0.9], onProgress: options.onProgress, total },
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    ...report,
    method: options.method,
    refine: 'none',
    clickConsistent: Boolean(options.clickConsistent),
    brs: false,
    meanBrsSteps: 0,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    secondsPerClick: clicks ? seconds / clicks : 0,
  };
}
