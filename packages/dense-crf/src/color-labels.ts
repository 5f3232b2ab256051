import { DenseCrfError } from './errors';
import { checkLabelCount, type LabelArray } from './labels';

/** A colour annotation turned into labels, as pydensecrf's example program does it. */
export interface ColorAnnotation {
  /**
   * Per pixel: with `hasUnknown`, 0 = unknown (black) and 1..nLabels = the colours; without it,
   * 0..nLabels−1. Ready for `unaryFromLabels(labels, nLabels, gtProb, hasUnknown)`.
   */
  labels: LabelArray;
  /** Number of labels (distinct colours other than black). */
  nLabels: number;
  /** Whether any pixel is pure black (0, 0, 0), which then means "unknown". */
  hasUnknown: boolean;
  /** RGB of label l at `colors[3l..3l+3)`, for {@link colorizeLabels}. */
  colors: Uint8Array;
}

/**
 * pydensecrf's `examples/inference.py` mapping: each distinct colour of the annotation is a
 * label, pure black means "unknown"; labels are numbered by ascending colour code
 * R·2¹⁶ + G·2⁸ + B (the code the example computes from an OpenCV BGR read, i.e.
 * `np.unique` order). `rgb` holds `channels` (3 or 4; alpha ignored) bytes per pixel.
 */
export function labelsFromColors(rgb: ArrayLike<number>, pixels: number, channels = 3): ColorAnnotation {
  if (channels !== 3 && channels !== 4)
    throw new DenseCrfError('bad-parameter', `channels must be 3 or 4, got ${channels}`, { where: 'labelsFromColors' });
  if (rgb.length !== pixels * channels)
    throw new DenseCrfError('bad-shape', `need ${pixels}x${channels} bytes, got ${rgb.length}`, { where: 'labelsFromColors' });
  const codes = new Int32Array(pixels);
  for (let i = 0; i < pixels; i++) codes[i] = (rgb[i * channels]! << 16) | (rgb[i * channels + 1]! << 8) | rgb[i * channels + 2]!;
  const distinct = Int32Array.from(new Set(codes)).sort();
  const hasUnknown = distinct[0] === 0;
  const palette = hasUnknown ? distinct.subarray(1) : distinct;
  const index = new Map<number, number>();
  distinct.forEach((code, i) => {
    index.set(code, i);
  });
  // Label values run to the number of distinct colours (0 = unknown keeps one value free).
  checkLabelCount(distinct.length, 'labelsFromColors');
  const labels = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) labels[i] = index.get(codes[i]!)!;
  const colors = new Uint8Array(palette.length * 3);
  palette.forEach((code, l) => {
    colors[3 * l] = (code >> 16) & 255;
    colors[3 * l + 1] = (code >> 8) & 255;
    colors[3 * l + 2] = code & 255;
  });
  return { labels, nLabels: palette.length, hasUnknown, colors };
}

/** Paints label l of every pixel with `colors[3l..3l+3)`; returns interleaved RGB bytes. */
export function colorizeLabels(labels: ArrayLike<number>, colors: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length * 3);
  const count = colors.length / 3;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!(l >= 0 && l < count))
      throw new DenseCrfError('bad-parameter', `label ${l} at ${i} has no colour (${count} colours)`, { where: 'colorizeLabels' });
    out[3 * i] = colors[3 * l]!;
    out[3 * i + 1] = colors[3 * l + 1]!;
    out[3 * i + 2] = colors[3 * l + 2]!;
  }
  return out;
}
