import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomWalker, type RgbImage } from '../src/index';
import { FOREGROUND_SEED, UNSEEDED, seedMap } from '../src/methods/seeds';
import { conjugateGradient } from '../src/methods/conjugate-gradient';
import { randomWalkerWeights } from '../src/methods/random-walker';
import { lcg } from './brute';
import { coarseGuess, solveDirichlet } from '../src/methods/dirichlet-problem';
import { denseSolve, randomImage, relDiff, smallProblem, twoRegionImage } from './classic-helpers';

/** scikit-image's weight of the edge i-j (see random_walker_segmentation.py `_compute_weights_3d`). */
function skimageWeight(image: RgbImage, i: number, j: number, beta: number): number {
  const values = Array.from(image.data, (v) => v / 255);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  let g = 0;
  for (let c = 0; c < 3; c++) g += (values[3 * i + c]! - values[3 * j + c]!) ** 2;
  const scale = std > 0 ? -beta / (10 * std) / Math.sqrt(3) : 0;
  return Math.exp(scale * g) + 1e-10;
}

describe('random walker', () => {
  it("uses scikit-image's weights exp(-beta / (10 std sqrt 3) |dI|^2) + 1e-10 on the 4-connected grid", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 1e9 }),
        fc.constantFrom(1, 130, 1000),
        (w, h, seed, beta) => {
          const image = randomImage(w, h, seed);
          const { horizontal, vertical } = randomWalkerWeights(image, beta);
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < w; x++) {
              const i = y * w + x;
              if (x + 1 < w) expect(relDiff(horizontal[i]!, skimageWeight(image, i, i + 1, beta))).toBeLessThan(1e-9);
              else expect(horizontal[i]).toBe(0);
              if (y + 1 < h) expect(relDiff(vertical[i]!, skimageWeight(image, i, i + w, beta))).toBeLessThan(1e-9);
              else expect(vertical[i]).toBe(0);
            }
          }
        },
      ),
    );
  });

  it('matches a dense solve of the Dirichlet problem to 1e-6 on small images', () => {
    fc.assert(
      fc.property(smallProblem(9, 9), fc.constantFrom(10, 130), ({ image, clicks }, beta) => {
        const { width: w, height: h } = image;
        const n = w * h;
        const { labels } = seedMap(image, clicks, undefined, { radius: 0 });
        const { horizontal, vertical } = randomWalkerWeights(image, beta);
        // The full Laplacian, then L_UU x_U = -L_US x_S with x_S = 1 on foreground seeds.
        const weight = (i: number, j: number): number => {
          if (j === i + 1 && j % w !== 0) return horizontal[i]!;
          if (i === j + 1 && i % w !== 0) return horizontal[j]!;
          if (j === i + w) return vertical[i]!;
          if (i === j + w) return vertical[j]!;
          return 0;
        };
        const unknown = [...labels.keys()].filter((i) => labels[i] === UNSEEDED);
        const m = unknown.length;
        const a = new Float64Array(m * m);
        const b = new Float64Array(m);
        unknown.forEach((i, r) => {
          let degree = 0;
          for (let j = 0; j < n; j++) degree += weight(i, j);
          a[r * m + r] = degree;
          unknown.forEach((j, c) => {
            if (c !== r) a[r * m + c] = -weight(i, j);
          });
          for (let j = 0; j < n; j++) if (labels[j] === FOREGROUND_SEED) b[r]! += weight(i, j);
        });
        const exact = m > 0 ? denseSolve(a, b, m) : new Float64Array(0);
        const { mask, state } = randomWalker(image, { clicks }, { beta, tolerance: 1e-13, clickRadius: 0 });
        unknown.forEach((i, r) => {
          expect(Math.abs(state.probability[i]! - exact[r]!)).toBeLessThan(1e-6);
          if (Math.abs(exact[r]! - 0.5) > 1e-6) expect(mask[i]).toBe(exact[r]! > 0.5 ? 1 : 0);
        });
        for (let i = 0; i < n; i++) if (labels[i] !== UNSEEDED) expect(state.probability[i]).toBe(labels[i] === FOREGROUND_SEED ? 1 : 0);
      }),
      { numRuns: 60 },
    );
  });

  it('the coarse-grid initial guess (images of 4096 pixels and more) changes where CG starts, not the solution', () => {
    const image = twoRegionImage(90, 70, 12, 60);
    const clicks = [
      { x: 10, y: 30, positive: true },
      { x: 80, y: 40, positive: false },
      { x: 45, y: 5, positive: false },
    ];
    const { labels } = seedMap(image, clicks, undefined);
    // beta = 10 keeps the system well conditioned, so that both solves reach the same x.
    const { horizontal, vertical } = randomWalkerWeights(image, 10);
    expect(coarseGuess(90, 70, horizontal, vertical, labels, 1e-3)).not.toBeNull();
    const plain = solveDirichlet(90, 70, horizontal, vertical, labels, null, 1e-12, 1e6);
    const { state } = randomWalker(image, { clicks }, { beta: 10, tolerance: 1e-12 });
    for (let i = 0; i < 90 * 70; i++) expect(Math.abs(state.probability[i]! - plain.probability[i]!)).toBeLessThan(1e-6);
    const loose = randomWalker(image, { clicks }, { beta: 10 });
    expect(loose.state.iterations).toBeLessThan(solveDirichlet(90, 70, horizontal, vertical, labels, null, 1e-3, 1e6).iterations);
  });

  it('starts the next click from the previous probabilities and reaches the same solution', () => {
    const image = randomImage(24, 18, 4);
    const clicks = [
      { x: 4, y: 4, positive: true },
      { x: 20, y: 14, positive: false },
    ];
    const first = randomWalker(image, { clicks }, { tolerance: 1e-10 });
    const more = [...clicks, { x: 12, y: 3, positive: true }];
    const warm = randomWalker(image, { clicks: more, previous: first.state }, { tolerance: 1e-10 });
    const cold = randomWalker(image, { clicks: more }, { tolerance: 1e-10 });
    for (let i = 0; i < 24 * 18; i++) expect(Math.abs(warm.state.probability[i]! - cold.state.probability[i]!)).toBeLessThan(1e-6);
    expect(warm.state.horizontal).toBe(first.state.horizontal); // the image's weights are reused
  });
});

describe('Jacobi-preconditioned conjugate gradients', () => {
  it('solves random symmetric positive definite systems to the requested relative residual', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 1e9 }), (n, seed) => {
        const r = lcg(seed);
        // A = M M' + n I, with a wide spread of diagonal scales.
        const mm = Float64Array.from({ length: n * n }, () => r() - 0.5);
        const a = new Float64Array(n * n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j]! += mm[i * n + k]! * mm[j * n + k]!;
        const scale = Float64Array.from({ length: n }, () => 10 ** (r() * 4 - 2));
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j]! *= scale[i]! * scale[j]!;
        for (let i = 0; i < n; i++) a[i * n + i]! += n * scale[i]! ** 2;
        const b = Float64Array.from({ length: n }, () => r() - 0.5);
        const x = new Float64Array(n);
        const result = conjugateGradient(
          {
            size: n,
            diagonal: Float64Array.from({ length: n }, (_, i) => a[i * n + i]!),
            apply: (v, out) => {
              let vav = 0;
              for (let i = 0; i < n; i++) {
                let s = 0;
                for (let j = 0; j < n; j++) s += a[i * n + j]! * v[j]!;
                out[i] = s;
                vav += v[i]! * s;
              }
              return vav;
            },
          },
          b,
          x,
          { tolerance: 1e-12 },
        );
        expect(result.converged).toBe(true);
        // The true residual (not the recurrence's) and the dense solution.
        let rr = 0;
        let bb = 0;
        for (let i = 0; i < n; i++) {
          let s = b[i]!;
          for (let j = 0; j < n; j++) s -= a[i * n + j]! * x[j]!;
          rr += s * s;
          bb += b[i]! ** 2;
        }
        expect(Math.sqrt(rr / bb)).toBeLessThan(1e-10);
        const exact = denseSolve(a, b, n);
        for (let i = 0; i < n; i++) expect(relDiff(x[i]!, exact[i]!, 1e-6)).toBeLessThan(1e-6);
      }),
    );
  });
});
