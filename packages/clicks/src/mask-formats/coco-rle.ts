/**
 * COCO run-length encoding as pycocotools writes it: runs over the mask in column-major order
 * (down each column, then the next column), starting with a run of zeros (0 when the first pixel
 * is selected), so that annotations interchange with the COCO API and its tools.
 */
import { ClicksError } from '../errors';

/** An uncompressed COCO RLE: `size` is `[height, width]`, `counts` alternate zero and one runs. */
export interface CocoRle {
  readonly size: readonly [number, number];
  readonly counts: readonly number[];
}

/** A compressed COCO RLE: `counts` is the LEB128-like string of `pycocotools.mask.encode`. */
export interface CompressedCocoRle {
  readonly size: readonly [number, number];
  readonly counts: string;
}

function checkMask(mask: ArrayLike<number>, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0 || mask.length !== width * height)
    throw new ClicksError('bad-shape', `a ${width}x${height} mask needs ${width * height} values, got ${mask.length}`);
}

/** The uncompressed COCO RLE of a row-major mask (any non-zero value is selected). */
export function encodeCocoRle(mask: ArrayLike<number>, width: number, height: number): CocoRle {
  checkMask(mask, width, height);
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const value = mask[y * width + x] ? 1 : 0;
      if (value !== current) {
        counts.push(run);
        run = 0;
        current = value;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
}

/** The row-major 0/1 mask of an uncompressed or compressed COCO RLE. */
export function decodeCocoRle(rle: CocoRle | CompressedCocoRle): Uint8Array {
  const [height, width] = rle.size;
  const counts = typeof rle.counts === 'string' ? cocoCountsFromString(rle.counts) : rle.counts;
  const total = height * width;
  const mask = new Uint8Array(total);
  let position = 0;
  for (let i = 0; i < counts.length; i++) {
    const run = counts[i]!;
    if (!Number.isInteger(run) || run < 0 || position + run > total)
      throw new ClicksError('bad-parameter', `COCO RLE counts overrun a ${width}x${height} mask`, { where: `counts[${i}]` });
    if (i % 2 === 1) {
      for (let p = position; p < position + run; p++) mask[(p % height) * width + Math.floor(p / height)] = 1;
    }
    position += run;
  }
  if (position !== total)
    throw new ClicksError('bad-parameter', `COCO RLE counts cover ${position} of the ${total} pixels of a ${width}x${height} mask`);
  return mask;
}

/**
 * The compressed string of counts (pycocotools' `rleToString`): each count from the third on is
 * stored as its difference to the count two before, in 5-bit groups with a continuation bit,
 * offset by 48 so that the string is printable.
 */
export function cocoCountsToString(counts: readonly number[]): string {
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]!;
    if (i > 2) x -= counts[i - 2]!;
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5; // arithmetic: negative differences end in a run of ones
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return out;
}

/** The counts of a compressed string (pycocotools' `rleFrString`). */
export function cocoCountsFromString(text: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length) throw new ClicksError('bad-parameter', 'a COCO RLE string ends inside a count', { where: `character ${p}` });
      const c = text.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new ClicksError('bad-parameter', 'not a COCO RLE string character', { where: `character ${p}` });
      // Arithmetic instead of shifts: beyond 6 groups the bits no longer fit a 32-bit shift.
      x += (c & 0x1f) * 32 ** k;
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 32 ** k; // sign-extend
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(x);
  }
  return counts;
}

/** The compressed form of a mask, as `pycocotools.mask.encode` returns it (counts as text). */
export function encodeCompressedCocoRle(mask: ArrayLike<number>, width: number, height: number): CompressedCocoRle {
  const rle = encodeCocoRle(mask, width, height);
  return { size: rle.size, counts: cocoCountsToString(rle.counts) };
}

function countsOf(rle: CocoRle | CompressedCocoRle): readonly number[] {
  return typeof rle.counts === 'string' ? cocoCountsFromString(rle.counts) : rle.counts;
}

/** Selected pixels (`pycocotools.mask.area`). */
export function cocoRleArea(rle: CocoRle | CompressedCocoRle): number {
  const counts = countsOf(rle);
  let area = 0;
  for (let i = 1; i < counts.length; i += 2) area += counts[i]!;
  return area;
}

/** The bounding box `[x, y, width, height]` in pixels (`pycocotools.mask.toBbox`); zeros for an empty mask. */
export function cocoRleBbox(rle: CocoRle | CompressedCocoRle): [number, number, number, number] {
  const [h, w] = rle.size;
  const counts = countsOf(rle);
  const m = counts.length - (counts.length % 2); // a trailing run of zeros adds nothing
  if (m === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += counts[j]!;
    const t = cc - (j % 2); // first pixel of a one run, or the last one
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      // The run wraps over a column end: it covers the bottom and top rows.
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}
