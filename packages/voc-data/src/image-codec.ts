import type { VocDataError } from './errors';
import type { ImageFormat, RgbImage } from './image';

/**
 * Something that turns JPEG or PNG bytes into an RGB image. objsel ships three: pure JS
 * (jpeg-js + its own PNG decoder), sharp (libvips, Node, optional) and the browser's own decoder
 * (`createImageBitmap` + `OffscreenCanvas`). Label PNGs never go through a codec: they need
 * palette indices, which only {@link decodeLabel} keeps.
 */
export interface ImageCodec {
  /** For reports, e.g. `sharp+fast-png`. */
  readonly name: string;
  /** Decodes `bytes` of the given format to 8-bit RGB; throws {@link VocDataError} `unreadable`. */
  decode(bytes: Uint8Array, format: ImageFormat, file?: string): Promise<RgbImage>;
}
