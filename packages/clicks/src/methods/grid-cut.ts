import { gridMaxflow } from '../grid-maxflow';
import type { PairWeights } from './contrast';

/**
 * The exact minimum of a binary grid energy
 *
 *   E(L) = sum_i U_i(L_i) + sum_{i~j} [L_i != L_j] w_ij
 *
 * (source = foreground) with the existing Boykov–Kolmogorov grid max-flow (`gridMaxflow`,
 * ../grid-maxflow.ts): the pair weights w come from a {@link PairWeights} (copied, since the
 * solver turns capacities into residuals), the unaries from a padded terminal array holding
 * U_i(background) - U_i(foreground) per pixel, +Infinity for hard foreground and -Infinity for
 * hard background. The foreground it returns is the set of pixels reachable from the source in
 * the residual graph of a maximum flow, which is the same for every maximum flow (the smallest
 * minimum-cut source set); so pixels with a tie between both labels go to the background.
 */

let working: { key: string; capacity: Float64Array } | null = null;

/** A zeroed padded terminal array for a `width` x `height` image. */
export function paddedTerminals(width: number, height: number): Float64Array {
  return new Float64Array((width + 2) * (height + 2));
}

/** The minimum cut: 1 per pixel on the source (foreground) side. `terminal` is consumed (left as residuals). */
export function minimumCut(weights: PairWeights, terminal: Float64Array): Uint8Array {
  const { width, height, stride } = weights;
  const key = `${width}x${height}x${stride}`;
  if (working === null || working.key !== key) working = { key, capacity: new Float64Array(weights.capacity.length) };
  const capacity = working.capacity;
  capacity.set(weights.capacity);
  const { sourceSide } = gridMaxflow({ width, height, stride, capacity, terminal, constantFlow: 0 });
  return sourceSide;
}

/**
 * A minimum cut solved again and again with the same pair weights and changing unaries, as
 * GrabCut's iterations do (Kohli & Torr 2005, dynamic graph cuts): each solve starts from the
 * residual graph of the previous maximum flow, whose terminal residuals change by the change of
 * U(background) - U(foreground). That is a valid flow problem for the new energy (the pair arcs
 * keep their residuals, a terminal residual may change sign), so the cut is exact, and since
 * the returned source side does not depend on which maximum flow was found it is the very cut a
 * fresh solve returns, usually found in a fraction of the time. A pixel whose hard label
 * changes between solves makes the next solve start afresh.
 */
export interface DynamicCut {
  /** `unary[i]` = U_i(background) - U_i(foreground) per pixel, +-Infinity for hard labels; returns the source side. */
  solve(unary: Float64Array): Uint8Array;
}

/** A {@link DynamicCut} over these pair weights (which it does not modify). */
export function createDynamicCut(weights: PairWeights): DynamicCut {
  const { width, height, stride } = weights;
  const n = width * height;
  const Wp = width + 2;
  const capacity = new Float64Array(weights.capacity.length);
  const terminal = paddedTerminals(width, height);
  const last = new Float64Array(n);
  let solved = false;
  return {
    solve(unary) {
      let fresh = !solved;
      if (solved) {
        for (let y = 0, i = 0; y < height && !fresh; y++) {
          for (let x = 0, p = (y + 1) * Wp + 1; x < width; x++, i++, p++) {
            const u = unary[i]!;
            const old = last[i]!;
            if (u === old) continue;
            if (!Number.isFinite(u) || !Number.isFinite(old)) {
              fresh = true;
              break;
            }
            terminal[p]! += u - old;
          }
        }
      }
      if (fresh) {
        capacity.set(weights.capacity);
        terminal.fill(0);
        for (let y = 0, i = 0; y < height; y++) {
          for (let x = 0, p = (y + 1) * Wp + 1; x < width; x++, i++, p++) terminal[p] = unary[i]!;
        }
      }
      last.set(unary);
      solved = true;
      return gridMaxflow({ width, height, stride, capacity, terminal, constantFlow: 0 }).sourceSide;
    },
  };
}

/**
 * E(mask) given per-pixel costs (`foregroundCost[i]`, `backgroundCost[i]`; Infinity forbids a
 * label) and the pair weights: each neighbour pair counted once.
 */
export function cutEnergy(
  mask: ArrayLike<number>,
  weights: PairWeights,
  foregroundCost: ArrayLike<number>,
  backgroundCost: ArrayLike<number>,
): number {
  const { width, height, stride, capacity } = weights;
  const Wp = width + 2;
  let energy = 0;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const fg = mask[i] !== 0;
      energy += fg ? foregroundCost[i]! : backgroundCost[i]!;
      const p = (y + 1) * Wp + x + 1;
      // Forward directions (right, down, down-right, down-left): each pair once.
      for (let d = 1; d < stride; d += 2) {
        const w = capacity[p * stride + d]!;
        if (w === 0) continue;
        const j = i + FORWARD_OFFSET[d]! * width + FORWARD_DX[d]!;
        if ((mask[j] !== 0) !== fg) energy += w;
      }
    }
  }
  return energy;
}

const FORWARD_DX = [0, 1, 0, 0, 0, 1, 0, -1];
const FORWARD_OFFSET = [0, 0, 0, 1, 0, 1, 0, 1];
