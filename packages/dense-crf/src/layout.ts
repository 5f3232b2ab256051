import type { Layout } from './constants';
import { DenseCrfError } from './errors';
import { checkLabelCount, type LabelArray } from './labels';

/** Pixels per tile of the transposes (keeps both sides in cache). */
const TILE = 64;

function checkShape(data: ArrayLike<number>, n: number, c: number, where: string): void {
  if (!Number.isInteger(n) || !Number.isInteger(c) || n < 0 || c < 1) {
    throw new DenseCrfError('bad-shape', `bad shape (pixels ${n}, channels ${c})`, { where });
  }
  if (data.length !== n * c) throw new DenseCrfError('bad-shape', `expected ${n}x${c} = ${n * c} values, got ${data.length}`, { where });
}

/**
 * `[N, C]` (HWC: how images, TF.js and `.npy` probability maps store a class vector per pixel)
 * → `[C, N]` (CHW: pydensecrf's `[labels, N]` with N = H·W, pixel index y·W+x).
 */
export function hwcToChw(data: Float32Array, pixels: number, channels: number): Float32Array {
  checkShape(data, pixels, channels, 'hwcToChw');
  const out = new Float32Array(data.length);
  for (let i0 = 0; i0 < pixels; i0 += TILE) {
    const i1 = Math.min(pixels, i0 + TILE);
    for (let c = 0; c < channels; c++) for (let i = i0; i < i1; i++) out[c * pixels + i] = data[i * channels + c]!;
  }
  return out;
}

/** `[C, N]` (pydensecrf's `[labels, N]`) → `[N, C]` (HWC). */
export function chwToHwc(data: Float32Array, pixels: number, channels: number): Float32Array {
  checkShape(data, pixels, channels, 'chwToHwc');
  const out = new Float32Array(data.length);
  for (let i0 = 0; i0 < pixels; i0 += TILE) {
    const i1 = Math.min(pixels, i0 + TILE);
    for (let c = 0; c < channels; c++) for (let i = i0; i < i1; i++) out[i * channels + c] = data[c * pixels + i]!;
  }
  return out;
}

/**
 * The most probable label of every pixel (the first one on ties, like numpy's argmax), for
 * probabilities in either layout (`chw` = `[labels, N]`, the default, as {@link DenseCRF.inference}
 * returns them; `hwc` = `[N, labels]`).
 *
 * @returns a {@link LabelArray} (one byte per pixel).
 * @throws DenseCrfError `bad-parameter` for more than {@link MAX_LABELS} labels.
 */
export function argmaxLabels(probs: Float32Array, pixels: number, labels: number, layout: Layout = 'chw'): LabelArray {
  checkShape(probs, pixels, labels, 'argmaxLabels');
  checkLabelCount(labels, 'argmaxLabels');
  const out = new Uint8Array(pixels);
  if (layout === 'hwc') {
    for (let i = 0; i < pixels; i++) {
      let best = 0;
      let bestValue = probs[i * labels]!;
      for (let l = 1; l < labels; l++) {
        const v = probs[i * labels + l]!;
        if (v > bestValue) {
          bestValue = v;
          best = l;
        }
      }
      out[i] = best;
    }
  } else {
    const bestValue = probs.slice(0, pixels);
    for (let l = 1; l < labels; l++) {
      const base = l * pixels;
      for (let i = 0; i < pixels; i++) {
        const v = probs[base + i]!;
        if (v > bestValue[i]!) {
          bestValue[i] = v;
          out[i] = l;
        }
      }
    }
  }
  return out;
}
