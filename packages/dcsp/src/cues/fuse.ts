import { DcspError } from '../errors';
import { attentionCues, type AttentionCues } from './attention-cues';
import { DCSP_BACKGROUND_THRESHOLD, DCSP_EPSILON, DCSP_NUM_OBJECT_CLASSES } from './constants';

/** DCSP's harmonic mean of an attention value and a saliency value: `2 / (1/(a+ε) + 1/(s+ε))`. */
export function harmonicMean(a: number, s: number, epsilon = DCSP_EPSILON): number {
  return 2 / (1 / (a + epsilon) + 1 / (s + epsilon));
}

/**
 * Fuses saved attention cues with a saliency map into hard labels, as DCSP's
 * `get_localization_cues` does: per present class the harmonic mean of attention and saliency;
 * a pixel whose best score is below `threshold` (0.4) is background (0), otherwise it takes the
 * class with the best score (the lowest class id on ties). Every pixel gets a label; there is
 * no ignore value.
 */
export function labelsFromCues(cues: AttentionCues, saliency: Float32Array, threshold = DCSP_BACKGROUND_THRESHOLD): Uint8Array {
  const { actv, classes, width, height } = cues;
  const pixels = width * height;
  const k = classes.length;
  if (saliency.length !== pixels)
    throw new DcspError('bad-input', `saliency has ${saliency.length} values, expected ${height}x${width} = ${pixels}`);
  if (actv.length !== pixels * k) throw new DcspError('bad-input', `cues have ${actv.length} values, expected ${height}x${width}x${k}`);
  const labels = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const s = saliency[i]!;
    let best = -Infinity;
    let bestClass = 0;
    for (let j = 0; j < k; j++) {
      const hm = harmonicMean(actv[i * k + j]!, s);
      // Classes are ascending, so strict '>' keeps the lowest class id on ties (np.argmax).
      if (hm > best) {
        best = hm;
        bestClass = classes[j]!;
      }
    }
    labels[i] = best < threshold ? 0 : bestClass;
  }
  return labels;
}

/** Inputs of {@link fuseCues}. */
export interface FuseCuesInput {
  /** Raw `fc1_voc12_d0` attention at image size, HWC, 20 channels (classes 1..20). */
  attention: Float32Array;
  /** Saliency at image size, one value per pixel in [0, 1]. */
  saliency: Float32Array;
  /** The image's tags: class ids 1..20 (order and repeats do not matter). */
  tags: readonly number[];
  width: number;
  height: number;
  /** Background threshold on the best harmonic mean; DCSP uses 0.4. */
  threshold?: number;
}

/**
 * The whole DCSP cue rule for one image: per-class min-max normalisation of the attention,
 * tag masking, harmonic-mean fusion with saliency per present class, background where the best
 * score is below the threshold, label = argmax over {background, present classes}.
 * Returns one label (0..20) per pixel, row-major.
 */
export function fuseCues(input: FuseCuesInput): Uint8Array {
  const { attention, saliency, width, height } = input;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
    throw new DcspError('bad-input', `bad size ${width}x${height}`);
  if (attention.length !== width * height * DCSP_NUM_OBJECT_CLASSES) {
    throw new DcspError('bad-input', `attention has ${attention.length} values, expected ${height}x${width}x${DCSP_NUM_OBJECT_CLASSES}`);
  }
  for (let i = 0; i < attention.length; i++)
    if (!Number.isFinite(attention[i]!)) throw new DcspError('bad-input', `attention value ${attention[i]} at index ${i} is not finite`);
  for (let i = 0; i < saliency.length; i++) {
    const s = saliency[i]!;
    if (!(s >= 0 && s <= 1)) throw new DcspError('bad-input', `saliency value ${s} at pixel ${i} is outside [0, 1]`);
  }
  const cues = attentionCues({ attention, tags: input.tags, width, height });
  return labelsFromCues(cues, saliency, input.threshold ?? DCSP_BACKGROUND_THRESHOLD);
}
