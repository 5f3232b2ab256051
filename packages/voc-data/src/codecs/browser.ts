import { VocDataError } from '../errors';
import type { ImageCodec } from '../image-codec';
import { interleavedToRgb } from './to-rgb';

/**
 * The browser's own decoders (`createImageBitmap` + `OffscreenCanvas`, also in workers) as an
 * {@link ImageCodec}, or `undefined` where they are missing. Colour-space conversion and alpha
 * premultiplication are turned off so pixels match the file.
 */
export function browserCodec(): ImageCodec | undefined {
  const g = globalThis as { createImageBitmap?: typeof createImageBitmap; OffscreenCanvas?: typeof OffscreenCanvas };
  if (typeof g.createImageBitmap !== 'function' || typeof g.OffscreenCanvas !== 'function') return undefined;
  return {
    name: 'browser',
    async decode(bytes, format, file) {
      let bitmap: ImageBitmap;
      try {
        const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: format === 'png' ? 'image/png' : 'image/jpeg' });
        bitmap = await g.createImageBitmap!(blob, {
          colorSpaceConversion: 'none',
          premultiplyAlpha: 'none',
          imageOrientation: 'none',
        } as ImageBitmapOptions);
      } catch (error) {
        throw new VocDataError('unreadable', `not a readable image (${(error as Error).message})`, { file, cause: error });
      }
      const { width, height } = bitmap;
      const canvas = new g.OffscreenCanvas!(width, height);
      const ctx = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | null;
      if (!ctx) throw new VocDataError('unsupported', 'OffscreenCanvas 2d context unavailable', { file });
      ctx.drawImage(bitmap, 0, 0);
      bitmap.close();
      const rgba = ctx.getImageData(0, 0, width, height).data;
      return { width, height, data: interleavedToRgb(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length), width * height, 4) };
    },
  };
}
