/**
 * Click-consistent masks: a positive click's pixel is selected and a negative click's pixel is
 * not, whatever the probability said there. Graph cut gets this from infinite terminal weights
 * and the dense CRF from fixed pixels; this is the same rule for any other mask (plain
 * thresholding), so that an annotator never sees a click contradicted by its own answer.
 */
import type { Click } from './types';
import { checkLength, checkPoints } from './validate';

/** A copy of `mask` with each clicked pixel set to its click's label (a later click at the same pixel wins, as in {@link graphCut}). */
export function enforceClicks(mask: ArrayLike<number>, width: number, height: number, clicks: readonly Click[]): Uint8Array {
  checkLength(mask, width, height, 1, 'mask');
  checkPoints(clicks, width, height, 'clicks');
  const out = Uint8Array.from(mask, (v) => (v ? 1 : 0));
  for (const c of clicks) out[c.y * width + c.x] = c.positive ? 1 : 0;
  return out;
}

/** Whether every clicked pixel of `mask` carries its click's label (the last click at a pixel counts). */
export function isClickConsistent(mask: ArrayLike<number>, width: number, clicks: readonly Click[]): boolean {
  const last = new Map<number, boolean>();
  for (const c of clicks) last.set(c.y * width + c.x, c.positive);
  for (const [i, positive] of last) if ((mask[i] !== 0) !== positive) return false;
  return true;
}
