import type { EngineKind } from './engine';
import { DenseCRF2D } from './dense-crf';
import { DenseCrfError } from './errors';
import { checkLabelCount, type LabelArray } from './labels';
import { argmaxLabels } from './layout';
import { crfPreset, type CrfParams, type CrfPresetName } from './presets';
import type { OnProgress } from './progress';
import { unaryFromSoftmax } from './unary';

/** Options of {@link crfRefine}. */
export interface CrfRefineOptions {
  /** Softmax probabilities, HWC: `probs[(y*width + x)*numLabels + c]`. */
  probs: Float32Array;
  /**
   * The image, interleaved RGB (or RGBA, alpha ignored) bytes, H·W·3 (·4). Without it the
   * bilateral term is left out (as DeepLab's TF port does when no image is given).
   */
  image?: Uint8Array | Uint8ClampedArray | null;
  width: number;
  height: number;
  numLabels: number;
  /** Parameter set (default `deeplab-v2`); see {@link CRF_PRESETS}. */
  preset?: CrfPresetName | (string & {});
  /** Overrides of the preset's parameters (`bilateral: null` drops that term). */
  params?: Partial<CrfParams>;
  /** Probability clipping before −log (default 1e-5, null = none), as `unary_from_softmax`. */
  clip?: number | null;
  /** Optional certainty in (0, 1]: mixes the softmax with the uniform distribution first. */
  scale?: number;
  /** Solver implementation (default `auto`). */
  engine?: EngineKind;
  /** Threads for the WebAssembly engine in Node (default 1). */
  threads?: number;
  /** Progress per iteration (`task: 'crf'`). */
  onProgress?: OnProgress;
}

/** What {@link crfRefine} returns. */
export interface CrfRefineResult {
  /** The most probable label per pixel, row-major H·W. */
  labels: LabelArray;
  /** The CRF marginals Q, HWC like the input. */
  probs: Float32Array;
  /** The parameters that were used. */
  params: CrfParams;
}

/**
 * Dense-CRF post-processing of a segmentation network's softmax output, the way DeepLab, the TF
 * port's `crf` branch and DCSP do it: unary = −log(clip(p)), a Gaussian and a bilateral Potts
 * term on the RGB image, n mean-field iterations; returns the refined labels and marginals.
 */
export function crfRefine(options: CrfRefineOptions): CrfRefineResult {
  const { probs, width, height, numLabels } = options;
  checkLabelCount(numLabels, 'crfRefine');
  const crf = new DenseCRF2D(width, height, numLabels, { engine: options.engine, threads: options.threads });
  const n = width * height;
  if (!(probs instanceof Float32Array) || probs.length !== n * numLabels) {
    throw new DenseCrfError(
      'bad-shape',
      `probs must be a Float32Array of ${height}x${width}x${numLabels} = ${n * numLabels} values, got ${probs?.length}`,
      { where: 'crfRefine' },
    );
  }
  const params: CrfParams = { ...crfPreset(options.preset ?? 'deeplab-v2'), ...options.params };
  if (!Number.isInteger(params.iterations) || params.iterations < 0)
    throw new DenseCrfError('bad-parameter', `iterations must be a non-negative integer, got ${params.iterations}`, { where: 'crfRefine' });

  crf.setUnaryEnergy(unaryFromSoftmax(probs, { clip: options.clip, scale: options.scale, numLabels }), { layout: 'hwc' });
  crf.addPairwiseGaussian({ sxy: params.gaussian.sxy, compat: params.gaussian.compat });
  const image = options.image;
  if (image && params.bilateral) {
    let rgb: Uint8Array | Uint8ClampedArray;
    if (image.length === n * 3) rgb = image;
    else if (image.length === n * 4) {
      rgb = new Uint8Array(n * 3);
      for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = image[4 * i + c]!;
    } else
      throw new DenseCrfError('bad-shape', `image must hold ${height}x${width}x3 (or x4) bytes, got ${image.length}`, {
        where: 'crfRefine',
      });
    crf.addPairwiseBilateral({ sxy: params.bilateral.sxy, srgb: params.bilateral.srgb, rgbim: rgb, compat: params.bilateral.compat });
  }
  const q = crf.inference(params.iterations, { layout: 'hwc', onProgress: options.onProgress });
  crf.dispose(); // the next crfRefine reuses the memory
  const labels = argmaxLabels(q, n, numLabels, 'hwc');
  return { labels, probs: q, params };
}
