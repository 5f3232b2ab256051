/**
 * Number-of-clicks evaluation of the interactive network over a VOC-format list (`objsel noc`):
 * every instance of each image's `SegmentationObject` label is one object; the clicks package's
 * robot clicks on it until the IoU thresholds or the click budget, each click segmented by the
 * predictor (network, optionally f-BRS, then the refinement).
 */
import { evaluateNoc, objectIds, type NocInstance, type NocReport } from '@objsel/clicks';
import { decodeImage, decodeLabel, parseList, type ListEntry, type RgbImage } from '@objsel/voc-data';
import { DeeplabError } from '../errors';
import type { ReadBytes } from '../train/data-feed';
import type { OnProgress } from '../progress';
import { processCpuSeconds } from './cpu-time';
import { createInteractivePredictor, type InteractivePredictor, type PredictorOptions, type RefineMode } from './predictor';
import type { InteractiveProbabilityModel } from './probability-model';
import { objectLabelPath, readBytesIfExists } from './training-data';

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
}

async function listEntries(data: NocDataOptions): Promise<ListEntry[]> {
  const text = new TextDecoder().decode(await data.read(data.dataList));
  return parseList(text, { file: data.dataList, dataDir: data.dataDir }).slice(0, data.maxImages ?? Infinity);
}

/**
 * The objects of a list, one per instance of each image's instance label: ground truth = the
 * instance, ignored = void (255), as every NoC evaluation on VOC does.
 */
export async function* nocObjects(data: NocDataOptions): AsyncGenerator<NocObject> {
  const objectDir = data.objectDir ?? 'SegmentationObject';
  for (const entry of await listEntries(data)) {
    const file = objectLabelPath(data.dataDir, objectDir, entry);
    const bytes = await readBytesIfExists({ readFile: data.read }, file);
    if (!bytes) {
      data.onMissing?.(entry.id);
      continue;
    }
    const label = decodeLabel(bytes, file);
    const image = await decodeImage(await data.read(entry.image), entry.image);
    if (image.width !== label.width || image.height !== label.height)
      throw new DeeplabError('bad-input', `instance label is ${label.width}x${label.height}, image ${image.width}x${image.height}`, {
        file,
      });
    const ignore = Uint8Array.from(label.data, (v) => (v === 255 ? 1 : 0));
    for (const object of objectIds(label.data)) {
      yield {
        id: `${entry.id}#${object}`,
        gt: Uint8Array.from(label.data, (v) => (v === object ? 1 : 0)),
        ignore,
        width: image.width,
        height: image.height,
        image,
      };
    }
  }
}

/** Counts the objects of a list (for progress totals). */
export async function countNocObjects(data: NocDataOptions): Promise<number> {
  const objectDir = data.objectDir ?? 'SegmentationObject';
  let n = 0;
  for (const entry of await listEntries(data)) {
    const bytes = await readBytesIfExists({ readFile: data.read }, objectLabelPath(data.dataDir, objectDir, entry));
    if (bytes) n += objectIds(decodeLabel(bytes).data).length;
  }
  return n;
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
  onProgress?: OnProgress;
}

/** A NoC report plus how it was made. */
export interface NocRun extends NocReport {
  refine: RefineMode;
  brs: boolean;
  /** Mean f-BRS steps per click (0 without f-BRS). */
  meanBrsSteps: number;
  seconds: number;
  /** CPU seconds of this process (all threads) — steadier than wall time on a shared machine; NaN in browsers. */
  cpuSeconds: number;
  /** Mean seconds per click (model + refinement). */
  secondsPerClick: number;
}

/** NoC@85/90 (or the given thresholds) of the interactive network over a list. */
export async function runNoc(segmenter: InteractiveProbabilityModel, options: NocOptions): Promise<NocRun> {
  const total = options.objects ? await options.objects.count() : await countNocObjects(options);
  const started = performance.now();
  const cpu0 = processCpuSeconds();
  let clicks = 0;
  let brsSteps = 0;
  let current: { id: string; predict: InteractivePredictor } | undefined;
  const report = await evaluateNoc(
    options.objects ? options.objects.objects() : nocObjects(options),
    async (instance, clickList) => {
      const object = instance as NocObject;
      if (current?.id !== object.id) current = { id: object.id, predict: createInteractivePredictor(object.image, segmenter, options) };
      const prediction = await current.predict(clickList);
      clicks++;
      brsSteps += prediction.brsSteps;
      return prediction.mask;
    },
    {
      maxClicks: options.maxClicks ?? 20,
      iouThresholds: options.iou ?? [0.85, 0.9],
      onProgress: options.onProgress,
      total,
      fullCurve: options.fullCurve,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    ...report,
    refine: options.refine ?? 'none',
    brs: Boolean(options.brs),
    meanBrsSteps: clicks ? brsSteps / clicks : 0,
    seconds,
    cpuSeconds: processCpuSeconds() - cpu0,
    secondsPerClick: clicks ? seconds / clicks : 0,
  };
}
