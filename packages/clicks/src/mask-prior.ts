/**
 * The previous mask of a selection as a prior on the next one. objsel's interactive networks see
 * five channels (RGB and the two click distance maps of Xu et al. 2016), no mask channel, so a
 * previous mask cannot be a network input (as it is for models trained with one, e.g. RITM's);
 * instead it is blended into the network's probability before the threshold, graph cut or CRF:
 *
 *   p' = (1 - w) * p + w * previous        (previous: 0 or 1)
 *
 * With the 0.5 threshold this is hysteresis: a pixel selected before stays selected while
 * p >= (0.5 - w) / (1 - w), and a pixel not selected before joins only when p >= 0.5 / (1 - w)
 * (w = 0.3: 0.29 and 0.71). Far from the new click, where the network is unsure, the mask keeps
 * its shape; near it, the network's confident answer wins. Clicks stay hard constraints.
 */
import { checkLength, checkNumber } from './validate';

/** The default weight of the previous mask (`previousMaskWeight`). */
export const DEFAULT_PREVIOUS_MASK_WEIGHT = 0.3;

/** `(1 - weight) * probability + weight * previousMask` per pixel (non-zero mask values count as 1). */
export function blendMaskPrior(
  probability: ArrayLike<number>,
  previousMask: ArrayLike<number>,
  width: number,
  height: number,
  weight = DEFAULT_PREVIOUS_MASK_WEIGHT,
): Float32Array {
  checkLength(probability, width, height, 1, 'probability');
  checkLength(previousMask, width, height, 1, 'previousMask');
  checkNumber(weight, 'previousMaskWeight', (v) => v >= 0 && v <= 1, 'in [0, 1]');
  const out = new Float32Array(probability.length);
  for (let i = 0; i < out.length; i++) out[i] = (1 - weight) * probability[i]! + (previousMask[i] ? weight : 0);
  return out;
}
