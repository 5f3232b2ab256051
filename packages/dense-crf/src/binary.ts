import { DenseCrfError } from './errors';
import { crfRefine, type CrfRefineOptions } from './refine';

/** A pixel whose label is given: `positive` = object (label 1), else background (label 0). */
export interface FixedPixel {
  readonly x: number;
  readonly y: number;
  readonly positive: boolean;
}

/** Options of {@link crfBinary}: those of {@link crfRefine} that apply, plus the fixed pixels. */
export interface CrfBinaryOptions
  extends Pick<CrfRefineOptions, 'preset' | 'params' | 'clip' | 'scale' | 'engine' | 'threads' | 'onProgress'> {
  /**
   * Pixels whose label is known, e.g. the clicks of an interactive selection: their probability
   * is set to certainty before inference and their label is kept in the result.
   */
  fixed?: readonly FixedPixel[];
}

/**
 * Dense-CRF refinement of a binary segmentation: an object probability per pixel (row-major,
 * `width * height`) becomes the two-label softmax (background `1 - p`, object `p`) that
 * {@link crfRefine} takes, with the image as the bilateral term. Returns the labels, 1 = object.
 */
export function crfBinary(
  probability: Float32Array,
  image: { readonly width: number; readonly height: number; readonly data: Uint8Array | Uint8ClampedArray },
  options: CrfBinaryOptions = {},
): Uint8Array {
  const { width, height } = image;
  const n = width * height;
  if (probability.length !== n)
    throw new DenseCrfError('bad-shape', `probability holds ${probability.length} values for a ${width}x${height} image`, {
      where: 'crfBinary',
    });
  const fixed = options.fixed ?? [];
  for (const p of fixed) {
    if (!(Number.isInteger(p.x) && Number.isInteger(p.y) && p.x >= 0 && p.y >= 0 && p.x < width && p.y < height))
      throw new DenseCrfError('bad-parameter', `fixed pixel (${p.x}, ${p.y}) is not a pixel of the ${width}x${height} image`, {
        where: 'crfBinary',
      });
  }
  const probs = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    probs[2 * i] = 1 - probability[i]!;
    probs[2 * i + 1] = probability[i]!;
  }
  for (const p of fixed) {
    const i = p.y * width + p.x;
    probs[2 * i] = p.positive ? 0 : 1;
    probs[2 * i + 1] = p.positive ? 1 : 0;
  }
  const { fixed: _fixed, ...refine } = options;
  const { labels } = crfRefine({ ...refine, probs, image: image.data, width, height, numLabels: 2 });
  for (const p of fixed) labels[p.y * width + p.x] = p.positive ? 1 : 0;
  return labels;
}
