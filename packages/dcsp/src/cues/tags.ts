import { DcspError } from '../errors';
import { DCSP_NUM_CLASSES } from './constants';

/**
 * The present object classes of an image, sorted ascending and de-duplicated: the order in
 * which DCSP's `get_localization` stores the present channels (`tf.where` over the tag vector).
 * Throws `bad-input` for a tag outside `1..numClasses-1`.
 */
export function presentClasses(tags: readonly number[], numClasses = DCSP_NUM_CLASSES): number[] {
  for (const t of tags) {
    if (!Number.isInteger(t) || t < 1 || t >= numClasses) {
      throw new DcspError('bad-input', `tag ${t} is not an object class (expected an integer in 1..${numClasses - 1})`);
    }
  }
  return [...new Set(tags)].sort((a, b) => a - b);
}

/**
 * DCSP's tag mask with background (`catg_with_bcgd`, the adaptation mask): `numClasses`
 * entries, entry 0 (background) always 1, entry `c` 1 for a present class `c`. (The
 * classification target without background is voc-data's `tagVector`.)
 */
export function tagMask(tags: readonly number[], numClasses = DCSP_NUM_CLASSES): Float32Array {
  const v = new Float32Array(numClasses);
  v[0] = 1;
  for (const c of presentClasses(tags, numClasses)) v[c] = 1;
  return v;
}
