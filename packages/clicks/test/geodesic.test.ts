import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { geodesic } from '../src/index';
import { BACKGROUND_SEED, FOREGROUND_SEED, seedMap } from '../src/methods/seeds';
import { geodesicNearestSeed, likelihoodGradient } from '../src/methods/geodesic';
import { createIndexedHeap } from '../src/methods/indexed-heap';
import { lcg } from './brute';
import { smallProblem } from './classic-helpers';

/**
 * Plain Dijkstra (linear scan for the nearest unsettled pixel) from the pixels where `source`
 * holds, 8-connected, step cost ((g_i + g_j) / 2 + lengthWeight) * |i - j|.
 */
function plainDijkstra(g: Float64Array, w: number, h: number, source: (i: number) => boolean, lengthWeight: number): Float64Array {
  const n = w * h;
  const dist = new Float64Array(n).fill(Infinity);
  const done = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (source(i)) dist[i] = 0;
  for (;;) {
    let u = -1;
    for (let i = 0; i < n; i++) if (!done[i] && dist[i]! < Infinity && (u < 0 || dist[i]! < dist[u]!)) u = i;
    if (u < 0) return dist;
    done[u] = 1;
    const ux = u % w;
    const uy = Math.floor(u / w);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const vx = ux + dx;
        const vy = uy + dy;
        if ((dx === 0 && dy === 0) || vx < 0 || vy < 0 || vx >= w || vy >= h) continue;
        const v = vy * w + vx;
        const len = dx !== 0 && dy !== 0 ? Math.SQRT2 : 1;
        const nd = dist[u]! + ((g[u]! + g[v]!) / 2 + lengthWeight) * len;
        if (nd < dist[v]!) dist[v] = nd;
      }
    }
  }
}

describe('geodesic selection', () => {
  it('central-difference gradient magnitude of the likelihood (one-sided at the border)', () => {
    const p = Float64Array.of(0, 0.2, 0.6, 1, 0.5, 0.5, 0.5, 0.1, 0.3, 0.3, 0.9, 0.0);
    const g = likelihoodGradient(p, 4, 3);
    const at = (x: number, y: number): number => p[y * 4 + x]!;
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        const gx = x === 0 ? at(1, y) - at(0, y) : x === 3 ? at(3, y) - at(2, y) : (at(x + 1, y) - at(x - 1, y)) / 2;
        const gy = y === 0 ? at(x, 1) - at(x, 0) : y === 2 ? at(x, 2) - at(x, 1) : (at(x, y + 1) - at(x, y - 1)) / 2;
        expect(g[y * 4 + x]).toBeCloseTo(Math.hypot(gx, gy), 14);
      }
    }
  });

  it('distances equal min(D_F, D_B) of two plain Dijkstras exactly, and the nearer seed kind wins', () => {
    fc.assert(
      fc.property(smallProblem(10, 10), fc.constantFrom(0, 1e-3, 0.1), ({ image, clicks }, lengthWeight) => {
        const { width: w, height: h } = image;
        const { labels } = seedMap(image, clicks, undefined, { radius: 0 });
        const r = lcg(w * 31 + h);
        const g = Float64Array.from({ length: w * h }, () => (r() < 0.3 ? 0 : r()));
        const { distance, foreground } = geodesicNearestSeed(g, w, h, labels, lengthWeight);
        const dF = plainDijkstra(g, w, h, (i) => labels[i] === FOREGROUND_SEED, lengthWeight);
        const dB = plainDijkstra(g, w, h, (i) => labels[i] === BACKGROUND_SEED, lengthWeight);
        for (let i = 0; i < w * h; i++) {
          expect(distance[i]).toBe(Math.min(dF[i]!, dB[i]!));
          if (dF[i] !== dB[i]) expect(foreground[i]).toBe(dF[i]! < dB[i]! ? 1 : 0);
        }
      }),
      { numRuns: 80 },
    );
  });

  it("selects the seeds' side of a likelihood edge", () => {
    // Left half red, right half blue: a click on each side selects exactly the left half (with a
    // box around the whole image, so that the frame is not background).
    const w = 20;
    const h = 10;
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) data.set(i % w < 10 ? [220, 30, 30] : [30, 30, 220], 3 * i);
    const { mask } = geodesic(
      { width: w, height: h, data },
      {
        clicks: [
          { x: 3, y: 5, positive: true },
          { x: 15, y: 5, positive: false },
        ],
        box: [0, 0, w, h],
      },
      { clickRadius: 0 },
    );
    for (let i = 0; i < w * h; i++) expect(mask[i]).toBe(i % w < 10 ? 1 : 0);
  });
});

describe('indexed binary heap', () => {
  it('pops keys in non-decreasing order under pushes and decrease-keys', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 19 }), fc.double({ min: 0, max: 100, noNaN: true })), { maxLength: 60 }),
        (ops) => {
          const key = new Float64Array(20).fill(Infinity);
          const heap = createIndexedHeap(20, key);
          for (const [node, value] of ops) {
            if (value < key[node]!) {
              key[node] = value;
              heap.push(node);
            }
          }
          const expected = [...key.keys()].filter((i) => key[i]! < Infinity).map((i) => key[i]!);
          expected.sort((a, b) => a - b);
          const popped: number[] = [];
          for (let u = heap.pop(); u >= 0; u = heap.pop()) popped.push(key[u]!);
          expect(popped).toEqual(expected);
          expect(heap.size).toBe(0);
        },
      ),
    );
  });
});
