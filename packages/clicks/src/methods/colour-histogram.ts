import type { RgbImage } from '../types';
import { checkNumber } from '../validate';

/**
 * A colour model from a handful of seed pixels: a histogram over RGB quantised to `bins` levels
 * per channel (16 by default: 4096 cells of 16^3 colours), smoothed by a Gaussian of `smoothing`
 * cells along each channel (a kernel density estimate on the grid, as Bai & Sapiro 2007 model
 * scribbled colours), normalised to probabilities, then mixed with a uniform distribution of
 * weight `floor` so that a colour no seed has does not get probability zero.
 */

/** Options of {@link colourHistogram}. */
export interface ColourHistogramOptions {
  /** Levels per channel, a power of two in 2..256 (default 16). */
  bins?: number;
  /** Gaussian smoothing, standard deviation in cells (default 1; 0 = none). */
  smoothing?: number;
  /** Weight of the uniform distribution mixed in (default 0.01). */
  floor?: number;
}

/** A colour distribution over quantised RGB. */
export interface ColourHistogram {
  readonly bins: number;
  /** Right shift that maps a byte to its level (8 - log2 bins). */
  readonly shift: number;
  /** Probability per cell, index (r_level * bins + g_level) * bins + b_level; sums to 1. */
  readonly probability: Float64Array;
}

/** Resolved histogram options (validated). */
export function resolveHistogramOptions(options: ColourHistogramOptions): Required<ColourHistogramOptions> {
  const bins = options.bins ?? 16;
  checkNumber(bins, 'bins', (v) => Number.isInteger(v) && v >= 2 && v <= 256 && (v & (v - 1)) === 0, 'a power of two in 2..256');
  const smoothing = options.smoothing ?? 1;
  checkNumber(smoothing, 'smoothing', (v) => v >= 0, 'a number >= 0');
  const floor = options.floor ?? 0.01;
  checkNumber(floor, 'floor', (v) => v > 0 && v <= 1, 'in (0, 1]');
  return { bins, smoothing, floor };
}

/** The histogram cell of colour (r, g, b). */
export function histogramCell(h: ColourHistogram, r: number, g: number, b: number): number {
  return ((r >> h.shift) * h.bins + (g >> h.shift)) * h.bins + (b >> h.shift);
}

/** Smooths a bins^3 grid in place along each axis with a truncated (3 sigma) normalised Gaussian. */
function smooth(grid: Float64Array, bins: number, sigma: number): void {
  const radius = Math.ceil(3 * sigma);
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) total += kernel[k + radius] = Math.exp((-k * k) / (2 * sigma * sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k]! /= total;
  const line = new Float64Array(bins);
  for (const stride of [bins * bins, bins, 1]) {
    // Every line along this axis: start cells are those whose coordinate on the axis is 0.
    for (let start = 0; start < grid.length; start++) {
      if (Math.floor(start / stride) % bins !== 0) continue;
      for (let t = 0; t < bins; t++) line[t] = grid[start + t * stride]!;
      for (let t = 0; t < bins; t++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const u = t + k;
          if (u >= 0 && u < bins) sum += kernel[k + radius]! * line[u]!;
        }
        grid[start + t * stride] = sum;
      }
    }
  }
}

/** The colour model of the pixels `i` with `labels[i] === label`; uniform when there is none. */
export function colourHistogram(image: RgbImage, labels: Uint8Array, label: number, options: ColourHistogramOptions = {}): ColourHistogram {
  const { bins, smoothing, floor } = resolveHistogramOptions(options);
  const shift = 8 - Math.log2(bins);
  const cells = bins * bins * bins;
  const probability = new Float64Array(cells);
  const { data } = image;
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== label) continue;
    probability[((data[3 * i]! >> shift) * bins + (data[3 * i + 1]! >> shift)) * bins + (data[3 * i + 2]! >> shift)]!++;
    count++;
  }
  if (count === 0) {
    probability.fill(1 / cells);
    return { bins, shift, probability };
  }
  if (smoothing > 0) smooth(probability, bins, smoothing);
  let total = 0;
  for (let c = 0; c < cells; c++) total += probability[c]!;
  for (let c = 0; c < cells; c++) probability[c] = ((1 - floor) * probability[c]!) / total + floor / cells;
  return { bins, shift, probability };
}

/** Per pixel: -log of the colour's probability under the histogram. */
export function histogramNegLog(image: RgbImage, h: ColourHistogram): Float64Array {
  const negLog = new Float64Array(h.probability.length);
  for (let c = 0; c < negLog.length; c++) negLog[c] = -Math.log(h.probability[c]!);
  const { data } = image;
  const n = image.width * image.height;
  const out = new Float64Array(n);
  const { bins, shift } = h;
  for (let i = 0; i < n; i++)
    out[i] = negLog[((data[3 * i]! >> shift) * bins + (data[3 * i + 1]! >> shift)) * bins + (data[3 * i + 2]! >> shift)]!;
  return out;
}

/**
 * Per pixel: the foreground likelihood P_F = p_F(c) / (p_F(c) + p_B(c)) of its colour c under
 * two histograms of the same binning (Bai & Sapiro's normalised likelihood).
 */
export function foregroundLikelihood(image: RgbImage, foreground: ColourHistogram, background: ColourHistogram): Float32Array {
  const cells = foreground.probability.length;
  const ratio = new Float32Array(cells);
  for (let c = 0; c < cells; c++) {
    const f = foreground.probability[c]!;
    ratio[c] = f / (f + background.probability[c]!);
  }
  const { data } = image;
  const n = image.width * image.height;
  const out = new Float32Array(n);
  const { bins, shift } = foreground;
  for (let i = 0; i < n; i++)
    out[i] = ratio[((data[3 * i]! >> shift) * bins + (data[3 * i + 1]! >> shift)) * bins + (data[3 * i + 2]! >> shift)]!;
  return out;
}
