import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DcspError,
  adaptCues,
  attentionCues,
  fuseCues,
  harmonicMean,
  labelsFromCues,
  maskByTags,
  maxFuse,
  normalizePerClass,
  presentClasses,
  tagMask,
} from '../src/index';

const C = 20;

/** HWC attention with every channel 0 except the given per-class maps. */
function attentionOf(width: number, height: number, maps: Record<number, number[]>): Float32Array {
  const a = new Float32Array(width * height * C);
  for (const [cls, values] of Object.entries(maps)) for (let i = 0; i < width * height; i++) a[i * C + Number(cls) - 1] = values[i]!;
  return a;
}

describe('tags', () => {
  it('sorts and de-duplicates present classes, rejects non-object classes', () => {
    expect(presentClasses([15, 3, 15])).toEqual([3, 15]);
    expect(() => presentClasses([0])).toThrow(DcspError);
    expect(() => presentClasses([21])).toThrow(/1\.\.20/);
    expect(() => presentClasses([2.5])).toThrow(DcspError);
  });

  it('builds the tag mask with background', () => {
    const w = tagMask([3, 15]);
    expect(w.length).toBe(21);
    expect([...w].map((v, i) => (v ? i : -1)).filter((i) => i >= 0)).toEqual([0, 3, 15]);
  });
});

describe('per-class min-max normalisation', () => {
  it('maps each channel to (x - min + 1e-12) / max(x - min + 1e-12)', () => {
    // 2 pixels, 2 channels: channel 0 = [2, 6], channel 1 = [-3, -1].
    const out = normalizePerClass(new Float32Array([2, -3, 6, -1]), 2, 1, 2);
    expect(out[0]).toBeCloseTo(1e-12 / (4 + 1e-12), 20);
    expect(out[2]).toBe(1);
    expect(out[1]).toBeCloseTo(1e-12 / 2, 20);
    expect(out[3]).toBe(1);
    expect(out[0]).toBeGreaterThan(0); // the +1e-12 keeps the minimum off zero
  });

  it('turns a constant channel into ones and keeps channels independent', () => {
    const out = normalizePerClass(new Float32Array([5, 0, 5, 10, 5, 20]), 3, 1, 2);
    expect([out[0], out[2], out[4]]).toEqual([1, 1, 1]);
    expect(out[3]).toBeCloseTo(0.5, 6);
  });

  it('rejects a wrong length', () => {
    expect(() => normalizePerClass(new Float32Array(5), 2, 1, 2)).toThrow(DcspError);
  });
});

describe('tag masking', () => {
  it('zeroes absent classes and keeps present ones', () => {
    const a = new Float32Array(2 * C).fill(0.7);
    const m = maskByTags(a, [2, 20], 2);
    for (let i = 0; i < 2; i++) for (let c = 0; c < C; c++) expect(m[i * C + c]).toBeCloseTo(c === 1 || c === 19 ? 0.7 : 0, 6);
  });

  it('attentionCues keeps only present channels, normalised, ascending', () => {
    const a = attentionOf(3, 1, { 7: [0, 1, 2], 4: [4, 2, 0], 9: [9, 9, 9] });
    const cues = attentionCues({ attention: a, tags: [7, 4], width: 3, height: 1 });
    expect(cues.classes).toEqual([4, 7]);
    expect(cues.actv.length).toBe(6);
    expect(cues.actv[0]).toBe(1); // class 4 at pixel 0
    expect(cues.actv[2]).toBeCloseTo(0.5, 6); // class 4 at pixel 1
    expect(cues.actv[5]).toBe(1); // class 7 at pixel 2
    expect(cues.actv[3]).toBeCloseTo(0.5, 6); // class 7 at pixel 1
  });
});

describe('harmonic-mean fusion', () => {
  it('computes 2/(1/(a+eps)+1/(s+eps))', () => {
    expect(harmonicMean(0.5, 0.5)).toBeCloseTo(0.5, 10);
    expect(harmonicMean(1, 0.25)).toBeCloseTo(0.4, 10);
    expect(harmonicMean(0, 1)).toBeCloseTo(2e-12, 20);
    expect(harmonicMean(0.6, 0.3)).toBeCloseTo(0.4, 10);
  });

  it('labels the class with the best harmonic mean, not the best attention', () => {
    // Pixel 0: class 2 has attention 1 with saliency 0.5 -> HM 0.667; class 5 attention 0.8 -> 0.615.
    const cues = { actv: new Float32Array([1, 0.8]), classes: [2, 5], width: 1, height: 1 };
    expect([...labelsFromCues(cues, new Float32Array([0.5]))]).toEqual([2]);
    // Same attention, but it is the saliency that drives both below 0.4: background.
    expect([...labelsFromCues(cues, new Float32Array([0.2]))]).toEqual([0]);
  });

  it('breaks ties to the lowest class id', () => {
    const cues = { actv: new Float32Array([0.9, 0.9]), classes: [3, 15], width: 1, height: 1 };
    expect([...labelsFromCues(cues, new Float32Array([0.9]))]).toEqual([3]);
  });
});

describe('the 0.4 background threshold', () => {
  it('is background strictly below 0.4 and the class at 0.4 and above', () => {
    // HM(1, s) = 2s/(1+s) (up to 1e-12): s = 0.25 gives exactly 0.4.
    const s = new Float32Array([0.2, 0.25, 0.3]);
    const cues = { actv: new Float32Array([1, 1, 1]), classes: [8], width: 3, height: 1 };
    const hm = [...s].map((v) => harmonicMean(1, v));
    const labels = labelsFromCues(cues, s);
    for (let i = 0; i < 3; i++) expect(labels[i]).toBe(hm[i]! < 0.4 ? 0 : 8);
    expect(labels[0]).toBe(0);
    expect(labels[2]).toBe(8);
  });

  it('honours another threshold', () => {
    const cues = { actv: new Float32Array([1]), classes: [8], width: 1, height: 1 };
    expect(labelsFromCues(cues, new Float32Array([0.5]), 0.7)[0]).toBe(0);
    expect(labelsFromCues(cues, new Float32Array([0.5]), 0.6)[0]).toBe(8);
  });

  it('gives all background when the image has no tags', () => {
    const labels = fuseCues({
      attention: new Float32Array(4 * C).fill(1),
      saliency: new Float32Array(4).fill(1),
      tags: [],
      width: 2,
      height: 2,
    });
    expect([...labels]).toEqual([0, 0, 0, 0]);
  });
});

describe('fuseCues end to end on a constructed image', () => {
  it('separates two objects and the background', () => {
    // 4x1: class 3 peaks left, class 15 peaks right; class 9 (absent) is strongest everywhere.
    const a = attentionOf(4, 1, { 3: [10, 8, 0, 0], 15: [0, 0, 6, 12], 9: [100, 100, 100, 100] });
    const sal = new Float32Array([1, 0.9, 0.9, 0.1]);
    const labels = fuseCues({ attention: a, saliency: sal, tags: [15, 3], width: 4, height: 1 });
    expect([...labels]).toEqual([3, 3, 15, 0]);
  });

  it('rejects bad shapes, non-finite attention and saliency outside [0,1]', () => {
    const a = new Float32Array(2 * C);
    expect(() => fuseCues({ attention: a, saliency: new Float32Array(3), tags: [1], width: 2, height: 1 })).toThrow(DcspError);
    expect(() => fuseCues({ attention: new Float32Array(5), saliency: new Float32Array(2), tags: [1], width: 2, height: 1 })).toThrow(
      DcspError,
    );
    expect(() => fuseCues({ attention: a, saliency: new Float32Array([0, 1.5]), tags: [1], width: 2, height: 1 })).toThrow(/outside/);
    const nan = new Float32Array(2 * C);
    nan[3] = Number.NaN;
    expect(() => fuseCues({ attention: nan, saliency: new Float32Array(2), tags: [1], width: 2, height: 1 })).toThrow(/finite/);
    expect(() => fuseCues({ attention: a, saliency: new Float32Array(2), tags: [0], width: 2, height: 1 })).toThrow(DcspError);
  });
});

describe('multi-scale max fusion', () => {
  it('takes the element-wise maximum of same-size maps', () => {
    const out = maxFuse([new Float32Array([1, -5, 3]), new Float32Array([0, -2, 7]), new Float32Array([2, -9, -1])]);
    expect([...out]).toEqual([2, -2, 7]);
  });

  it('rejects mismatched or missing maps', () => {
    expect(() => maxFuse([])).toThrow(DcspError);
    expect(() => maxFuse([new Float32Array(2), new Float32Array(3)])).toThrow(DcspError);
  });
});

describe('adaptation', () => {
  it('multiplies logits by the tag mask with background, then argmax (DCSP)', () => {
    const K = 21;
    const logits = new Float32Array(3 * K);
    // Pixel 0: absent class 9 has the largest logit, present class 3 the next: class 3 wins.
    logits[0 * K + 9] = 9;
    logits[0 * K + 3] = 5;
    logits[0 * K + 0] = 1;
    // Pixel 1: background wins.
    logits[1 * K + 0] = 4;
    logits[1 * K + 3] = 2;
    // Pixel 2: every present logit negative -> absent classes score 0 and class 1 (lowest) wins.
    for (let c = 0; c < K; c++) logits[2 * K + c] = c === 0 || c === 3 ? -1 : 7;
    expect([...adaptCues({ logits, tags: [3], width: 3, height: 1 })]).toEqual([3, 0, 1]);
    expect([...adaptCues({ logits, tags: [3], width: 3, height: 1, masking: 'restrict' })]).toEqual([3, 0, 0]);
  });
});

// ---------------------------------------------------------------------------------------------
// An independent re-implementation, written the way DCSP's numpy code is (full 21-channel
// label volume, np.equal(hm, max) * hm, bg probability channel, np.argmax), in float64.

function referenceCues(
  attention: Float32Array,
  saliency: Float32Array,
  tags: number[],
  w: number,
  h: number,
  threshold: number,
): { labels: Uint8Array; margin: Float64Array } {
  const n = w * h;
  const eps = 1e-12;
  const catg = [...new Set(tags)].sort((a, b) => a - b);
  // get_localization: normalise all 20 channels, mask, keep the present ones.
  const channel = (c: number) => Array.from({ length: n }, (_, i) => attention[i * 20 + c]!);
  const actv: number[][] = catg.map((cls) => {
    const v = channel(cls - 1);
    const mn = v.reduce((a, b) => Math.min(a, b));
    const shifted = v.map((x) => x - mn + eps);
    const mx = shifted.reduce((a, b) => Math.max(a, b));
    return shifted.map((x) => x / mx);
  });
  const out = new Uint8Array(n);
  const margin = new Float64Array(n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    const s = saliency[i]!;
    const hm = actv.map((ch) => 2 / (1 / (ch[i]! + eps) + 1 / (s + eps)));
    const maxs = hm.length ? Math.max(...hm) : -Infinity;
    // How close this pixel's decision is to the threshold or to a tie between two classes.
    if (hm.length) margin[i] = Math.min(Math.abs(maxs - threshold), ...hm.filter((_v, j) => hm.indexOf(maxs) !== j).map((v) => maxs - v));
    const finalLabel = new Array<number>(21).fill(0);
    finalLabel[0] = maxs < threshold ? 1 : 0;
    catg.forEach((cls, j) => {
      finalLabel[cls] = hm[j] === maxs ? hm[j]! : 0;
    });
    out[i] = finalLabel.indexOf(Math.max(...finalLabel));
  }
  return { labels: out, margin };
}

describe('the cue rule against an independent re-implementation', () => {
  it('agrees on random attention, saliency and tags', () => {
    const arb = fc
      .record({
        w: fc.integer({ min: 1, max: 7 }),
        h: fc.integer({ min: 1, max: 7 }),
        seed: fc.integer(),
        threshold: fc.constantFrom(0.4, 0.2, 0.6),
      })
      .chain(({ w, h, seed, threshold }) =>
        fc.record({
          w: fc.constant(w),
          h: fc.constant(h),
          seed: fc.constant(seed),
          threshold: fc.constant(threshold),
          attention: fc.array(fc.float({ min: -20, max: 20, noNaN: true }), { minLength: w * h * 20, maxLength: w * h * 20 }),
          saliency: fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: w * h, maxLength: w * h }),
          tags: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 0, maxLength: 5 }),
        }),
      );
    fc.assert(
      fc.property(arb, ({ w, h, attention, saliency, tags, threshold }) => {
        const a = new Float32Array(attention);
        const s = new Float32Array(saliency);
        const got = fuseCues({ attention: a, saliency: s, tags, width: w, height: h, threshold });
        const want = referenceCues(a, s, tags, w, h, threshold);
        // The only allowed differences: the implementation normalises in float32 (as TF did),
        // the reference in float64, which can flip a pixel whose best score is within 1e-6 of
        // the threshold or of the runner-up.
        for (let i = 0; i < w * h; i++) if (got[i] !== want.labels[i] && !(want.margin[i]! < 1e-6)) return false;
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it('adaptation agrees with a direct per-pixel formula', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 4 }),
        fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 6 * 21, maxLength: 6 * 21 }),
        (n, tags, values) => {
          const logits = new Float32Array(values.slice(0, n * 21));
          const got = adaptCues({ logits, tags, width: n, height: 1 });
          for (let i = 0; i < n; i++) {
            const masked = Array.from({ length: 21 }, (_, c) => logits[i * 21 + c]! * (c === 0 || tags.includes(c) ? 1 : 0));
            if (got[i] !== masked.indexOf(Math.max(...masked))) return false;
          }
          return true;
        },
      ),
    );
  });
});
