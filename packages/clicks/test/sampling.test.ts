import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClicksError,
  DEFAULT_SAMPLING,
  createClickRng,
  objectIds,
  resolveSamplingParams,
  sampleClicks,
  sampleTrainingClicks,
  type ClickSample,
  type Point,
  type SamplingParams,
} from '../src/index';

/** A random instance map: up to 4 overlapping ellipses/rectangles, optional 1-px void outlines. */
const sceneArb = fc
  .record({
    width: fc.integer({ min: 8, max: 26 }),
    height: fc.integer({ min: 8, max: 26 }),
    shapes: fc.array(
      fc.record({
        cx: fc.double({ min: 0, max: 1, noNaN: true }),
        cy: fc.double({ min: 0, max: 1, noNaN: true }),
        rx: fc.double({ min: 0.05, max: 0.45, noNaN: true }),
        ry: fc.double({ min: 0.05, max: 0.45, noNaN: true }),
        box: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    outline: fc.boolean(),
  })
  .map(({ width, height, shapes, outline }) => {
    const labels = new Uint8Array(width * height);
    shapes.forEach((s, k) => {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const u = (x + 0.5) / width - s.cx;
          const v = (y + 0.5) / height - s.cy;
          const inside = s.box ? Math.abs(u) <= s.rx && Math.abs(v) <= s.ry : (u / s.rx) ** 2 + (v / s.ry) ** 2 <= 1;
          if (inside) labels[y * width + x] = k + 1;
        }
      }
    });
    if (outline) {
      const copy = labels.slice();
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const here = copy[y * width + x]!;
          const right = x + 1 < width ? copy[y * width + x + 1]! : here;
          const down = y + 1 < height ? copy[(y + 1) * width + x]! : here;
          if (here !== 0 && (right !== here || down !== here)) labels[y * width + x] = 255;
        }
      }
    }
    return { width, height, labels };
  })
  .filter(({ labels }) => objectIds(labels).length > 0);

const SMALL: Partial<SamplingParams> = { d: 7, dMargin: 2, neg3Margin: 3, nNegative: 9, nNegative3: 6, nPositive: 4 };

function spacedAtLeast(points: Point[], step: number): boolean {
  for (let a = 0; a < points.length; a++) {
    for (let b = a + 1; b < points.length; b++) {
      const d = Math.hypot(points[a]!.x - points[b]!.x, points[a]!.y - points[b]!.y);
      if (d === 0 || d < step) return false;
    }
  }
  return true;
}

/** The d_step rule computed independently from a candidate predicate. */
function autoStep(width: number, height: number, isCandidate: (x: number, y: number) => boolean, p: SamplingParams): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (isCandidate(x, y)) xs.push(x), ys.push(y);
  if (xs.length === 0) return 0;
  const side = Math.min(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  return Math.max(0, Math.floor((side - p.dMargin) / p.ratioFactor));
}

function checkSample(s: ClickSample, labels: Uint8Array, width: number, height: number, p: SamplingParams): void {
  const at = (q: Point): number => labels[q.y * width + q.x]!;
  // Brute-force distance maps, one per object and side, computed once per check.
  const maps = new Map<string, Float64Array>();
  const map = (object: number, inside: boolean): Float64Array => {
    const key = `${object}${inside}`;
    let m = maps.get(key);
    if (!m) {
      m = new Float64Array(width * height);
      const tx: number[] = [];
      const ty: number[] = [];
      for (let j = 0; j < labels.length; j++) if ((labels[j] !== object) === inside) tx.push(j % width), ty.push(Math.floor(j / width));
      for (let i = 0; i < m.length; i++) {
        const x = i % width;
        const y = Math.floor(i / width);
        let best = Infinity;
        for (let k = 0; k < tx.length; k++) best = Math.min(best, (tx[k]! - x) ** 2 + (ty[k]! - y) ** 2);
        m[i] = best;
      }
      maps.set(key, m);
    }
    return m;
  };
  const depth2 = (q: Point, object: number): number => map(object, true)[q.y * width + q.x]!;
  const outside2 = (q: Point, object: number): number => map(object, false)[q.y * width + q.x]!;
  const [pos, ...neg] = s.groups;
  // Positives: 1..nPositive, on the object, >= the margin inside, spaced by d_step.
  expect(pos!.points).toEqual(s.positive);
  expect(s.positive.length).toBeGreaterThanOrEqual(1);
  expect(s.positive.length).toBeLessThanOrEqual(p.nPositive);
  let maxDepth2 = 0;
  for (let i = 0; i < labels.length; i++)
    if (labels[i] === s.object) maxDepth2 = Math.max(maxDepth2, depth2({ x: i % width, y: Math.floor(i / width) }, s.object));
  expect(pos!.minDistance).toBeCloseTo(Math.min(p.dMargin, Math.sqrt(maxDepth2)), 12);
  for (const q of s.positive) {
    expect(at(q)).toBe(s.object);
    expect(Math.sqrt(depth2(q, s.object))).toBeGreaterThanOrEqual(pos!.minDistance - 1e-12);
  }
  expect(spacedAtLeast(s.positive, pos!.step)).toBe(true);
  const m2 = pos!.minDistance ** 2;
  expect(pos!.step).toBe(autoStep(width, height, (x, y) => labels[y * width + x] === s.object && depth2({ x, y }, s.object) >= m2, p));
  expect(neg.flatMap((g) => g.points)).toEqual(s.negative);
  if (s.strategy === 1 || s.strategy === 3) {
    expect(neg).toHaveLength(1);
    const g = neg[0]!;
    const lo = s.strategy === 1 ? p.dMargin : p.neg3Margin;
    expect([g.minDistance, g.maxDistance]).toEqual([lo, p.d]);
    for (const q of g.points) {
      expect(at(q)).not.toBe(s.object);
      expect(at(q)).not.toBe(255);
      const d = Math.sqrt(outside2(q, s.object));
      expect(d).toBeGreaterThanOrEqual(lo);
      expect(d).toBeLessThanOrEqual(p.d);
    }
    if (s.strategy === 1) {
      expect(g.points.length).toBeLessThanOrEqual(p.nNegative - 1);
      expect(spacedAtLeast(g.points, g.step)).toBe(true);
      const lo2 = lo * lo;
      const d2 = p.d * p.d;
      expect(g.step).toBe(
        autoStep(
          width,
          height,
          (x, y) => {
            const v = labels[y * width + x];
            const o = outside2({ x, y }, s.object);
            return v !== s.object && v !== 255 && o >= lo2 && o <= d2;
          },
          p,
        ),
      );
    } else {
      // Greedy farthest point: every click after the first maximises min(dist to object, dist to earlier clicks).
      const band: Point[] = [];
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const v = labels[y * width + x];
          const o = outside2({ x, y }, s.object);
          if (v !== s.object && v !== 255 && o >= lo * lo && o <= p.d * p.d) band.push({ x, y });
        }
      }
      expect(g.points.length).toBe(Math.min(p.nNegative3, band.length));
      for (let k = 1; k < g.points.length; k++) {
        const score = (q: Point): number =>
          Math.min(outside2(q, s.object), ...g.points.slice(0, k).map((c) => (c.x - q.x) ** 2 + (c.y - q.y) ** 2));
        let best = band[0]!;
        for (const q of band) if (score(q) > score(best)) best = q;
        expect(g.points[k]).toEqual(best);
      }
    }
  } else {
    const others = objectIds(labels).filter((o) => o !== s.object);
    expect(neg.map((g) => g.object)).toEqual(others);
    for (const g of neg) {
      let maxD2 = 0;
      for (let i = 0; i < labels.length; i++)
        if (labels[i] === g.object) maxD2 = Math.max(maxD2, depth2({ x: i % width, y: Math.floor(i / width) }, g.object));
      expect(g.minDistance).toBeCloseTo(Math.min(p.dMargin, Math.sqrt(maxD2)), 12);
      expect(g.points.length).toBeGreaterThanOrEqual(1);
      expect(g.points.length).toBeLessThanOrEqual(p.nNegative - 1);
      for (const q of g.points) {
        expect(at(q)).toBe(g.object);
        expect(Math.sqrt(depth2(q, g.object))).toBeGreaterThanOrEqual(g.minDistance - 1e-12);
      }
      expect(spacedAtLeast(g.points, g.step)).toBe(true);
    }
  }
}

describe('click sampling (Xu et al. strategies)', () => {
  it('every sampled click satisfies its constraints (all strategies, random scenes)', () => {
    fc.assert(
      fc.property(sceneArb, fc.integer({ min: 0, max: 1e6 }), ({ width, height, labels }, seed) => {
        const p = resolveSamplingParams(SMALL);
        const samples = sampleTrainingClicks(labels, width, height, { ...SMALL, seed, pairsPerObject: 2 });
        const ids = objectIds(labels);
        const expected = ids.length * 2 * (ids.length > 1 ? 3 : 2);
        expect(samples).toHaveLength(expected);
        for (const s of samples) checkSample(s, labels, width, height, p);
      }),
      { numRuns: 30 },
    );
  });

  it('holds with the default parameters on a VOC-sized scene', () => {
    const width = 72;
    const height = 52;
    const labels = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if ((x - 26) ** 2 / 18 ** 2 + (y - 26) ** 2 / 16 ** 2 <= 1) labels[y * width + x] = 1;
        else if (x >= 50 && x < 68 && y >= 8 && y < 46) labels[y * width + x] = 2;
      }
    }
    const p = resolveSamplingParams();
    for (const strategy of [1, 2, 3] as const) {
      const s = sampleClicks(labels, width, height, 1, strategy, { seed: 7 });
      checkSample(s, labels, width, height, p);
      expect(s.negative.length).toBeGreaterThan(0);
    }
  });

  it('is deterministic for a seed and varies with it', () => {
    const labels = new Uint8Array(40 * 40);
    for (let i = 0; i < labels.length; i++) if (Math.hypot((i % 40) - 20, Math.floor(i / 40) - 20) < 12) labels[i] = 3;
    const a = sampleTrainingClicks(labels, 40, 40, { seed: 5, dMargin: 2, d: 8 });
    const b = sampleTrainingClicks(labels, 40, 40, { seed: 5, dMargin: 2, d: 8 });
    const c = sampleTrainingClicks(labels, 40, 40, { seed: 6, dMargin: 2, d: 8 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const r = createClickRng(1);
    const first = [r.next(), r.next()];
    expect(first[0]).not.toBe(first[1]);
    expect(createClickRng(1).next()).toBe(first[0]);
  });

  it('documents the defaults (Damanpreet config with the paper counts where the code departs)', () => {
    expect(DEFAULT_SAMPLING).toMatchObject({
      nPositive: 5,
      nNegative: 30,
      nNegative3: 10,
      d: 20,
      dMargin: 10,
      dStep: 'auto',
      ratioFactor: 2,
      neg3Margin: 10,
    });
  });

  it('rejects bad parameters and unknown objects', () => {
    const labels = new Uint8Array(16).fill(1);
    expect(() => sampleClicks(labels, 4, 4, 2, 1)).toThrow(ClicksError);
    expect(() => sampleClicks(labels, 4, 4, 1, 4 as never)).toThrow(/strategy/);
    expect(() => sampleTrainingClicks(labels, 4, 4, { nPositive: 0 })).toThrow(/nPositive/);
    expect(() => sampleTrainingClicks(labels, 4, 5)).toThrow(/expected 20/);
  });
});
