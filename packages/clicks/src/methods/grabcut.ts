import type { RgbImage } from '../types';
import { checkNumber } from '../validate';
import {
  MAX_COMPONENTS,
  addGmmSample,
  cloneColourGmm,
  createColourGmm,
  createGmmAccumulator,
  learnColourGmm,
  packColourGmm,
  packedNegLogDensity,
  packedWhichComponent,
  resetGmmAccumulator,
  type ColourGmm,
  type GmmAccumulator,
} from './colour-gmm';
import { GRABCUT_GAMMA, contrastPairWeights, grabCutBeta, type PairWeights } from './contrast';
import { createDynamicCut, type DynamicCut } from './grid-cut';
import { kmeansLabels } from './kmeans';
import { OPENCV_DEFAULT_SEED, createOpencvRng } from './opencv-rng';
import { BACKGROUND_SEED, DEFAULT_CLICK_RADIUS, FOREGROUND_SEED, sameImage, seedMap } from './seeds';
import type { SelectionInput, SelectionResult } from './types';

/**
 * GrabCut (Rother, Kolmogorov & Blake 2004) as OpenCV implements it (`cv::grabCut`,
 * modules/imgproc/src/grabcut.cpp):
 *
 * 1. Trimap: outside the box is hard background (`GC_BGD`), inside "probably foreground"
 *    (`GC_PR_FGD`); clicks are hard foreground / background (`GC_FGD` / `GC_BGD`). Without a box
 *    the box is the whole image and its one-pixel frame is hard background (./seeds.ts).
 * 2. Two colour models, background (`GC_BGD`, `GC_PR_BGD` pixels) and foreground (`GC_FGD`,
 *    `GC_PR_FGD`), each a 5-component full-covariance Gaussian mixture initialised by k-means
 *    (./kmeans.ts: k-means++ seeding, 10 iterations, seeded) over its pixels.
 * 3. Each iteration: every pixel is assigned the component of its side with the largest density,
 *    both mixtures are re-estimated from these assignments (./colour-gmm.ts), and the energy
 *    sum_i -log p_{L_i}(I_i) + 50 * sum_{i~j} [L_i != L_j] exp(-beta |I_i - I_j|^2) / dist(i, j)
 *    over the 8-connected grid (./contrast.ts) is minimised exactly by a minimum cut over the
 *    "probably" pixels (hard pixels keep their labels: OpenCV ties them to a terminal with
 *    lambda = 9 * gamma = 450, more than the 4 gamma (1 + 1/sqrt 2) ~ 341 all their n-links can
 *    carry, so they cannot flip; here their terminal capacity is infinite, the same cut).
 * 4. Iterations stop at `iterations` (default 5, like `cv2.grabCut(..., iterCount=5)`) or as soon
 *    as an iteration changes neither a label nor a component assignment: the next iteration
 *    would then rebuild the same mixtures and the same graph, so stopping early gives exactly the
 *    result of running all of them.
 *
 * Clicks after the first (`previous` state) refine in place, like OpenCV's GC_EVAL mode: the
 * trimap and both mixtures carry over, the clicks overwrite their pixels as hard labels, and the
 * iterations run again from the current mixtures (no k-means).
 *
 * Differences from OpenCV: k-means++ draws from a generator of its own, seeded by `seed`, where
 * OpenCV draws from the process-wide `cv::theRNG()`. It is OpenCV's generator (./opencv-rng.ts)
 * with OpenCV's default state, so a call reproduces the initial mixtures of the first
 * `cv2.grabCut` in a fresh thread (or after `cv2.setRNGSeed(seed)`); later OpenCV calls continue
 * the global stream and start elsewhere, and GrabCut is sensitive to its start: on an ambiguous
 * box two OpenCV runs can end far apart. Then: the component assignment compares log densities (OpenCV
 * picks component 0 when all densities underflow); -log of the mixture density is a
 * log-sum-exp (finite where OpenCV's -log(0) would be infinite); pixels the max-flow leaves in
 * neither search tree are background (OpenCV decides them by their last tree).
 */

/** OpenCV's trimap values: hard background, hard foreground, probably background, probably foreground. */
export const GC_BGD = 0;
export const GC_FGD = 1;
export const GC_PR_BGD = 2;
export const GC_PR_FGD = 3;

/** Options of {@link grabCut}. */
export interface GrabCutOptions {
  /** Iteration cap (default 5, cv2.grabCut's usual iterCount). */
  iterations?: number;
  /** Gaussian components per side (default 5, OpenCV's `componentsCount`). */
  components?: number;
  /** Smoothness weight (default 50, OpenCV's `gamma`). */
  gamma?: number;
  /**
   * State of OpenCV's random generator for k-means++ (./opencv-rng.ts): default 0xffffffff, the
   * state of a fresh thread's `cv::theRNG()`; `s` draws what OpenCV draws after `cv2.setRNGSeed(s)`.
   */
  seed?: number;
  /** Clicks fix the disc of this radius (default {@link DEFAULT_CLICK_RADIUS}, 5 pixels). */
  clickRadius?: number;
  /** Stop as soon as an iteration changes nothing (default true; the result is the same, see the module comment). */
  stopWhenStable?: boolean;
}

/** GrabCut's state between clicks. */
export interface GrabCutState {
  readonly method: 'grabcut';
  /** The image it was computed on. */
  readonly image: RgbImage;
  /** The trimap, `width * height`, {@link GC_BGD} / {@link GC_FGD} / {@link GC_PR_BGD} / {@link GC_PR_FGD}. */
  readonly trimap: Uint8Array;
  readonly background: ColourGmm;
  readonly foreground: ColourGmm;
  /** The contrast term's weights of the image. */
  readonly pairWeights: PairWeights;
  /** Iterations the last call ran. */
  readonly iterations: number;
}

function resolveOptions(options: GrabCutOptions): Required<GrabCutOptions> {
  const iterations = options.iterations ?? 5;
  checkNumber(iterations, 'iterations', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  const components = options.components ?? 5;
  checkNumber(components, 'components', (v) => Number.isInteger(v) && v >= 1 && v <= MAX_COMPONENTS, `an integer in 1..${MAX_COMPONENTS}`);
  const gamma = options.gamma ?? GRABCUT_GAMMA;
  checkNumber(gamma, 'gamma', (v) => v >= 0, 'a number >= 0');
  const seed = options.seed ?? OPENCV_DEFAULT_SEED;
  checkNumber(seed, 'seed', (v) => Number.isSafeInteger(v) && v >= 0, 'an integer >= 0');
  const clickRadius = options.clickRadius ?? DEFAULT_CLICK_RADIUS;
  checkNumber(clickRadius, 'clickRadius', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  return { iterations, components, gamma, seed, clickRadius, stopWhenStable: options.stopWhenStable ?? true };
}

/** True for the background side of the trimap (GC_BGD, GC_PR_BGD). */
function isBackground(t: number): boolean {
  return t === GC_BGD || t === GC_PR_BGD;
}

/**
 * The initial mixtures of OpenCV's `initGMMs`: k-means over each side's colours (in OpenCV's
 * BGR order and pixel order, with OpenCV's random stream from `seed`), then one learning pass.
 */
export function initialGmms(
  image: RgbImage,
  trimap: Uint8Array,
  components: number,
  seed: number,
): { background: ColourGmm; foreground: ColourGmm } {
  const { data } = image;
  const n = trimap.length;
  let nb = 0;
  for (let i = 0; i < n; i++) if (isBackground(trimap[i]!)) nb++;
  const sides: { pixels: Int32Array; samples: Float32Array; count: number }[] = [
    { pixels: new Int32Array(nb), samples: new Float32Array(3 * nb), count: 0 },
    { pixels: new Int32Array(n - nb), samples: new Float32Array(3 * (n - nb)), count: 0 },
  ];
  for (let i = 0; i < n; i++) {
    const side = sides[isBackground(trimap[i]!) ? 0 : 1]!;
    const k = side.count++;
    side.pixels[k] = i;
    side.samples[3 * k] = data[3 * i + 2]!;
    side.samples[3 * k + 1] = data[3 * i + 1]!;
    side.samples[3 * k + 2] = data[3 * i]!;
  }
  const rng = createOpencvRng(seed);
  const [background, foreground] = sides.map(({ pixels, samples, count }) => {
    const gmm = createColourGmm(components);
    if (count === 0) return gmm;
    const labels = kmeansLabels(samples, count, Math.min(components, count), rng);
    const acc = createGmmAccumulator(components);
    for (let k = 0; k < count; k++) {
      const i = pixels[k]!;
      addGmmSample(acc, labels[k]!, data[3 * i]!, data[3 * i + 1]!, data[3 * i + 2]!);
    }
    learnColourGmm(gmm, acc);
    return gmm;
  }) as [ColourGmm, ColourGmm];
  return { background, foreground };
}

/** Each pixel's component in its side's mixture (OpenCV's `assignGMMsComponents`). */
export function assignComponents(
  image: RgbImage,
  trimap: Uint8Array,
  background: ColourGmm,
  foreground: ColourGmm,
  out = new Uint8Array(trimap.length),
): Uint8Array {
  const { data } = image;
  const bg = packColourGmm(background);
  const fg = packColourGmm(foreground);
  for (let i = 0; i < trimap.length; i++) {
    const r = data[3 * i]!;
    const g = data[3 * i + 1]!;
    const b = data[3 * i + 2]!;
    out[i] = isBackground(trimap[i]!)
      ? packedWhichComponent(bg, background.components, r, g, b)
      : packedWhichComponent(fg, foreground.components, r, g, b);
  }
  return out;
}

/** Re-estimates both mixtures from the component assignments (OpenCV's `learnGMMs`). */
export function learnGmms(
  image: RgbImage,
  trimap: Uint8Array,
  assignment: Uint8Array,
  background: ColourGmm,
  foreground: ColourGmm,
  scratch?: { background: GmmAccumulator; foreground: GmmAccumulator },
): void {
  const { data } = image;
  const bgAcc = scratch?.background ?? createGmmAccumulator(background.components);
  const fgAcc = scratch?.foreground ?? createGmmAccumulator(foreground.components);
  resetGmmAccumulator(bgAcc);
  resetGmmAccumulator(fgAcc);
  for (let i = 0; i < trimap.length; i++) {
    addGmmSample(isBackground(trimap[i]!) ? bgAcc : fgAcc, assignment[i]!, data[3 * i]!, data[3 * i + 1]!, data[3 * i + 2]!);
  }
  learnColourGmm(background, bgAcc);
  learnColourGmm(foreground, fgAcc);
}

/** Workspace of one GrabCut call. */
interface Work {
  /** U(background) - U(foreground) per pixel. */
  unary: Float64Array;
  cut: DynamicCut;
  nextBackground: Uint8Array;
  nextForeground: Uint8Array;
}

/**
 * One graph cut with fixed mixtures: the "probably" pixels of `trimap` are relabelled to
 * GC_PR_FGD / GC_PR_BGD by the exact minimum of the energy (module comment, step 3); hard pixels
 * keep their labels. Returns how many labels changed. With `work`, also records each pixel's
 * best component in both mixtures (the next iteration's assignment, whatever the new labels).
 */
export function grabCutSegment(
  image: RgbImage,
  trimap: Uint8Array,
  background: ColourGmm,
  foreground: ColourGmm,
  pairWeights: PairWeights,
  work?: Work,
): number {
  const { data } = image;
  const bg = packColourGmm(background);
  const fg = packColourGmm(foreground);
  const kb = background.components;
  const kf = foreground.components;
  const unary = work?.unary ?? new Float64Array(trimap.length);
  const nextBg = work?.nextBackground ?? new Uint8Array(trimap.length);
  const nextFg = work?.nextForeground ?? new Uint8Array(trimap.length);
  let probable = 0;
  for (let i = 0; i < trimap.length; i++) {
    const t = trimap[i]!;
    const r = data[3 * i]!;
    const g = data[3 * i + 1]!;
    const b = data[3 * i + 2]!;
    if (t === GC_BGD) {
      unary[i] = -Infinity;
      nextBg[i] = packedWhichComponent(bg, kb, r, g, b);
    } else if (t === GC_FGD) {
      unary[i] = Infinity;
      nextFg[i] = packedWhichComponent(fg, kf, r, g, b);
    } else {
      // Source = foreground: the source arc carries -log p_bg (paid when the pixel ends in the background).
      const fromSource = packedNegLogDensity(bg, kb, r, g, b, nextBg, i);
      const toSink = packedNegLogDensity(fg, kf, r, g, b, nextFg, i);
      unary[i] = fromSource === toSink ? 0 : fromSource - toSink;
      probable++;
    }
  }
  if (probable === 0) return 0;
  const sourceSide = (work?.cut ?? createDynamicCut(pairWeights)).solve(unary);
  let changed = 0;
  for (let i = 0; i < trimap.length; i++) {
    const t = trimap[i]!;
    if (t === GC_BGD || t === GC_FGD) continue;
    const next = sourceSide[i] ? GC_PR_FGD : GC_PR_BGD;
    if (next !== t) {
      trimap[i] = next;
      changed++;
    }
  }
  return changed;
}

/** The initial trimap of a selection (module comment, step 1). */
export function initialTrimap(image: RgbImage, input: Pick<SelectionInput<unknown>, 'clicks' | 'box'>, clickRadius = 0): Uint8Array {
  const seeds = seedMap(image, input.clicks, input.box, { radius: clickRadius });
  const trimap = new Uint8Array(seeds.labels.length);
  for (let i = 0; i < trimap.length; i++) {
    const s = seeds.labels[i]!;
    trimap[i] = s === FOREGROUND_SEED ? GC_FGD : s === BACKGROUND_SEED ? GC_BGD : GC_PR_FGD;
  }
  return trimap;
}

/** Writes the clicks (and the outside of a box) into an existing trimap as hard labels. */
function applyHardLabels(image: RgbImage, trimap: Uint8Array, input: SelectionInput<unknown>, clickRadius: number): void {
  const seeds = seedMap(image, input.clicks, input.box, { radius: clickRadius });
  for (let i = 0; i < trimap.length; i++) {
    const s = seeds.labels[i]!;
    if (s === FOREGROUND_SEED) trimap[i] = GC_FGD;
    else if (s === BACKGROUND_SEED) trimap[i] = GC_BGD;
  }
}

/** The selection of a trimap: GC_FGD and GC_PR_FGD pixels. */
function trimapMask(trimap: Uint8Array): Uint8Array {
  const mask = new Uint8Array(trimap.length);
  for (let i = 0; i < trimap.length; i++) mask[i] = trimap[i] === GC_FGD || trimap[i] === GC_PR_FGD ? 1 : 0;
  return mask;
}

/**
 * GrabCut selection from a box and/or clicks; see the module comment. Without any foreground
 * pixel (everything hard background) the mask is empty.
 */
export function grabCut(image: RgbImage, input: SelectionInput<GrabCutState>, options: GrabCutOptions = {}): SelectionResult<GrabCutState> {
  const opts = resolveOptions(options);
  const { width, height } = image;
  const n = width * height;
  const previous = input.previous;
  const reuse =
    previous !== undefined &&
    previous.method === 'grabcut' &&
    sameImage(previous, image) &&
    previous.background.components === opts.components;
  let trimap: Uint8Array;
  let background: ColourGmm;
  let foreground: ColourGmm;
  let pairWeights: PairWeights;
  if (reuse) {
    trimap = previous.trimap.slice();
    applyHardLabels(image, trimap, input, opts.clickRadius);
    background = cloneColourGmm(previous.background);
    foreground = cloneColourGmm(previous.foreground);
    pairWeights =
      previous.pairWeights.gamma === opts.gamma ? previous.pairWeights : contrastPairWeights(image, previous.pairWeights.beta, opts.gamma);
  } else {
    trimap = initialTrimap(image, input, opts.clickRadius);
    pairWeights = contrastPairWeights(image, grabCutBeta(image), opts.gamma);
    background = createColourGmm(opts.components);
    foreground = createColourGmm(opts.components);
  }
  let fgCount = 0;
  for (let i = 0; i < n; i++) if (!isBackground(trimap[i]!)) fgCount++;
  const state = (iterations: number): GrabCutState => ({
    method: 'grabcut',
    image,
    trimap,
    background,
    foreground,
    pairWeights,
    iterations,
  });
  if (fgCount === 0 || fgCount === n) {
    // One side has no pixel: nothing to model or cut (OpenCV refuses such a trimap).
    return { mask: trimapMask(trimap), state: state(0) };
  }
  if (!reuse) ({ background, foreground } = initialGmms(image, trimap, opts.components, opts.seed));

  const work: Work = {
    unary: new Float64Array(n),
    cut: createDynamicCut(pairWeights),
    nextBackground: new Uint8Array(n),
    nextForeground: new Uint8Array(n),
  };
  const scratch = { background: createGmmAccumulator(opts.components), foreground: createGmmAccumulator(opts.components) };
  const assignment = assignComponents(image, trimap, background, foreground);
  let ran = 0;
  for (let it = 0; it < opts.iterations; it++) {
    learnGmms(image, trimap, assignment, background, foreground, scratch);
    const changed = grabCutSegment(image, trimap, background, foreground, pairWeights, work);
    ran++;
    // The next iteration's assignment under the mixtures just learned, for the new labels.
    let reassigned = 0;
    for (let i = 0; i < n; i++) {
      const c = isBackground(trimap[i]!) ? work.nextBackground[i]! : work.nextForeground[i]!;
      if (c !== assignment[i]) {
        assignment[i] = c;
        reassigned++;
      }
    }
    if (opts.stopWhenStable && changed === 0 && reassigned === 0) break;
  }
  return { mask: trimapMask(trimap), state: state(ran) };
}
