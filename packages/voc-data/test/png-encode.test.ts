import fc from 'fast-check';
import { decode as fastPngDecode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { encodeIndexPng, encodePng, readPng, VOC_PALETTE } from '@objsel/voc-data';

/**
 * The PNG encoder against an independent decoder (fast-png, which verifies the chunk CRCs) and
 * the package's own: the same pixels, colour type and palette come back.
 */
describe('encodePng / encodeIndexPng', () => {
  it('round-trips grey, RGB and RGBA pixels through fast-png and readPng', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(1 as const, 3 as const, 4 as const),
        fc.integer(),
        (width, height, channels, seed) => {
          let s = seed >>> 0;
          const data = Uint8Array.from(
            { length: width * height * channels },
            () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24,
          );
          const png = encodePng({ width, height, channels, data });
          const theirs = fastPngDecode(png, { checkCrc: true });
          expect([theirs.width, theirs.height, theirs.channels, theirs.depth]).toEqual([width, height, channels, 8]);
          expect(Array.from(theirs.data)).toEqual(Array.from(data));
          const ours = readPng(png);
          expect(ours.channels).toBe(channels);
          expect(Array.from(ours.samples)).toEqual(Array.from(data));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes palette PNGs: the indices and the 256-colour VOC palette', () => {
    const width = 37;
    const height = 5;
    const indices = Uint8Array.from({ length: width * height }, (_, i) => (i * 7) % 256);
    const png = encodeIndexPng(indices, width, height);
    const theirs = fastPngDecode(png, { checkCrc: true });
    expect(Array.from(theirs.data)).toEqual(Array.from(indices));
    expect(theirs.palette?.length).toBe(256);
    expect(theirs.palette?.flat()).toEqual(Array.from(VOC_PALETTE));
    const ours = readPng(png);
    expect(Array.from(ours.samples)).toEqual(Array.from(indices));
    expect(Array.from(ours.palette!)).toEqual(Array.from(VOC_PALETTE));
  });

  it('compresses (a constant image is far smaller than its pixels) and rejects wrong sizes', () => {
    expect(encodePng({ width: 500, height: 334, channels: 1, data: new Uint8Array(500 * 334) }).length).toBeLessThan(2000);
    expect(() => encodePng({ width: 3, height: 2, channels: 3, data: new Uint8Array(5) })).toThrow(RangeError);
    expect(() => encodeIndexPng(new Uint8Array(4), 2, 2, new Uint8Array(9))).toThrow(RangeError);
  });
});
