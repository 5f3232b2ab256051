import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLattice } from '../src/permutohedral';
import { latticeFilter } from '../src/lattice-filter';
import { LatticeHashTable } from '../src/lattice-hash';
import { buildLatticeJs } from '../src/permutohedral';
import { gaussianFeatures2D, bilateralFeatures2D } from '../src/features';
import { readRgb } from './helpers';
import { correlation, exactGaussianFilter, randomFeatures, rng } from './helpers';

describe('permutohedral lattice structure', () => {
  it('ties every point to d+1 distinct vertices with barycentric weights that are ≥ 0 and sum to 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 }), (d, n, seed) => {
        const f = randomFeatures(rng(seed), d, n, 10);
        const lat = buildLattice(f, d, n);
        for (let i = 0; i < n; i++) {
          let sum = 0;
          const rows = new Set<number>();
          for (let r = 0; r <= d; r++) {
            const w = lat.weights[i * (d + 1) + r]!;
            expect(w).toBeGreaterThanOrEqual(-1e-6);
            sum += w;
            const row = lat.offsets[i * (d + 1) + r]!;
            expect(row).toBeGreaterThanOrEqual(1);
            expect(row).toBeLessThanOrEqual(lat.m);
            rows.add(row);
          }
          expect(sum).toBeCloseTo(1, 5);
          expect(rows.size).toBe(d + 1);
        }
        for (const v of lat.neighbors) expect(v >= 0 && v <= lat.m).toBe(true);
        expect(lat.alpha).toBeCloseTo(1 / (1 + 2 ** -d), 6);
      }),
      { numRuns: 60 },
    );
  });

  it('is a linear, positive filter: K(a·u + v) = a·Ku + Kv, and Kv > 0 for v > 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 60 }), fc.integer({ min: 0, max: 1e6 }), (d, n, seed) => {
        const random = rng(seed);
        const lat = buildLattice(randomFeatures(random, d, n, 4), d, n);
        const u = Float32Array.from({ length: n }, () => random() + 0.01);
        const v = Float32Array.from({ length: n }, () => random() + 0.01);
        const ku = latticeFilter(lat, u, 1);
        const kv = latticeFilter(lat, v, 1);
        const mix = Float32Array.from({ length: n }, (_, i) => 2.5 * u[i]! + v[i]!);
        const kmix = latticeFilter(lat, mix, 1);
        for (let i = 0; i < n; i++) {
          expect(ku[i]).toBeGreaterThan(0);
          expect(kmix[i]).toBeCloseTo(2.5 * ku[i]! + kv[i]!, 4);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('filters several values per point exactly like filtering each one alone', () => {
    const random = rng(5);
    const d = 3;
    const n = 80;
    const lat = buildLattice(randomFeatures(random, d, n, 5), d, n);
    const values = Float32Array.from({ length: n * 4 }, () => random());
    const together = latticeFilter(lat, values, 4);
    for (let k = 0; k < 4; k++) {
      const alone = latticeFilter(
        lat,
        Float32Array.from({ length: n }, (_, i) => values[i * 4 + k]!),
        1,
      );
      for (let i = 0; i < n; i++) expect(together[i * 4 + k]).toBeCloseTo(alone[i]!, 5);
    }
  });

  it('puts all points with equal features on the same vertices', () => {
    const f = new Float32Array([1.3, 1.3, 1.3, 7, -2.2, -2.2, -2.2, 0.5]); // d=2, n=4
    const lat = buildLattice(f, 2, 4);
    for (let r = 0; r < 3; r++) {
      expect(lat.offsets[3 + r]).toBe(lat.offsets[r]);
      expect(lat.offsets[6 + r]).toBe(lat.offsets[r]);
    }
  });
});

describe('WebAssembly lattice construction', () => {
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));

  it('builds exactly the JavaScript lattice (vertices, order, weights, neighbours) for random features', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        (d, n, seed, spread) => {
          const f = randomFeatures(rng(seed), d, n, spread);
          const js = buildLatticeJs(f, d, n);
          const wasm = buildLattice(f, d, n, 'wasm');
          expect(wasm.m).toBe(js.m);
          expect(same(wasm.offsets, js.offsets)).toBe(true);
          expect(same(wasm.weights, js.weights)).toBe(true);
          expect(same(wasm.neighbors, js.neighbors)).toBe(true);
          expect(wasm.alpha).toBe(js.alpha);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('builds exactly the JavaScript lattice for image features (grid ties, table growth)', () => {
    const im = readRgb('im3.png');
    const n = im.width * im.height;
    for (const [f, d] of [
      [gaussianFeatures2D(im.width, im.height, 3, 3), 2],
      [bilateralFeatures2D(im.width, im.height, 80, 80, [13, 13, 13], im.rgb), 5],
    ] as const) {
      const js = buildLatticeJs(f, d, n);
      const wasm = buildLattice(f, d, n, 'wasm');
      expect(wasm.m).toBe(js.m);
      expect(wasm.m).toBeGreaterThan(2048); // the table grew past its first size
      expect(same(wasm.offsets, js.offsets)).toBe(true);
      expect(same(wasm.weights, js.weights)).toBe(true);
      expect(same(wasm.neighbors, js.neighbors)).toBe(true);
    }
  });
});

describe('lattice filtering approximates exact Gaussian filtering', () => {
  // The permutohedral lattice approximates exp(−|fᵢ−fⱼ|²/2) (unit σ in feature space) up to a
  // global factor. Compared on random point sets against the O(n²) sum:
  // - normalised filtering K v / K 1 (what mean-field uses) within 0.06 absolute, correlation ≥ 0.95;
  // - K 1 proportional to the exact sum (coefficient of variation of the ratio ≤ 0.15).
  for (const [d, spread] of [
    [1, 6],
    [2, 4],
    [3, 3],
    [5, 3],
  ] as const) {
    it(`d = ${d}`, () => {
      const random = rng(100 + d);
      const n = 250;
      const f = randomFeatures(random, d, n, spread);
      const v = Float32Array.from({ length: n }, () => random());
      const lat = buildLattice(f, d, n);
      const kv = latticeFilter(lat, v, 1);
      const k1 = latticeFilter(lat, new Float32Array(n).fill(1), 1);
      const ev = exactGaussianFilter(f, d, n, v);
      const e1 = exactGaussianFilter(f, d, n, new Float64Array(n).fill(1));
      const approx = Array.from(kv, (x, i) => x / k1[i]!);
      const exact = Array.from(ev, (x, i) => x / e1[i]!);
      let maxErr = 0;
      for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(approx[i]! - exact[i]!));
      expect(maxErr).toBeLessThan(0.06);
      expect(correlation(approx, exact)).toBeGreaterThan(0.95);
      const ratio = Array.from(k1, (x, i) => x / e1[i]!);
      const mean = ratio.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(ratio.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
      expect(sd / mean).toBeLessThan(0.15);
    });
  }

  it('is closer to σ = 1 than to σ = 0.6 or σ = 1.6 (the feature scaling is right)', () => {
    const random = rng(42);
    const d = 2;
    const n = 250;
    const f = randomFeatures(random, d, n, 5);
    const v = Float32Array.from({ length: n }, () => random());
    const lat = buildLattice(f, d, n);
    const kv = latticeFilter(lat, v, 1);
    const k1 = latticeFilter(lat, new Float32Array(n).fill(1), 1);
    const approx = Array.from(kv, (x, i) => x / k1[i]!);
    const error = (sigma: number) => {
      const ev = exactGaussianFilter(f, d, n, v, sigma);
      const e1 = exactGaussianFilter(f, d, n, new Float64Array(n).fill(1), sigma);
      return approx.reduce((s, a, i) => s + (a - ev[i]! / e1[i]!) ** 2, 0);
    };
    expect(error(1)).toBeLessThan(error(0.6));
    expect(error(1)).toBeLessThan(error(1.6));
  });
});

describe('LatticeHashTable', () => {
  it('gives dense ids in insertion order and finds every key again, through growth', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 5, maxLength: 5 }), { maxLength: 300 }),
        (k, raw) => {
          const table = new LatticeHashTable(k, 1);
          const ids = new Map<string, number>();
          for (const key of raw) {
            const arr = Int32Array.from(key.slice(0, k));
            const name = arr.join(',');
            const id = table.findOrInsert(arr);
            if (ids.has(name)) expect(id).toBe(ids.get(name));
            else {
              expect(id).toBe(ids.size);
              ids.set(name, id);
            }
          }
          expect(table.size).toBe(ids.size);
          for (const [name, id] of ids) {
            expect(table.find(Int32Array.from(name.split(',').map(Number)))).toBe(id);
            expect(Array.from(table.keys.subarray(id * k, id * k + k)).join(',')).toBe(name);
          }
          expect(table.find(new Int32Array(k).fill(999))).toBe(-1);
        },
      ),
    );
  });
});
