import { VocDataError } from '../errors';

/** A COCO segmentation: polygons (`[[x1, y1, x2, y2, ...], ...]`) or run-length encoding. */
export type CocoSegmentation = number[][] | { size: [number, number]; counts: number[] | string };

/**
 * Decodes COCO's compressed RLE string (pycocotools' `rleFrString`): 5-bit groups offset by 48,
 * bit 0x20 continues a count, the top bit of the last group is the sign; from the third count on,
 * each is stored as the difference to the count two before.
 */
export function decodeCocoRleString(counts: string, where?: string): number[] {
  const out: number[] = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= counts.length) throw new VocDataError('bad-values', 'RLE string ends inside a count', { where });
      const c = counts.charCodeAt(p++) - 48;
      if (c < 0 || c > 63) throw new VocDataError('bad-values', `RLE character '${counts[p - 1]}' out of range`, { where });
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (out.length > 2) x += out[out.length - 2]!;
    out.push(x);
  }
  return out;
}

/** A row-major 0/1 mask from RLE counts (column-major runs, starting with background). */
export function rleToMask(counts: readonly number[], width: number, height: number, where?: string): Uint8Array {
  const columnMajor = new Uint8Array(width * height);
  let i = 0;
  counts.forEach((run, k) => {
    if (run < 0 || i + run > columnMajor.length) throw new VocDataError('bad-values', `RLE runs exceed ${width}x${height}`, { where });
    if (k % 2 === 1) columnMajor.fill(1, i, i + run);
    i += run;
  });
  const mask = new Uint8Array(width * height);
  for (let x = 0; x < width; x++) for (let y = 0; y < height; y++) mask[y * width + x] = columnMajor[x * height + y]!;
  return mask;
}

/**
 * Fills polygons (even-odd) at pixel centres: pixel (x, y) is in when (x + 0.5, y + 0.5) is
 * inside. pycocotools rasterises polygon edges differently (a 5x upsampled boundary walk), so a
 * mask can differ from its by a pixel along the outline; areas agree to well under 1%.
 */
export function polygonsToMask(polygons: readonly (readonly number[])[], width: number, height: number, where?: string): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const poly of polygons) {
    if (poly.length < 6 || poly.length % 2 !== 0)
      throw new VocDataError('bad-values', `polygon of ${poly.length} coordinates (need pairs, >= 3 points)`, { where });
    const n = poly.length / 2;
    for (let y = 0; y < height; y++) {
      const cy = y + 0.5;
      const xs: number[] = [];
      for (let i = 0; i < n; i++) {
        const x1 = poly[2 * i]!;
        const y1 = poly[2 * i + 1]!;
        const x2 = poly[(2 * i + 2) % poly.length]!;
        const y2 = poly[(2 * i + 3) % poly.length]!;
        if (y1 <= cy !== y2 <= cy) xs.push(x1 + ((cy - y1) / (y2 - y1)) * (x2 - x1));
      }
      xs.sort((a, b) => a - b);
      for (let j = 0; j + 1 < xs.length; j += 2) {
        const from = Math.max(0, Math.ceil(xs[j]! - 0.5));
        const to = Math.min(width - 1, Math.ceil(xs[j + 1]! - 0.5) - 1);
        for (let x = from; x <= to; x++) mask[y * width + x]! ^= 1;
      }
    }
  }
  return mask;
}

/** The 0/1 mask of one COCO segmentation on a `width x height` image. */
export function cocoSegmentationMask(segmentation: CocoSegmentation, width: number, height: number, where?: string): Uint8Array {
  if (Array.isArray(segmentation)) return polygonsToMask(segmentation, width, height, where);
  const [h, w] = segmentation.size;
  if (h !== height || w !== width) throw new VocDataError('size-mismatch', `RLE size ${w}x${h}, image ${width}x${height}`, { where });
  const counts = typeof segmentation.counts === 'string' ? decodeCocoRleString(segmentation.counts, where) : segmentation.counts;
  return rleToMask(counts, width, height, where);
}
