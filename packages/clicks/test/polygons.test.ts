import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskPolygons } from '../src/index';
import { randomBlobs, randomMask } from './mask-test-helpers';

/** Even-odd fill of the polygons at pixel centres (their union), written independently of the tracer. */
function rasterise(polygons: number[][], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const ring of polygons) {
    const n = ring.length / 2;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [px, py] = [x + 0.5, y + 0.5];
        let inside = false;
        for (let i = 0, j = n - 1; i < n; j = i++) {
          const [xi, yi, xj, yj] = [ring[i * 2]!, ring[i * 2 + 1]!, ring[j * 2]!, ring[j * 2 + 1]!];
          if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
        }
        if (inside) out[y * width + x] = 1;
      }
    }
  }
  return out;
}

/** The mask with its holes filled: unselected pixels that the outside cannot reach by 8-connected unselected steps. */
function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  const outside = new Uint8Array(width * height);
  const stack: number[] = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if ((x === 0 || y === 0 || x === width - 1 || y === height - 1) && !mask[y * width + x]) {
        outside[y * width + x] = 1;
        stack.push(y * width + x);
      }
  while (stack.length > 0) {
    const p = stack.pop()!;
    const [x, y] = [p % width, Math.floor(p / width)];
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const [u, v] = [x + dx, y + dy];
        if (u < 0 || v < 0 || u >= width || v >= height) continue;
        const q = v * width + u;
        if (!mask[q] && !outside[q]) {
          outside[q] = 1;
          stack.push(q);
        }
      }
  }
  return Uint8Array.from(outside, (o) => 1 - o);
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 1 : inter / union;
}

describe('mask polygons', () => {
  it('outlines a rectangle by its four corners, clockwise on screen', () => {
    const mask = new Uint8Array(6 * 5);
    for (let y = 1; y <= 3; y++) for (let x = 2; x <= 4; x++) mask[y * 6 + x] = 1;
    expect(maskPolygons(mask, 6, 5)).toEqual([[2, 1, 5, 1, 5, 4, 2, 4]]);
  });

  it('gives one ring per 4-connected component, largest first; diagonal neighbours are apart', () => {
    const mask = Uint8Array.from([1, 0, 0, 0, 1, 1, 0, 1, 1]);
    const rings = maskPolygons(mask, 3, 3);
    expect(rings).toHaveLength(2);
    expect(rings[0]).toEqual([1, 1, 3, 1, 3, 3, 1, 3]);
    expect(rings[1]).toEqual([0, 0, 1, 0, 1, 1, 0, 1]);
    expect(maskPolygons(mask, 3, 3, { minArea: 2 })).toHaveLength(1);
  });

  it('rasterising the exact outlines gives back every mask with its holes filled', () => {
    fc.assert(
      fc.property(randomMask, ({ width, height, mask }) => {
        const rings = maskPolygons(mask, width, height);
        for (const ring of rings) expect(ring.length).toBeGreaterThanOrEqual(8);
        expect(rasterise(rings, width, height)).toEqual(fillHoles(mask, width, height));
      }),
      { seed: 25, numRuns: 300 },
    );
  });

  it('simplified outlines of random blobs keep IoU >= 0.95 with the mask at half a pixel tolerance, with fewer vertices', () => {
    let before = 0;
    let after = 0;
    fc.assert(
      fc.property(randomBlobs, ({ width, height, mask }) => {
        const exact = maskPolygons(mask, width, height);
        const simple = maskPolygons(mask, width, height, { tolerance: 0.5 });
        before += exact.reduce((s, r) => s + r.length, 0);
        after += simple.reduce((s, r) => s + r.length, 0);
        expect(iou(rasterise(simple, width, height), mask)).toBeGreaterThanOrEqual(0.95);
      }),
      { seed: 26, numRuns: 100 },
    );
    expect(after).toBeLessThan(before * 0.8);
  });

  it('refuses a mask of the wrong size and a negative tolerance', () => {
    expect(() => maskPolygons(new Uint8Array(5), 2, 2)).toThrow(/needs 4 values/);
    expect(() => maskPolygons(new Uint8Array(4), 2, 2, { tolerance: -1 })).toThrow(/tolerance/);
  });
});
