/**
 * `objsel noc --method grabcut|graphcut-colour|random-walker|geodesic`: the baseline rows of a NoC
 * table. The clicks package's robot clicks on every `SegmentationObject` instance of a VOC-format
 * list and the classic method predicts after each click (`createMethodPredictor`: each click
 * refines the previous result). Only the leaf packages are loaded: no TF.js, no network.
 */
import type { NocReport, SelectionMethodName } from '@objsel/clicks';
import type { ListEntry, RgbImage } from '@objsel/voc-data';
import type { OnProgress } from '@objsel/clicks';
import { CliError } from './errors';
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
}

/** A NoC report of a classic method, shaped like the network's (`formatNoc` prints both). */
export interface MethodNocRun extends NocReport {
  method: SelectionMethodName;
  /** The classic methods have no refinement and no f-BRS; kept for the report's shape. */
  refine: 'none';
  brs: false;
  meanBrsSteps: 0;
  seconds: number;
  /** CPU seconds of this process (all threads): steadier than wall time on a shared machine. */
  cpuSeconds: number;
  secondsPerClick: number;
}

/** One object of the list: its image, its instance as ground truth, void (255) ignored. */
interface MethodNocObject {
  id: string;
  image: RgbImage;
  gt: Uint8Array;
  ignore: Uint8Array;
  width: number;
  height: number;
}

async function readIfExists(file: string): Promise<Uint8Array | undefined> {
  try {
    return await readBytes(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The list's entries that have an instance label, with the label's bytes. */
async function labelledEntries(options: MethodNocOptions): Promise<{ entry: ListEntry; file: string; bytes: Uint8Array }[]> {
  const { joinDataPath, parseList } = await import('@objsel/voc-data');
  const text = new TextDecoder().decode(await readBytes(options.dataList));
  const entries = parseList(text, { file: options.dataList, dataDir: options.dataDir }).slice(0, options.maxImages ?? Infinity);
  const out = [];
  for (const entry of entries) {
    const file = joinDataPath(options.dataDir, `${options.objectDir ?? 'SegmentationObject'}/${entry.id}.png`);
    const bytes = await readIfExists(file);
    if (bytes) out.push({ entry, file, bytes });
    else options.onMissing?.(entry.id);
  }
  return out;
}

/** NoC of a classic method over a VOC-format list: the same robot, objects and report as the network's `noc`. */
export async function runMethodNoc(options: MethodNocOptions): Promise<MethodNocRun> {
  const { decodeImage, decodeLabel } = await import('@objsel/voc-data');
  const { createMethodPredictor, evaluateNoc, objectIds } = await import('@objsel/clicks');
  const labelled = await labelledEntries(options);
  const decoded = labelled.map(({ file, bytes }) => decodeLabel(bytes, file));
  const total = decoded.reduce((n, label) => n + objectIds(label.data).length, 0);
  async function* objects(): AsyncGenerator<MethodNocObject> {
    for (const [k, { entry, file }] of labelled.entries()) {
      const label = decoded[k]!;
      const image = await decodeImage(await readBytes(entry.image), entry.image);
      if (image.width !== label.width || image.height !== label.height)
        throw new CliError('io', `instance label is ${label.width}x${label.height}, image ${image.width}x${image.height}`, { file });
      const ignore = Uint8Array.from(label.data, (v) => (v === 255 ? 1 : 0));
      for (const object of objectIds(label.data)) {
        const gt = Uint8Array.from(label.data, (v) => (v === object ? 1 : 0));
        yield { id: `${entry.id}#${object}`, image, gt, ignore, width: image.width, height: image.height };
      }
    }
  }
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let clicks = 0;
  let current: { id: string; predict: ReturnType<typeof createMethodPredictor> } | undefined;
  const report = await evaluateNoc(
    objects(),
    (instance, clickList, previous) => {
      const object = instance as MethodNocObject;
      if (current?.id !== object.id) current = { id: object.id, predict: createMethodPredictor(object.image, options.method) };
      clicks++;
      return current.predict(clickList, previous);
    },
    { maxClicks: options.maxClicks ?? 20, iouThresholds: options.iou ?? [0.85, 0.9], onProgress: options.onProgress, total },
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    ...report,
    method: options.method,
    refine: 'none',
    brs: false,
    meanBrsSteps: 0,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    secondsPerClick: clicks ? seconds / clicks : 0,
  };
}
