import { ClicksError } from './errors';
import type { Click } from './types';
import { checkLength, checkNumber, checkSize } from './validate';

/**
 * RITM's ZoomIn (`isegm/inference/transforms/zoom_in.py` with `isegm/utils/misc.py`'s box
 * helpers): after the first click the network runs on a crop around the current prediction and
 * the positive clicks, expanded 1.4 times (at least `minCropSize` pixels a side), clamped to the
 * image and resized to `targetSize` on its longer side; the crop's probability is resized back
 * and pasted into an otherwise empty map. Geometry only (no TF.js): the model side crops its
 * input with {@link cropChannels} and pastes with {@link pasteCrop}.
 */

/** An inclusive pixel box, as RITM's `(rmin, rmax, cmin, cmax)`. */
export interface ZoomRoi {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** Options of {@link createZoomIn}; the defaults are RITM's `ZoomIn` defaults. */
export interface ZoomInOptions {
  /** Pixels on the crop's longer side after resizing (400; RITM uses 600 for DAVIS). */
  targetSize?: number;
  /** Clicks before zooming starts (1: the first click sees the whole image). */
  skipClicks?: number;
  /** Box growth around the object (1.4). */
  expansionRatio?: number;
  /** Minimum crop side before clamping to the image (200). */
  minCropSize?: number;
  /** A new box replaces the kept one when their IoU falls below this (0.5). */
  recomputeIou?: number;
  /** The previous prediction (a probability, or a 0/1 mask) is object above this (0.5). */
  probabilityThreshold?: number;
}

/** The resolved options. */
export type ResolvedZoomIn = Required<ZoomInOptions>;

/** RITM's defaults. */
export const ZOOM_IN_DEFAULTS: ResolvedZoomIn = {
  targetSize: 400,
  skipClicks: 1,
  expansionRatio: 1.4,
  minCropSize: 200,
  recomputeIou: 0.5,
  probabilityThreshold: 0.5,
};

/** Validates and fills in {@link ZoomInOptions}. */
export function resolveZoomIn(options: ZoomInOptions = {}): ResolvedZoomIn {
  const o = { ...ZOOM_IN_DEFAULTS, ...options };
  checkNumber(o.targetSize, 'zoomIn.targetSize', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  checkNumber(o.skipClicks, 'zoomIn.skipClicks', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  checkNumber(o.expansionRatio, 'zoomIn.expansionRatio', (v) => v >= 1, 'a number >= 1');
  checkNumber(o.minCropSize, 'zoomIn.minCropSize', (v) => v >= 0, 'a number >= 0');
  checkNumber(o.recomputeIou, 'zoomIn.recomputeIou', (v) => v >= 0 && v <= 1, 'in [0, 1]');
  checkNumber(o.probabilityThreshold, 'zoomIn.probabilityThreshold', (v) => v >= 0 && v < 1, 'in [0, 1)');
  return o;
}

/** Python's `round` (half to even), which RITM's `expand_bbox` uses. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The smallest box holding every non-zero pixel, or undefined for an empty mask. */
export function maskRoi(mask: ArrayLike<number>, width: number, height: number): ZoomRoi | undefined {
  checkLength(mask, width, height, 1, 'mask');
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!mask[row + x]) continue;
      if (y < top) top = y;
      bottom = y;
      if (x < left) left = x;
      if (x > right) right = x;
    }
  }
  return bottom < 0 ? undefined : { top, bottom, left, right };
}

/** RITM's `expand_bbox`: the box grown `ratio` times about its centre, each side at least `minSize`. */
export function expandRoi(roi: ZoomRoi, ratio: number, minSize: number): ZoomRoi {
  const cy = 0.5 * (roi.top + roi.bottom);
  const cx = 0.5 * (roi.left + roi.right);
  const h = Math.max(ratio * (roi.bottom - roi.top + 1), minSize);
  const w = Math.max(ratio * (roi.right - roi.left + 1), minSize);
  return {
    top: roundHalfEven(cy - 0.5 * h),
    bottom: roundHalfEven(cy + 0.5 * h),
    left: roundHalfEven(cx - 0.5 * w),
    right: roundHalfEven(cx + 0.5 * w),
  };
}

/** RITM's `clamp_bbox` to a `width` x `height` image. */
export function clampRoi(roi: ZoomRoi, width: number, height: number): ZoomRoi {
  return {
    top: Math.max(0, roi.top),
    bottom: Math.min(height - 1, roi.bottom),
    left: Math.max(0, roi.left),
    right: Math.min(width - 1, roi.right),
  };
}

function segmentIou(a0: number, a1: number, b0: number, b1: number): number {
  const intersection = Math.max(0, Math.min(a1, b1) - Math.max(a0, b0) + 1);
  const union = Math.max(1e-6, Math.max(a1, b1) - Math.min(a0, b0) + 1);
  return intersection / union;
}

/** RITM's `get_bbox_iou`: the product of the rows' and the columns' interval IoUs. */
export function roiIou(a: ZoomRoi, b: ZoomRoi): number {
  return segmentIou(a.top, a.bottom, b.top, b.bottom) * segmentIou(a.left, a.right, b.left, b.right);
}

/**
 * RITM's `get_object_roi`: the box of the mask with every positive click set, expanded and
 * clamped to the image.
 */
export function objectRoi(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  clicks: readonly Click[],
  options: Pick<ResolvedZoomIn, 'expansionRatio' | 'minCropSize'>,
): ZoomRoi | undefined {
  let box = maskRoi(mask, width, height);
  for (const c of clicks) {
    if (!c.positive) continue;
    box = box
      ? { top: Math.min(box.top, c.y), bottom: Math.max(box.bottom, c.y), left: Math.min(box.left, c.x), right: Math.max(box.right, c.x) }
      : { top: c.y, bottom: c.y, left: c.x, right: c.x };
  }
  return box && clampRoi(expandRoi(box, options.expansionRatio, options.minCropSize), width, height);
}

/**
 * RITM's `check_object_roi`: every positive click lies in the box, the last row and column
 * excluded (RITM's `>=` on the upper bounds, kept so a click there recomputes the box as RITM's does).
 */
export function roiHoldsPositiveClicks(roi: ZoomRoi, clicks: readonly Click[]): boolean {
  return clicks.every((c) => !c.positive || (c.y >= roi.top && c.y < roi.bottom && c.x >= roi.left && c.x < roi.right));
}

/** The crop's size after resizing: `targetSize` on the longer side, the aspect kept (RITM's `get_roi_image_nd`). */
export function zoomCropSize(roi: ZoomRoi, targetSize: number): { width: number; height: number } {
  const h = roi.bottom - roi.top + 1;
  const w = roi.right - roi.left + 1;
  const scale = targetSize / Math.max(h, w);
  return { width: Math.max(1, roundHalfEven(w * scale)), height: Math.max(1, roundHalfEven(h * scale)) };
}

/**
 * A click's position in the resized crop (RITM's `_transform_clicks`, which is not the inverse
 * of the align-corners resize but what RITM's network sees), as real coordinates.
 */
export function clickToCrop(click: Click, roi: ZoomRoi, crop: { width: number; height: number }): { x: number; y: number } {
  return {
    x: (crop.width * (click.x - roi.left)) / (roi.right - roi.left + 1),
    y: (crop.height * (click.y - roi.top)) / (roi.bottom - roi.top + 1),
  };
}

/** The inverse of {@link clickToCrop}: a crop position back in image coordinates. */
export function cropToImage(
  point: { x: number; y: number },
  roi: ZoomRoi,
  crop: { width: number; height: number },
): { x: number; y: number } {
  return {
    x: roi.left + (point.x * (roi.right - roi.left + 1)) / crop.width,
    y: roi.top + (point.y * (roi.bottom - roi.top + 1)) / crop.height,
  };
}

/** Bilinear sampling positions with aligned corners: output k of n maps to `from + k * (len - 1) / (n - 1)`. */
function alignedAxis(n: number, from: number, len: number): { i0: Int32Array; i1: Int32Array; t: Float64Array } {
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const t = new Float64Array(n);
  const step = n > 1 ? (len - 1) / (n - 1) : 0;
  for (let k = 0; k < n; k++) {
    const s = k * step;
    const f = Math.min(Math.floor(s), len - 1);
    i0[k] = from + f;
    i1[k] = from + Math.min(f + 1, len - 1);
    t[k] = s - f;
  }
  return { i0, i1, t };
}

function checkRoi(roi: ZoomRoi, width: number, height: number): void {
  const ok =
    [roi.top, roi.bottom, roi.left, roi.right].every(Number.isInteger) &&
    roi.top >= 0 &&
    roi.left >= 0 &&
    roi.top <= roi.bottom &&
    roi.left <= roi.right &&
    roi.bottom < height &&
    roi.right < width;
  if (!ok)
    throw new ClicksError(
      'bad-shape',
      `box rows ${roi.top}..${roi.bottom}, columns ${roi.left}..${roi.right} is not inside ${width}x${height}`,
      {
        where: 'roi',
      },
    );
}

/**
 * The box of interleaved float channels (HWC), resized to `crop` by bilinear interpolation with
 * aligned corners (RITM's `interpolate(..., align_corners=True)`).
 */
export function cropChannels(
  data: ArrayLike<number>,
  channels: number,
  size: { width: number; height: number },
  roi: ZoomRoi,
  crop: { width: number; height: number },
): Float32Array {
  checkLength(data, size.width, size.height, channels, 'data');
  checkRoi(roi, size.width, size.height);
  checkSize(crop.width, crop.height, 'crop');
  const ys = alignedAxis(crop.height, roi.top, roi.bottom - roi.top + 1);
  const xs = alignedAxis(crop.width, roi.left, roi.right - roi.left + 1);
  const out = new Float32Array(crop.width * crop.height * channels);
  const W = size.width;
  for (let y = 0; y < crop.height; y++) {
    const r0 = ys.i0[y]! * W;
    const r1 = ys.i1[y]! * W;
    const ty = ys.t[y]!;
    for (let x = 0; x < crop.width; x++) {
      const c0 = xs.i0[x]!;
      const c1 = xs.i1[x]!;
      const tx = xs.t[x]!;
      const o = (y * crop.width + x) * channels;
      for (let c = 0; c < channels; c++) {
        const a = data[(r0 + c0) * channels + c]!;
        const b = data[(r0 + c1) * channels + c]!;
        const d = data[(r1 + c0) * channels + c]!;
        const e = data[(r1 + c1) * channels + c]!;
        out[o + c] = (a + (b - a) * tx) * (1 - ty) + (d + (e - d) * tx) * ty;
      }
    }
  }
  return out;
}

/**
 * One channel computed on a crop, resized back to the box (bilinear, aligned corners) and pasted
 * into a `size` map that holds `fill` elsewhere (RITM's `inv_transform`: 0 outside the box).
 */
export function pasteCrop(
  cropData: ArrayLike<number>,
  crop: { width: number; height: number },
  roi: ZoomRoi,
  size: { width: number; height: number },
  fill = 0,
): Float32Array {
  checkLength(cropData, crop.width, crop.height, 1, 'crop');
  checkSize(size.width, size.height);
  checkRoi(roi, size.width, size.height);
  const h = roi.bottom - roi.top + 1;
  const w = roi.right - roi.left + 1;
  const back = cropChannels(
    cropData,
    1,
    crop,
    { top: 0, bottom: crop.height - 1, left: 0, right: crop.width - 1 },
    { width: w, height: h },
  );
  const out = new Float32Array(size.width * size.height).fill(fill);
  for (let y = 0; y < h; y++) out.set(back.subarray(y * w, (y + 1) * w), (roi.top + y) * size.width + roi.left);
  return out;
}

/** Where the next prediction runs: the whole image (`undefined`) or a box. */
export interface ZoomIn {
  /**
   * The box for this set of clicks given the previous prediction of the same object (a
   * probability or a 0/1 mask, `width * height`; null at the first click), following RITM's rules: no zoom for the first `skipClicks` clicks or when
   * the previous prediction is empty; the kept box is replaced when a positive click leaves it or
   * the new box's IoU with it falls below `recomputeIou`.
   */
  roi(clicks: readonly Click[], previous: ArrayLike<number> | null, width: number, height: number): ZoomRoi | undefined;
  readonly options: ResolvedZoomIn;
}

/** A ZoomIn for one object (its kept box is per object: make one per object). */
export function createZoomIn(options: ZoomInOptions = {}): ZoomIn {
  const o = resolveZoomIn(options);
  let kept: ZoomRoi | undefined;
  return {
    options: o,
    roi(clicks, previous, width, height) {
      if (clicks.length <= o.skipClicks || previous === null) return undefined;
      checkLength(previous, width, height, 1, 'previous');
      const mask = Uint8Array.from(previous as ArrayLike<number>, (p) => (p > o.probabilityThreshold ? 1 : 0));
      if (!mask.includes(1)) return undefined;
      const current = objectRoi(mask, width, height, clicks, o);
      if (!current) return undefined;
      if (!kept || !roiHoldsPositiveClicks(kept, clicks) || roiIou(current, kept) < o.recomputeIou) kept = current;
      return kept;
    },
  };
}
