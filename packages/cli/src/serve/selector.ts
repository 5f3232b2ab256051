/**
 * The model side of the server: images decoded once and cached by content, clicks checked
 * against the image, and one selection at a time on the network (a TF.js backend runs one
 * graph at a time anyway; queueing keeps concurrent requests from interleaving their tensors).
 */
import type { Click } from '@objsel/clicks';
import type { InteractiveProbabilityModel, PredictorOptions } from '@objsel/deeplab-resnet/interactive';
import type { ImageDomain, RgbImage } from '@objsel/voc-data';
import { HttpError } from './http-json';
import { ImageCache } from './image-cache';
import { ImageWarnings } from './image-warnings';

/** Settings of a {@link Selector}. */
export interface SelectorOptions extends PredictorOptions {
  /** Memory for decoded images (bytes). */
  cacheBytes: number;
  /** Largest image accepted (pixels). */
  maxPixels: number;
  /**
   * Whether a forward blocks this thread (the network in-process: default true). False for a
   * network in a worker thread, where a stop signal is seen when it comes.
   */
  blocksEventLoop?: boolean;
  /**
   * The long side the network was trained at (`objsel.training.modelLongSide` of the weights): it
   * then runs on a copy of that size with the clicks' distances in its pixels, as it was trained.
   */
  modelLongSide?: number;
  /** What the network was trained on (weights' `objsel.domain`): images far from it get a warning. */
  domain?: ImageDomain;
  /** The server log, for a warning's first time on an image. */
  onWarning?: (line: string) => void;
}

/** Per-request settings of {@link Selector.select}. */
export interface SelectOverrides {
  /** Probability threshold for refine `none`. */
  threshold?: number;
  /** The object's mask so far (row-major 0/1, the image's size): a prior blended into the probability. */
  previousMask?: Uint8Array;
  /** Weight of `previousMask` in the blend (default `DEFAULT_PREVIOUS_MASK_WEIGHT`, 0.3). */
  previousMaskWeight?: number;
}

/** One selection's answer. */
export interface Selection {
  image: RgbImage;
  imageId: string;
  /** Row-major, 1 = selected. */
  mask: Uint8Array;
  /** Milliseconds in the network and refinement (not queueing or decoding). */
  ms: number;
  /** `select`'s warnings: an empty or tiny selection, an image far from the training domain. */
  warnings: string[];
}

export class Selector {
  readonly cache: ImageCache;
  readonly warnings: ImageWarnings;
  private queue: Promise<unknown> = Promise.resolve();
  private inFlight = 0;
  private cancelled = false;
  /** When stopping: the time by which the last selection must have ended. */
  private deadline: number | undefined;
  /** Start of the selection running now, and start and end of the last one (performance.now()). */
  private running: number | undefined;
  private lastStart = 0;
  private lastEnd = Number.NEGATIVE_INFINITY;
  /** Durations of the last selections (ms). */
  private recent: number[] = [];

  constructor(
    private readonly model: InteractiveProbabilityModel,
    readonly options: SelectorOptions,
  ) {
    this.cache = new ImageCache(options.cacheBytes);
    this.warnings = new ImageWarnings(options.domain, options.onWarning);
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

  /** Past the deadline: refuses what waits and ends the forward running, when the model can (a network in a worker thread). */
  async abortRunning(): Promise<void> {
    this.cancelled = true;
    const model = this.model as InteractiveProbabilityModel & { terminate?: () => Promise<void> };
    if (this.running !== undefined) await model.terminate?.();
  }

  /**
   * Starts stopping: from now on a waiting selection starts only if it is expected to end within
   * `budgetMs` of the stop signal, else it is refused with 503. A forward on wasm blocks the event
   * loop for seconds, so the signal may have arrived while the last selection ran: the budget
   * counts from that selection's start when it ended just now. Gives the deadline
   * (`performance.now()` time).
   */
  stopWithin(budgetMs: number): number {
    const now = performance.now();
    const blocked = this.options.blocksEventLoop !== false;
    const since = !blocked ? now : (this.running ?? (now - this.lastEnd < BLOCKED_SIGNAL_MS ? this.lastStart : now));
    this.deadline = since + budgetMs;
    return this.deadline;
  }

  /** Resolves once no selection runs (the queue's tail has settled). */
  async idle(): Promise<void> {
    await this.queue;
  }

  /** Selections running or waiting. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * The mask for `clicks` on `image` (clicks checked against its size): the network's probability,
   * blended with `previousMask` when given, refined, and then the clicked pixels set to their
   * clicks' labels (click-consistent whatever the refinement).
   */
  async select(image: RgbImage, imageId: string, clicks: readonly Click[], overrides: SelectOverrides = {}): Promise<Selection> {
    if (clicks.length === 0) throw new HttpError(400, 'give at least one click');
    clicks.forEach((c, i) => {
      if (c.x < 0 || c.y < 0 || c.x >= image.width || c.y >= image.height)
        throw new HttpError(400, `click ${i} (${c.x}, ${c.y}) is outside the ${image.width}x${image.height} image`);
    });
    this.inFlight++;
    const run = this.queue.then(async () => {
      // A turn of the event loop first: a stop signal that came during the last forward is seen now.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.cancelled) throw stopping();
      if (this.deadline !== undefined && performance.now() + this.expectedMs() > this.deadline) throw stopping();
      return this.run(image, imageId, clicks, overrides);
    });
    this.queue = run.catch(() => undefined);
    try {
      const selection = await run;
      return { ...selection, warnings: await this.warnings.of(image, imageId, selection.mask, true) };
    } finally {
      this.inFlight--;
    }
  }

  private async run(
    image: RgbImage,
    imageId: string,
    clicks: readonly Click[],
    overrides: SelectOverrides,
  ): Promise<Omit<Selection, 'warnings'>> {
    const { buildInteractiveInput, blendMaskPrior, enforceClicks } = await import('@objsel/clicks');
    const { networkProbability, refineSelection } = await import('@objsel/deeplab-resnet/interactive');
    const { width, height } = image;
    const options = { ...this.options, ...(overrides.threshold === undefined ? {} : { threshold: overrides.threshold }) };
    const started = performance.now();
    this.running = started;
    try {
      const { atTrainedSize } = await import('../weights-metadata');
      const { clickScale } = await atTrainedSize(options, image);
      const input = buildInteractiveInput(image, clicks, { scale: clickScale ?? 1, truncate: options.clickTruncate });
      const { probability } = await networkProbability(this.model, { input, width, height, clicks }, options);
      const prior = overrides.previousMask
        ? blendMaskPrior(probability, overrides.previousMask, width, height, overrides.previousMaskWeight)
        : probability;
      const refined = await refineSelection(prior, image, clicks, options);
      const mask = enforceClicks(refined, width, height, clicks);
      return { image, imageId, mask, ms: performance.now() - started };
    } finally {
      this.lastStart = started;
      this.lastEnd = performance.now();
      this.recent = [...this.recent.slice(-2), this.lastEnd - started];
      this.running = undefined;
    }
  }

  /** What the next selection is expected to take: the longest of the last three (0 before the first). */
  private expectedMs(): number {
    return Math.max(0, ...this.recent);
  }
}

/** How soon after a selection ended a stop is taken to have been signalled during it (ms). */
const BLOCKED_SIGNAL_MS = 100;

function stopping(): HttpError {
  return new HttpError(503, 'the server is stopping: send the request again to another replica');
}
