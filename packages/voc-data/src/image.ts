/** An 8-bit RGB photo: `data` is RGB interleaved, row-major, `3 * width * height` bytes. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * How a label PNG stored its classes: `palette` (colour type 3, indices kept), `gray`
 * (single channel, values are the classes) or `color` (RGB, mapped back through the VOC colour map).
 */
export type LabelForm = 'palette' | 'gray' | 'color';

/** A decoded label: one class index per pixel (255 = ignore), and the form it was stored in. */
export interface LabelImage {
  width: number;
  height: number;
  data: Uint8Array;
  form: LabelForm;
  /** `color` labels only: pixels whose colour is not in the VOC colour map (decoded as 255). */
  unknownColours?: number;
}

/** The image formats objsel decodes, found from the file's magic bytes. */
export type ImageFormat = 'jpeg' | 'png';

/** The format of `bytes` by signature, or `undefined` when it is neither JPEG nor PNG. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (
    bytes.length >= 8 &&
    bytes[0] === 0x89 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x47 &&
    bytes[4] === 0x0d &&
    bytes[5] === 0x0a &&
    bytes[6] === 0x1a &&
    bytes[7] === 0x0a
  )
    return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}
