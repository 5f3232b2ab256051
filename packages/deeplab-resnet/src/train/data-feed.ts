import {
  Rng,
  augment,
  decodeImage,
  decodeLabel,
  permutation,
  stackBatch,
  type BatchSample,
  type ListEntry,
  type RgbImage,
} from '@objsel/voc-data';
import { DeeplabError } from '../errors';
import type { TrainingBatch } from './trainer';

/** How training samples are drawn and augmented (train.py's data flags). */
export interface TrainingDataOptions {
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
  /** Shuffle each epoch (train.py's `slice_input_producer(shuffle=True)`); default true. */
  shuffle?: boolean;
  /** Decoded images kept in memory between epochs, in bytes; default 512 MiB. */
  cacheBytes?: number;
}

/** A batch plus the ids of its images. */
export type FeedBatch = TrainingBatch & { ids: string[] };

/** Reads a file's bytes (a path from the list, already joined to the data directory). */
export type ReadBytes = (path: string) => Promise<Uint8Array>;

interface Decoded {
  image: RgbImage;
  label: Uint8Array;
}

/**
 * The training data stream of train.py over a list of (image, label) pairs: epoch by epoch in a
 * seeded random order, each sample augmented (scale, mirror, pad, crop) by voc-data, stacked into
 * batches. Sample `i` of the stream is fully determined by `(seed, i)` — its epoch's order comes
 * from `Rng([seed, epoch])` and its augmentation from `Rng([seed, epoch, index])` — so a resumed
 * run that starts at {@link position} sees exactly the batches the uninterrupted run would have.
 * The next batch is decoded while the caller trains on the current one.
 */
export class ListTrainingData {
  private consumed: number;
  private pending: Promise<FeedBatch> | undefined;
  private readonly orders = new Map<number, Uint32Array>();
  private readonly cache = new Map<number, Decoded>();
  private cachedBytes = 0;

  constructor(
    private readonly entries: readonly ListEntry[],
    private readonly read: ReadBytes,
    private readonly options: TrainingDataOptions,
    start = 0,
  ) {
    if (entries.length === 0) throw new DeeplabError('bad-input', 'the training list is empty');
    const missing = entries.find((e) => !e.label);
    if (missing)
      throw new DeeplabError('bad-input', `training needs image and label paths on every line; line ${missing.line} has no label`, {
        where: `line ${missing.line}`,
      });
    if (!Number.isSafeInteger(options.batchSize) || options.batchSize <= 0)
      throw new DeeplabError('bad-config', `batch size must be a positive integer, got ${options.batchSize}`);
    this.consumed = start;
  }

  /** Samples handed out so far (the resume position). */
  get position(): number {
    return this.consumed;
  }

  /** The next batch; starts decoding the one after. */
  next(): Promise<FeedBatch> {
    const current = this.pending ?? this.prepare(this.consumed);
    this.consumed += this.options.batchSize;
    this.pending = this.prepare(this.consumed);
    // A failed prefetch is reported when (and if) its batch is asked for.
    this.pending.catch(() => undefined);
    return current;
  }

  private order(epoch: number): Uint32Array {
    let order = this.orders.get(epoch);
    if (!order) {
      const n = this.entries.length;
      order =
        this.options.shuffle === false ? Uint32Array.from({ length: n }, (_, i) => i) : permutation(n, new Rng([this.options.seed, epoch]));
      this.orders.clear();
      this.orders.set(epoch, order);
    }
    return order;
  }

  private async decoded(index: number): Promise<Decoded> {
    const hit = this.cache.get(index);
    if (hit) return hit;
    const entry = this.entries[index]!;
    const [imageBytes, labelBytes] = await Promise.all([this.read(entry.image), this.read(entry.label!)]);
    const image = await decodeImage(imageBytes, entry.image);
    const label = decodeLabel(labelBytes, entry.label);
    if (label.width !== image.width || label.height !== image.height) {
      throw new DeeplabError('bad-input', `label is ${label.width}x${label.height}, image ${image.width}x${image.height}`, {
        file: entry.label,
        where: `line ${entry.line}`,
      });
    }
    const item = { image, label: label.data };
    const bytes = image.data.byteLength + label.data.byteLength;
    if (this.cachedBytes + bytes <= (this.options.cacheBytes ?? 512 * 1024 * 1024)) {
      this.cache.set(index, item);
      this.cachedBytes += bytes;
    }
    return item;
  }

  private async prepare(start: number): Promise<FeedBatch> {
    const n = this.entries.length;
    const { inputSize, randomScale, randomMirror, ignoreLabel, seed } = this.options;
    const samples: BatchSample[] = [];
    for (let i = start; i < start + this.options.batchSize; i++) {
      const epoch = Math.floor(i / n);
      const slot = i % n;
      const index = this.order(epoch)[slot]!;
      const { image, label } = await this.decoded(index);
      const rng = new Rng([seed, epoch, slot]);
      const sample = augment(image, label, { crop: inputSize, randomScale, randomMirror, labelPad: ignoreLabel }, rng);
      samples.push({ ...sample, id: this.entries[index]!.id });
    }
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
}
