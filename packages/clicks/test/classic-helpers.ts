// Test helpers of the classic methods: fixture photos, small random images and textbook linear
// algebra (independent of the package's code).
import fs from 'node:fs';
import fc from 'fast-check';
import { decode } from 'fast-png';
import jpeg from 'jpeg-js';
import { fixture } from '../../../tools/test/fixtures';
import type { Click, RgbImage } from '../src/index';
import { lcg } from './brute';

/** A fixture photo decoded to RGB (JPEG by jpeg-js, PNG by fast-png; alpha and palette resolved). */
export function readPhoto(rel: string): RgbImage {
  const bytes = fs.readFileSync(fixture(rel));
  if (rel.endsWith('.jpg')) {
    const j = jpeg.decode(bytes, { useTArray: true });
    const data = new Uint8Array(j.width * j.height * 3);
    for (let i = 0; i < j.width * j.height; i++) for (let c = 0; c < 3; c++) data[3 * i + c] = j.data[4 * i + c]!;
    return { width: j.width, height: j.height, data };
  }
  const png = decode(bytes);
  const channels = png.data.length / (png.width * png.height);
  const data = new Uint8Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++)
    for (let c = 0; c < 3; c++) data[3 * i + c] = png.data[channels * i + Math.min(c, channels - 1)]!;
  return { width: png.width, height: png.height, data };
}

/** The single-channel label PNG of the VOC fixture. */
export function readLabel(rel: string): Uint8Array {
  const png = decode(fs.readFileSync(fixture(rel)));
  return Uint8Array.from(png.data);
}

/** Pixels of `image` equal to any of the RGB `colours` (the pydensecrf result images colour their labels). */
export function colourMask(image: RgbImage, colours: readonly (readonly [number, number, number])[]): Uint8Array {
  const out = new Uint8Array(image.width * image.height);
  for (let i = 0; i < out.length; i++) {
    for (const [r, g, b] of colours) if (image.data[3 * i] === r && image.data[3 * i + 1] === g && image.data[3 * i + 2] === b) out[i] = 1;
  }
  return out;
}

/** FNV-1a (32-bit) of a mask's bytes, 0/1 per pixel. */
export function maskHash(mask: ArrayLike<number>): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < mask.length; i++) h = Math.imul(h ^ (mask[i] ? 1 : 0), 0x01000193) >>> 0;
  return h;
}

/** A `width` x `height` image of two noisy colour regions (left/right of a random vertical cut) from `seed`. */
export function twoRegionImage(width: number, height: number, seed: number, noise = 40): RgbImage {
  const r = lcg(seed);
  const split = 1 + Math.floor(r() * Math.max(1, width - 1));
  const a = [r() * 255, r() * 255, r() * 255];
  const b = [r() * 255, r() * 255, r() * 255];
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = x < split ? a : b;
      for (let c = 0; c < 3; c++) data[3 * (y * width + x) + c] = Math.max(0, Math.min(255, Math.round(base[c]! + (r() - 0.5) * noise)));
    }
  }
  return { width, height, data };
}

/** Arbitrary small image (uniform random colours, or two regions) with at least one positive and one negative click on distinct pixels. */
export const smallProblem = (maxW: number, maxH: number) =>
  fc
    .record({
      width: fc.integer({ min: 2, max: maxW }),
      height: fc.integer({ min: 2, max: maxH }),
      seed: fc.integer({ min: 1, max: 1e9 }),
      kind: fc.boolean(),
    })
    .chain(({ width, height, seed, kind }) => {
      const pixel = fc.record({ x: fc.integer({ min: 0, max: width - 1 }), y: fc.integer({ min: 0, max: height - 1 }) });
      return fc.record({
        image: fc.constant(kind ? twoRegionImage(width, height, seed) : randomImage(width, height, seed)),
        positives: fc.array(pixel, { minLength: 1, maxLength: 3 }),
        negatives: fc.array(pixel, { minLength: 1, maxLength: 3 }),
      });
    })
    .filter(({ positives, negatives }) => !positives.some((p) => negatives.some((q) => p.x === q.x && p.y === q.y)))
    .map(({ image, positives, negatives }) => {
      const clicks: Click[] = [];
      const k = Math.max(positives.length, negatives.length);
      for (let i = 0; i < k; i++) {
        if (positives[i]) clicks.push({ ...positives[i]!, positive: true });
        if (negatives[i]) clicks.push({ ...negatives[i]!, positive: false });
      }
      return { image, clicks };
    });

/** Uniformly random colours. */
export function randomImage(width: number, height: number, seed: number): RgbImage {
  const r = lcg(seed);
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(r() * 256)) };
}

/** Solves the dense system A x = b (A row-major n x n) by Gaussian elimination with partial pivoting. */
export function denseSolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]!) > Math.abs(m[pivot * n + col]!)) pivot = r;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [m[col * n + c], m[pivot * n + c]] = [m[pivot * n + c]!, m[col * n + c]!];
      [x[col], x[pivot]] = [x[pivot]!, x[col]!];
    }
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col]! / m[col * n + col]!;
      if (f === 0) continue;
      for (let c = col; c < n; c++) m[r * n + c]! -= f * m[col * n + c]!;
      x[r]! -= f * x[col]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let c = r + 1; c < n; c++) s -= m[r * n + c]! * x[c]!;
    x[r] = s / m[r * n + r]!;
  }
  return x;
}

/** Inverse and determinant of a 3x3 matrix by Gauss–Jordan elimination. */
export function invert3(m: ArrayLike<number>): { inverse: number[]; det: number } {
  const a = [0, 1, 2].map((r) => [m[3 * r]!, m[3 * r + 1]!, m[3 * r + 2]!, r === 0 ? 1 : 0, r === 1 ? 1 : 0, r === 2 ? 1 : 0]);
  let det = 1;
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (pivot !== col) {
      [a[col], a[pivot]] = [a[pivot]!, a[col]!];
      det = -det;
    }
    const p = a[col]![col]!;
    det *= p;
    for (let c = 0; c < 6; c++) a[col]![c]! /= p;
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = a[r]![col]!;
      for (let c = 0; c < 6; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return { inverse: a.flatMap((row) => row.slice(3)), det };
}

/** Determinant of a 3x3 matrix by the rule of Sarrus. */
export function det3(m: ArrayLike<number>): number {
  return (
    m[0]! * m[4]! * m[8]! +
    m[1]! * m[5]! * m[6]! +
    m[2]! * m[3]! * m[7]! -
    m[2]! * m[4]! * m[6]! -
    m[1]! * m[3]! * m[8]! -
    m[0]! * m[5]! * m[7]!
  );
}

/** Relative difference |a - b| / max(|a|, |b|, floor). */
export function relDiff(a: number, b: number, floor = 1e-300): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}
