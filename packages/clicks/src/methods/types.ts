import type { Click, RgbImage } from '../types';

/**
 * A box `[x0, y0, x1, y1]` in pixels: columns x0 <= x < x1, rows y0 <= y < y1 (the corners of
 * OpenCV's `Rect(x0, y0, x1 - x0, y1 - y0)`). It is clamped to the image as OpenCV clamps its
 * rectangle; everything outside it is background.
 */
export type Box = readonly [x0: number, y0: number, x1: number, y1: number];

/** What a classic selection method is given besides the image. */
export interface SelectionInput<S> {
  /** Every click so far, in order (a later click at the same pixel wins). Clicked pixels are hard constraints. */
  readonly clicks: readonly Click[];
  /** Optional box; the outside is hard background. */
  readonly box?: Box;
  /**
   * The `state` of the previous call on the same image, so that clicks after the first refine
   * the previous result (GrabCut keeps its colour models and labels). Ignored when it belongs to
   * another image (another data array or size) or another method.
   */
  readonly previous?: S;
}

/** What a classic selection method returns. */
export interface SelectionResult<S> {
  /** `width * height`, 1 = selected. */
  readonly mask: Uint8Array;
  /** Pass back as `previous` with the next click. */
  readonly state: S;
}

/** One interface for every classic method: image plus clicks (and box) to a mask. */
export type SelectionMethod<S> = (image: RgbImage, input: SelectionInput<S>) => SelectionResult<S>;
