import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imageSeed, objectTruth } from '@objsel/clicks';

describe('objectTruth', () => {
  it('marks the object and the void pixels of a label image', () => {
    const { gt, ignore } = objectTruth(Uint8Array.of(0, 1, 2, 255, 1), 1);
    expect(Array.from(gt)).toEqual([0, 1, 0, 0, 1]);
    expect(Array.from(ignore)).toEqual([0, 0, 0, 1, 0]);
    expect(Array.from(objectTruth([0, 7, 9], 9, 7).ignore)).toEqual([0, 1, 0]);
  });
});

describe('imageSeed', () => {
  it('is seed XOR FNV-1a of the id (known FNV-1a values), unsigned', () => {
    // FNV-1a 32-bit test vectors: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    expect(imageSeed(0, '')).toBe(0x811c9dc5);
    expect(imageSeed(0, 'a')).toBe(0xe40c292c);
    expect(imageSeed(0, 'foobar')).toBe(0xbf9cf968);
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.string(), (seed, id) => {
        const s = imageSeed(seed, id);
        expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
        expect((s ^ imageSeed(0, id)) >>> 0).toBe(seed >>> 0);
      }),
    );
  });
});
