import { DcspError } from '../errors';
import { DCSP_NUM_CLASSES } from './constants';
import { tagMask } from './tags';

/**
 * How absent classes are suppressed when cues are regenerated from the segmentation network.
 * `multiply` is DCSP's rule (get_localization.py, adapt=True): logits × the tag mask with
 * background, so an absent class scores exactly 0 and can still win where every present
 * logit is negative. `restrict` takes the argmax over background and present classes only.
 */
export type AdaptMasking = 'multiply' | 'restrict';

/**
 * DCSP's adaptation rule: segmentation logits (`fc1_voc12`, 3-scale max-fused, at image size;
 * HWC with `numClasses` channels incl. background) masked by the tags incl. background, then
 * argmax per pixel (the lowest class on ties). Returns one label per pixel.
 */
export function adaptCues(input: {
  logits: Float32Array;
  tags: readonly number[];
  width: number;
  height: number;
  numClasses?: number;
  masking?: AdaptMasking;
}): Uint8Array {
  const numClasses = input.numClasses ?? DCSP_NUM_CLASSES;
  const pixels = input.width * input.height;
  if (input.logits.length !== pixels * numClasses) {
    throw new DcspError('bad-input', `logits have ${input.logits.length} values, expected ${input.height}x${input.width}x${numClasses}`);
  }
  const mask = tagMask(input.tags, numClasses);
  const restrict = input.masking === 'restrict';
  const labels = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    let best = -Infinity;
    let bestClass = 0;
    for (let c = 0; c < numClasses; c++) {
      if (restrict && mask[c] === 0) continue;
      const v = input.logits[i * numClasses + c]! * mask[c]!;
      if (v > best) {
        best = v;
        bestClass = c;
      }
    }
    labels[i] = bestClass;
  }
  return labels;
}
