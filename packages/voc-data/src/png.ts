import { VocDataError } from './errors';
import { sniffImageFormat } from './image';
import { decodePngPixels } from './png-decode';
import { encodePngBytes } from './png-encode';
import type { LabelImage, RgbImage } from './image';
import { VOC_PALETTE, vocIndexOfColour } from './palette';

/** A PNG as stored: one sample per pixel and channel at its native bit depth (sub-byte depths unpacked). */
export interface RawPng {
  width: number;
  height: number;
  /** 1 grey or palette index, 2 grey+alpha, 3 RGB, 4 RGBA. */
  channels: number;
  depth: number;
  /** Samples, `width * height * channels`, values in [0, 2^depth). */
  samples: Uint8Array | Uint16Array;
  /** Palette colours as RGB triples, for colour type 3. */
  palette?: Uint8Array;
}

/** Decodes a PNG's header and pixels without interpreting colours (palette indices are kept). */
export function readPng(bytes: Uint8Array, file?: string): RawPng {
  const png = decodePngPixels(bytes, file);
  return {
    width: png.width,
    height: png.height,
    channels: png.channels,
    depth: png.depth,
    samples: png.samples,
    ...(png.palette ? { palette: png.palette } : {}),
  };
}

/** Scale factor from a `depth`-bit sample to 8 bits. */
function to8bit(value: number, depth: number): number {
  if (depth === 8) return value;
  if (depth === 16) return Math.round(value / 257);
  return Math.round((value * 255) / ((1 << depth) - 1));
}

/** Any PNG (grey, grey+alpha, palette, RGB, RGBA; 1–16 bits) → 8-bit RGB; alpha is dropped. */
export function decodePngToRgb(bytes: Uint8Array, file?: string): RgbImage {
  const png = readPng(bytes, file);
  return rawPngToRgb(png);
}

/** The RGB view of an already decoded PNG. */
export function rawPngToRgb(png: RawPng): RgbImage {
  const { width, height, channels, depth, samples, palette } = png;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  if (palette) {
    const entries = palette.length / 3;
    for (let i = 0; i < n; i++) {
      const p = samples[i]!;
      if (p >= entries) continue; // index past the palette: black
      out[i * 3] = palette[p * 3]!;
      out[i * 3 + 1] = palette[p * 3 + 1]!;
      out[i * 3 + 2] = palette[p * 3 + 2]!;
    }
  } else if (channels <= 2) {
    for (let i = 0; i < n; i++) {
      const v = to8bit(samples[i * channels]!, depth);
      out[i * 3] = v;
      out[i * 3 + 1] = v;
      out[i * 3 + 2] = v;
    }
  } else if (channels === 3 && depth === 8) {
    out.set(samples.subarray(0, n * 3));
  } else {
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) out[i * 3 + k] = to8bit(samples[i * channels + k]!, depth);
  }
  return { width, height, data: out };
}

/**
 * A label PNG → class indices (255 = ignore), whatever form it was stored in:
 * - palette PNG (VOC `SegmentationClass`): the palette indices themselves, never their colours;
 * - single-channel PNG (`SegmentationClassAug`, SBD exports): the values (16-bit values above 255 → 255);
 * - RGB(A) PNG (colour masks): each colour looked up in the VOC colour map, unknown colours → 255.
 *   An RGB PNG whose pixels are all grey, with grey levels other than the VOC map's 0 and 128,
 *   is an index PNG saved as RGB and reads as `gray`.
 */
export function decodeLabel(bytes: Uint8Array, file?: string): LabelImage {
  if (sniffImageFormat(bytes) === 'jpeg')
    throw new VocDataError('unreadable', 'a JPEG cannot be a label: lossy compression changes class indices; use PNG', { file });
  const png = readPng(bytes, file);
  const { width, height, channels, samples } = png;
  const n = width * height;
  const data = new Uint8Array(n);
  if (png.palette) {
    for (let i = 0; i < n; i++) data[i] = samples[i]!;
    return { width, height, data, form: 'palette' };
  }
  if (channels <= 2) {
    for (let i = 0; i < n; i++) {
      const v = samples[i * channels]!;
      data[i] = Math.min(v, 255);
    }
    return { width, height, data, form: 'gray' };
  }
  const rgb = rawPngToRgb(png).data;
  let allGrey = true;
  let greyOutsideMap = false;
  for (let i = 0; i < n && allGrey; i++) {
    const r = rgb[i * 3]!;
    if (r !== rgb[i * 3 + 1] || r !== rgb[i * 3 + 2]) allGrey = false;
    else if (r !== 0 && r !== 128) greyOutsideMap = true;
  }
  if (allGrey && greyOutsideMap) {
    for (let i = 0; i < n; i++) data[i] = rgb[i * 3]!;
    return { width, height, data, form: 'gray' };
  }
  let lastKey = -1;
  let lastIndex = 0;
  let lastKnown = true;
  let unknownColours = 0;
  for (let i = 0; i < n; i++) {
    const r = rgb[i * 3]!;
    const g = rgb[i * 3 + 1]!;
    const b = rgb[i * 3 + 2]!;
    const key = (r << 16) | (g << 8) | b;
    if (key !== lastKey) {
      lastKey = key;
      lastIndex = vocIndexOfColour(r, g, b);
      lastKnown = lastIndex !== 255 || key === 0xe0e0c0;
    }
    data[i] = lastIndex;
    if (!lastKnown) unknownColours++;
  }
  return { width, height, data, form: 'color', unknownColours };
}

/** Encodes 8-bit pixels (1 grey, 3 RGB or 4 RGBA channels, interleaved) as a PNG. */
export function encodePng(image: { width: number; height: number; channels: 1 | 3 | 4; data: Uint8Array }): Uint8Array {
  const { width, height, channels, data } = image;
  if (data.length !== width * height * channels) throw new RangeError(`encodePng: ${data.length} bytes for ${width}x${height}x${channels}`);
  return encodePngBytes({ width, height, channels, data });
}

/**
 * Encodes class indices as a palettised 8-bit PNG (colour type 3), the form VOC's
 * `SegmentationClass` and the evaluation server use; `palette` is 768 bytes (default {@link VOC_PALETTE}).
 */
export function encodeIndexPng(indices: Uint8Array, width: number, height: number, palette: Uint8Array = VOC_PALETTE): Uint8Array {
  if (indices.length !== width * height) throw new RangeError(`encodeIndexPng: ${indices.length} indices for ${width}x${height}`);
  if (palette.length !== 768) throw new RangeError(`encodeIndexPng: palette must be 768 bytes, got ${palette.length}`);
  return encodePngBytes({ width, height, channels: 1, data: indices, palette });
}
