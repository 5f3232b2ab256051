import type { RgbImage } from '../types';
import { checkNumber } from '../validate';
import { coarseGuess, solveDirichlet } from './dirichlet-problem';
import { DEFAULT_CLICK_RADIUS, sameImage, seedMap } from './seeds';
import type { SelectionInput, SelectionResult } from './types';

/**
 * Random walker segmentation (Grady 2006) with scikit-image's weights
 * (`skimage.segmentation.random_walker`, skimage/segmentation/random_walker_segmentation.py):
 * the 4-connected grid with w_ij = exp(-beta / (10 * sigma * sqrt 3) * |I_i - I_j|^2) + 1e-10, I
 * the RGB values scaled to [0, 1] (`img_as_float`), sigma their standard deviation over all
 * pixels and channels (scikit-image's `data.std()`, the normalisation of the data; its extra
 * 1/sqrt(channels) for multichannel data included), beta = 130 by default. The probability x
 * that a walker from each unseeded pixel first reaches a foreground seed solves the Dirichlet
 * problem L_U x_U = -B x_S (L the graph Laplacian, x_S = 1 on foreground and 0 on background
 * seeds), by Jacobi-preconditioned conjugate gradients (./dirichlet-problem.ts, scikit-image's
 * default mode `cg_j`) to a relative residual of `tolerance` (default 1e-3, scikit-image's
 * `tol`; for a first pair of clicks on the fixture photos the mask then differs from the
 * converged one on at most 0.7% of the pixels, 0.05% at 1e-4). Foreground = x > 0.5, which is
 * scikit-image's argmax over the two labels (their probabilities sum to 1). A constant image
 * (sigma = 0, where scikit-image divides by zero) gets weights 1. The first click starts the
 * solver from a coarse-grid solution, later clicks from the previous probabilities.
 * Without a box the one-pixel image frame is background (./seeds.ts); without a
 * positive click nothing is selected.
 */

/** Options of {@link randomWalker}. */
export interface RandomWalkerOptions {
  /** Diffusion penalty (default 130, scikit-image's). */
  beta?: number;
  /** Relative residual of the linear solve (default 1e-3, scikit-image's `tol`). */
  tolerance?: number;
  /** Conjugate-gradient iteration cap (default 10 * pixels). */
  maxIterations?: number;
  /** Clicks fix the disc of this radius (default {@link DEFAULT_CLICK_RADIUS}, 5 pixels). */
  clickRadius?: number;
}

/** State of {@link randomWalker} between clicks. */
export interface RandomWalkerState {
  readonly method: 'random-walker';
  readonly image: RgbImage;
  /** Foreground probability per pixel (1 on foreground seeds, 0 on background seeds). */
  readonly probability: Float64Array;
  /** The graph's edge weights (`horizontal[i]` joins i and i + 1, `vertical[i]` joins i and i + width; 0 past the border). */
  readonly horizontal: Float64Array;
  readonly vertical: Float64Array;
  readonly beta: number;
  /** Conjugate-gradient iterations of the last call and the relative residual reached. */
  readonly iterations: number;
  readonly relativeResidual: number;
}

/** The 4-connected edge weights of scikit-image's random walker (see the module comment). */
export function randomWalkerWeights(image: RgbImage, beta: number): { horizontal: Float64Array; vertical: Float64Array } {
  const { width, height, data } = image;
  const n = width * height;
  let sum = 0;
  for (let k = 0; k < 3 * n; k++) sum += data[k]! / 255;
  const mean = sum / (3 * n);
  let squares = 0;
  for (let k = 0; k < 3 * n; k++) {
    const d = data[k]! / 255 - mean;
    squares += d * d;
  }
  const sigma = Math.sqrt(squares / (3 * n));
  const scale = sigma > 0 ? beta / (10 * sigma) / Math.sqrt(3) : 0;
  const horizontal = new Float64Array(n);
  const vertical = new Float64Array(n);
  const edge = (i: number, j: number): number => {
    let g = 0;
    for (let c = 0; c < 3; c++) {
      const d = data[3 * i + c]! / 255 - data[3 * j + c]! / 255;
      g += d * d;
    }
    return Math.exp(-scale * g) + 1e-10;
  };
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (x + 1 < width) horizontal[i] = edge(i, i + 1);
      if (y + 1 < height) vertical[i] = edge(i, i + width);
    }
  }
  return { horizontal, vertical };
}

/** Random-walker selection; see the module comment. */
export function randomWalker(
  image: RgbImage,
  input: SelectionInput<RandomWalkerState>,
  options: RandomWalkerOptions = {},
): SelectionResult<RandomWalkerState> {
  const beta = options.beta ?? 130;
  checkNumber(beta, 'beta', (v) => v >= 0, 'a number >= 0');
  const tolerance = options.tolerance ?? 1e-3;
  checkNumber(tolerance, 'tolerance', (v) => v > 0, 'a positive number');
  const { width, height } = image;
  const n = width * height;
  const maxIterations = options.maxIterations ?? 10 * n;
  checkNumber(maxIterations, 'maxIterations', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  const seeds = seedMap(image, input.clicks, input.box, { radius: options.clickRadius ?? DEFAULT_CLICK_RADIUS });
  const previous = input.previous;
  const reuse = previous?.method === 'random-walker' && sameImage(previous, image) && previous.beta === beta;
  const { horizontal, vertical } = reuse ? previous : randomWalkerWeights(image, beta);
  const probability = new Float64Array(n);
  const state = (iterations: number, relativeResidual: number): RandomWalkerState => ({
    method: 'random-walker',
    image,
    probability,
    horizontal,
    vertical,
    beta,
    iterations,
    relativeResidual,
  });
  if (seeds.foreground === 0) return { mask: new Uint8Array(n), state: state(0, 0) };
  const labels = seeds.labels;
  const initial = reuse ? previous.probability : coarseGuess(width, height, horizontal, vertical, labels, tolerance);
  const result = solveDirichlet(width, height, horizontal, vertical, labels, initial, tolerance, maxIterations);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = result.probability[i]!;
    probability[i] = p;
    mask[i] = p > 0.5 ? 1 : 0;
  }
  return { mask, state: state(result.iterations, result.relativeResidual) };
}
