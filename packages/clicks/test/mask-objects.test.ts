import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blendMaskPrior, cocoAnnotations, decodeCocoRle, enforceClicks, isClickConsistent, objectIndexMap } from '../src/index';

/** A size and 1-5 objects with distinct ids and random masks of that size. */
const randomObjects = fc
  .record({ width: fc.integer({ min: 1, max: 16 }), height: fc.integer({ min: 1, max: 16 }) })
  .chain(({ width, height }) =>
    fc
      .uniqueArray(fc.integer({ min: 1, max: 255 }), { minLength: 1, maxLength: 5 })
      .chain((ids) =>
        fc.tuple(
          ...ids.map((id) =>
            fc
              .uint8Array({ minLength: width * height, maxLength: width * height, max: 1 })
              .map((mask) => ({ id, mask, label: id % 2 ? 'cat' : 'dog' })),
          ),
        ),
      )
      .map((objects) => ({ width, height, objects })),
  );

describe('several objects: index map and COCO annotations', () => {
  it('the index map holds, per pixel, the id of the last object covering it', () => {
    fc.assert(
      fc.property(randomObjects, ({ width, height, objects }) => {
        const map = objectIndexMap(objects, width, height);
        for (let i = 0; i < width * height; i++) {
          const covering = objects.filter((o) => o.mask[i]).map((o) => o.id);
          expect(map[i]).toBe(covering.length ? covering[covering.length - 1] : 0);
        }
      }),
      { seed: 3, numRuns: 100 },
    );
  });

  it('COCO annotations decode back to each mask, with its area, bbox and category', () => {
    fc.assert(
      fc.property(randomObjects, ({ width, height, objects }) => {
        const coco = cocoAnnotations(objects, width, height, { fileName: 'a.jpg', imageId: 4 });
        expect(coco.images).toEqual([{ id: 4, width, height, file_name: 'a.jpg' }]);
        expect(coco.annotations.map((a) => a.id)).toEqual(objects.map((o) => o.id));
        coco.annotations.forEach((a, k) => {
          const mask = objects[k]!.mask;
          expect(decodeCocoRle(a.segmentation)).toEqual(Uint8Array.from(mask));
          expect(a.area).toBe(mask.reduce((s, v) => s + v, 0));
          expect(a.image_id).toBe(4);
          expect(coco.categories.find((c) => c.id === a.category_id)?.name).toBe(objects[k]!.label);
          if (a.area > 0) {
            const xs = [...mask.keys()].filter((i) => mask[i]).map((i) => i % width);
            const ys = [...mask.keys()].filter((i) => mask[i]).map((i) => Math.floor(i / width));
            expect(a.bbox).toEqual([
              Math.min(...xs),
              Math.min(...ys),
              Math.max(...xs) - Math.min(...xs) + 1,
              Math.max(...ys) - Math.min(...ys) + 1,
            ]);
          }
        });
      }),
      { seed: 4, numRuns: 100 },
    );
  });

  it('refuses ids outside 1-255, twice-given ids and masks of another size', () => {
    const mask = new Uint8Array(6);
    expect(() => objectIndexMap([{ id: 0, mask }], 3, 2)).toThrow(/1 to 255/);
    expect(() => objectIndexMap([{ id: 256, mask }], 3, 2)).toThrow(/1 to 255/);
    expect(() =>
      cocoAnnotations(
        [
          { id: 2, mask },
          { id: 2, mask },
        ],
        3,
        2,
      ),
    ).toThrow(/twice/);
    expect(() => cocoAnnotations([{ id: 2, mask }], 2, 2)).toThrow(/expected 4 values/);
  });
});

describe('click constraints and the previous-mask prior', () => {
  const click = (width: number, height: number) =>
    fc.record({ x: fc.integer({ min: 0, max: width - 1 }), y: fc.integer({ min: 0, max: height - 1 }), positive: fc.boolean() });

  it('enforceClicks sets each clicked pixel to its last click and leaves the others', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 35, maxLength: 35, max: 1 }), fc.array(click(7, 5), { maxLength: 10 }), (mask, clicks) => {
        const out = enforceClicks(mask, 7, 5, clicks);
        expect(isClickConsistent(out, 7, clicks)).toBe(true);
        const clicked = new Set(clicks.map((c) => c.y * 7 + c.x));
        for (let i = 0; i < 35; i++) if (!clicked.has(i)) expect(out[i]).toBe(mask[i]);
      }),
      { seed: 5, numRuns: 200 },
    );
    expect(isClickConsistent(Uint8Array.from([0, 1]), 2, [{ x: 0, y: 0, positive: true }])).toBe(false);
  });

  it('blendMaskPrior is (1 - w) p + w previous, and thresholded at 0.5 is the stated hysteresis', () => {
    fc.assert(
      fc.property(
        fc.float32Array({ minLength: 12, maxLength: 12, min: 0, max: 1, noNaN: true }),
        fc.uint8Array({ minLength: 12, maxLength: 12, max: 1 }),
        fc.double({ min: 0, max: 0.49, noNaN: true }),
        (p, previous, w) => {
          const blended = blendMaskPrior(p, previous, 4, 3, w);
          for (let i = 0; i < 12; i++) {
            expect(blended[i]).toBeCloseTo((1 - w) * p[i]! + w * previous[i]!, 6);
            // Kept while p >= (0.5 - w) / (1 - w) when selected before; joins at p >= 0.5 / (1 - w) otherwise.
            const bound = previous[i] ? (0.5 - w) / (1 - w) : 0.5 / (1 - w);
            if (Math.abs(p[i]! - bound) > 1e-5) expect(blended[i]! >= 0.5).toBe(p[i]! >= bound);
          }
        },
      ),
      { seed: 6, numRuns: 200 },
    );
    expect(() => blendMaskPrior([0.5], [1], 1, 1, 1.5)).toThrow(/previousMaskWeight/);
  });
});
