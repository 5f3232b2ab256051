import { augment, decodeImage, decodeLabel, type AugmentParams, type SampleRng, type RgbImage } from '@objsel/voc-data';
import { DeeplabError } from '../errors';
import type { ReadBytes } from '../train/data-feed';
import { DEFAULT_CACHE_BYTES, DecodedCache, PositionalFeed, type FeedOptions, type SampleSlot } from '../train/feed';
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
export interface InteractiveDataOptions extends FeedOptions {
  batchSize: number;
  /**
   * `[height, width]` of the network input. With `resize` (default, as deep-interactive: every sample
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

/** One decoded sample of {@link InteractiveListData} (its protected `makeSample` returns it): input, binary label, id. */
export type InteractiveSample = { images: Float32Array; labels: Uint8Array; id: string };

function checkSpecs(specs: readonly InteractiveSampleSpec[]): readonly InteractiveSampleSpec[] {
  if (specs.length === 0) throw new DeeplabError('bad-input', 'no object to train on (empty list, or no instance in the labels)');
  return specs;
}

/**
 * The interactive training stream over a list of objects: a {@link PositionalFeed} whose sample
 * is the object's clicks encoded afresh by `encode` (seeded by run seed, epoch and slot), its
 * binary label (1 object, 0 elsewhere, 255 void kept), augmentation by voc-data with the click
 * maps as extra channels (padding: image mean, click distance 255, label 255), then the 5-channel
 * input B, G, R, pos, neg minus the mean.
 */
export class InteractiveListData
  extends PositionalFeed<InteractiveSampleSpec, InteractiveSample, InteractiveFeedBatch>
  implements InteractiveBatchSource
{
  private readonly cache: DecodedCache<string, Decoded>;

  constructor(
    specs: readonly InteractiveSampleSpec[],
    private readonly read: ReadBytes,
    private readonly encode: ClickEncoder,
    private readonly options: InteractiveDataOptions,
    start = 0,
  ) {
    super(checkSpecs(specs), options, start);
    const [h, w] = options.inputSize;
    if (!Number.isSafeInteger(h) || !Number.isSafeInteger(w) || h < 1 || w < 1)
      throw new DeeplabError('bad-config', `input size must be two positive integers, got ${options.inputSize.join(',')}`);
    this.cache = new DecodedCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES, (d) => d.image.data.byteLength + d.instances.byteLength);
  }

  private async decode(spec: InteractiveSampleSpec): Promise<Decoded> {
    const [imageBytes, labelBytes] = await Promise.all([this.read(spec.image), this.read(spec.objects)]);
    const image = await decodeImage(imageBytes, spec.image);
    const label = decodeLabel(labelBytes, spec.objects);
    if (label.width !== image.width || label.height !== image.height) {
      throw new DeeplabError('bad-input', `instance label is ${label.width}x${label.height}, image ${image.width}x${image.height}`, {
        file: spec.objects,
      });
    }
    return { image, instances: label.data };
  }

  /** One sample: encoded, labelled, augmented, centred. */
  async sample(spec: InteractiveSampleSpec, seed: number, rng: SampleRng): Promise<{ images: Float32Array; labels: Uint8Array }> {
    const { image, instances } = await this.cache.get(`${spec.image}\n${spec.objects}`, () => this.decode(spec));
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
    let how: SampleRng | AugmentParams = rng;
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

  /** The click seed is the sample generator's first draw; augmentation continues from it. */
  protected async makeSample(spec: InteractiveSampleSpec, at: SampleSlot): Promise<InteractiveSample> {
    const seed = at.rng.nextUint32();
    return { ...(await this.sample(spec, seed, at.rng)), id: spec.id };
  }

  protected assemble(samples: InteractiveSample[]): InteractiveFeedBatch {
    const [h, w] = this.options.inputSize;
    const size = h * w;
    const batchSize = samples.length;
    const images = new Float32Array(batchSize * size * 5);
    const labels = new Uint8Array(batchSize * size);
    samples.forEach((s, k) => {
      images.set(s.images, k * size * 5);
      labels.set(s.labels, k * size);
    });
    return { images, labels, batchSize, height: h, width: w, ids: samples.map((s) => s.id) };
  }
}
