import { VocDataError } from '../errors';
import type { ImageCodec } from '../image-codec';
import { interleavedToRgb } from './to-rgb';

/** The slice of sharp's API objsel uses (sharp is an optional dependency, so no types from it). */
type SharpFactory = (
  input: Uint8Array,
  options?: { failOn?: string },
) => {
  removeAlpha(): ReturnType<SharpFactory>;
  toColourspace(space: string): ReturnType<SharpFactory>;
  raw(): ReturnType<SharpFactory>;
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Uint8Array; info: { width: number; height: number; channels: number } }>;
};

// A variable specifier keeps bundlers from trying to resolve sharp for the browser.
const SHARP = 'sharp';

let loading: Promise<ImageCodec | undefined> | undefined;

/**
 * sharp (libvips + libjpeg-turbo) as an {@link ImageCodec}, or `undefined` when it is not installed
 * or cannot load on this platform. About 8× faster than jpeg-js for JPEG. sharp expands palette
 * PNGs to RGB, so it is used for photos only, never for labels.
 */
export function loadSharpCodec(): Promise<ImageCodec | undefined> {
  loading ??= (async () => {
    try {
      const mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ SHARP)) as { default?: SharpFactory } & SharpFactory;
      const sharp: SharpFactory = mod.default ?? mod;
      if (typeof sharp !== 'function') return undefined;
      const codec: ImageCodec = {
        name: 'sharp',
        async decode(bytes, _format, file) {
          try {
            // 'truncated' rejects cut-off files but tolerates the benign warnings real photos carry.
            const { data, info } = await sharp(bytes, { failOn: 'truncated' })
              .toColourspace('srgb')
              .raw()
              .toBuffer({ resolveWithObject: true });
            const pixels = info.width * info.height;
            const view = new Uint8Array(data.buffer, data.byteOffset, data.length);
            const rgb = interleavedToRgb(view, pixels, info.channels);
            return { width: info.width, height: info.height, data: rgb === view ? new Uint8Array(view) : rgb };
          } catch (error) {
            if (error instanceof VocDataError) throw error;
            throw new VocDataError('unreadable', `not a readable image (${(error as Error).message})`, { file, cause: error });
          }
        },
      };
      return codec;
    } catch {
      return undefined;
    }
  })();
  return loading;
}
