import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClicksError,
  clickToCrop,
  createZoomIn,
  cropChannels,
  cropToImage,
  expandRoi,
  maskRoi,
  objectRoi,
  pasteCrop,
  roiHoldsPositiveClicks,
  roiIou,
  roundHalfEven,
  zoomCropSize,
  type Click,
  type ZoomRoi,
} from '../src/index';

/** An image size, a mask with at least one pixel on, and clicks inside it. */
const scene = fc.record({ width: fc.integer({ min: 1, max: 40 }), height: fc.integer({ min: 1, max: 40 }) }).chain(({ width, height }) =>
  fc.record({
    width: fc.constant(width),
    height: fc.constant(height),
    mask: fc.uint8Array({ minLength: width * height, maxLength: width * height, min: 0, max: 1 }),
    clicks: fc.array(
      fc.record({ x: fc.integer({ min: 0, max: width - 1 }), y: fc.integer({ min: 0, max: height - 1 }), positive: fc.boolean() }),
      { maxLength: 6 },
    ),
    ratio: fc.double({ min: 1, max: 3, noNaN: true }),
    minSize: fc.integer({ min: 0, max: 60 }),
  }),
);

const inside = (roi: ZoomRoi, x: number, y: number) => x >= roi.left && x <= roi.right && y >= roi.top && y <= roi.bottom;

describe('ZoomIn geometry (RITM rules)', () => {
  it("rounds half to even as Python's round", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3]);
  });

  it('expands a box about its centre as expand_bbox (hand-computed)', () => {
    // rows 10..19 (10 high) -> 14 high about 14.5: 7.5 -> 8 (even), 21.5 -> 22; columns 0..4 with min 8: 2 +- 4
    expect(expandRoi({ top: 10, bottom: 19, left: 0, right: 4 }, 1.4, 8)).toEqual({ top: 8, bottom: 22, left: -2, right: 6 });
  });

  it('the box contains the mask and every positive click, is clamped to the image and at least the minimum size where it fits', () => {
    fc.assert(
      fc.property(scene, ({ width, height, mask, clicks, ratio, minSize }) => {
        const roi = objectRoi(mask, width, height, clicks, { expansionRatio: ratio, minCropSize: minSize });
        const box = maskRoi(mask, width, height);
        if (!box && !clicks.some((c) => c.positive)) return roi === undefined;
        if (!roi) return false;
        if (roi.top < 0 || roi.left < 0 || roi.bottom > height - 1 || roi.right > width - 1) return false;
        if (box && !(inside(roi, box.left, box.top) && inside(roi, box.right, box.bottom))) return false;
        for (let i = 0; i < mask.length; i++) if (mask[i] && !inside(roi, i % width, Math.floor(i / width))) return false;
        for (const c of clicks) if (c.positive && !inside(roi, c.x, c.y)) return false;
        // Before clamping each side is >= minSize - 1 (rounding); after, it is that or the whole image.
        const h = roi.bottom - roi.top + 1;
        const w = roi.right - roi.left + 1;
        return (
          (h >= minSize - 1 || h === height || roi.top === 0 || roi.bottom === height - 1) &&
          (w >= minSize - 1 || w === width || roi.left === 0 || roi.right === width - 1)
        );
      }),
    );
  });

  it('clicks round-trip through the crop coordinates', () => {
    fc.assert(
      fc.property(scene, fc.integer({ min: 1, max: 500 }), ({ width, height, mask, clicks, ratio, minSize }, target) => {
        const roi = objectRoi(mask, width, height, clicks, { expansionRatio: ratio, minCropSize: minSize });
        if (!roi) return true;
        const crop = zoomCropSize(roi, target);
        if (Math.max(crop.width, crop.height) !== target && Math.min(crop.width, crop.height) !== 1) return false;
        for (const c of clicks) {
          const back = cropToImage(clickToCrop(c, roi, crop), roi, crop);
          if (Math.abs(back.x - c.x) > 1e-9 || Math.abs(back.y - c.y) > 1e-9) return false;
        }
        return true;
      }),
    );
  });

  it('paste(crop(x)) reproduces x inside the box and fills the rest (a linear field survives both bilinear resizes)', () => {
    fc.assert(
      fc.property(
        scene,
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        ({ width, height, mask, clicks, ratio, minSize }, target, a, b) => {
          const roi = objectRoi(mask, width, height, clicks, { expansionRatio: ratio, minCropSize: minSize });
          if (!roi) return true;
          const field = Float32Array.from({ length: width * height }, (_, i) => a * (i % width) + b * Math.floor(i / width) + 3);
          const crop = zoomCropSize(roi, target);
          const cropped = cropChannels(field, 1, { width, height }, roi, crop);
          const pasted = pasteCrop(cropped, crop, roi, { width, height }, -7);
          for (let y = 0; y < height; y++)
            for (let x = 0; x < width; x++) {
              const v = pasted[y * width + x]!;
              // A crop of 1 pixel on an axis keeps only the box's first row/column there.
              const fx = crop.width === 1 ? roi.left : x;
              const fy = crop.height === 1 ? roi.top : y;
              const want = inside(roi, x, y) ? a * fx + b * fy + 3 : -7;
              if (Math.abs(v - want) > 1e-3 * (1 + Math.abs(want))) return false;
            }
          return true;
        },
      ),
    );
  });

  it('cropChannels samples the box corners exactly (aligned corners) on every channel', () => {
    const size = { width: 5, height: 4 };
    const data = Float32Array.from({ length: 5 * 4 * 2 }, (_, i) => i);
    const roi = { top: 1, bottom: 3, left: 1, right: 4 };
    const out = cropChannels(data, 2, size, roi, { width: 7, height: 5 });
    const at = (x: number, y: number, c: number) => data[(y * 5 + x) * 2 + c]!;
    expect(out[0]).toBe(at(1, 1, 0));
    expect(out[1]).toBe(at(1, 1, 1));
    expect(out[(4 * 7 + 6) * 2]).toBe(at(4, 3, 0));
    expect(() => cropChannels(data, 2, size, { ...roi, right: 5 }, { width: 2, height: 2 })).toThrow(ClicksError);
  });

  it('box IoU is 1 for equal boxes, 0 for disjoint and symmetric', () => {
    const a = { top: 0, bottom: 9, left: 0, right: 9 };
    expect(roiIou(a, a)).toBe(1);
    expect(roiIou(a, { top: 20, bottom: 29, left: 0, right: 9 })).toBe(0);
    const b = { top: 5, bottom: 14, left: 0, right: 9 };
    expect(roiIou(a, b)).toBeCloseTo(5 / 15, 12);
    expect(roiIou(b, a)).toBe(roiIou(a, b));
  });

  it('a positive click on the last row or column leaves the box (RITM check_object_roi)', () => {
    const roi = { top: 0, bottom: 9, left: 0, right: 9 };
    expect(roiHoldsPositiveClicks(roi, [{ x: 8, y: 8, positive: true }])).toBe(true);
    expect(roiHoldsPositiveClicks(roi, [{ x: 9, y: 0, positive: true }])).toBe(false);
    expect(roiHoldsPositiveClicks(roi, [{ x: 50, y: 50, positive: false }])).toBe(true);
  });
});

describe('createZoomIn (RITM state rules)', () => {
  const W = 100;
  const H = 80;
  const square = (x0: number, y0: number, s: number) => {
    const p = new Float32Array(W * H);
    for (let y = y0; y < y0 + s; y++) for (let x = x0; x < x0 + s; x++) p[y * W + x] = 0.9;
    return p;
  };
  const opts = { minCropSize: 10, targetSize: 64 };

  it('skips the first click and an empty previous prediction', () => {
    const zoom = createZoomIn(opts);
    const c1: Click[] = [{ x: 30, y: 30, positive: true }];
    expect(zoom.roi(c1, null, W, H)).toBeUndefined();
    expect(zoom.roi([...c1, { x: 5, y: 5, positive: false }], new Float32Array(W * H), W, H)).toBeUndefined();
  });

  it('keeps its box while the clicks stay inside and the new box overlaps, recomputes otherwise', () => {
    const zoom = createZoomIn(opts);
    const clicks: Click[] = [
      { x: 30, y: 30, positive: true },
      { x: 45, y: 45, positive: false },
    ];
    const first = zoom.roi(clicks, square(25, 25, 20), W, H)!;
    // 20 px square at 25..44 -> 28 px about 34.5: 20.5 -> 20, 48.5 -> 48
    expect(first).toEqual({ top: 20, bottom: 48, left: 20, right: 48 });
    // A slightly larger prediction: box IoU stays above 0.5, the box is kept.
    expect(zoom.roi(clicks, square(25, 25, 22), W, H)).toBe(first);
    // A positive click outside the kept box: recomputed around it.
    const moved = zoom.roi([...clicks, { x: 70, y: 60, positive: true }], square(25, 25, 22), W, H)!;
    expect(moved).not.toBe(first);
    expect(inside(moved, 70, 60)).toBe(true);
  });

  it('checks its options', () => {
    expect(() => createZoomIn({ expansionRatio: 0.5 })).toThrow(ClicksError);
    expect(() => createZoomIn({ targetSize: 0 })).toThrow(ClicksError);
  });
});
