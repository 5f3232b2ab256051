/**
 * Between the full-size image and a smaller copy the network runs on. The clicks are encoded at
 * full size with distances scaled to model pixels ({@link clickMapScale}); {@link toModelSize}
 * brings that raw 5-channel input and its clicks to the model size, {@link resizeProbability}
 * the network's probability back. `objsel train --interactive --resize-mode resize
 * --click-scale` trains the same way.
 */
import * as tf from '@tensorflow/tfjs-core';
import { INTERACTIVE_CHANNELS, type Click } from '@objsel/clicks';

/** A width and a height. */
export interface Size {
  width: number;
  height: number;
}

/** The size with the same aspect and `longSide` pixels on the longer side (at least 1 on each). */
export function modelSize(size: Size, longSide: number): Size {
  const scale = longSide / Math.max(size.width, size.height);
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}

/** Factor from full-size pixels to model pixels: the distance-map `scale` of the clicks' encoding. */
export function clickMapScale(size: Size, longSide: number): number {
  return longSide / Math.max(size.width, size.height);
}

/**
 * Resizes interleaved float channels by averaging each output pixel's footprint (box filter with
 * exact area weights): no aliasing when shrinking, nearest neighbour when enlarging.
 */
export function resizeChannels(data: ArrayLike<number>, channels: number, from: Size, to: Size): Float32Array {
  const { width: W, height: H } = from;
  const { width: w, height: h } = to;
  const out = new Float32Array(w * h * channels);
  const sums = new Float64Array(channels);
  const sx = W / w;
  const sy = H / h;
  for (let y = 0; y < h; y++) {
    const y0 = y * sy;
    const y1 = Math.min(H, (y + 1) * sy);
    for (let x = 0; x < w; x++) {
      const x0 = x * sx;
      const x1 = Math.min(W, (x + 1) * sx);
      sums.fill(0);
      let total = 0;
      for (let yy = Math.floor(y0); yy < Math.ceil(y1); yy++) {
        const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
        for (let xx = Math.floor(x0); xx < Math.ceil(x1); xx++) {
          const weight = wy * (Math.min(x1, xx + 1) - Math.max(x0, xx));
          const i = (yy * W + xx) * channels;
          for (let c = 0; c < channels; c++) sums[c]! += data[i + c]! * weight;
          total += weight;
        }
      }
      const o = (y * w + x) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = sums[c]! / total;
    }
  }
  return out;
}

/** The raw 5-channel input (R, G, B, pos, neg; HWC) of the full image, shrunk to `to` (the same array when the sizes agree). */
export function shrinkInput(raw: Float32Array, from: Size, to: Size): Float32Array {
  return from.width === to.width && from.height === to.height ? raw : resizeChannels(raw, INTERACTIVE_CHANNELS, from, to);
}

/** A click on the full-size image, moved to the pixel of a resized copy that covers it. */
export function scaleClick(click: Click, from: Size, to: Size): Click {
  const x = Math.min(to.width - 1, Math.max(0, Math.floor(((click.x + 0.5) * to.width) / from.width)));
  const y = Math.min(to.height - 1, Math.max(0, Math.floor(((click.y + 0.5) * to.height) / from.height)));
  return { x, y, positive: click.positive };
}

/** A 0/1 mask shrunk to `to` (a pixel is set where most of its footprint is). */
export function resizeMask(mask: ArrayLike<number>, from: Size, to: Size): Uint8Array {
  const fraction = resizeChannels(
    Float32Array.from(mask, (v) => (v > 0 ? 1 : 0)),
    1,
    from,
    to,
  );
  return Uint8Array.from(fraction, (f) => (f >= 0.5 ? 1 : 0));
}

/** A raw 5-channel input with the clicks it encodes (the shape of a segment request and of an adaptation sample). */
export interface ClickInput {
  input: Float32Array;
  width: number;
  height: number;
  clicks: readonly Click[];
}

/**
 * A full-size input and its clicks at the model size (`longSide` pixels on the longer side):
 * the input shrunk by {@link shrinkInput}, each click moved by {@link scaleClick}. Without
 * `longSide` the input is returned as it is.
 */
export function toModelSize(full: ClickInput, longSide?: number): ClickInput {
  if (longSide === undefined) return full;
  const from = { width: full.width, height: full.height };
  const to = modelSize(from, longSide);
  return { input: shrinkInput(full.input, from, to), ...to, clicks: full.clicks.map((c) => scaleClick(c, from, to)) };
}

/** Bilinear resize (TF1, no corner alignment) of a probability map, on the active backend (the same array when the sizes agree). */
export async function resizeProbability(probability: Float32Array, from: Size, to: Size): Promise<Float32Array> {
  if (from.width === to.width && from.height === to.height) return probability;
  const t = tf.tidy(() =>
    tf.image.resizeBilinear(tf.tensor4d(probability, [1, from.height, from.width, 1]), [to.height, to.width], false, false),
  );
  try {
    return new Float32Array((await t.data()) as Float32Array);
  } finally {
    t.dispose();
  }
}
