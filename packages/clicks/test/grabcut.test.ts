import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grabCut, type Box, type RgbImage } from '../src/index';
import {
  GC_BGD,
  GC_FGD,
  GC_PR_BGD,
  GC_PR_FGD,
  assignComponents,
  grabCutSegment,
  initialGmms,
  initialTrimap,
  learnGmms,
} from '../src/methods/grabcut';
import {
  addGmmSample,
  createGmmAccumulator,
  learnColourGmm,
  createColourGmm,
  mixtureDensity,
  whichComponent,
  type ColourGmm,
} from '../src/methods/colour-gmm';
import { contrastPairWeights, grabCutBeta } from '../src/methods/contrast';
import { lcg } from './brute';
import { invert3, randomImage, relDiff, twoRegionImage } from './classic-helpers';

/** Every unordered 8-neighbour pair (i < j) with its distance. */
function neighbourPairs(width: number, height: number): { i: number; j: number; dist: number }[] {
  const pairs: { i: number; j: number; dist: number }[] = [];
  for (let i = 0; i < width * height; i++) {
    for (let j = i + 1; j < width * height; j++) {
      const dx = Math.abs((i % width) - (j % width));
      const dy = Math.abs(Math.floor(i / width) - Math.floor(j / width));
      if (dx <= 1 && dy <= 1) pairs.push({ i, j, dist: Math.hypot(dx, dy) });
    }
  }
  return pairs;
}

function colourDistance2(image: RgbImage, i: number, j: number): number {
  let s = 0;
  for (let c = 0; c < 3; c++) s += (image.data[3 * i + c]! - image.data[3 * j + c]!) ** 2;
  return s;
}

/** -log of the mixture density, from the covariances by Gauss–Jordan inversion. */
function negLogMixture(gmm: ColourGmm, colour: number[]): number {
  let sum = 0;
  for (let c = 0; c < gmm.components; c++) {
    if (gmm.weights[c] === 0) continue;
    const { inverse, det } = invert3(gmm.covariances.slice(9 * c, 9 * c + 9));
    const d = colour.map((v, k) => v - gmm.means[3 * c + k]!);
    let q = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) q += d[a]! * inverse[3 * a + b]! * d[b]!;
    sum += (gmm.weights[c]! * Math.exp(-q / 2)) / Math.sqrt(det);
  }
  return -Math.log(sum);
}

function colourOf(image: RgbImage, i: number): number[] {
  return [image.data[3 * i]!, image.data[3 * i + 1]!, image.data[3 * i + 2]!];
}

/** A mixture learned from random assignments of the image's pixels. */
function randomGmm(image: RgbImage, k: number, seed: number): ColourGmm {
  const r = lcg(seed);
  const acc = createGmmAccumulator(k);
  for (let i = 0; i < image.width * image.height; i++)
    addGmmSample(acc, Math.floor(r() * k), ...(colourOf(image, i) as [number, number, number]));
  // A few extra spread samples keep every component well conditioned.
  for (let c = 0; c < k; c++) for (let t = 0; t < 4; t++) addGmmSample(acc, c, r() * 255, r() * 255, r() * 255);
  const gmm = createColourGmm(k);
  learnColourGmm(gmm, acc);
  return gmm;
}

describe('GrabCut contrast term', () => {
  it('beta = 1 / (2 * mean squared difference over all 8-neighbour pairs), 4wh - 3w - 3h + 2 pairs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 1e9 }), (w, h, seed) => {
        const image = randomImage(w, h, seed);
        const pairs = neighbourPairs(w, h);
        expect(pairs.length).toBe(Math.max(0, 4 * w * h - 3 * w - 3 * h + 2));
        const sum = pairs.reduce((s, p) => s + colourDistance2(image, p.i, p.j), 0);
        const expected = sum > 0 ? 1 / ((2 * sum) / pairs.length) : 0;
        expect(relDiff(grabCutBeta(image), expected, 1e-300)).toBeLessThan(1e-12);
      }),
    );
    expect(grabCutBeta({ width: 3, height: 2, data: new Uint8Array(18).fill(7) })).toBe(0);
  });

  it('puts gamma * exp(-beta d^2) / dist on both arcs of every 8-neighbour pair and 0 towards the frame', () => {
    // Directions of the padded layout: left, right, up, down, up-left, down-right, up-right, down-left.
    const DX = [-1, 1, 0, 0, -1, 1, 1, -1];
    const DY = [0, 0, -1, 1, -1, 1, -1, 1];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 1e9 }), (w, h, seed) => {
        const image = randomImage(w, h, seed);
        const beta = grabCutBeta(image);
        const weights = contrastPairWeights(image, beta, 50);
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const p = (y + 1) * (w + 2) + x + 1;
            for (let d = 0; d < 8; d++) {
              const nx = x + DX[d]!;
              const ny = y + DY[d]!;
              const got = weights.capacity[p * 8 + d]!;
              if (nx < 0 || ny < 0 || nx >= w || ny >= h) {
                expect(got).toBe(0);
                continue;
              }
              const expected = (50 * Math.exp(-beta * colourDistance2(image, y * w + x, ny * w + nx))) / Math.hypot(DX[d]!, DY[d]!);
              expect(relDiff(got, expected, 1e-300)).toBeLessThan(1e-12);
            }
          }
        }
      }),
    );
  });
});

describe('GrabCut steps', () => {
  it("assigns each pixel its side mixture's densest component, and re-learns each side from its own pixels", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 1e9 }), (w, h, seed) => {
        const image = randomImage(w, h, seed);
        const r = lcg(seed + 1);
        const trimap = Uint8Array.from({ length: w * h }, () => Math.floor(r() * 4));
        const background = randomGmm(image, 5, seed + 2);
        const foreground = randomGmm(image, 5, seed + 3);
        const assignment = assignComponents(image, trimap, background, foreground);
        const bgAcc = createGmmAccumulator(5);
        const fgAcc = createGmmAccumulator(5);
        for (let i = 0; i < w * h; i++) {
          const isBg = trimap[i] === GC_BGD || trimap[i] === GC_PR_BGD;
          const colour = colourOf(image, i) as [number, number, number];
          expect(assignment[i]).toBe(whichComponent(isBg ? background : foreground, ...colour));
          addGmmSample(isBg ? bgAcc : fgAcc, assignment[i]!, ...colour);
        }
        const expectedBg = createColourGmm(5);
        const expectedFg = createColourGmm(5);
        learnColourGmm(expectedBg, bgAcc);
        learnColourGmm(expectedFg, fgAcc);
        learnGmms(image, trimap, assignment, background, foreground);
        // Components without samples get weight 0 (their other parameters are left as they were, as in OpenCV).
        for (const [got, expected] of [
          [background, expectedBg],
          [foreground, expectedFg],
        ] as const) {
          expect(got.weights).toEqual(expected.weights);
          for (let c = 0; c < 5; c++) {
            if (expected.weights[c] === 0) continue;
            expect(got.means.slice(3 * c, 3 * c + 3)).toEqual(expected.means.slice(3 * c, 3 * c + 3));
            expect(got.covariances.slice(9 * c, 9 * c + 9)).toEqual(expected.covariances.slice(9 * c, 9 * c + 9));
            expect(got.determinants[c]).toBe(expected.determinants[c]);
          }
        }
      }),
    );
  });

  it('cuts to the minimum energy over all labelings of the "probably" pixels (brute force, mixtures fixed)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 1e9 }),
        fc.constantFrom(0, 5, 50, 500),
        fc.boolean(),
        (w, h, seed, gamma, regions) => {
          const image = regions ? twoRegionImage(w, h, seed, 80) : randomImage(w, h, seed);
          const r = lcg(seed + 7);
          const trimap = Uint8Array.from(
            { length: w * h },
            () => [GC_BGD, GC_FGD, GC_PR_BGD, GC_PR_FGD, GC_PR_FGD, GC_PR_BGD][Math.floor(r() * 6)]!,
          );
          const background = randomGmm(image, 1 + Math.floor(r() * 5), seed + 11);
          const foreground = randomGmm(image, 1 + Math.floor(r() * 5), seed + 13);
          const beta = grabCutBeta(image);
          const pairs = neighbourPairs(w, h).map((p) => ({
            ...p,
            weight: (gamma * Math.exp(-beta * colourDistance2(image, p.i, p.j))) / p.dist,
          }));
          const uFg = Array.from({ length: w * h }, (_, i) => negLogMixture(foreground, colourOf(image, i)));
          const uBg = Array.from({ length: w * h }, (_, i) => negLogMixture(background, colourOf(image, i)));
          const free = [...trimap.keys()].filter((i) => trimap[i] === GC_PR_BGD || trimap[i] === GC_PR_FGD);
          const energy = (fg: (i: number) => boolean): number => {
            let e = 0;
            for (const i of free) e += fg(i) ? uFg[i]! : uBg[i]!;
            for (const p of pairs) if (fg(p.i) !== fg(p.j)) e += p.weight;
            return e;
          };
          const hard = (i: number): boolean => trimap[i] === GC_FGD;
          let best = Infinity;
          for (let m = 0; m < 1 << free.length; m++) {
            const chosen = new Set(free.filter((_, k) => (m >> k) & 1));
            best = Math.min(
              best,
              energy((i) => (trimap[i] === GC_FGD || trimap[i] === GC_BGD ? hard(i) : chosen.has(i))),
            );
          }
          const result = trimap.slice();
          grabCutSegment(image, result, background, foreground, contrastPairWeights(image, beta, gamma));
          for (let i = 0; i < w * h; i++) {
            if (trimap[i] === GC_FGD || trimap[i] === GC_BGD) expect(result[i]).toBe(trimap[i]);
            else expect([GC_PR_BGD, GC_PR_FGD]).toContain(result[i]);
          }
          const got = energy((i) => result[i] === GC_FGD || result[i] === GC_PR_FGD);
          expect(got).toBeLessThanOrEqual(best + 1e-9 * Math.max(1, Math.abs(best)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("each iteration is OpenCV's: assign components, learn both mixtures, cut (re-computed step by step)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 12 }),
        fc.integer({ min: 4, max: 12 }),
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 1, max: 3 }),
        (w, h, seed, iterations) => {
          const image = twoRegionImage(w, h, seed, 60);
          const box: Box = [1, 1, w - 1, h - 1];
          const got = grabCut(image, { clicks: [], box }, { iterations, stopWhenStable: false });
          const trimap = initialTrimap(image, { clicks: [], box });
          const { background, foreground } = initialGmms(image, trimap, 5, 0xffffffff);
          const weights = contrastPairWeights(image, grabCutBeta(image), 50);
          for (let it = 0; it < iterations; it++) {
            const assignment = assignComponents(image, trimap, background, foreground);
            learnGmms(image, trimap, assignment, background, foreground);
            grabCutSegment(image, trimap, background, foreground, weights);
          }
          expect(Array.from(got.state.trimap)).toEqual(Array.from(trimap));
          expect(got.state.background).toEqual(background);
          expect(got.state.foreground).toEqual(foreground);
          expect(got.state.iterations).toBe(iterations);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stopping when an iteration changes nothing gives the result of running every iteration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 14 }), fc.integer({ min: 4, max: 14 }), fc.integer({ min: 1, max: 1e9 }), (w, h, seed) => {
        const image = twoRegionImage(w, h, seed, 50);
        const box: Box = [0, 1, w, h - 1];
        const early = grabCut(image, { clicks: [], box }, { iterations: 8 });
        const full = grabCut(image, { clicks: [], box }, { iterations: 8, stopWhenStable: false });
        expect(Array.from(early.mask)).toEqual(Array.from(full.mask));
        expect(early.state.background).toEqual(full.state.background);
        expect(early.state.foreground).toEqual(full.state.foreground);
        expect(early.state.iterations).toBeLessThanOrEqual(8);
      }),
      { numRuns: 40 },
    );
  });
});

/** A noisy square of one colour in the middle of another. */
function squareImage(w: number, h: number, seed: number): RgbImage {
  const r = lcg(seed);
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = x >= w / 4 && x < (3 * w) / 4 && y >= h / 4 && y < (3 * h) / 4;
      const base = inside ? [200, 60, 40] : [40, 90, 200];
      for (let c = 0; c < 3; c++) data[3 * (y * w + x) + c] = base[c]! + Math.floor(r() * 30);
    }
  }
  return { width: w, height: h, data };
}

describe('GrabCut selection', () => {
  it('keeps the outside of the box background and clicked discs at their labels', () => {
    const image = twoRegionImage(40, 30, 5, 30);
    const box: Box = [5, 4, 35, 26];
    const clicks = [
      { x: 20, y: 15, positive: true },
      { x: 8, y: 6, positive: false },
    ];
    const { mask, state } = grabCut(image, { clicks, box }, { clickRadius: 2 });
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 40; x++) {
        const i = y * 40 + x;
        if (x < 5 || x >= 35 || y < 4 || y >= 26) expect(mask[i]).toBe(0);
        if ((x - 20) ** 2 + (y - 15) ** 2 <= 4) expect([mask[i], state.trimap[i]]).toEqual([1, GC_FGD]);
        if ((x - 8) ** 2 + (y - 6) ** 2 <= 4) expect([mask[i], state.trimap[i]]).toEqual([0, GC_BGD]);
      }
    }
  });

  it('refines from the previous state: trimap and mixtures carry over, the new click becomes hard, no k-means', () => {
    const image = squareImage(30, 24, 9);
    const box: Box = [2, 2, 28, 22];
    const first = grabCut(image, { clicks: [], box });
    const selected = first.mask.indexOf(1);
    expect(selected).toBeGreaterThanOrEqual(0);
    const click = { x: selected % 30, y: Math.floor(selected / 30), positive: false };
    const second = grabCut(image, { clicks: [click], box, previous: first.state }, { clickRadius: 0 });
    expect(second.mask[selected]).toBe(0);
    expect(second.state.trimap[selected]).toBe(GC_BGD);
    // The same step by hand: previous trimap plus the hard click, iterations from the previous mixtures.
    const trimap = first.state.trimap.slice();
    trimap[selected] = GC_BGD;
    const background = structuredClone(first.state.background);
    const foreground = structuredClone(first.state.foreground);
    for (let it = 0; it < 5; it++) {
      const assignment = assignComponents(image, trimap, background, foreground);
      learnGmms(image, trimap, assignment, background, foreground);
      grabCutSegment(image, trimap, background, foreground, first.state.pairWeights);
    }
    expect(Array.from(second.state.trimap)).toEqual(Array.from(trimap));
    // The previous state is left untouched.
    expect(first.state.trimap[selected]).not.toBe(GC_BGD);
    // A state of another image is ignored.
    const other = squareImage(30, 24, 9);
    const fresh = grabCut(other, { clicks: [], box, previous: first.state });
    expect(Array.from(fresh.mask)).toEqual(Array.from(grabCut(other, { clicks: [], box }).mask));
  });

  it('returns an empty mask when every pixel is hard background, without modelling', () => {
    const image = randomImage(5, 5, 3);
    const clicks = Array.from({ length: 25 }, (_, i) => ({ x: i % 5, y: Math.floor(i / 5), positive: false }));
    const { mask, state } = grabCut(image, { clicks });
    expect(mask.every((v) => v === 0)).toBe(true);
    expect(state.iterations).toBe(0);
  });

  it('evaluates the mixtures as -log of the summed weighted densities', () => {
    const image = twoRegionImage(6, 5, 21, 60);
    const gmm = randomGmm(image, 3, 4);
    for (let i = 0; i < 30; i++) {
      const c = colourOf(image, i) as [number, number, number];
      expect(relDiff(-Math.log(mixtureDensity(gmm, ...c)), negLogMixture(gmm, c))).toBeLessThan(1e-9);
    }
  });
});
