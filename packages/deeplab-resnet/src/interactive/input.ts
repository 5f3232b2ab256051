import { INTERACTIVE_CHANNELS, type Click } from '@objsel/clicks';
import { DeeplabError } from '../errors';

/**
 * The per-channel mean of Deep Interactive Object Selection's 5-channel input (Damanpreet /
 * jia2lin3yuan1 `IMG_MEAN`): the ImageNet BGR mean rounded to one decimal, then 131.0 for each
 * click distance map (about the mean of a distance map truncated at 255).
 */
export const INTERACTIVE_MEAN: readonly [number, number, number, number, number] = Object.freeze([
  104.0, 116.7, 122.7, 131.0, 131.0,
]) as readonly [number, number, number, number, number];

/**
 * Turns the raw 5-channel input (HWC float32: R, G, B in 0..255, positive distance, negative
 * distance — what `@objsel/clicks`' `buildInteractiveInput` returns) into the network's input:
 * B, G, R, pos, neg, each minus {@link INTERACTIVE_MEAN} (or `mean`).
 *
 * @returns a new float32 array of the same length.
 * @throws DeeplabError `bad-input` if the length is not `height * width * 5`.
 */
export function preprocessInteractive(
  raw: ArrayLike<number>,
  height: number,
  width: number,
  mean: readonly number[] = INTERACTIVE_MEAN,
): Float32Array {
  const n = height * width;
  if (!Number.isSafeInteger(n) || height < 1 || width < 1)
    throw new DeeplabError('bad-input', `image size ${width}x${height} is not positive`);
  if (raw.length !== n * INTERACTIVE_CHANNELS) {
    throw new DeeplabError(
      'bad-input',
      `interactive input holds ${raw.length} values, expected ${height}x${width}x${INTERACTIVE_CHANNELS}`,
    );
  }
  if (mean.length !== INTERACTIVE_CHANNELS)
    throw new DeeplabError('bad-config', `the mean needs ${INTERACTIVE_CHANNELS} values, got ${mean.length}`);
  const out = new Float32Array(n * INTERACTIVE_CHANNELS);
  for (let i = 0, o = 0; i < n; i++, o += INTERACTIVE_CHANNELS) {
    out[o] = raw[o + 2]! - mean[0]!;
    out[o + 1] = raw[o + 1]! - mean[1]!;
    out[o + 2] = raw[o]! - mean[2]!;
    out[o + 3] = raw[o + 3]! - mean[3]!;
    out[o + 4] = raw[o + 4]! - mean[4]!;
  }
  return out;
}

/**
 * Labels for training on clicks alone ("adapt to this image", BRS): 1 within `radius` pixels
 * (Euclidean) of a positive click, 0 near a negative click, `ignoreLabel` everywhere else. A
 * later click wins where disks overlap.
 */
export function clickDiskLabels(width: number, height: number, clicks: readonly Click[], radius: number, ignoreLabel = 255): Uint8Array {
  if (!(radius >= 0) || !Number.isFinite(radius)) throw new DeeplabError('bad-config', `click radius must be a number >= 0, got ${radius}`);
  const labels = new Uint8Array(width * height).fill(ignoreLabel);
  const r = Math.floor(radius);
  const r2 = radius * radius;
  for (const c of clicks) {
    if (!(c.x >= 0 && c.y >= 0 && c.x < width && c.y < height)) {
      throw new DeeplabError('bad-input', `click at (${c.x}, ${c.y}) is outside the ${width}x${height} image`, { where: 'clicks' });
    }
    const cx = Math.floor(c.x);
    const cy = Math.floor(c.y);
    for (let y = Math.max(0, cy - r); y <= Math.min(height - 1, cy + r); y++) {
      for (let x = Math.max(0, cx - r); x <= Math.min(width - 1, cx + r); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r2) labels[y * width + x] = c.positive ? 1 : 0;
      }
    }
  }
  return labels;
}
