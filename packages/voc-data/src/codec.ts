import { VocDataError } from './errors';
import { sniffImageFormat, type ImageFormat, type RgbImage } from './image';
import { decodeJpegPure } from './jpeg';
import { decodePngToRgb } from './png';
import { browserCodec } from './codecs/browser';
import { loadSharpCodec } from './codecs/sharp';
import type { ImageCodec } from './image-codec';

export type { ImageCodec } from './image-codec';

/** jpeg-js for JPEG and the package's own PNG decoder: pure JavaScript, synchronous underneath, runs anywhere. */
export const pureJsCodec: ImageCodec = {
  name: 'jpeg-js+png',
  decode: async (bytes, format, file) => decodeImageSync(bytes, file, format),
};

/** Decodes JPEG or PNG bytes synchronously with the pure-JS decoders. */
export function decodeImageSync(bytes: Uint8Array, file?: string, format: ImageFormat | undefined = sniffImageFormat(bytes)): RgbImage {
  if (format === 'png') return decodePngToRgb(bytes, file);
  if (format === 'jpeg') return decodeJpegPure(bytes, file);
  throw new VocDataError('unreadable', 'neither a JPEG nor a PNG (unknown signature)', { file });
}

let chosen: Promise<ImageCodec> | undefined;

/** True when running under Node (or Bun/Deno's Node layer) rather than a browser. */
function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * The codec {@link decodeImage} uses unless told otherwise: in a browser (or worker) the native
 * decoder; in Node sharp for JPEG when it is installed (an optional dependency), else jpeg-js;
 * PNG photos through the package's own decoder (native zlib in Node).
 */
export function defaultImageCodec(): Promise<ImageCodec> {
  chosen ??= (async () => {
    if (!isNode()) return browserCodec() ?? pureJsCodec;
    const sharp = await loadSharpCodec();
    if (!sharp) return pureJsCodec;
    return {
      name: 'sharp+png',
      decode: (bytes, format, file) => (format === 'jpeg' ? sharp.decode(bytes, format, file) : pureJsCodec.decode(bytes, format, file)),
    };
  })();
  return chosen;
}

/** Replaces the default codec (e.g. `pureJsCodec` for bit-identical results across machines). */
export function setImageCodec(codec: ImageCodec | undefined): void {
  chosen = codec ? Promise.resolve(codec) : undefined;
}

/** JPEG or PNG bytes (any PNG colour type and bit depth) → 8-bit RGB, with the default codec. */
export async function decodeImage(bytes: Uint8Array, file?: string, codec?: ImageCodec): Promise<RgbImage> {
  const format = sniffImageFormat(bytes);
  if (!format) throw new VocDataError('unreadable', 'neither a JPEG nor a PNG (unknown signature)', { file });
  // In Node the default codec decodes PNG itself; not choosing it yet spares a PNG-only program
  // loading sharp (libvips), which costs a short command more than the decoding does.
  if (!codec && !chosen && format === 'png' && isNode()) return pureJsCodec.decode(bytes, format, file);
  return (codec ?? (await defaultImageCodec())).decode(bytes, format, file);
}
