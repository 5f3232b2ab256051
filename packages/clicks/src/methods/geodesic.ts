import type { RgbImage } from '../types';
import { checkNumber } from '../validate';
import { colourHistogram, foregroundLikelihood, type ColourHistogramOptions } from './colour-histogram';
import { createIndexedHeap } from './indexed-heap';
import { BACKGROUND_SEED, DEFAULT_CLICK_RADIUS, FOREGROUND_SEED, seedMap } from './seeds';
import type { SelectionInput, SelectionResult } from './types';

/**
 * Geodesic selection after Bai & Sapiro 2007 ("A geodesic framework for fast interactive image
 * and video segmentation and matting"): colour models of the foreground and background seeds
 * (smoothed RGB histograms, ./colour-histogram.ts, standing in for their kernel density
 * estimates) give each pixel the foreground likelihood P_F = p_F / (p_F + p_B); the geodesic
 * distance from a seed set is the cheapest 8-connected path where the step between neighbours
 * i, j costs
 *
 *   ((|grad P_F|_i + |grad P_F|_j) / 2 + lengthWeight) * |i - j|
 *
 * (|grad P_F| by central differences, one-sided at the border; |i - j| = 1 or sqrt 2), and a
 * pixel is foreground when it is strictly nearer to the foreground seeds than to the background
 * seeds. `lengthWeight` (default 1e-3) makes flat stretches of P_F cost their length, so that a
 * region of constant likelihood goes to the seed it is geometrically nearer to instead of
 * tying. Distances are exact: one multi-source Dijkstra with a binary heap (./indexed-heap.ts)
 * settles every pixel with min(D_F, D_B) and the label of a seed that attains it, which is the
 * label of "D_F < D_B" whenever D_F != D_B (floating-point ties go to the background).
 * Without a box the one-pixel image frame is background (./seeds.ts); without a
 * positive click nothing is selected.
 */

/** Options of {@link geodesic}. */
export interface GeodesicOptions extends ColourHistogramOptions {
  /** Cost per unit of path length added to the likelihood gradient (default 1e-3). */
  lengthWeight?: number;
  /** Clicks fix (and sample colours from) the disc of this radius (default {@link DEFAULT_CLICK_RADIUS}, 5 pixels). */
  clickRadius?: number;
}

/** State of {@link geodesic} (nothing is reused between clicks; kept for inspection). */
export interface GeodesicState {
  readonly method: 'geodesic';
  readonly image: RgbImage;
  /** P_F per pixel. */
  readonly likelihood: Float32Array;
  /** Geodesic distance to the nearest seed of either kind. */
  readonly distance: Float64Array;
}

/** |grad P| per pixel by central differences (one-sided at the border, 0 across a single row or column). */
export function likelihoodGradient(likelihood: ArrayLike<number>, width: number, height: number): Float64Array {
  const out = new Float64Array(width * height);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      let gx = 0;
      if (width > 1) {
        if (x === 0) gx = likelihood[i + 1]! - likelihood[i]!;
        else if (x === width - 1) gx = likelihood[i]! - likelihood[i - 1]!;
        else gx = (likelihood[i + 1]! - likelihood[i - 1]!) / 2;
      }
      let gy = 0;
      if (height > 1) {
        if (y === 0) gy = likelihood[i + width]! - likelihood[i]!;
        else if (y === height - 1) gy = likelihood[i]! - likelihood[i - width]!;
        else gy = (likelihood[i + width]! - likelihood[i - width]!) / 2;
      }
      out[i] = Math.sqrt(gx * gx + gy * gy);
    }
  }
  return out;
}

/**
 * Geodesic distance from the nearest seed (`labels`: FOREGROUND_SEED / BACKGROUND_SEED / 0) on
 * the 8-connected grid with the step cost of the module comment, and per pixel 1 when that seed
 * is a foreground one (see the module comment for ties). Unreachable pixels (no seed at all)
 * keep distance Infinity and label 0. The search runs on the grid padded with a frame of
 * pixels marked as settled, so neighbours need no bounds tests.
 */
export function geodesicNearestSeed(
  gradient: Float64Array,
  width: number,
  height: number,
  labels: Uint8Array,
  lengthWeight: number,
): { distance: Float64Array; foreground: Uint8Array } {
  const Wp = width + 2;
  const np = Wp * (height + 2);
  const dist = new Float64Array(np).fill(Infinity);
  const fg = new Uint8Array(np);
  const settled = new Uint8Array(np).fill(1);
  const g = new Float64Array(np);
  const heap = createIndexedHeap(np, dist);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0, p = (y + 1) * Wp + 1; x < width; x++, i++, p++) {
      settled[p] = 0;
      g[p] = gradient[i]!;
      const s = labels[i];
      if (s !== FOREGROUND_SEED && s !== BACKGROUND_SEED) continue;
      dist[p] = 0;
      fg[p] = s === FOREGROUND_SEED ? 1 : 0;
      heap.push(p);
    }
  }
  // The 8 neighbour offsets and step lengths.
  const offsets = [1, -1, Wp, -Wp, Wp + 1, -Wp - 1, -Wp + 1, Wp - 1];
  const lengths = [1, 1, 1, 1, Math.SQRT2, Math.SQRT2, Math.SQRT2, Math.SQRT2];
  for (let u = heap.pop(); u >= 0; u = heap.pop()) {
    settled[u] = 1;
    const du = dist[u]!;
    const gu = g[u]!;
    const fu = fg[u]!;
    for (let d = 0; d < 8; d++) {
      const v = u + offsets[d]!;
      if (settled[v]) continue;
      const nd = du + ((gu + g[v]!) / 2 + lengthWeight) * lengths[d]!;
      const dv = dist[v]!;
      if (nd < dv) {
        dist[v] = nd;
        fg[v] = fu;
        heap.push(v);
      } else if (nd === dv && fu === 0) fg[v] = 0;
    }
  }
  const distance = new Float64Array(width * height);
  const foreground = new Uint8Array(width * height);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0, p = (y + 1) * Wp + 1; x < width; x++, i++, p++) {
      distance[i] = dist[p]!;
      foreground[i] = fg[p]!;
    }
  }
  return { distance, foreground };
}

/** Geodesic selection; see the module comment. */
export function geodesic(
  image: RgbImage,
  input: SelectionInput<GeodesicState>,
  options: GeodesicOptions = {},
): SelectionResult<GeodesicState> {
  const lengthWeight = options.lengthWeight ?? 1e-3;
  checkNumber(lengthWeight, 'lengthWeight', (v) => v >= 0, 'a number >= 0');
  const { width, height } = image;
  const n = width * height;
  const seeds = seedMap(image, input.clicks, input.box, { radius: options.clickRadius ?? DEFAULT_CLICK_RADIUS });
  if (seeds.foreground === 0) {
    const likelihood = new Float32Array(n);
    return { mask: new Uint8Array(n), state: { method: 'geodesic', image, likelihood, distance: new Float64Array(n).fill(Infinity) } };
  }
  const likelihood = foregroundLikelihood(
    image,
    colourHistogram(image, seeds.labels, FOREGROUND_SEED, options),
    colourHistogram(image, seeds.labels, BACKGROUND_SEED, options),
  );
  const { distance, foreground } = geodesicNearestSeed(
    likelihoodGradient(likelihood, width, height),
    width,
    height,
    seeds.labels,
    lengthWeight,
  );
  return { mask: foreground, state: { method: 'geodesic', image, likelihood, distance } };
}
