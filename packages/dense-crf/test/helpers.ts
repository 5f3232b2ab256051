import fs from 'node:fs';
import { convertIndexedToRgb, decode } from 'fast-png';
import { fixture } from '../../../tools/test/fixtures';

/** A deterministic uniform [0, 1) generator (LCG). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** An RGB PNG (palette or truecolour, alpha dropped) from the pydensecrf fixtures. */
export function readRgb(name: string): { width: number; height: number; rgb: Uint8Array } {
  const png = decode(fs.readFileSync(fixture(`pydensecrf/${name}`)));
  const data = png.palette ? convertIndexedToRgb(png) : png.data;
  const n = png.width * png.height;
  const channels = data.length / n;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = data[i * channels + c]!;
  return { width: png.width, height: png.height, rgb };
}

/** Swaps R and B (the example program reads images with OpenCV, i.e. as BGR). */
export function toBgr(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) {
    out[i] = rgb[i + 2]!;
    out[i + 1] = rgb[i + 1]!;
    out[i + 2] = rgb[i]!;
  }
  return out;
}

/** Random features `[d, n]` uniform in [0, spread). */
export function randomFeatures(random: () => number, d: number, n: number, spread: number): Float32Array {
  const f = new Float32Array(d * n);
  for (let i = 0; i < f.length; i++) f[i] = random() * spread;
  return f;
}

/** Exact Gaussian filtering Σⱼ exp(−|fᵢ−fⱼ|²/2σ²)·vⱼ, O(n²), float64. */
export function exactGaussianFilter(features: Float32Array, d: number, n: number, values: ArrayLike<number>, sigma = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) {
      let dist = 0;
      for (let k = 0; k < d; k++) {
        const t = features[k * n + i]! - features[k * n + j]!;
        dist += t * t;
      }
      s += Math.exp(-dist / (2 * sigma * sigma)) * values[j]!;
    }
    out[i] = s;
  }
  return out;
}

/** Pearson correlation. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[i]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
