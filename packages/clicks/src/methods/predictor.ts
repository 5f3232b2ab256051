import type { PredictMask } from '../noc';
import type { Click, RgbImage } from '../types';
import type { SelectionMethodOptions, SelectionState } from './registry';
import { selectionMethod } from './registry';
import type { Box, SelectionMethod } from './types';

/**
 * A `PredictMask` for `runRobot` / `evaluateNoc` from a classic method: each call passes every
 * click so far together with the state of the previous call, so that later clicks refine the
 * earlier result (GrabCut keeps its colour models). The state is dropped when the clicks are
 * not the previous clicks plus new ones (a new object or an undo), so a run always starts afresh.
 */
export function createMethodPredictor(
  image: RgbImage,
  method: string | SelectionMethod<SelectionState>,
  options: { box?: Box; methodOptions?: SelectionMethodOptions } = {},
): PredictMask {
  const run = typeof method === 'string' ? selectionMethod(method, options.methodOptions) : method;
  let last: { clicks: Click[]; state: SelectionState } | null = null;
  return (clicks) => {
    const continues = last !== null && last.clicks.length < clicks.length && last.clicks.every((c, k) => sameClick(c, clicks[k]!));
    const result = run(image, { clicks, box: options.box, previous: continues ? last?.state : undefined });
    last = { clicks: [...clicks], state: result.state };
    return result.mask;
  };
}

function sameClick(a: Click, b: Click): boolean {
  return a.x === b.x && a.y === b.y && a.positive === b.positive;
}
