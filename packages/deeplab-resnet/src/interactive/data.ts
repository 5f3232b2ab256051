import { Rng, augment, decodeImage, decodeLabel, permutation, type AugmentParams, type RgbImage } from '@objsel/voc-data';
import { DeeplabError } from '../errors';
import type { ReadBytes } from '../train/data-feed';
import { INTERACTIVE_MEAN } from './input';
import type { InteractiveBatch } from './trainer';

/** One training object: an image, its instance label and which instance to select. */
export interface InteractiveSampleSpec {
  /** Name for reports, e.g. `2007_000032#1`. */
  id: string;
  /** Image path (JPEG or PNG), already joined to the data directory. */
  image: string;
  /** Instance label path (`SegmentationObject` PNG: 0 background, 1..N instances, 255 void). */
  objects: string;
  /** The instance to select. */
  object: number;
  /** Fixed clicks (e.g. a `clicks sample` file); without them the encoder samples fresh ones. */
  clicks?: { positive: ReadonlyArray<{ x: number; y: number }>; negative: ReadonlyArray<{ x: number; y: number }> };
}

/** What a {@link ClickEncoder} gets: one sample before augmentation. */
export interface ClickEncoderInput {
  spec: InteractiveSampleSpec;
  image: RgbImage;
  /** The instance label, `width * height`. */
  instances: Uint8Array;
  width: number;
  height: number;
  /** A seed unique to (run seed, epoch, position in the epoch): fresh clicks every epoch. */
  seed: number;
}

/**
 * Turns a sample into its two click distance maps, HWC float32 `[height * width * 2]`
 * (positive, negative; raw distances truncated at 255). Supplied by the caller — the click
 * sampler and distance maps live in `@objsel/clicks`, which this package does not import.
 */
export type ClickEncoder = (input: ClickEncoderInput) => Float32Array | Promise<Float32Array>;

/** How the interactive training stream draws and shapes samples. */
export interface InteractiveDataOptions {
  batchSize: number;
  /**
   * `[height, width]` of the network input. With `resize` (default, as the seed: every sample
   * resized to 321x321) images, click maps (bilinear) and labels (nearest) are resized to it; with
   * `crop` they are scaled/mirrored/padded/cropped as the DeepLab port's train.py does.
   */
  inputSize: [number, number];
  mode?: 'resize' | 'crop';
  /** `crop` mode: random rescale by U[0.5, 1.5). */
  randomScale?: boolean;
  /** Horizontal flip with p = 0.5 (both modes). */
  randomMirror?: boolean;
  /** Seed of the epoch orders, the click seeds and the augmentation. */
  seed: number;
  /** Label of void pixels and of the padding (255). */
  ignoreLabel?: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** 5-channel mean (default `INTERACTIVE_MEAN`). */
  mean?: readonly number[];
  /** Decoded images kept in memory, in bytes (default 512 MiB). */
  cacheBytes?: number;
}

/** A batch plus the ids of its samples. */
export type InteractiveFeedBatch = InteractiveBatch & { ids: string[] };

/** Anything that hands out interactive batches in a reproducible order from a position. */
export interface InteractiveBatchSource {
  next(): Promise<InteractiveFeedBatch>;
  /** Samples handed out so far (the resume position). */
  readonly position: number;
}

interface Decoded {
  image: RgbImage;
  instances: Uint8Array;
}

/**
 * The interactive training stream over a list of objects: epoch by epoch in a seeded order, each
 * sample's clicks encoded afresh by `encode` (seeded by run seed, epoch and slot), the object's
 * binary label (1 object, 0 elsewhere, 255 void kept), augmentation by voc-data with the click
 * maps as extra channels (padding: image mean, click distance 255, label 255), then the
 * 5-channel input B, G, R, pos, neg minus the mean. Sample `i` depends only on `(seed, i)`, so a
 * run resumed at {@link position} sees the batches an uninterrupted run would have.
 */
export class InteractiveListData implements InteractiveBatchSource {
  private consumed: number;
  private pending: Promise<InteractiveFeedBatch> | undefined;
  private readonly orders = new Map<number, Uint32Array>();
  private readonly cache = new Map<string, Decoded>();
  private cachedBytes = 0;

  constructor(
    private readonly specs: readonly InteractiveSampleSpec[],
    private readonly read: ReadBytes,
    private readonly encode: ClickEncoder,
    private readonly options: InteractiveDataOptions,
    start = 0,
  ) {
    if (specs.length === 0) throw new DeeplabError('bad-input', 'no object to train on (empty list, or no instance in the labels)');
    if (!Number.isSafeInteger(options.batchSize) || options.batchSize <= 0)
      throw new DeeplabError('bad-config', `batch size must be a positive integer, got ${options.batchSize}`);
    const [h, w] = options.inputSize;
    if (!Number.isSafeInteger(h) || !Number.isSafeInteger(w) || h < 1 || w < 1)
      throw new DeeplabError('bad-config', `input size must be two positive integers, got ${options.inputSize.join(',')}`);
    this.consumed = start;
  }

  get position(): number {
    return this.consumed;
  }

  next(): Promise<InteractiveFeedBatch> {
    const current = this.pending ?? this.prepare(this.consumed);
    this.consumed += this.options.batchSize;
    this.pending = this.prepare(this.consumed);
    this.pending.catch(() => undefined);
    return current;
  }

  private order(epoch: number): Uint32Array {
    let order = this.orders.get(epoch);
    if (!order) {
      const n = this.specs.length;
      order =
        this.options.shuffle === false ? Uint32Array.from({ length: n }, (_, i) => i) : permutation(n, new Rng([this.options.seed, epoch]));
      this.orders.clear();
      this.orders.set(epoch, order);
    }
    return order;
  }

  private async decoded(spec: InteractiveSampleSpec): Promise<Decoded> {
    const key = `${spec.image}\n${spec.objects}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const [imageBytes, labelBytes] = await Promise.all([this.read(spec.image), this.read(spec.objects)]);
    const image = await decodeImage(imageBytes, spec.image);
    const label = decodeLabel(labelBytes, spec.objects);
    if (label.width !== image.width || label.height !== image.height) {
      throw new DeeplabError('bad-input', `instance label is ${label.width}x${label.height}, image ${image.width}x${image.height}`, {
        file: spec.objects,
      });
    }
    const item = { image, instances: label.data };
    const bytes = image.data.byteLength + label.data.byteLength;
    if (this.cachedBytes + bytes <= (this.options.cacheBytes ?? 512 * 1024 * 1024)) {
      this.cache.set(key, item);
      this.cachedBytes += bytes;
    }
    return item;
  }

  /** One sample: encoded, labelled, augmented, centred. */
  async sample(spec: InteractiveSampleSpec, seed: number, rng: Rng): Promise<{ images: Float32Array; labels: Uint8Array }> {
    const { image, instances } = await this.decoded(spec);
    const { width, height } = image;
    const ignore = this.options.ignoreLabel ?? 255;
    const maps = await this.encode({ spec, image, instances, width, height, seed });
    if (maps.length !== width * height * 2)
      throw new DeeplabError('bad-input', `the click encoder returned ${maps.length} values, expected ${height}x${width}x2`, {
        where: spec.id,
      });
    const label = new Uint8Array(width * height);
    for (let i = 0; i < label.length; i++) {
      const v = instances[i]!;
      label[i] = v === spec.object ? 1 : v === ignore ? ignore : 0;
    }
    const mean = this.options.mean ?? INTERACTIVE_MEAN;
    const [oh, ow] = this.options.inputSize;
    const augmentOptions = {
      crop: [oh, ow] as [number, number],
      randomScale: this.options.randomScale ?? false,
      randomMirror: this.options.randomMirror ?? false,
      mean: [mean[0]!, mean[1]!, mean[2]!] as [number, number, number],
      labelPad: ignore,
    };
    let how: Rng | AugmentParams = rng;
    if ((this.options.mode ?? 'resize') === 'resize') {
      const mirror = this.options.randomMirror ? rng.next() < 0.5 : false;
      how = { scale: 1, scaledHeight: oh, scaledWidth: ow, mirror, offsetY: 0, offsetX: 0, height: oh, width: ow };
    }
    const out = augment(image, label, augmentOptions, how, [{ data: maps, channels: 2, interpolation: 'bilinear', pad: 255 }]);
    const n = oh * ow;
    const images = new Float32Array(n * 5);
    const rgb = out.image;
    const clickMaps = out.maps![0]!;
    for (let i = 0; i < n; i++) {
      images[i * 5] = rgb[i * 3]!;
      images[i * 5 + 1] = rgb[i * 3 + 1]!;
      images[i * 5 + 2] = rgb[i * 3 + 2]!;
      images[i * 5 + 3] = clickMaps[i * 2]! - mean[3]!;
      images[i * 5 + 4] = clickMaps[i * 2 + 1]! - mean[4]!;
    }
    return { images, labels: out.label! };
  }

  private async prepare(start: number): Promise<InteractiveFeedBatch> {
    const n = this.specs.length;
    const [h, w] = this.options.inputSize;
    const size = h * w;
    const batchSize = this.options.batchSize;
    const images = new Float32Array(batchSize * size * 5);
    const labels = new Uint8Array(batchSize * size);
    const ids: string[] = [];
    for (let k = 0; k < batchSize; k++) {
      const i = start + k;
      const epoch = Math.floor(i / n);
      const slot = i % n;
      const spec = this.specs[this.order(epoch)[slot]!]!;
      const rng = new Rng([this.options.seed, epoch, slot]);
      const seed = rng.nextUint32();
      const s = await this.sample(spec, seed, rng);
      images.set(s.images, k * size * 5);
      labels.set(s.labels, k * size);
      ids.push(spec.id);
    }
    return { images, labels, batchSize, height: h, width: w, ids };
  }
}
