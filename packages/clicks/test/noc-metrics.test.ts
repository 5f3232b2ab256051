import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClicksError, clicksToReach, iouCurve, iouCurveCsv, iouCurveSvg, meanIouAt, nocMetrics } from '../src/index';

describe('nocMetrics (RITM rules)', () => {
  it('matches a hand-computed case', () => {
    const all = [
      [0.5, 0.86, 0.95], // NoC@85 = 2, NoC@90 = 3
      [0.9], // 1, 1 (stopped early: holds 0.9)
      [0.1, 0.2, 0.3, 0.84], // never: 4, 4 (budget 4) — failures
      [0.2, 0.3, 0.5, 0.91], // reached at the last click: NoC = 4 = budget, RITM counts a failure
    ];
    const m = nocMetrics(all, { maxClicks: 4, seconds: 6 });
    expect(m.perObject).toEqual([
      [2, 3],
      [1, 1],
      [4, 4],
      [4, 4],
    ]);
    expect(m.noc['NoC@85']).toBeCloseTo((2 + 1 + 4 + 4) / 4, 12);
    expect(m.noc['NoC@90']).toBeCloseTo((3 + 1 + 4 + 4) / 4, 12);
    expect(m.nof).toEqual({ 'NoF@85': 2, 'NoF@90': 2 });
    expect(m.clicks).toBe(12);
    expect(m.spc).toBeCloseTo(0.5, 12);
    expect(m.iouCurve[0]).toBeCloseTo((0.5 + 0.9 + 0.1 + 0.2) / 4, 12);
    expect(m.iouCurve[3]).toBeCloseTo((0.95 + 0.9 + 0.84 + 0.91) / 4, 12);
    expect(meanIouAt(m, 2)).toBeCloseTo((0.86 + 0.9 + 0.2 + 0.3) / 4, 12);
  });

  it('ignores IoUs past the budget and counts an empty run as 0 IoU and a failure', () => {
    expect(clicksToReach([0.1, 0.2, 0.99], 0.9, 2)).toBe(2);
    const m = nocMetrics([[], [1]], { maxClicks: 3, thresholds: [0.5] });
    expect(m.perObject).toEqual([[3], [1]]);
    expect(m.nof['NoF@50']).toBe(1);
    expect(m.iouCurve).toEqual([0.5, 0.5, 0.5]);
    expect(m.spc).toBeUndefined();
  });

  it('rejects bad parameters with a typed error', () => {
    expect(() => nocMetrics([[0.5]], { maxClicks: 0 })).toThrow(ClicksError);
    expect(() => nocMetrics([[1.5]])).toThrow(/object 0/);
    expect(() => nocMetrics([[0.5]], { thresholds: [] })).toThrow(ClicksError);
    expect(() => meanIouAt(nocMetrics([[0.5]]), 21)).toThrow(/1\.\.20/);
  });

  it('equals a brute-force recomputation on random IoU tables', () => {
    const table = fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 25 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(table, fc.integer({ min: 1, max: 22 }), fc.double({ min: 0.05, max: 1, noNaN: true }), (all, budget, t) => {
        const m = nocMetrics(all, { maxClicks: budget, thresholds: [t] });
        // Brute force, written independently: pad every run to the budget with its last value.
        const padded = all.map((ious) => {
          const cut = ious.slice(0, budget);
          const last = cut.length ? cut[cut.length - 1]! : 0;
          return Array.from({ length: budget }, (_, k) => (k < cut.length ? cut[k]! : last));
        });
        const nocs = all.map((ious) => {
          const hit = ious.slice(0, budget).findIndex((v) => v >= t);
          return hit < 0 ? budget : hit + 1;
        });
        const key = Object.keys(m.noc)[0]!;
        expect(m.noc[key]).toBeCloseTo(nocs.reduce((a, b) => a + b, 0) / all.length, 10);
        expect(m.nof[key.replace('NoC', 'NoF')]).toBe(nocs.filter((n) => n === budget).length);
        for (let k = 0; k < budget; k++) expect(m.iouCurve[k]).toBeCloseTo(padded.reduce((s, row) => s + row[k]!, 0) / all.length, 10);
      }),
      { seed: 22, numRuns: 300 },
    );
  });

  it('iouCurve is monotone when every run is (hold-last never drops)', () => {
    const curve = iouCurve(
      [
        [0.2, 0.5],
        [0.1, 0.3, 0.6, 0.9],
      ],
      5,
    );
    expect(curve).toEqual([0.15000000000000002, 0.4, 0.55, 0.7, 0.7]);
  });
});

describe('IoU curve output', () => {
  it('writes CSV with one column per series', () => {
    const csv = iouCurveCsv([
      { label: 'a', curve: [0.5, 0.75] },
      { label: 'b,c', curve: [0.25] },
    ]);
    expect(csv).toBe('clicks,a,"b,c"\n1,0.500000,0.250000\n2,0.750000,\n');
  });

  it('draws one polyline per series with escaped labels', () => {
    const svg = iouCurveSvg([
      { label: 'grabcut <xu>', curve: [0.6, 0.8, 0.9] },
      { label: 'davis', curve: [0.5, 0.7, 0.85] },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('grabcut &#60;xu&#62;');
    expect(() => iouCurveSvg([])).toThrow(ClicksError);
  });
});
