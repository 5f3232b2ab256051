import { ClicksError } from './errors';
import type { Point } from './types';

/** Throws unless `width` and `height` are positive integers. */
export function checkSize(width: number, height: number, where = 'size'): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ClicksError('bad-shape', `width and height must be positive integers, got ${width}x${height}`, { where });
  }
}

/** Throws unless `array` holds exactly `width * height * channels` values. */
export function checkLength(array: ArrayLike<number>, width: number, height: number, channels: number, where: string): void {
  checkSize(width, height, where);
  const expected = width * height * channels;
  if (array.length !== expected) {
    throw new ClicksError('bad-shape', `expected ${expected} values (${height}x${width}x${channels}), got ${array.length}`, { where });
  }
}

/** Throws unless every point is an integer pixel inside the `width` x `height` image. */
export function checkPoints(points: readonly Point[], width: number, height: number, where: string): void {
  for (let k = 0; k < points.length; k++) {
    const p = points[k]!;
    if (!Number.isInteger(p.x) || !Number.isInteger(p.y) || p.x < 0 || p.y < 0 || p.x >= width || p.y >= height) {
      throw new ClicksError('bad-clicks', `click ${k} at (${p.x}, ${p.y}) is not an integer pixel inside ${width}x${height}`, {
        where: `${where}[${k}]`,
      });
    }
  }
}

/** Throws unless `value` is a finite number satisfying `ok`. */
export function checkNumber(value: number, name: string, ok: (v: number) => boolean, rule: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new ClicksError('bad-parameter', `${name} must be ${rule}, got ${value}`, { where: name });
  }
}
