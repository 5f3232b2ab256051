/**
 * Between the full-size image and the network. A session (@objsel/clicks) encodes the clicks
 * at full size with distances scaled to model pixels ({@link clickMapScale}); {@link shrinkInput}
 * brings that raw 5-channel input to the model size, where deeplab-resnet's interactive
 * segmenter preprocesses it (B, G, R, pos, neg minus the seed's mean). `objsel train
 * --interactive --resize-mode resize --click-scale` trains the same way (tools/web-model).
 */
import type { Click } from '@objsel/clicks';
import { MODEL_LONG_SIDE } from './domain';

/** A width and a height. */
export interface Size {
  width: number;
  height: number;
}

/** The size with the same aspect and `longSide` pixels on the longer side (at least 1 on each). */
export function modelSize(size: Size, longSide = MODEL_LONG_SIDE): Size {
  const scale = longSide / Math.max(size.width, size.height);
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}

/** Factor from full-size pixels to model pixels: the distance-map `scale` of the session. */
export function clickMapScale(size: Size, longSide = MODEL_LONG_SIDE): number {
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

/** The raw 5-channel input (R, G, B, pos, neg; HWC) of the full image, shrunk to model size. */
export function shrinkInput(raw: Float32Array, from: Size, to: Size): Float32Array {
  return from.width === to.width && from.height === to.height ? raw : resizeChannels(raw, 5, from, to);
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
