import jpegJs from 'jpeg-js';
import { VocDataError } from './errors';
import type { RgbImage } from './image';

/**
 * Baseline/progressive JPEG → RGB with jpeg-js (pure JS, works everywhere; about 8× slower than
 * libjpeg-turbo through sharp). Truncated or corrupt streams are errors, not grey fill.
 */
export function decodeJpegPure(bytes: Uint8Array, file?: string): RgbImage {
  try {
    const out = jpegJs.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: 200,
      maxMemoryUsageInMB: 1024,
    });
    if (!(out.width > 0 && out.height > 0) || out.data.length < out.width * out.height * 3) throw new Error('no image data');
    const data = out.data instanceof Uint8Array && out.data.constructor === Uint8Array ? out.data : new Uint8Array(out.data);
    return { width: out.width, height: out.height, data };
  } catch (error) {
    throw new VocDataError('unreadable', `not a readable JPEG (${(error as Error).message})`, { file, cause: error });
  }
}
