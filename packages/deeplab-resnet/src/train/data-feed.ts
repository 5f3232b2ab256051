import { augment, decodeImage, decodeLabel, stackBatch, type BatchSample, type ListEntry, type RgbImage } from '@objsel/voc-data';
import { DeeplabError } from '../errors';
import { DEFAULT_CACHE_BYTES, DecodedCache, PositionalFeed, type FeedOptions, type SampleSlot } from './feed';
import type { TrainingBatch } from './trainer';

/** How training samples are drawn and augmented (train.py's data flags). */
export interface TrainingDataOptions extends FeedOptions {
  /** Images per batch (`--batch-size`). */
  batchSize: number;
  /** Random crop `[height, width]` (`--input-size`). */
  inputSize: [number, number];
  /** `--random-scale`: rescale by U[0.5, 1.5). */
  randomScale: boolean;
  /** `--random-mirror`: horizontal flip with p = 0.5. */
  randomMirror: boolean;
  /** `--random-seed`: fixes the epoch orders and every augmentation. */
  seed: number;
  /** Label value of the padding (`--ignore-label`, 255). */
  ignoreLabel: number;
}

/** A batch plus the ids of its images. */
export type FeedBatch = TrainingBatch & { ids: string[] };

/** Reads a file's bytes (a path from the list, already joined to the data directory). */
export type ReadBytes = (path: string) => Promise<Uint8Array>;

interface Decoded {
  image: RgbImage;
  label: Uint8Array;
}

function checkEntries(entries: readonly ListEntry[]): readonly ListEntry[] {
  if (entries.length === 0) throw new DeeplabError('bad-input', 'the training list is empty');
  const missing = entries.find((e) => !e.label);
  if (missing)
    throw new DeeplabError('bad-input', `training needs image and label paths on every line; line ${missing.line} has no label`, {
      where: `line ${missing.line}`,
    });
  return entries;
}

/**
 * The training data stream of train.py over a list of (image, label) pairs: a
 * {@link PositionalFeed} whose sample is the pair augmented (scale, mirror, pad, crop) by
 * voc-data with the sample's own generator `SampleRng([seed, epoch, slot])`, stacked into batches.
 */
export class ListTrainingData extends PositionalFeed<ListEntry, BatchSample, FeedBatch> {
  private readonly cache: DecodedCache<number, Decoded>;

  constructor(
    entries: readonly ListEntry[],
    private readonly read: ReadBytes,
    private readonly options: TrainingDataOptions,
    start = 0,
  ) {
    super(checkEntries(entries), options, start);
    this.cache = new DecodedCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES, (d) => d.image.data.byteLength + d.label.byteLength);
  }

  protected async makeSample(entry: ListEntry, at: SampleSlot): Promise<BatchSample> {
    const { image, label } = await this.cache.get(at.index, () => this.decode(entry));
    const { inputSize, randomScale, randomMirror, ignoreLabel } = this.options;
    const sample = augment(image, label, { crop: inputSize, randomScale, randomMirror, labelPad: ignoreLabel }, at.rng);
    return { ...sample, id: entry.id };
  }

  protected assemble(samples: BatchSample[]): FeedBatch {
    const batch = stackBatch(samples);
    return {
      images: batch.images,
      labels: batch.labels!,
      batchSize: batch.size,
      height: batch.height,
      width: batch.width,
      channels: 3,
      ids: batch.ids,
    };
  }

  private async decode(entry: ListEntry): Promise<Decoded> {
    const [imageBytes, labelBytes] = await Promise.all([this.read(entry.image), this.read(entry.label!)]);
    const image = await decodeImage(imageBytes, entry.image);
    const label = decodeLabel(labelBytes, entry.label);
    if (label.width !== image.width || label.height !== image.height) {
      throw new DeeplabError('bad-input', `label is ${label.width}x${label.height}, image ${image.width}x${image.height}`, {
        file: entry.label,
        where: `line ${entry.line}`,
      });
    }
    return { image, label: label.data };
  }
}
