import type { RgbImage } from '../types';
import { checkNumber } from '../validate';
import { colourHistogram, histogramNegLog, type ColourHistogramOptions } from './colour-histogram';
import { GRABCUT_GAMMA, contrastPairWeights, grabCutBeta, type PairWeights } from './contrast';
import { minimumCut, paddedTerminals } from './grid-cut';
import { BACKGROUND_SEED, DEFAULT_CLICK_RADIUS, FOREGROUND_SEED, sameImage, seedMap } from './seeds';
import type { SelectionInput, SelectionResult } from './types';
import { paddedIndex } from '../grid-maxflow';

/**
 * Interactive graph cut with colour models from the seeds (Boykov & Jolly 2001): the clicked
 * pixels (and the outside of a box) are hard constraints and also the samples of two colour
 * models, smoothed RGB histograms (./colour-histogram.ts; Boykov & Jolly used intensity
 * histograms of the seeds); every other pixel costs -log p_F(colour) as foreground and
 * -log p_B(colour) as background, and neighbours pay GrabCut's contrast term
 * gamma * exp(-beta |dI|^2) / dist over the 8-connected grid (./contrast.ts). The exact minimum
 * is one cut (./grid-cut.ts). Without a box the one-pixel image frame is background
 * (./seeds.ts); without a positive click nothing is selected.
 */

/** Options of {@link graphCutColour}. */
export interface GraphCutColourOptions extends ColourHistogramOptions {
  /** Smoothness weight (default 50, GrabCut's). */
  gamma?: number;
  /** Neighbourhood (default 8, GrabCut's). */
  connectivity?: 4 | 8;
  /** Clicks fix (and sample colours from) the disc of this radius (default {@link DEFAULT_CLICK_RADIUS}, 5 pixels). */
  clickRadius?: number;
}

/** State of {@link graphCutColour} between clicks (the image's contrast weights, reused). */
export interface GraphCutColourState {
  readonly method: 'graphcut-colour';
  readonly image: RgbImage;
  readonly pairWeights: PairWeights;
}

/** Boykov–Jolly graph cut from clicks; see the module comment. */
export function graphCutColour(
  image: RgbImage,
  input: SelectionInput<GraphCutColourState>,
  options: GraphCutColourOptions = {},
): SelectionResult<GraphCutColourState> {
  const gamma = options.gamma ?? GRABCUT_GAMMA;
  checkNumber(gamma, 'gamma', (v) => v >= 0, 'a number >= 0');
  const connectivity = options.connectivity ?? 8;
  checkNumber(connectivity, 'connectivity', (v) => v === 4 || v === 8, '4 or 8');
  const seeds = seedMap(image, input.clicks, input.box, { radius: options.clickRadius ?? DEFAULT_CLICK_RADIUS });
  const { width, height } = image;
  const previous = input.previous;
  const pairWeights =
    previous?.method === 'graphcut-colour' &&
    sameImage(previous, image) &&
    previous.pairWeights.gamma === gamma &&
    previous.pairWeights.stride === connectivity
      ? previous.pairWeights
      : contrastPairWeights(image, grabCutBeta(image), gamma, connectivity);
  const state: GraphCutColourState = { method: 'graphcut-colour', image, pairWeights };
  if (seeds.foreground === 0) return { mask: new Uint8Array(width * height), state };
  const foreground = histogramNegLog(image, colourHistogram(image, seeds.labels, FOREGROUND_SEED, options));
  const background = histogramNegLog(image, colourHistogram(image, seeds.labels, BACKGROUND_SEED, options));
  const terminal = paddedTerminals(width, height);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const s = seeds.labels[i];
      terminal[paddedIndex(width, x, y)] =
        s === FOREGROUND_SEED ? Infinity : s === BACKGROUND_SEED ? -Infinity : background[i]! - foreground[i]!;
    }
  }
  return { mask: minimumCut(pairWeights, terminal), state };
}
