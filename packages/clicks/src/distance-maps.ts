import { checkNumber, checkPoints, checkSize } from './validate';
import type { Click, Point } from './types';

/** Options of the click distance maps. */
export interface DistanceMapOptions {
  /**
   * Multiplies every distance before truncation. Default 1 (Xu et al. 2016: the plain distance,
   * truncated at 255); Damanpreet/deep-interactive's final config uses ENERGY_SCALE = 6.
   */
  scale?: number;
  /** Upper bound of the map, and its value everywhere when there is no click. Default 255. */
  truncate?: number;
}

/** The resolved, validated options. */
function resolve(options: DistanceMapOptions): { scale: number; truncate: number } {
  const scale = options.scale ?? 1;
  const truncate = options.truncate ?? 255;
  checkNumber(scale, 'scale', (v) => v > 0, 'a positive number');
  checkNumber(truncate, 'truncate', (v) => v >= 0, 'a non-negative number');
  return { scale, truncate };
}

/**
 * Writes min(scale * distance to the nearest point, truncate) for every pixel into
 * `out[(y * width + x) * stride + offset]`. Exact Euclidean distance: the points of each column
 * give, for each row, one parabola site per column (Felzenszwalb–Huttenlocher lower envelope),
 * so the cost is O(height * (width + points)) with no full-image intermediate. Low level: the
 * points are not checked (callers validate them, as {@link distanceMaps} does).
 */
export function writeDistanceMap(
  out: Float32Array,
  stride: number,
  offset: number,
  width: number,
  height: number,
  points: readonly Point[],
  scale: number,
  truncate: number,
): void {
  const n = width * height;
  if (points.length === 0) {
    for (let i = 0; i < n; i++) out[i * stride + offset] = truncate;
    return;
  }
  // Points sorted by column, then row: each distinct column is one parabola site per row.
  const order = points.map((_, i) => i).sort((a, b) => points[a]!.x - points[b]!.x || points[a]!.y - points[b]!.y);
  const m = points.length;
  const px = Int32Array.from(order, (i) => points[i]!.x);
  const py = Int32Array.from(order, (i) => points[i]!.y);
  const v = new Int32Array(m);
  const fv = new Float64Array(m);
  const z = new Float64Array(m + 1);
  const limit = truncate / scale;
  const limit2 = limit * limit;
  for (let y = 0; y < height; y++) {
    // Lower envelope of the parabolas (x - c)^2 + g_c^2, g_c = distance to the nearest point of column c.
    let k = -1;
    for (let s = 0; s < m; ) {
      const q = px[s]!;
      let g = Infinity;
      for (; s < m && px[s] === q; s++) {
        const d = Math.abs(py[s]! - y);
        if (d < g) g = d;
      }
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
      let sk = (qq - (fv[k]! + vk * vk)) / (2 * (q - vk));
      while (sk <= z[k]!) {
        k--;
        vk = v[k]!;
        sk = (qq - (fv[k]! + vk * vk)) / (2 * (q - vk));
      }
      k++;
      v[k] = q;
      fv[k] = fq;
      z[k] = sk;
      z[k + 1] = Infinity;
    }
    // Parabola j owns the x in (z[j], z[j+1]]: fill segment by segment.
    let o = y * width * stride + offset;
    let x = 0;
    for (let j = 0; j <= k; j++) {
      const end = j === k ? width : Math.min(width, Math.floor(z[j + 1]!) + 1);
      const vj = v[j]!;
      const fj = fv[j]!;
      for (; x < end; x++, o += stride) {
        const dx = x - vj;
        const d2 = dx * dx + fj;
        out[o] = d2 > limit2 ? truncate : Math.min(Math.sqrt(d2) * scale, truncate);
      }
    }
  }
}

/**
 * One click distance map: for every pixel, min(scale * Euclidean distance to the nearest point,
 * truncate); `truncate` (255) everywhere when `points` is empty.
 *
 * @returns float32 `[height * width]`, row-major.
 */
export function distanceMap(width: number, height: number, points: readonly Point[], options: DistanceMapOptions = {}): Float32Array {
  checkSize(width, height);
  checkPoints(points, width, height, 'points');
  const { scale, truncate } = resolve(options);
  const out = new Float32Array(width * height);
  writeDistanceMap(out, 1, 0, width, height, points, scale, truncate);
  return out;
}

/**
 * The two click maps of Xu et al. 2016 interleaved per pixel (HWC, channel 0 positive,
 * channel 1 negative), as the network input and `clicks maps` (.npy [H, W, 2]) expect.
 *
 * @returns float32 `[height * width * 2]`.
 */
export function distanceMaps(
  width: number,
  height: number,
  positive: readonly Point[],
  negative: readonly Point[],
  options: DistanceMapOptions = {},
): Float32Array {
  checkSize(width, height);
  checkPoints(positive, width, height, 'positive');
  checkPoints(negative, width, height, 'negative');
  const { scale, truncate } = resolve(options);
  const out = new Float32Array(width * height * 2);
  writeDistanceMap(out, 2, 0, width, height, positive, scale, truncate);
  writeDistanceMap(out, 2, 1, width, height, negative, scale, truncate);
  return out;
}

/** Splits clicks into their positive and negative points (order kept). */
export function splitClicks(clicks: readonly Click[]): { positive: Point[]; negative: Point[] } {
  const positive: Point[] = [];
  const negative: Point[] = [];
  for (const c of clicks) (c.positive ? positive : negative).push({ x: c.x, y: c.y });
  return { positive, negative };
}

/** {@link distanceMaps} of a click list (positives to channel 0, negatives to channel 1). */
export function clickMaps(width: number, height: number, clicks: readonly Click[], options: DistanceMapOptions = {}): Float32Array {
  const { positive, negative } = splitClicks(clicks);
  return distanceMaps(width, height, positive, negative, options);
}
