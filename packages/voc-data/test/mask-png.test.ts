import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMaskPng, readPng } from '@objsel/voc-data';

describe('encodeMaskPng', () => {
  it('writes 255 where the mask is set and 0 elsewhere, and counts the area', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (width, height, seed) => {
        const mask = Uint8Array.from({ length: width * height }, (_, i) => ((seed >>> (i % 31)) & 1 ? (i % 3) + 1 : 0));
        const { png, area } = encodeMaskPng(mask, width, height);
        const raw = readPng(png);
        expect([raw.width, raw.height, raw.channels]).toEqual([width, height, 1]);
        expect(Array.from(raw.samples)).toEqual(Array.from(mask, (v) => (v ? 255 : 0)));
        expect(area).toBe(mask.filter((v) => v !== 0).length);
      }),
    );
    expect(() => encodeMaskPng([1, 0], 3, 1)).toThrow(RangeError);
  });
});
