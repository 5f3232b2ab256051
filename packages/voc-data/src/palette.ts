import type { RgbImage } from './image';

/** The 21 PASCAL VOC 2012 class names, background first (index = class id). */
export const VOC_CLASSES: readonly string[] = Object.freeze([
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
]);

/** The VOC colour map: bits 0/1/2 of the index go, three at a time, to the high bits of R/G/B. */
function makeVocPalette(): Uint8Array {
  const palette = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    let r = 0;
    let g = 0;
    let b = 0;
    let c = i;
    for (let j = 0; j < 8; j++) {
      r |= (c & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    palette[i * 3] = r;
    palette[i * 3 + 1] = g;
    palette[i * 3 + 2] = b;
  }
  return palette;
}

/**
 * The 256-entry VOC colour map as 768 bytes (R, G, B per index), the palette VOC's
 * `SegmentationClass` PNGs carry: 0 black, 1 (128,0,0), 15 (192,128,128), 255 (224,224,192).
 */
export const VOC_PALETTE: Uint8Array = makeVocPalette();

/** 24-bit RGB key → palette index (the VOC map is a bijection on 256 colours). */
let vocColourLookup: Map<number, number> | undefined;

/** The class index whose VOC colour is (r, g, b), or 255 for colours not in the map. */
export function vocIndexOfColour(r: number, g: number, b: number): number {
  if (!vocColourLookup) {
    vocColourLookup = new Map();
    for (let i = 0; i < 256; i++)
      vocColourLookup.set((VOC_PALETTE[i * 3]! << 16) | (VOC_PALETTE[i * 3 + 1]! << 8) | VOC_PALETTE[i * 3 + 2]!, i);
  }
  return vocColourLookup.get((r << 16) | (g << 8) | b) ?? 255;
}

/** Class indices → RGB colours through `palette` (768 bytes, default {@link VOC_PALETTE}). */
export function colorize(indices: Uint8Array, palette: Uint8Array = VOC_PALETTE): Uint8Array {
  const out = new Uint8Array(indices.length * 3);
  for (let i = 0; i < indices.length; i++) {
    const p = indices[i]! * 3;
    out[i * 3] = palette[p] ?? 0;
    out[i * 3 + 1] = palette[p + 1] ?? 0;
    out[i * 3 + 2] = palette[p + 2] ?? 0;
  }
  return out;
}

/**
 * A mask blended onto a photo: `(1 - alpha) * photo + alpha * colour` where the class is neither
 * background (0) nor ignore (255); those pixels keep the photo. `indices` has one entry per pixel.
 */
export function overlay(image: RgbImage, indices: Uint8Array, alpha = 0.5, palette: Uint8Array = VOC_PALETTE): RgbImage {
  const n = image.width * image.height;
  if (indices.length !== n) throw new RangeError(`overlay: ${indices.length} indices for a ${image.width}x${image.height} image`);
  const out = new Uint8Array(image.data);
  for (let i = 0; i < n; i++) {
    const c = indices[i]!;
    if (c === 0 || c === 255) continue;
    for (let k = 0; k < 3; k++) out[i * 3 + k] = Math.round((1 - alpha) * image.data[i * 3 + k]! + alpha * (palette[c * 3 + k] ?? 0));
  }
  return { width: image.width, height: image.height, data: out };
}
