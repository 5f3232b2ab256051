import { DenseCrfError } from './errors';

/**
 * The one label array type of this package: one byte per pixel, row-major (`y·width + x`), as
 * objsel's other packages and 8-bit label PNGs hold labels. {@link argmaxLabels},
 * `DenseCRF.map`, {@link crfRefine} and {@link labelsFromColors} return it; functions that take
 * labels accept any `ArrayLike<number>`.
 */
export type LabelArray = Uint8Array;

/** Most labels a {@link LabelArray} can hold (0..255). */
export const MAX_LABELS = 256;

/** Throws unless `labels` label values fit a {@link LabelArray}. */
export function checkLabelCount(labels: number, where: string): void {
  if (!Number.isInteger(labels) || labels < 1 || labels > MAX_LABELS) {
    throw new DenseCrfError(
      'bad-parameter',
      `labels are bytes (a Uint8Array): 1..${MAX_LABELS} labels, got ${labels}; for more, take the argmax of the marginals yourself`,
      { where },
    );
  }
}
