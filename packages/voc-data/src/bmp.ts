import { VocDataError } from './errors';
import type { RgbImage } from './image';

/** True when `bytes` start with the BMP signature `BM`. */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/**
 * Decodes an uncompressed Windows bitmap (GrabCut ships its images and masks as `.bmp`): 8-bit
 * palette, 24-bit BGR or 32-bit BGRX, bottom-up or top-down rows padded to 4 bytes.
 */
export function decodeBmp(bytes: Uint8Array, file?: string): RgbImage {
  const fail = (message: string, where?: string): never => {
    throw new VocDataError('unreadable', message, { file, where });
  };
  if (!isBmp(bytes) || bytes.length < 54) fail('not a BMP file (no BM header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40) fail(`BMP header of ${headerSize} bytes (OS/2 bitmaps are not supported)`, 'byte 14');
  const width = view.getInt32(18, true);
  const signedHeight = view.getInt32(22, true);
  const bpp = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const height = Math.abs(signedHeight);
  if (width <= 0 || height === 0) fail(`BMP size ${width}x${signedHeight}`, 'byte 18');
  // 3 = BI_BITFIELDS, accepted for 32-bit files whose masks are the usual BGRX layout.
  if (compression !== 0 && !(compression === 3 && bpp === 32)) fail(`compressed BMP (method ${compression}) is not supported`, 'byte 30');
  if (bpp !== 8 && bpp !== 24 && bpp !== 32) fail(`${bpp}-bit BMP is not supported (8, 24 or 32)`, 'byte 28');
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + stride * height > bytes.length)
    fail(`pixel data ends at byte ${dataOffset + stride * height}, file has ${bytes.length}`);
  let palette: Uint8Array | undefined;
  if (bpp === 8) {
    const colours = view.getUint32(46, true) || 256;
    const start = 14 + headerSize;
    if (start + colours * 4 > dataOffset) fail(`palette of ${colours} colours overlaps the pixels`, `byte ${start}`);
    palette = new Uint8Array(256 * 3);
    for (let c = 0; c < colours && c < 256; c++) {
      palette[c * 3] = bytes[start + c * 4 + 2]!;
      palette[c * 3 + 1] = bytes[start + c * 4 + 1]!;
      palette[c * 3 + 2] = bytes[start + c * 4]!;
    }
  }
  const data = new Uint8Array(width * height * 3);
  const step = bpp / 8;
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (signedHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const p = row + x * step;
      if (palette) {
        const c = bytes[p]! * 3;
        data[o] = palette[c]!;
        data[o + 1] = palette[c + 1]!;
        data[o + 2] = palette[c + 2]!;
      } else {
        data[o] = bytes[p + 2]!;
        data[o + 1] = bytes[p + 1]!;
        data[o + 2] = bytes[p]!;
      }
    }
  }
  return { width, height, data };
}

/** Encodes a 24-bit bottom-up BMP (tests and fixtures in GrabCut's format). */
export function encodeBmp(image: RgbImage): Uint8Array {
  const { width, height, data } = image;
  const stride = Math.ceil((width * 3) / 4) * 4;
  const out = new Uint8Array(54 + stride * height);
  const view = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  view.setUint32(2, out.length, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  view.setUint32(34, stride * height, true);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      out[row + x * 3] = data[i + 2]!;
      out[row + x * 3 + 1] = data[i + 1]!;
      out[row + x * 3 + 2] = data[i]!;
    }
  }
  return out;
}
