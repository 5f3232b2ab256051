import { describe, expect, it } from 'vitest';
import { VocDataError, toRgbImage } from '../src/index';

describe('toRgbImage', () => {
  it('drops alpha from RGBA (ImageData), replicates grey, keeps RGB as it is', () => {
    const rgba = { width: 2, height: 1, data: new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 0]) };
    expect(Array.from(toRgbImage(rgba).data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(toRgbImage({ width: 2, height: 1, data: new Uint8Array([7, 9]) }).data)).toEqual([7, 7, 7, 9, 9, 9]);
    const rgb = { width: 1, height: 1, data: new Uint8Array([1, 2, 3]) };
    expect(toRgbImage(rgb).data).toBe(rgb.data);
  });

  it('refuses data that is not 1–4 bytes per pixel', () => {
    expect(() => toRgbImage({ width: 2, height: 2, data: new Uint8Array(10) })).toThrow(VocDataError);
    expect(() => toRgbImage({ width: 2, height: 2, data: new Uint8Array(10) })).toThrow(
      /10 bytes are not 1–4 bytes per pixel of a 2x2 image/,
    );
    expect(() => toRgbImage({ width: 0, height: 2, data: new Uint8Array(0) })).toThrow(/not positive/);
  });
});
