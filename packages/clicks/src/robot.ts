import { squaredDistanceToSet } from './edt';
import type { Click } from './types';
import { checkLength } from './validate';

/** Options of {@link nextClick}. */
export interface NextClickOptions {
  /** Pixels (non-zero) that are neither errors nor counted anywhere (VOC void); they act as correct pixels. */
  ignore?: Uint8Array;
  /**
   * `'joint'` (default, the protocol): one distance transform of the whole error region
   * (missed and false pixels together) against correctly labelled pixels and the image border.
   * `'separate'` (RITM's `get_next_points`): missed and false regions are transformed separately
   * (each against everything else), the click goes to the larger maximum, and a tie is negative.
   * They differ only where missed and false regions touch.
   */
  regions?: 'joint' | 'separate';
}

/**
 * Where the prediction is wrong, cut to the errors' bounding box: 1 = missed (in `gt`, not in
 * `pred`), 2 = falsely selected. Every pixel outside the box is correct (or the image border), so
 * the box's one-pixel frame — what the distance transform's `border` adds — stands exactly for
 * them: the transform of the box alone gives every error pixel its distance in the whole image,
 * and the robot's per-click cost scales with the error, not the image (most corrections are small).
 */
function errorKinds(
  gt: ArrayLike<number>,
  pred: ArrayLike<number>,
  ignore: Uint8Array | undefined,
  width: number,
  height: number,
): { kinds: Uint8Array; x0: number; y0: number; w: number; h: number } | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0, i = 0; y < height; y++)
    for (let x = 0; x < width; x++, i++) {
      if ((ignore && ignore[i] !== 0) || (gt[i] !== 0) === (pred[i] !== 0)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y0 === height) y0 = y;
      y1 = y;
    }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const kinds = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0, i = (y0 + y) * width + x0, o = y * w; x < w; x++, i++, o++) {
      if (ignore && ignore[i] !== 0) continue;
      const g = gt[i] !== 0;
      if (g !== (pred[i] !== 0)) kinds[o] = g ? 1 : 2;
    }
  return { kinds, x0, y0, w, h };
}

/** The first pixel (row-major) of maximal squared distance among `member` pixels, or -1. */
function argmax(dist2: Float64Array, kinds: Uint8Array, member: (kind: number) => boolean): { index: number; value: number } {
  let index = -1;
  let value = -1;
  for (let i = 0; i < dist2.length; i++) {
    if (member(kinds[i]!) && dist2[i]! > value) {
      value = dist2[i]!;
      index = i;
    }
  }
  return { index, value };
}

/**
 * The click robot of RITM and later work: the next click goes to the error pixel (missed or
 * falsely selected) farthest, in exact Euclidean distance, from every correctly labelled pixel
 * and from the image border (the error region padded with a one-pixel frame of "correct");
 * positive if the pixel was missed, negative if it was falsely selected; ties go to the first
 * pixel in row-major order. With an empty prediction this is the object's deepest interior
 * point. Returns null when the prediction has no error.
 *
 * @param gt - ground truth, `width * height`, non-zero = object.
 * @param pred - prediction, `width * height`, non-zero = selected.
 */
export function nextClick(
  gt: ArrayLike<number>,
  pred: ArrayLike<number>,
  width: number,
  height: number,
  options: NextClickOptions = {},
): Click | null {
  checkLength(gt, width, height, 1, 'gt');
  checkLength(pred, width, height, 1, 'pred');
  if (options.ignore) checkLength(options.ignore, width, height, 1, 'ignore');
  const errors = errorKinds(gt, pred, options.ignore, width, height);
  if (!errors) return null;
  const { kinds, w, h } = errors;
  let index: number;
  if ((options.regions ?? 'joint') === 'joint') {
    const dist2 = squaredDistanceToSet(kinds, w, h, { of: 'zero', border: true });
    index = argmax(dist2, kinds, (k) => k !== 0).index;
  } else {
    const fnMask = Uint8Array.from(kinds, (k) => (k === 1 ? 1 : 0));
    const fpMask = Uint8Array.from(kinds, (k) => (k === 2 ? 1 : 0));
    const fn = argmax(squaredDistanceToSet(fnMask, w, h, { of: 'zero', border: true }), kinds, (k) => k === 1);
    const fp = argmax(squaredDistanceToSet(fpMask, w, h, { of: 'zero', border: true }), kinds, (k) => k === 2);
    index = fn.value > fp.value ? fn.index : fp.index;
  }
  if (index < 0) return null;
  const x = index % w;
  return { x: errors.x0 + x, y: errors.y0 + (index - x) / w, positive: kinds[index] === 1 };
}

/**
 * Intersection over union of two binary masks (non-zero = object), skipping `ignore`d pixels;
 * 1 when both are empty.
 */
export function maskIou(gt: ArrayLike<number>, pred: ArrayLike<number>, ignore?: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < gt.length; i++) {
    if (ignore && ignore[i] !== 0) continue;
    const g = gt[i] !== 0;
    const p = pred[i] !== 0;
    if (g && p) inter++;
    if (g || p) union++;
  }
  return union === 0 ? 1 : inter / union;
}
