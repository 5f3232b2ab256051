import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelCounts } from '@objsel/voc-data';

describe('labelCounts', () => {
  it('counts every pixel once, keyed in order of first occurrence', () => {
    expect([...labelCounts(Uint8Array.of(3, 0, 3, 255, 0, 3))]).toEqual([
      [3, 3],
      [0, 2],
      [255, 1],
    ]);
    expect(labelCounts(new Uint8Array(0)).size).toBe(0);
  });

  it('agrees with counting each value separately', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (labels) => {
        const counts = labelCounts(labels);
        let total = 0;
        for (const [label, n] of counts) {
          expect(n).toBe(labels.filter((v) => v === label).length);
          total += n;
        }
        expect(total).toBe(labels.length);
        expect([...counts.keys()]).toEqual([...new Set(labels)]);
      }),
    );
  });
});
