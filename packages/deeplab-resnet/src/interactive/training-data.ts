/**
 * The interactive network's training data as typed settings: which objects (every instance of
 * the listed images, or the fixed samples of a `clicks sample` list), how clicks are drawn and
 * how samples are shaped. `trainInteractive` records these in every checkpoint and rebuilds the
 * stream from them on resume.
 */
import { decodeLabel, joinDataPath, parseList, type ListEntry } from '@objsel/voc-data';
import { objectIds, parseClicksJson, splitClicks, type NegativeStrategy } from '@objsel/clicks';
import { DeeplabError } from '../errors';
import { isNotFound, joinPath, readTextIfExists, type ReadableFiles } from '@objsel/caffe-import';
import { InteractiveListData, type InteractiveSampleSpec } from './data';
import { clickEncoder } from './training-clicks';

/** The file access training data needs: reading. */
export type TrainingDataFiles = Pick<ReadableFiles, 'readFile'>;

/** What the interactive training stream depends on (the `objsel train --interactive` data flags). */
export interface InteractiveDataSettings {
  /** `--data-dir`: list and label paths are under it. */
  dataDir: string;
  /** `--data-list`: the images (`/JPEGImages/x.jpg ...` lines, or bare ids). */
  dataList: string;
  /** `--object-dir`: instance labels `<dataDir>/<objectDir>/<id>.png` (`SegmentationObject`). */
  objectDir: string;
  /** `--clicks-list`: fixed clicks from `objsel clicks sample` (its clicks.txt) instead of fresh clicks every epoch. */
  clicksList?: string;
  /** Samples per batch. */
  batchSize: number;
  /** `[height, width]` of the network input. */
  inputSize: [number, number];
  /** `resize` every sample to `inputSize` (as deep-interactive) or `crop` as train.py augments. */
  mode: 'resize' | 'crop';
  randomScale: boolean;
  randomMirror: boolean;
  /** Seed of the epoch orders, the clicks and the augmentation. */
  seed: number;
  /** Label of void pixels and of the padding. */
  ignoreLabel: number;
  /** Negative click strategies drawn from (1 band, 2 other objects, 3 band coverage). */
  strategies: NegativeStrategy[];
  /** Click sampler parameters (the clicks package's defaults where absent). */
  sampling: { dMargin?: number; dStep?: number; d?: number; nPositive?: number; nNegative?: number };
  /** Distance-map scale before truncation at 255. */
  clickScale: number;
  /** Keep a random subset of each sample's clicks (see `EncoderOptions.subsets`). */
  clickSubsets?: boolean;
}

/** The instance label of a list entry: `<dataDir>/<objectDir>/<id>.png`. */
export function objectLabelPath(dataDir: string, objectDir: string, entry: ListEntry): string {
  return joinDataPath(dataDir, `${objectDir}/${entry.id}.png`);
}

/** A file's bytes, or `undefined` when it does not exist. */
export async function readBytesIfExists(files: TrainingDataFiles, file: string): Promise<Uint8Array | undefined> {
  try {
    return await files.readFile(file);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function readText(files: TrainingDataFiles, file: string, what: string): Promise<string> {
  const text = await readTextIfExists(files, file);
  if (text === undefined) throw new DeeplabError('io', `${what} not found`, { file });
  return text;
}

/**
 * Training objects of a list: every instance of every listed image's `SegmentationObject` label
 * (images without one are reported in `missing`).
 */
export async function interactiveSpecs(
  files: TrainingDataFiles,
  entries: readonly ListEntry[],
  dataDir: string,
  objectDir: string,
): Promise<{ specs: InteractiveSampleSpec[]; missing: string[] }> {
  const specs: InteractiveSampleSpec[] = [];
  const missing: string[] = [];
  for (const entry of entries) {
    const objects = objectLabelPath(dataDir, objectDir, entry);
    const bytes = await readBytesIfExists(files, objects);
    if (!bytes) {
      missing.push(entry.id);
      continue;
    }
    const label = decodeLabel(bytes, objects);
    for (const object of objectIds(label.data)) specs.push({ id: `${entry.id}#${object}`, image: entry.image, objects, object });
  }
  return { specs, missing };
}

/** `name` relative to the directory of `file` (as given when absolute). */
function besideFile(file: string, name: string): string {
  if (/^([A-Za-z]:)?[\\/]/.test(name)) return name;
  const slash = file.lastIndexOf('/');
  return joinPath(slash >= 0 ? file.slice(0, slash) || '/' : '.', name);
}

/**
 * Fixed training samples from `objsel clicks sample` output: its list (`clicks.txt`, JSON file
 * names relative to the list) joined to the data list by image id.
 */
export async function specsFromClickFiles(
  files: TrainingDataFiles,
  listFile: string,
  entries: readonly ListEntry[],
  dataDir: string,
  objectDir: string,
): Promise<{ specs: InteractiveSampleSpec[]; unknown: string[] }> {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const text = await readText(files, listFile, 'clicks list');
  const specs: InteractiveSampleSpec[] = [];
  const unknown: string[] = [];
  for (const line of text.split('\n')) {
    const name = line.trim();
    if (!name) continue;
    const file = besideFile(listFile, name);
    const json = await readText(files, file, 'clicks sample file');
    const meta = JSON.parse(json) as { image?: unknown; object?: unknown };
    if (typeof meta.image !== 'string' || typeof meta.object !== 'number')
      throw new DeeplabError('bad-input', 'a clicks sample file needs "image" (id) and "object" (instance)', { file });
    const entry = byId.get(meta.image);
    if (!entry) {
      unknown.push(meta.image);
      continue;
    }
    const { positive, negative } = splitClicks(parseClicksJson(json, file));
    specs.push({
      id: `${entry.id}#${meta.object}:${name}`,
      image: entry.image,
      objects: objectLabelPath(dataDir, objectDir, entry),
      object: meta.object,
      clicks: { positive, negative },
    });
  }
  return { specs, unknown };
}

/**
 * The interactive training stream of a run from `start` (samples already consumed): every
 * instance of the listed images (or the fixed samples of a `clicks sample` list), clicks encoded
 * by the clicks package. Skipped images and unknown click files are reported to `onWarn`.
 */
export async function interactiveTrainingData(
  files: TrainingDataFiles,
  settings: InteractiveDataSettings,
  start = 0,
  onWarn: (message: string) => void = () => undefined,
): Promise<InteractiveListData> {
  const s = settings;
  const entries = parseList(await readText(files, s.dataList, 'data list'), { file: s.dataList, dataDir: s.dataDir });
  let specs: InteractiveSampleSpec[];
  if (s.clicksList) {
    const found = await specsFromClickFiles(files, s.clicksList, entries, s.dataDir, s.objectDir);
    if (found.unknown.length) onWarn(`${found.unknown.length} click file(s) name images that are not in ${s.dataList}; skipped`);
    specs = found.specs;
  } else {
    const found = await interactiveSpecs(files, entries, s.dataDir, s.objectDir);
    for (const id of found.missing) onWarn(`${id}: no ${s.objectDir}/${id}.png, skipped`);
    specs = found.specs;
  }
  const encode = clickEncoder({
    strategies: s.strategies,
    sampling: s.sampling,
    clickScale: s.clickScale,
    subsets: s.clickSubsets === true,
  });
  return new InteractiveListData(
    specs,
    (p) => files.readFile(p),
    encode,
    {
      batchSize: s.batchSize,
      inputSize: s.inputSize,
      mode: s.mode,
      randomScale: s.randomScale,
      randomMirror: s.randomMirror,
      seed: s.seed,
      ignoreLabel: s.ignoreLabel,
    },
    start,
  );
}
