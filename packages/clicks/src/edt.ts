import { checkLength } from './validate';

/**
 * Exact Euclidean distance transforms in linear time (Felzenszwalb & Huttenlocher 2012,
 * "Distance Transforms of Sampled Functions"): a 1-D transform down every column (for a binary
 * target set this is the distance to the nearest target in the column, found by two scans),
 * then the lower envelope of parabolas along every row. All distances are between pixel
 * centres; squared distances are exact integers (held in float64).
 */

/** Which pixels of a mask a transform measures the distance to. */
export type DistanceTarget = 'nonzero' | 'zero';

/** Options of {@link squaredDistanceToSet} and {@link distanceToSet}. */
export interface DistanceToSetOptions {
  /** The target set: the pixels where the mask is non-zero (default) or zero. */
  of?: DistanceTarget;
  /**
   * Also count a one-pixel frame just outside the image as target (the image "padded" with
   * target pixels), so no pixel is farther than min(x+1, y+1, W-x, H-y). Default false.
   */
  border?: boolean;
  /** Write into this array (length `width * height`) instead of allocating one. */
  out?: Float64Array;
}

/** Reusable work arrays of the row pass (grown on demand). */
interface RowScratch {
  v: Int32Array;
  fv: Float64Array;
  z: Float64Array;
  /** half[d] = 1 / (2d): the envelope's intersections divide by 2(q - v); multiplying is faster. */
  half: Float64Array;
}

let scratch: RowScratch | undefined;

function rowScratch(width: number): RowScratch {
  if (!scratch || scratch.v.length < width) {
    const half = new Float64Array(width + 1);
    for (let d = 1; d <= width; d++) half[d] = 1 / (2 * d);
    scratch = { v: new Int32Array(width), fv: new Float64Array(width), z: new Float64Array(width + 1), half };
  }
  return scratch;
}

/** The mask as a Uint8Array (copied only when it is some other array type), for monomorphic loops. */
function asBytes(mask: ArrayLike<number>): Uint8Array {
  if (mask instanceof Uint8Array) return mask;
  const bytes = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) bytes[i] = mask[i] !== 0 ? 1 : 0;
  return bytes;
}

/**
 * Column pass: `out[i]` = distance (not squared) from pixel i to the nearest target pixel in
 * its column, Infinity if the column has none. Row-major scans keep memory access sequential.
 */
function columnPass(mask: Uint8Array, width: number, height: number, targetNonzero: boolean, out: Float64Array): void {
  const n = width * height;
  if (targetNonzero) {
    for (let x = 0; x < width; x++) out[x] = mask[x] !== 0 ? 0 : Infinity;
    for (let i = width; i < n; i++) out[i] = mask[i] !== 0 ? 0 : out[i - width]! + 1;
  } else {
    for (let x = 0; x < width; x++) out[x] = mask[x] === 0 ? 0 : Infinity;
    for (let i = width; i < n; i++) out[i] = mask[i] === 0 ? 0 : out[i - width]! + 1;
  }
  for (let i = n - width - 1; i >= 0; i--) {
    const below = out[i + width]! + 1;
    if (below < out[i]!) out[i] = below;
  }
}

/**
 * Row pass over one row: replaces the column distances g in `out[row..row+width)` by the
 * exact squared 2-D distance min_q ((x-q)^2 + g(q)^2), using only the finite sites.
 */
function rowPass(out: Float64Array, row: number, width: number, s: RowScratch): void {
  const { v, fv, z, half } = s;
  let k = -1;
  for (let q = 0; q < width; q++) {
    const g = out[row + q]!;
    if (g === Infinity) continue;
    const fq = g * g;
    if (k < 0) {
      k = 0;
      v[0] = q;
      fv[0] = fq;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    const qq = fq + q * q;
    let vk = v[k]!;
    let sk = (qq - (fv[k]! + vk * vk)) * half[q - vk]!;
    while (sk <= z[k]!) {
      k--;
      vk = v[k]!;
      sk = (qq - (fv[k]! + vk * vk)) * half[q - vk]!;
    }
    k++;
    v[k] = q;
    fv[k] = fq;
    z[k] = sk;
    z[k + 1] = Infinity;
  }
  if (k < 0) return; // no target in any column seen from this row: stays Infinity
  // Each parabola j owns the x in (z[j], z[j+1]]: fill segment by segment.
  let x = 0;
  for (let j = 0; j <= k; j++) {
    const end = j === k ? width : Math.min(width, Math.floor(z[j + 1]!) + 1);
    const vj = v[j]!;
    const fj = fv[j]!;
    for (; x < end; x++) {
      const d = x - vj;
      out[row + x] = d * d + fj;
    }
  }
}

/**
 * Squared Euclidean distance from every pixel to the nearest pixel of the target set (0 on the
 * set itself, Infinity everywhere if the set is empty and `border` is off). Linear time.
 *
 * @param mask - `width * height` values, row-major; the target set is where it is non-zero
 *   (or zero, with `of: 'zero'`).
 * @returns float64 squared distances (exact integers).
 */
export function squaredDistanceToSet(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  options: DistanceToSetOptions = {},
): Float64Array {
  checkLength(mask, width, height, 1, 'mask');
  const n = width * height;
  const out = options.out ?? new Float64Array(n);
  checkLength(out, width, height, 1, 'out');
  columnPass(asBytes(mask), width, height, (options.of ?? 'nonzero') === 'nonzero', out);
  const s = rowScratch(width);
  for (let row = 0; row < n; row += width) rowPass(out, row, width, s);
  if (options.border) applyBorder(out, width, height);
  return out;
}

/** Lowers every squared distance to at most the squared distance to the padding frame. */
function applyBorder(out: Float64Array, width: number, height: number): void {
  for (let y = 0; y < height; y++) {
    const dy = Math.min(y + 1, height - y);
    for (let x = 0; x < width; x++) {
      const b = Math.min(dy, x + 1, width - x);
      const i = y * width + x;
      if (b * b < out[i]!) out[i] = b * b;
    }
  }
}

/**
 * Euclidean distance from every pixel to the nearest pixel of the target set; see
 * {@link squaredDistanceToSet}. Infinity where no target exists.
 */
export function distanceToSet(mask: ArrayLike<number>, width: number, height: number, options: DistanceToSetOptions = {}): Float64Array {
  const out = squaredDistanceToSet(mask, width, height, options);
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]!);
  return out;
}

/**
 * Two-sided distance transform of a binary mask: each pixel's Euclidean distance to the nearest
 * pixel of the other set (pixels inside the mask: to the nearest zero pixel; outside: to the
 * nearest non-zero pixel). With `border`, the frame outside the image counts as "other" for both
 * sets. Infinity where the other set is empty.
 */
export function distanceToOtherSet(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  options: { border?: boolean } = {},
): Float64Array {
  const toZero = distanceToSet(mask, width, height, { of: 'zero', border: options.border });
  const toNonzero = distanceToSet(mask, width, height, { of: 'nonzero', border: options.border });
  for (let i = 0; i < toZero.length; i++) if (mask[i] === 0) toZero[i] = toNonzero[i]!;
  return toZero;
}
