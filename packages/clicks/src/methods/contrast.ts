import { allocatePaddedGrid } from '../grid-maxflow';
import type { RgbImage } from '../types';

/**
 * GrabCut's contrast-sensitive smoothness term (Rother et al. 2004; Boykov & Jolly 2001), as
 * OpenCV computes it (`calcBeta`, `calcNWeights` in modules/imgproc/src/grabcut.cpp): a pair of
 * 8-neighbours i, j that the cut separates costs gamma * exp(-beta |I_i - I_j|^2) / dist(i, j),
 * dist = 1 for horizontal and vertical pairs and sqrt(2) for diagonal ones, with
 * beta = 1 / (2 <|I_i - I_j|^2>), the mean over all 8-neighbour pairs of the image (each pair
 * once: 4wh - 3w - 3h + 2 of them), and beta = 0 for a constant image.
 */

/** GrabCut's smoothness weight (OpenCV's `gamma`). */
export const GRABCUT_GAMMA = 50;

// Neighbour offsets of the padded grid (as in grid-maxflow.ts): direction d and d ^ 1 are
// opposite (left/right, up/down, up-left/down-right, up-right/down-left).
const DX = [-1, 1, 0, 0, -1, 1, 1, -1];
const DY = [0, 0, -1, 1, -1, 1, -1, 1];

/** beta = 1 / (2 * mean squared colour difference over all 8-neighbour pairs); 0 for a constant image. */
export function grabCutBeta(image: RgbImage): number {
  const { width, height, data } = image;
  let sum = 0;
  // Right, down, down-right and down-left neighbours: every 8-neighbour pair once.
  for (const d of [1, 3, 5, 7]) {
    const dx = DX[d]!;
    const dy = DY[d]!;
    const x0 = Math.max(0, -dx);
    const x1 = Math.min(width, width - dx);
    const offset = 3 * (dy * width + dx);
    for (let y = 0; y + dy < height; y++) {
      for (let x = x0, p = 3 * (y * width + x0); x < x1; x++, p += 3) {
        const dr = data[p]! - data[p + offset]!;
        const dg = data[p + 1]! - data[p + 1 + offset]!;
        const db = data[p + 2]! - data[p + 2 + offset]!;
        sum += dr * dr + dg * dg + db * db;
      }
    }
  }
  if (sum <= Number.EPSILON) return 0;
  return 1 / ((2 * sum) / (4 * width * height - 3 * width - 3 * height + 2));
}

/** The n-link capacities of an image in the padded layout of `gridMaxflow`, never modified. */
export interface PairWeights {
  readonly width: number;
  readonly height: number;
  /** 8 (GrabCut's neighbourhood) or 4. */
  readonly stride: 4 | 8;
  /** Arc d of padded node p at `p * stride + d` (both arcs of a pair carry its weight); 0 towards the frame. */
  readonly capacity: Float64Array;
  readonly beta: number;
  readonly gamma: number;
}

/**
 * exp(-beta d2) for the integer squared colour differences d2 of byte images (0..3 * 255^2),
 * kept between calls with the same beta (an interactive session cuts the same image again and
 * again). 0 marks "not computed yet"; a value that underflows to 0 is merely recomputed.
 */
let cache: { beta: number; values: Float64Array } | null = null;
function exponentials(beta: number): Float64Array {
  if (cache === null) cache = { beta, values: new Float64Array(3 * 255 * 255 + 1) };
  else if (cache.beta !== beta) {
    cache.values.fill(0);
    cache.beta = beta;
  }
  return cache.values;
}

/**
 * The contrast term's weights gamma * exp(-beta |I_i - I_j|^2) / dist(i, j) for every pair of
 * neighbours (8- or 4-connected), written into both arcs of the pair in the padded layout.
 */
export function contrastPairWeights(image: RgbImage, beta: number, gamma = GRABCUT_GAMMA, stride: 4 | 8 = 8): PairWeights {
  const { width, height, data } = image;
  const Wp = width + 2;
  const { capacity } = allocatePaddedGrid(width, height, stride);
  const table = exponentials(beta);
  for (const d of stride === 8 ? [1, 3, 5, 7] : [1, 3]) {
    const dx = DX[d]!;
    const dy = DY[d]!;
    const scale = dx !== 0 && dy !== 0 ? gamma / Math.SQRT2 : gamma;
    const back = d ^ 1;
    const x0 = Math.max(0, -dx);
    const x1 = Math.min(width, width - dx);
    const offset = 3 * (dy * width + dx);
    const paddedOffset = dy * Wp + dx;
    for (let y = 0; y + dy < height; y++) {
      let q = 3 * (y * width + x0);
      let p = (y + 1) * Wp + x0 + 1;
      for (let x = x0; x < x1; x++, q += 3, p++) {
        const dr = data[q]! - data[q + offset]!;
        const dg = data[q + 1]! - data[q + 1 + offset]!;
        const db = data[q + 2]! - data[q + 2 + offset]!;
        const d2 = dr * dr + dg * dg + db * db;
        let e = table[d2]!;
        if (e === 0) e = table[d2] = Math.exp(-beta * d2);
        const w = scale * e;
        capacity[p * stride + d] = w;
        capacity[(p + paddedOffset) * stride + back] = w;
      }
    }
  }
  return { width, height, stride, capacity, beta, gamma };
}
