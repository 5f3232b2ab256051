import { augment, type AugmentOptions, type ExtraMap } from './augment';
import type { BatchSample } from './batch';
import { decodeImage, type ImageCodec } from './codec';
import { VocDataError } from './errors';
import type { FileSource } from './files';
import type { LabelImage, RgbImage } from './image';
import type { ListEntry } from './lists';
import type { SampleRng } from './sample-rng';
import { decodeLabel } from './png';
import { decodeFloatMap, type FloatMap } from './saliency';
import { parseClassCategories, tagVector } from './tags';

/** What to load for each list entry and how to augment it. */
export interface SampleOptions extends AugmentOptions {
  /** Classes including background (default 21); sizes tag vectors and attention channels. */
  numClasses?: number;
  /** Load DCSP attention and saliency maps when the entry has them (default true). */
  withMaps?: boolean;
  /**
   * `expand` (default): attention channels (one per listed class, in file order) are placed at
   * their class's slot of `numClasses - 1` channels; `raw`: kept as stored (e.g. DCSP's adapted
   * hard labels).
   */
  attention?: 'expand' | 'raw';
  codec?: ImageCodec;
}

/** A decoded list entry before augmentation. */
export interface LoadedSample {
  entry: ListEntry;
  image: RgbImage;
  label?: LabelImage;
  /** Class ids from the class-category file, in file order. */
  tags?: number[];
  attention?: FloatMap;
  saliency?: FloatMap;
}

/** Re-throws a failure with the list file and line, keeping its code and the failing file. */
function withLine(error: unknown, entry: ListEntry): never {
  const where = `${entry.source ? `${entry.source} ` : ''}line ${entry.line}`;
  if (error instanceof VocDataError) {
    const message = error.file && error.message.startsWith(`${error.file}: `) ? error.message.slice(error.file.length + 2) : error.message;
    throw new VocDataError(error.code, message, {
      file: error.file,
      where: error.where ? `${error.where}, ${where}` : where,
      cause: error,
    });
  }
  throw error;
}

/**
 * Reads and decodes one entry: the photo, its label (palette-aware), class tags and DCSP maps.
 * Errors are {@link VocDataError}s naming the failing file and the list line.
 */
export async function loadSample(entry: ListEntry, files: FileSource, options: SampleOptions = {}): Promise<LoadedSample> {
  try {
    const numClasses = options.numClasses ?? 21;
    const wantMaps = options.withMaps ?? true;
    const [imageBytes, labelBytes, classBytes, attnBytes, salBytes] = await Promise.all([
      files.read(entry.image),
      entry.label ? files.read(entry.label) : undefined,
      entry.classes ? files.read(entry.classes) : undefined,
      wantMaps && entry.attention ? files.read(entry.attention) : undefined,
      wantMaps && entry.saliency ? files.read(entry.saliency) : undefined,
    ]);
    const image = await decodeImage(imageBytes, entry.image, options.codec);
    const sample: LoadedSample = { entry, image };
    const sameSize = (w: number, h: number, file: string) => {
      if (w !== image.width || h !== image.height)
        throw new VocDataError('size-mismatch', `is ${w}x${h}, the image ${image.width}x${image.height}`, { file });
    };
    if (labelBytes) {
      sample.label = decodeLabel(labelBytes, entry.label);
      sameSize(sample.label.width, sample.label.height, entry.label!);
    }
    if (classBytes) sample.tags = parseClassCategories(new TextDecoder().decode(classBytes), entry.classes, numClasses);
    if (attnBytes) {
      sample.attention = decodeFloatMap(attnBytes, entry.attention);
      sameSize(sample.attention.width, sample.attention.height, entry.attention!);
    }
    if (salBytes) {
      sample.saliency = decodeFloatMap(salBytes, entry.saliency);
      sameSize(sample.saliency.width, sample.saliency.height, entry.saliency!);
    }
    return sample;
  } catch (error) {
    withLine(error, entry);
  }
}

/** Attention channels (one per listed class) → `numClasses - 1` channels at the classes' slots. */
function expandAttention(map: FloatMap, tags: readonly number[], numClasses: number, file: string | undefined): FloatMap {
  if (map.channels !== tags.length) {
    throw new VocDataError('size-mismatch', `attention has ${map.channels} channels for ${tags.length} listed classes`, { file });
  }
  const c = numClasses - 1;
  const n = map.width * map.height;
  const data = new Float32Array(n * c);
  for (let i = 0; i < n; i++) for (let k = 0; k < tags.length; k++) data[i * c + tags[k]! - 1] = map.data[i * map.channels + k]!;
  return { width: map.width, height: map.height, channels: c, data };
}

/**
 * Augments a loaded sample (see {@link augment}) into a batchable sample: image, label, the
 * multi-hot tag vector, and the DCSP maps as extra maps `[attention, saliency]` resampled with
 * nearest neighbour and padded with 0 — so fusing cues afterwards equals DCSP's fuse-then-resize.
 */
export function prepareSample(loaded: LoadedSample, options: SampleOptions, rng: SampleRng): BatchSample {
  const numClasses = options.numClasses ?? 21;
  const maps: ExtraMap[] = [];
  if (loaded.attention) {
    const a =
      options.attention === 'raw' || !loaded.tags
        ? loaded.attention
        : expandAttention(loaded.attention, loaded.tags, numClasses, loaded.entry.attention);
    maps.push({ data: a.data, channels: a.channels, interpolation: 'nearest', pad: 0 });
  }
  if (loaded.saliency) maps.push({ data: loaded.saliency.data, channels: loaded.saliency.channels, interpolation: 'nearest', pad: 0 });
  const out = augment(loaded.image, loaded.label?.data, options, rng, maps);
  const sample: BatchSample = { ...out, id: loaded.entry.id };
  if (loaded.tags) sample.tags = tagVector(loaded.tags, numClasses);
  return sample;
}
