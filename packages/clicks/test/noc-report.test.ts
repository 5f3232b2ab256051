/**
 * `nocReport` and `nocRunCost`, the pure functions a NoC run reports with (in one process and
 * merged from shards, `objsel merge noc`): checked against sums written out here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NocInstanceResult, type NocObjectCost, nocReport, nocRunCost } from '../src/index';

const entry: fc.Arbitrary<NocInstanceResult> = fc
  .record({
    id: fc.nat().map((n) => `o${n}`),
    ious: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 0, maxLength: 6 }),
    noc: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })),
    reached: fc.tuple(fc.boolean(), fc.boolean()),
  })
  .map((r) => ({ id: r.id, ious: r.ious, noc: [...r.noc], reached: [...r.reached], clicks: [] }));

const cost = fc.record({
  seconds: fc.double({ min: 0, max: 10, noNaN: true }),
  cpuSeconds: fc.double({ min: 0, max: 10, noNaN: true }),
  clicks: fc.integer({ min: 0, max: 20 }),
  networkSeconds: fc.double({ min: 0, max: 5, noNaN: true }),
  refinementSeconds: fc.double({ min: 0, max: 5, noNaN: true }),
  brsSteps: fc.integer({ min: 0, max: 100 }),
  zoomedClicks: fc.integer({ min: 0, max: 20 }),
});

describe('nocReport / nocRunCost', () => {
  it('mean NoC, failures and the hold-last mean-IoU curve equal sums written out', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 0, maxLength: 12 }), (all: NocInstanceResult[]) => {
        const r = nocReport(all, [0.85, 0.9], 6);
        const n = all.length;
        expect(r.count).toBe(n);
        expect(r.meanNoc['NoC@85']).toBe(n ? all.reduce((s, e) => s + e.noc[0]!, 0) / n : 0);
        expect(r.failures['NoC@90']).toBe(all.filter((e) => !e.reached[1]).length);
        const longest = Math.max(0, ...all.map((e) => e.ious.length));
        expect(r.meanIouPerClick).toHaveLength(longest);
        for (let k = 0; k < longest; k++) {
          const direct = all.reduce((s, e) => s + (e.ious.length ? e.ious[Math.min(k, e.ious.length - 1)]! : 0), 0) / n;
          expect(r.meanIouPerClick[k]).toBeCloseTo(direct, 12);
        }
      }),
    );
  });

  it('costs are summed; SPC and its parts are per click, the rest never negative', () => {
    fc.assert(
      fc.property(fc.array(cost, { maxLength: 10 }), (costs: NocObjectCost[]) => {
        const c = nocRunCost(costs);
        const clicks = costs.reduce((s, x) => s + x.clicks, 0);
        const seconds = costs.reduce((s, x) => s + x.seconds, 0);
        const network = costs.reduce((s, x) => s + x.networkSeconds, 0);
        const refinement = costs.reduce((s, x) => s + x.refinementSeconds, 0);
        expect(c.seconds).toBeCloseTo(seconds, 9);
        expect(c.zoomedClicks).toBe(costs.reduce((s, x) => s + x.zoomedClicks, 0));
        expect(c.spc.total).toBeCloseTo(clicks ? seconds / clicks : 0, 9);
        expect(c.spc.network).toBeCloseTo(clicks ? network / clicks : 0, 9);
        expect(c.spc.other).toBeCloseTo(clicks ? Math.max(0, seconds - network - refinement) / clicks : 0, 9);
        expect(c.meanBrsSteps).toBeCloseTo(clicks ? costs.reduce((s, x) => s + x.brsSteps, 0) / clicks : 0, 9);
      }),
    );
  });
});
