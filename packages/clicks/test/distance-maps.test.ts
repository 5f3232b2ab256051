import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClicksError, clickMaps, distanceMap, distanceMaps, type Point } from '../src/index';

function brute(width: number, height: number, points: readonly Point[], scale: number, truncate: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let best = Infinity;
      for (const p of points) best = Math.min(best, Math.hypot(p.x - x, p.y - y));
      out[y * width + x] = Math.min(best * scale, truncate);
    }
  }
  return out;
}

const caseArb = fc
  .record({ width: fc.integer({ min: 1, max: 40 }), height: fc.integer({ min: 1, max: 40 }) })
  .chain(({ width, height }) => {
    const point = fc.record({ x: fc.integer({ min: 0, max: width - 1 }), y: fc.integer({ min: 0, max: height - 1 }) });
    return fc.record({
      width: fc.constant(width),
      height: fc.constant(height),
      positive: fc.array(point, { maxLength: 8 }),
      negative: fc.array(point, { maxLength: 8 }),
      scale: fc.constantFrom(1, 0.5, 6, 2.5),
      truncate: fc.constantFrom(255, 10, 3),
    });
  });

describe('distance maps', () => {
  it('equal the brute-force truncated Euclidean distance (float32 rounding only)', () => {
    fc.assert(
      fc.property(caseArb, ({ width, height, positive, negative, scale, truncate }) => {
        const maps = distanceMaps(width, height, positive, negative, { scale, truncate });
        const p = brute(width, height, positive, scale, truncate);
        const n = brute(width, height, negative, scale, truncate);
        expect(maps.length).toBe(width * height * 2);
        let worst = 0;
        for (let i = 0; i < width * height; i++)
          worst = Math.max(worst, Math.abs(maps[2 * i]! - p[i]!), Math.abs(maps[2 * i + 1]! - n[i]!));
        expect(worst).toBeLessThanOrEqual(1e-4);
        expect(Array.from(distanceMap(width, height, positive, { scale, truncate }))).toEqual(
          Array.from(maps.filter((_, i) => i % 2 === 0)),
        );
      }),
    );
  });

  it('is 255 everywhere without clicks and 0 on a click', () => {
    const maps = distanceMaps(5, 4, [{ x: 2, y: 1 }], []);
    expect(maps[2 * (1 * 5 + 2)]).toBe(0);
    expect(maps[2 * (0 * 5 + 0)]).toBeCloseTo(Math.sqrt(5), 6);
    for (let i = 0; i < 20; i++) expect(maps[2 * i + 1]).toBe(255);
  });

  it('clickMaps routes positive and negative clicks to channels 0 and 1', () => {
    const maps = clickMaps(3, 1, [
      { x: 0, y: 0, positive: true },
      { x: 2, y: 0, positive: false },
    ]);
    expect(Array.from(maps)).toEqual([0, 2, 1, 1, 2, 0]);
  });

  it('rejects clicks outside the image or not on integer pixels', () => {
    expect(() => distanceMap(4, 4, [{ x: 4, y: 0 }])).toThrow(ClicksError);
    expect(() => distanceMap(4, 4, [{ x: 1.5, y: 0 }])).toThrow(/not an integer pixel/);
    expect(() => distanceMap(4, 4, [], { scale: 0 })).toThrow(/scale/);
  });
});
