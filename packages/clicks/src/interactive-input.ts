import { splitClicks, writeDistanceMap, type DistanceMapOptions } from './distance-maps';
import type { Click, RgbImage } from './types';
import { checkLength, checkNumber, checkPoints } from './validate';

/** Channels of the interactive network's input: R, G, B, positive distance, negative distance. */
export const INTERACTIVE_CHANNELS = 5;

/**
 * The 5-channel input of Xu et al.'s network, HWC float32: R, G, B (0..255, as given), then the
 * truncated distance maps of the positive and of the negative clicks (see `distanceMaps`). The
 * model side subtracts its means / reorders channels; this only assembles the raw values.
 *
 * @returns float32 `[height * width * 5]`.
 */
export function buildInteractiveInput(image: RgbImage, clicks: readonly Click[], options: DistanceMapOptions = {}): Float32Array {
  const { width, height, data } = image;
  checkLength(data, width, height, 3, 'image');
  checkPoints(clicks, width, height, 'clicks');
  const scale = options.scale ?? 1;
  const truncate = options.truncate ?? 255;
  checkNumber(scale, 'scale', (v) => v > 0, 'a positive number');
  checkNumber(truncate, 'truncate', (v) => v >= 0, 'a non-negative number');
  const n = width * height;
  const out = new Float32Array(n * INTERACTIVE_CHANNELS);
  for (let i = 0, o = 0; i < n; i++, o += INTERACTIVE_CHANNELS) {
    out[o] = data[3 * i]!;
    out[o + 1] = data[3 * i + 1]!;
    out[o + 2] = data[3 * i + 2]!;
  }
  const { positive, negative } = splitClicks(clicks);
  writeDistanceMap(out, INTERACTIVE_CHANNELS, 3, width, height, positive, scale, truncate);
  writeDistanceMap(out, INTERACTIVE_CHANNELS, 4, width, height, negative, scale, truncate);
  return out;
}
