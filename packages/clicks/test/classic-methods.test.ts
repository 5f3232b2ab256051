import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClicksError,
  SELECTION_METHOD_NAMES,
  createMethodPredictor,
  isSelectionMethodName,
  selectionMethod,
  type Click,
  type SelectionMethodOptions,
} from '../src/index';
import { BACKGROUND_SEED, FOREGROUND_SEED, UNSEEDED, seedMap } from '../src/methods/seeds';
import { randomImage, smallProblem, twoRegionImage } from './classic-helpers';

/** The label the last click on each pixel gives it. */
function lastLabels(clicks: readonly Click[], width: number): Map<number, boolean> {
  const last = new Map<number, boolean>();
  for (const c of clicks) last.set(c.y * width + c.x, c.positive);
  return last;
}

// Extreme settings where the models would rather select nothing or everything.
const extreme: SelectionMethodOptions = {
  grabcut: { gamma: 1e6 },
  'graphcut-colour': { gamma: 1e6 },
  'random-walker': { beta: 1e4 },
  geodesic: { lengthWeight: 10 },
};

describe('classic methods: one interface', () => {
  it('registers grabcut, graphcut-colour, random-walker and geodesic by name', () => {
    expect([...SELECTION_METHOD_NAMES]).toEqual(['grabcut', 'graphcut-colour', 'random-walker', 'geodesic']);
    expect(isSelectionMethodName('geodesic')).toBe(true);
    expect(isSelectionMethodName('network')).toBe(false);
    expect(() => selectionMethod('watershed')).toThrow(ClicksError);
    try {
      selectionMethod('watershed');
    } catch (e) {
      expect((e as ClicksError).code).toBe('bad-parameter');
      expect((e as ClicksError).message).toContain('grabcut, graphcut-colour, random-walker, geodesic');
    }
  });

  for (const name of SELECTION_METHOD_NAMES) {
    describe(name, () => {
      it('clicked pixels always take their label; with both kinds the mask is neither empty nor full', () => {
        for (const options of [{}, extreme]) {
          const run = selectionMethod(name, options);
          fc.assert(
            fc.property(smallProblem(12, 12), ({ image, clicks }) => {
              const { mask } = run(image, { clicks });
              for (const [i, positive] of lastLabels(clicks, image.width)) expect(mask[i]).toBe(positive ? 1 : 0);
              expect(mask.some((v) => v === 1)).toBe(true);
              expect(mask.some((v) => v === 0)).toBe(true);
            }),
            { numRuns: name === 'grabcut' ? 40 : 80 },
          );
        }
      });

      it('keeps whole click discs and the outside of a box', () => {
        const image = twoRegionImage(30, 20, 3);
        const clicks = [
          { x: 10, y: 10, positive: true },
          { x: 22, y: 9, positive: false },
        ];
        const box = [3, 2, 27, 18] as const;
        const { mask } = selectionMethod(name, extreme)(image, { clicks, box });
        for (let y = 0; y < 20; y++) {
          for (let x = 0; x < 30; x++) {
            const i = y * 30 + x;
            if (x < 3 || x >= 27 || y < 2 || y >= 18) expect(mask[i]).toBe(0);
            if ((x - 10) ** 2 + (y - 10) ** 2 <= 25) expect(mask[i]).toBe(1);
            if ((x - 22) ** 2 + (y - 9) ** 2 <= 25) expect(mask[i]).toBe(0);
          }
        }
      });

      it('is deterministic and ignores the state of another image or method', () => {
        const image = twoRegionImage(16, 12, 8);
        const clicks = [
          { x: 3, y: 6, positive: true },
          { x: 13, y: 6, positive: false },
        ];
        const run = selectionMethod(name);
        const a = run(image, { clicks });
        expect(Array.from(run(image, { clicks }).mask)).toEqual(Array.from(a.mask));
        const other = twoRegionImage(16, 12, 8);
        expect(Array.from(run(other, { clicks, previous: a.state }).mask)).toEqual(Array.from(run(other, { clicks }).mask));
        const foreign = selectionMethod(name === 'geodesic' ? 'grabcut' : 'geodesic')(image, { clicks }).state;
        expect(Array.from(run(image, { clicks, previous: foreign }).mask)).toEqual(Array.from(a.mask));
        expect(a.state.method).toBe(name);
      });
    });
  }

  it('without a positive click and without a box, the seed-driven methods select nothing (GrabCut treats the image as its box)', () => {
    const image = randomImage(10, 8, 2);
    const clicks = [{ x: 5, y: 4, positive: false }];
    for (const name of ['graphcut-colour', 'random-walker', 'geodesic']) {
      expect(selectionMethod(name)(image, { clicks }).mask.every((v) => v === 0)).toBe(true);
    }
    expect(selectionMethod('grabcut')(image, { clicks }).mask[4 * 10 + 5]).toBe(0);
  });

  it('a predictor threads the state through a robot run and starts afresh on a new click sequence', async () => {
    const image = twoRegionImage(20, 14, 6);
    let calls = 0;
    const inner = selectionMethod('grabcut');
    const seen: boolean[] = [];
    const predict = createMethodPredictor(image, (img, input) => {
      calls++;
      seen.push(input.previous !== undefined);
      return inner(img, input);
    });
    const c1 = { x: 3, y: 7, positive: true };
    const c2 = { x: 17, y: 7, positive: false };
    await predict([c1], null);
    await predict([c1, c2], null);
    await predict([c2], null); // not a continuation
    expect(calls).toBe(3);
    expect(seen).toEqual([false, true, false]);
  });
});

describe('seeds', () => {
  it('paints the box outside, then discs in click order, then clicked pixels; the frame only without a box', () => {
    const image = randomImage(12, 10, 1);
    const clicks = [
      { x: 5, y: 5, positive: true },
      { x: 7, y: 5, positive: false },
    ];
    const withBox = seedMap(image, clicks, [-3, 1, 11, 20], { radius: 2 });
    expect(withBox.labels[0]).toBe(BACKGROUND_SEED); // row 0 is outside the clamped box [0, 1, 11, 10]
    expect(withBox.labels[1 * 12 + 11]).toBe(BACKGROUND_SEED); // column 11 is outside
    expect(withBox.labels[1 * 12 + 0]).toBe(UNSEEDED); // the frame is not background with a box
    expect(withBox.labels[5 * 12 + 5]).toBe(FOREGROUND_SEED); // its own centre, though inside the later disc
    expect(withBox.labels[5 * 12 + 6]).toBe(BACKGROUND_SEED); // the later disc wins elsewhere
    expect(withBox.labels[5 * 12 + 4]).toBe(FOREGROUND_SEED);
    const noBox = seedMap(image, [{ x: 0, y: 0, positive: true }], undefined, { radius: 1 });
    expect(noBox.labels[0]).toBe(FOREGROUND_SEED);
    expect(noBox.labels[11]).toBe(BACKGROUND_SEED);
    expect(noBox.labels[9 * 12 + 6]).toBe(BACKGROUND_SEED);
    expect(noBox.labels[5 * 12 + 6]).toBe(UNSEEDED);
    expect(noBox.foreground).toBe(3);
    expect(noBox.background).toBe(2 * 12 + 2 * 8 - 3);
  });

  it('rejects malformed boxes and clicks outside the image', () => {
    const image = randomImage(6, 6, 1);
    expect(() => seedMap(image, [], [4, 1, 2, 5])).toThrow(/empty/);
    expect(() => seedMap(image, [], [10, 10, 12, 12])).toThrow(/does not overlap/);
    expect(() => seedMap(image, [], [0.5, 0, 3, 3])).toThrow(/four integers/);
    expect(() => seedMap(image, [{ x: 6, y: 0, positive: true }], undefined)).toThrow(ClicksError);
  });
});
