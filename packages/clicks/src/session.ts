import { ClicksError } from './errors';
import { graphCut } from './graphcut';
import { buildInteractiveInput } from './interactive-input';
import type { MaybePromise, PredictMask } from './noc';
import type { Click, RgbImage } from './types';
import { checkLength, checkNumber } from './validate';

/** What a segmentation model is asked for one state of a selection. */
export interface SegmentRequest {
  /** The 5-channel input, HWC float32: R, G, B, positive distance, negative distance ({@link buildInteractiveInput}). */
  readonly input: Float32Array;
  readonly width: number;
  readonly height: number;
  /** The clicks encoded in `input`, in order (for models that use them directly, e.g. f-BRS). */
  readonly clicks: readonly Click[];
  /** The mask before the last click, null at the first click. */
  readonly previousMask: Uint8Array | null;
}

/** Any segmentation model: from a {@link SegmentRequest} to a foreground probability per pixel (`width * height`). */
export type SegmentFunction = (request: SegmentRequest) => MaybePromise<Float32Array>;

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

/** A mask and the probability it was made from. */
interface Selection {
  mask: Uint8Array;
  probability: Float32Array;
}

/** Encodes the clicks next to the image, runs `segment`, refines: the one path of a click. */
function selectionPredictor(
  image: RgbImage,
  segment: SegmentFunction,
  options: SessionOptions,
): (clicks: readonly Click[], previousMask: Uint8Array | null) => Promise<Selection> {
  const { width, height } = image;
  checkLength(image.data, width, height, 3, 'image');
  checkOptions(options);
  return async (clicks, previousMask) => {
    const input = buildInteractiveInput(image, clicks, { scale: options.scale, truncate: options.truncate });
    const probability = await segment({ input, width, height, clicks, previousMask });
    checkLength(probability, width, height, 1, 'probability');
    return { mask: await refineProbability(probability, image, clicks, options), probability };
  };
}

/**
 * A {@link PredictMask} for `runRobot` / `evaluateNoc` from any segmentation model: encodes the
 * clicks next to the image, runs `segment`, refines. This is the whole model side of a NoC
 * evaluation.
 */
export function createPredictor(image: RgbImage, segment: SegmentFunction, options: SessionOptions = {}): PredictMask {
  const predict = selectionPredictor(image, segment, options);
  return async (clicks, previous) => (await predict(clicks, previous)).mask;
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
 * An interactive object-selection session: each click runs the {@link createPredictor} path
 * (all clicks encoded as distance maps next to the image, `segment` asked for a probability map
 * with the clicks and the previous mask, the map refined to a mask). Typed arrays only; runs in
 * browsers and Node.
 */
export function createSession(image: RgbImage, segment: SegmentFunction, options: SessionOptions = {}): InteractiveSession {
  const { width, height } = image;
  const predict = selectionPredictor(image, segment, options);
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
    const { mask, probability } = await predict(clicks, history.length > 1 ? current().mask : null);
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
