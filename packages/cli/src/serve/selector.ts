/**
 * The model side of the server: images decoded once and cached by content, clicks checked
 * against the image, and one selection at a time on the network (a TF.js backend runs one
 * graph at a time anyway; queueing keeps concurrent requests from interleaving their tensors).
 */
import type { Click } from '@objsel/clicks';
import type { InteractiveProbabilityModel, PredictorOptions } from '@objsel/deeplab-resnet/interactive';
import type { RgbImage } from '@objsel/voc-data';
import { HttpError } from './http-json';
import { ImageCache } from './image-cache';

/** Settings of a {@link Selector}. */
export interface SelectorOptions extends PredictorOptions {
  /** Memory for decoded images (bytes). */
  cacheBytes: number;
  /** Largest image accepted (pixels). */
  maxPixels: number;
}

/** One selection's answer. */
export interface Selection {
  image: RgbImage;
  imageId: string;
  /** Row-major, 1 = selected. */
  mask: Uint8Array;
  /** Milliseconds in the network and refinement (not queueing or decoding). */
  ms: number;
}

export class Selector {
  readonly cache: ImageCache;
  private queue: Promise<unknown> = Promise.resolve();
  private inFlight = 0;
  private cancelled = false;

  constructor(
    private readonly model: InteractiveProbabilityModel,
    readonly options: SelectorOptions,
  ) {
    this.cache = new ImageCache(options.cacheBytes);
  }

  /** Decodes base64 PNG/JPEG bytes (or takes them from the cache) and gives the image and its id. */
  async imageFromBase64(base64: string, field: string): Promise<{ image: RgbImage; imageId: string }> {
    const text = base64.replace(/^data:[^,]*;base64,/, '');
    if (!/^[A-Za-z0-9+/=\s_-]*$/.test(text)) throw new HttpError(400, `${field} is not base64`);
    const bytes = new Uint8Array(Buffer.from(text, 'base64'));
    return this.imageFromBytes(bytes, field);
  }

  /** Decodes encoded image bytes (or takes them from the cache). */
  async imageFromBytes(bytes: Uint8Array, field: string): Promise<{ image: RgbImage; imageId: string }> {
    const imageId = ImageCache.idOf(bytes);
    const cached = this.cache.get(imageId);
    if (cached) return { image: cached, imageId };
    const { decodeImage } = await import('@objsel/voc-data');
    let image: RgbImage;
    try {
      image = await decodeImage(bytes, field);
    } catch (error) {
      throw new HttpError(400, `${field}: not a PNG or JPEG image (${(error as Error).message})`);
    }
    if (image.width * image.height > this.options.maxPixels)
      throw new HttpError(413, `${field}: ${image.width}x${image.height} is over the ${this.options.maxPixels}-pixel limit`);
    this.cache.set(imageId, image);
    return { image, imageId };
  }

  /** The image an earlier request sent, by id (404 once the cache dropped it). */
  imageById(imageId: string): RgbImage {
    const image = this.cache.get(imageId);
    if (!image) throw new HttpError(404, `no cached image ${imageId}: send the image again`);
    return image;
  }

  /**
   * Refuses (503) the selections that have not started yet, now and later: a stopping server past
   * its deadline answers the running one only (a network forward cannot be interrupted).
   */
  cancelPending(): void {
    this.cancelled = true;
  }

  /** Resolves once no selection runs (the queue's tail has settled). */
  async idle(): Promise<void> {
    await this.queue;
  }

  /** Selections running or waiting. */
  get pending(): number {
    return this.inFlight;
  }

  /** The mask for `clicks` on `image` (clicks checked against its size). */
  async select(image: RgbImage, imageId: string, clicks: readonly Click[], overrides: { threshold?: number } = {}): Promise<Selection> {
    if (clicks.length === 0) throw new HttpError(400, 'give at least one click');
    clicks.forEach((c, i) => {
      if (c.x < 0 || c.y < 0 || c.x >= image.width || c.y >= image.height)
        throw new HttpError(400, `click ${i} (${c.x}, ${c.y}) is outside the ${image.width}x${image.height} image`);
    });
    this.inFlight++;
    const run = this.queue.then(async () => {
      if (this.cancelled) throw new HttpError(503, 'the server is stopping: send the request again to another replica');
      const { createInteractivePredictor } = await import('@objsel/deeplab-resnet/interactive');
      const started = performance.now();
      const prediction = await createInteractivePredictor(image, this.model, { ...this.options, ...overrides })(clicks);
      return { image, imageId, mask: prediction.mask, ms: performance.now() - started };
    });
    this.queue = run.catch(() => undefined);
    try {
      return await run;
    } finally {
      this.inFlight--;
    }
  }
}
