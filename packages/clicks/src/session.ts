import { ClicksError } from './errors';
import { graphCut } from './graphcut';
import { buildInteractiveInput } from './interactive-input';
import type { MaybePromise, PredictMask } from './noc';
import type { Click, RgbImage } from './types';
import { checkLength, checkNumber } from './validate';

/**
 * Any segmentation model: from the 5-channel input (HWC float32: R, G, B, positive distance,
 * negative distance) to a foreground probability per pixel (`width * height`).
 */
export type SegmentFunction = (input: Float32Array, width: number, height: number) => MaybePromise<Float32Array>;

/** A custom refinement: probability map, image and clicks to a binary mask. */
export type RefineFunction = (probability: Float32Array, image: RgbImage, clicks: readonly Click[]) => MaybePromise<Uint8Array>;

/** Options of {@link createSession}, {@link createPredictor} and {@link refineProbability}. */
export interface SessionOptions {
  /** `'none'` thresholds the probability (default), `'graphcut'` runs {@link graphCut} with the clicks as hard constraints, or a function. */
  refine?: 'none' | 'graphcut' | RefineFunction;
  /** Foreground when probability >= threshold (default 0.5; `'none'` only). */
  threshold?: number;
  /** Distance-map scale of the input (default 1). */
  scale?: number;
  /** Distance-map truncation of the input (default 255). */
  truncate?: number;
  /** Graph-cut parameters for `refine: 'graphcut'`. */
  graphCut?: { lambda?: number; sigma?: number; connectivity?: 4 | 8 };
}

function checkOptions(options: SessionOptions): void {
  checkNumber(options.threshold ?? 0.5, 'threshold', (v) => v >= 0 && v <= 1, 'in [0, 1]');
  const refine = options.refine ?? 'none';
  if (refine !== 'none' && refine !== 'graphcut' && typeof refine !== 'function') {
    throw new ClicksError('bad-parameter', `refine must be 'none', 'graphcut' or a function, got ${String(refine)}`, { where: 'refine' });
  }
}

/**
 * Turns a probability map into a mask as `options.refine` says: thresholding (`'none'`), graph
 * cut with the clicks as hard constraints (`'graphcut'`), or a custom function.
 */
export async function refineProbability(
  probability: Float32Array,
  image: RgbImage,
  clicks: readonly Click[],
  options: SessionOptions = {},
): Promise<Uint8Array> {
  const { width, height } = image;
  checkLength(probability, width, height, 1, 'probability');
  checkOptions(options);
  const refine = options.refine ?? 'none';
  if (refine === 'graphcut') return graphCut({ probs: probability, image: image.data, width, height, clicks, ...options.graphCut }).mask;
  if (typeof refine === 'function') {
    const mask = await refine(probability, image, clicks);
    checkLength(mask, width, height, 1, 'refined mask');
    return mask;
  }
  const threshold = options.threshold ?? 0.5;
  return Uint8Array.from(probability, (p) => (p >= threshold ? 1 : 0));
}

/**
 * A {@link PredictMask} for `runRobot` / `evaluateNoc` from any segmentation model: encodes the
 * clicks next to the image, runs `segment`, refines. This is the whole model side of a NoC
 * evaluation.
 */
export function createPredictor(image: RgbImage, segment: SegmentFunction, options: SessionOptions = {}): PredictMask {
  const { width, height } = image;
  checkLength(image.data, width, height, 3, 'image');
  checkOptions(options);
  return async (clicks) => {
    const input = buildInteractiveInput(image, clicks, { scale: options.scale, truncate: options.truncate });
    const probability = await segment(input, width, height);
    checkLength(probability, width, height, 1, 'probability');
    return refineProbability(probability, image, clicks, options);
  };
}

/** One state of the session (after some number of clicks). */
interface SessionState {
  clicks: Click[];
  probability: Float32Array | null;
  mask: Uint8Array;
}

/** An interactive selection over one image; see {@link createSession}. */
export interface InteractiveSession {
  readonly image: RgbImage;
  /** The clicks so far, in order. */
  readonly clicks: readonly Click[];
  /** The current mask (1 = selected), all zeros before the first click. */
  readonly mask: Uint8Array;
  /** The model's last probability map, null before the first click. */
  readonly probability: Float32Array | null;
  /**
   * Adds a click (coordinates are floored to the pixel containing them), runs the model and the
   * refinement, and resolves to the new mask. Calls are queued, so clicks apply in order; a
   * failed click leaves the session as it was.
   */
  addClick(click: { x: number; y: number; positive: boolean }): Promise<Uint8Array>;
  /** Removes the last click, restoring the previous mask without running the model. */
  undo(): Promise<Uint8Array>;
  /** Removes every click. */
  reset(): Promise<Uint8Array>;
}

/**
 * An interactive object-selection session: each click re-encodes all clicks as distance maps
 * next to the image, asks `segment` for a probability map and refines it to a mask. Typed
 * arrays only; runs in browsers and Node.
 */
export function createSession(image: RgbImage, segment: SegmentFunction, options: SessionOptions = {}): InteractiveSession {
  const { width, height } = image;
  checkLength(image.data, width, height, 3, 'image');
  checkOptions(options);
  const history: SessionState[] = [{ clicks: [], probability: null, mask: new Uint8Array(width * height) }];
  const current = (): SessionState => history[history.length - 1]!;
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  const add = async (click: { x: number; y: number; positive: boolean }): Promise<Uint8Array> => {
    const x = Math.floor(click.x);
    const y = Math.floor(click.y);
    if (!(x >= 0 && y >= 0 && x < width && y < height)) {
      throw new ClicksError('bad-clicks', `click at (${click.x}, ${click.y}) is outside the ${width}x${height} image`, { where: 'click' });
    }
    const clicks = [...current().clicks, { x, y, positive: Boolean(click.positive) }];
    const input = buildInteractiveInput(image, clicks, { scale: options.scale, truncate: options.truncate });
    const probability = await segment(input, width, height);
    checkLength(probability, width, height, 1, 'probability');
    const mask = await refineProbability(probability, image, clicks, options);
    history.push({ clicks, probability, mask });
    return mask;
  };

  return {
    image,
    get clicks() {
      return current().clicks;
    },
    get mask() {
      return current().mask;
    },
    get probability() {
      return current().probability;
    },
    addClick: (click) => enqueue(() => add(click)),
    undo: () =>
      enqueue(async () => {
        if (history.length > 1) history.pop();
        return current().mask;
      }),
    reset: () =>
      enqueue(async () => {
        history.length = 1;
        return current().mask;
      }),
  };
}
