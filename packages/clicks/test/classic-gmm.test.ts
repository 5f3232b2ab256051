import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SINGULAR_DETERMINANT,
  SINGULAR_FIX,
  addGmmSample,
  componentDensity,
  createColourGmm,
  createGmmAccumulator,
  learnColourGmm,
  mixtureDensity,
  whichComponent,
} from '../src/methods/colour-gmm';
import { createOpencvRng } from '../src/methods/opencv-rng';
import { kmeansLabels } from '../src/methods/kmeans';
import { lcg } from './brute';
import { det3, invert3, relDiff } from './classic-helpers';

/** Weight, mean and covariance of each component from the assignments, two-pass, plus OpenCV's singular fix. */
function directFit(colours: number[][], labels: number[], k: number): { weight: number; mean: number[]; cov: number[] }[] {
  return Array.from({ length: k }, (_, c) => {
    const members = colours.filter((_, i) => labels[i] === c);
    if (members.length === 0) return { weight: 0, mean: [0, 0, 0], cov: new Array(9).fill(0) };
    const mean = [0, 1, 2].map((j) => members.reduce((s, m) => s + m[j]!, 0) / members.length);
    const cov = new Array(9).fill(0);
    for (const m of members)
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) cov[3 * a + b] += ((m[a]! - mean[a]!) * (m[b]! - mean[b]!)) / members.length;
    if (det3(cov) <= SINGULAR_DETERMINANT) for (const d of [0, 4, 8]) cov[d] += SINGULAR_FIX;
    return { weight: members.length / colours.length, mean, cov };
  });
}

// Components of at least 4 samples of continuous colours: covariances far from singular, where
// OpenCV's one-pass formula and the two-pass one agree to rounding (for a rank-deficient set the
// one-pass determinant is rounding noise, which is what the singular fix is for; tested below on
// exact data).
const fitArb = fc.record({
  n: fc.integer({ min: 20, max: 60 }),
  k: fc.integer({ min: 1, max: 5 }),
  seed: fc.integer({ min: 1, max: 1e9 }),
  spread: fc.constantFrom(30, 255),
});

function sampleFit(n: number, k: number, seed: number, spread: number): { colours: number[][]; labels: number[] } {
  const r = lcg(seed);
  const base = [r() * 255, r() * 255, r() * 255];
  const colours = Array.from({ length: n }, () => base.map((v) => v + (r() - 0.5) * spread));
  // Round-robin components: each gets at least floor(n / k) >= 4 samples.
  const labels = colours.map((_, i) => (i + Math.floor(r() * 2) * k) % k);
  return { colours, labels };
}

describe('colour GMM (OpenCV GMM semantics)', () => {
  it('learns weights, means and covariances equal to the direct formulas, with the singular fix', () => {
    fc.assert(
      fc.property(fitArb, ({ n, k, seed, spread }) => {
        const { colours, labels } = sampleFit(n, k, seed, spread);
        const acc = createGmmAccumulator(k);
        colours.forEach((c, i) => {
          addGmmSample(acc, labels[i]!, c[0]!, c[1]!, c[2]!);
        });
        const gmm = createColourGmm(k);
        learnColourGmm(gmm, acc);
        const expected = directFit(colours, labels, k);
        for (let c = 0; c < k; c++) {
          const e = expected[c]!;
          expect(gmm.weights[c]).toBeCloseTo(e.weight, 14);
          if (e.weight === 0) continue;
          for (let j = 0; j < 3; j++) expect(Math.abs(gmm.means[3 * c + j]! - e.mean[j]!)).toBeLessThan(1e-9);
          // One-pass E[cc'] - mu mu' (OpenCV) against two-pass: agree to rounding of values up to 255^2.
          for (let j = 0; j < 9; j++) expect(Math.abs(gmm.covariances[9 * c + j]! - e.cov[j]!)).toBeLessThan(1e-6);
          const { inverse, det } = invert3(e.cov);
          expect(relDiff(gmm.determinants[c]!, det)).toBeLessThan(1e-6);
          for (let j = 0; j < 9; j++)
            expect(Math.abs(gmm.inverses[9 * c + j]! - inverse[j]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(inverse[j]!)));
        }
      }),
    );
  });

  it('adds 0.01 to the diagonal only when the determinant is <= 1e-6', () => {
    // All samples equal: covariance 0, becomes 0.01 I.
    const acc = createGmmAccumulator(2);
    for (let i = 0; i < 4; i++) addGmmSample(acc, 0, 10, 20, 30);
    // Samples on a line (rank 1): determinant 0, fixed.
    for (let t = 0; t < 5; t++) addGmmSample(acc, 1, t, 2 * t, 3 * t);
    const gmm = createColourGmm(2);
    learnColourGmm(gmm, acc);
    expect(Array.from(gmm.covariances.slice(0, 9))).toEqual([0.01, 0, 0, 0, 0.01, 0, 0, 0, 0.01]);
    expect(gmm.determinants[0]).toBeCloseTo(1e-6, 18);
    expect(gmm.covariances[9]).toBeCloseTo(2 + 0.01, 12);
    expect(gmm.covariances[9 + 1]).toBeCloseTo(4, 12);
    // A well-spread component is left alone.
    const spread = createGmmAccumulator(1);
    for (const c of [
      [0, 0, 0],
      [10, 0, 0],
      [0, 10, 0],
      [0, 0, 10],
    ])
      addGmmSample(spread, 0, c[0]!, c[1]!, c[2]!);
    const g2 = createColourGmm(1);
    learnColourGmm(g2, spread);
    expect(g2.covariances[0]).toBeCloseTo(18.75, 12);
  });

  it('evaluates component and mixture densities as 1/sqrt(det) exp(-q/2), and picks the densest component', () => {
    fc.assert(
      fc.property(
        fitArb,
        fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
        ({ n, k, seed, spread }, colour) => {
          const { colours, labels } = sampleFit(n, k, seed, spread);
          const acc = createGmmAccumulator(k);
          colours.forEach((c, i) => {
            addGmmSample(acc, labels[i]!, c[0]!, c[1]!, c[2]!);
          });
          const gmm = createColourGmm(k);
          learnColourGmm(gmm, acc);
          let mixture = 0;
          let best = 0;
          let bestValue = -Infinity;
          for (let c = 0; c < k; c++) {
            if (gmm.weights[c] === 0) {
              expect(componentDensity(gmm, c, ...colour)).toBe(0);
              continue;
            }
            const { inverse, det } = invert3(gmm.covariances.slice(9 * c, 9 * c + 9));
            const d = colour.map((v, j) => v - gmm.means[3 * c + j]!);
            let q = 0;
            for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) q += d[a]! * inverse[3 * a + b]! * d[b]!;
            const density = Math.exp(-q / 2) / Math.sqrt(det);
            expect(relDiff(componentDensity(gmm, c, ...colour), density, 1e-300)).toBeLessThan(1e-8);
            mixture += gmm.weights[c]! * density;
            const logDensity = -q / 2 - Math.log(det) / 2;
            if (logDensity > bestValue) {
              bestValue = logDensity;
              best = c;
            }
          }
          expect(relDiff(mixtureDensity(gmm, ...colour), mixture, 1e-300)).toBeLessThan(1e-8);
          expect(whichComponent(gmm, ...colour)).toBe(best);
        },
      ),
    );
  });
});

describe("OpenCV's random generator", () => {
  it('draws the multiply-with-carry sequence of cv::RNG from its default state 0xffffffff', () => {
    // First outputs of state = (state & 0xffffffff) * 4164903690 + (state >> 32) from 0xffffffff;
    // the same sequence reproduced cv2.randShuffle's permutation of 1000 elements in a fresh
    // process of opencv-python-headless 5.0.0.93.
    const rng = createOpencvRng();
    expect([rng.uint32(), rng.uint32(), rng.uint32(), rng.uint32(), rng.uint32(), rng.uint32()]).toEqual([
      130063606, 3003295397, 3870020839, 1350273629, 4024955497, 3216027310,
    ]);
    const seeded = createOpencvRng(7);
    expect([seeded.uint32(), seeded.uint32(), seeded.uint32()]).toEqual([3384522054, 3836290754, 2515948652]);
    expect(createOpencvRng(0).uint32()).toBe(130063606); // state 0 means the default
    // (double)rng: two draws, (hi * 2^32 + lo) * 2^-64.
    const d = createOpencvRng();
    expect(d.next()).toBe((130063606 * 2 ** 32 + 3003295397) * 2 ** -64);
    expect(createOpencvRng().int(1000)).toBe(130063606 % 1000);
  });
});

describe('k-means (cv::kmeans with KMEANS_PP_CENTERS)', () => {
  it('gives labels < k, every cluster non-empty, the same labels for the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 1e9 }), (n, kWanted, seed) => {
        const k = Math.min(kWanted, n);
        const r = lcg(seed);
        const samples = Float32Array.from({ length: 3 * n }, () => Math.floor(r() * 4) * 60);
        const labels = kmeansLabels(samples, n, k, createOpencvRng(seed));
        expect(Array.from(kmeansLabels(samples, n, k, createOpencvRng(seed)))).toEqual(Array.from(labels));
        const counts = new Array(k).fill(0);
        for (const l of labels) {
          expect(l).toBeLessThan(k);
          counts[l]++;
        }
        if (k > 1) expect(counts.every((c) => c > 0)).toBe(true);
      }),
    );
  });

  it('separates well-separated blobs exactly', () => {
    const r = lcg(3);
    const centres = [
      [20, 20, 20],
      [220, 20, 20],
      [20, 220, 20],
      [20, 20, 220],
      [220, 220, 220],
    ];
    const n = 500;
    const truth: number[] = [];
    const samples = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) {
      const c = i % 5;
      truth.push(c);
      for (let j = 0; j < 3; j++) samples[3 * i + j] = centres[c]![j]! + Math.floor(r() * 11) - 5;
    }
    const labels = kmeansLabels(samples, n, 5, createOpencvRng());
    // A bijection between found clusters and true blobs.
    const map = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const seen = map.get(labels[i]!);
      if (seen === undefined) map.set(labels[i]!, truth[i]!);
      else expect(seen).toBe(truth[i]);
    }
    expect(new Set(map.values()).size).toBe(5);
  });
});
