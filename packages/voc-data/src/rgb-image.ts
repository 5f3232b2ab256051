import { interleavedToRgb } from './codecs/to-rgb';
import { VocDataError } from './errors';
import type { RgbImage } from './image';

/**
 * An image as browsers and decoders hand it over: `ImageData` (RGBA), a decoded PNG or JPEG
 * (grey, grey + alpha, RGB or RGBA), or an {@link RgbImage}. The channel count follows from
 * `data.length / (width · height)`.
 */
export interface ImageLike {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/**
 * The RGB bytes of an {@link ImageLike} (alpha dropped, grey replicated); an RGB image comes back
 * as it is (no copy), anything else as a new array.
 *
 * @throws VocDataError `bad-image` when the data is not 1–4 bytes per pixel of a positive size.
 */
export function toRgbImage(image: ImageLike): RgbImage {
  const { width, height, data } = image ?? {};
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new VocDataError('bad-values', `image size ${String(width)}x${String(height)} is not positive`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new VocDataError('bad-values', 'image data must be a Uint8Array or Uint8ClampedArray (ImageData.data)');
  }
  const pixels = width * height;
  const channels = data.length / pixels;
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
    throw new VocDataError(
      'bad-values',
      `${data.length} bytes are not 1–4 bytes per pixel of a ${width}x${height} image (RGBA is 4, RGB 3)`,
    );
  }
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { width, height, data: interleavedToRgb(bytes, pixels, channels) };
}
