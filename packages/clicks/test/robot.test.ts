import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClicksError, evaluateNoc, maskIou, nextClick, nocKey, runRobot, type Click } from '../src/index';
import { bruteSquaredDistance } from './brute';

const pairArb = fc
  .record({
    width: fc.integer({ min: 1, max: 16 }),
    height: fc.integer({ min: 1, max: 16 }),
    pg: fc.constantFrom(0.1, 0.5, 0.9),
    pp: fc.constantFrom(0, 0.2, 0.5, 0.9),
  })
  .chain(({ width, height, pg, pp }) =>
    fc.record({
      width: fc.constant(width),
      height: fc.constant(height),
      gt: fc
        .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: width * height, maxLength: width * height })
        .map((r) => Uint8Array.from(r, (u) => (u < pg ? 1 : 0))),
      pred: fc
        .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: width * height, maxLength: width * height })
        .map((r) => Uint8Array.from(r, (u) => (u < pp ? 1 : 0))),
    }),
  );

describe('nextClick (RITM protocol)', () => {
  it('clicks the first error pixel of maximal distance to correct pixels and the border', () => {
    fc.assert(
      fc.property(pairArb, ({ width, height, gt, pred }) => {
        const error = (i: number): boolean => gt[i] !== pred[i];
        const dist = bruteSquaredDistance(width, height, (i) => !error(i), true);
        let best = -1;
        for (let i = 0; i < gt.length; i++) if (error(i) && (best < 0 || dist[i]! > dist[best]!)) best = i;
        const click = nextClick(gt, pred, width, height);
        if (best < 0) expect(click).toBeNull();
        else expect(click).toEqual({ x: best % width, y: Math.floor(best / width), positive: gt[best] === 1 });
      }),
    );
  });

  it("'separate' regions follow RITM: larger of the missed / false maxima, ties negative", () => {
    fc.assert(
      fc.property(pairArb, ({ width, height, gt, pred }) => {
        const fn = bruteSquaredDistance(width, height, (i) => !(gt[i] && !pred[i]), true);
        const fp = bruteSquaredDistance(width, height, (i) => !(!gt[i] && pred[i]), true);
        let bn = -1;
        let bp = -1;
        for (let i = 0; i < gt.length; i++) {
          if (gt[i] && !pred[i] && (bn < 0 || fn[i]! > fn[bn]!)) bn = i;
          if (!gt[i] && pred[i] && (bp < 0 || fp[i]! > fp[bp]!)) bp = i;
        }
        const pick = bn >= 0 && (bp < 0 || fn[bn]! > fp[bp]!) ? bn : bp;
        const click = nextClick(gt, pred, width, height, { regions: 'separate' });
        if (pick < 0) expect(click).toBeNull();
        else expect(click).toEqual({ x: pick % width, y: Math.floor(pick / width), positive: gt[pick] === 1 });
      }),
    );
  });

  it('an error confined to a small box (the robot transforms only that box) gives the brute-force click, both modes, with void', () => {
    const boxed = pairArb.chain(({ width, height, gt, pred }) =>
      fc.record({
        width: fc.constant(width),
        height: fc.constant(height),
        gt: fc.constant(gt),
        pred: fc.constant(pred),
        x0: fc.integer({ min: 0, max: width - 1 }),
        y0: fc.integer({ min: 0, max: height - 1 }),
        w: fc.integer({ min: 1, max: 6 }),
        h: fc.integer({ min: 1, max: 6 }),
        ignoreEvery: fc.integer({ min: 2, max: 9 }),
      }),
    );
    fc.assert(
      fc.property(boxed, ({ width, height, gt, pred, x0, y0, w, h, ignoreEvery }) => {
        // The prediction is right except inside the box.
        const p = Uint8Array.from(gt, (g, i) => {
          const x = i % width;
          const y = Math.floor(i / width);
          return x >= x0 && x < x0 + w && y >= y0 && y < y0 + h ? pred[i]! : g;
        });
        const ignore = Uint8Array.from(gt, (_, i) => (i % ignoreEvery === 0 ? 1 : 0));
        const error = (i: number): boolean => !ignore[i] && gt[i] !== p[i];
        const dist = bruteSquaredDistance(width, height, (i) => !error(i), true);
        let best = -1;
        for (let i = 0; i < gt.length; i++) if (error(i) && (best < 0 || dist[i]! > dist[best]!)) best = i;
        const click = nextClick(gt, p, width, height, { ignore });
        if (best < 0) expect(click).toBeNull();
        else expect(click).toEqual({ x: best % width, y: Math.floor(best / width), positive: gt[best] === 1 });
        const fn = bruteSquaredDistance(width, height, (i) => !(error(i) && gt[i]), true);
        const fp = bruteSquaredDistance(width, height, (i) => !(error(i) && !gt[i]), true);
        let bn = -1;
        let bp = -1;
        for (let i = 0; i < gt.length; i++) {
          if (error(i) && gt[i] && (bn < 0 || fn[i]! > fn[bn]!)) bn = i;
          if (error(i) && !gt[i] && (bp < 0 || fp[i]! > fp[bp]!)) bp = i;
        }
        const pick = bn >= 0 && (bp < 0 || fn[bn]! > fp[bp]!) ? bn : bp;
        const separate = nextClick(gt, p, width, height, { ignore, regions: 'separate' });
        if (pick < 0) expect(separate).toBeNull();
        else expect(separate).toEqual({ x: pick % width, y: Math.floor(pick / width), positive: gt[pick] === 1 });
      }),
    );
  });

  it('with an empty prediction clicks the deepest interior point of the object', () => {
    // A 7x7 square at (3..9, 1..7) in 14x10: its centre (6, 4) is the one deepest pixel.
    const width = 14;
    const height = 10;
    const gt = new Uint8Array(width * height);
    for (let y = 1; y < 8; y++) for (let x = 3; x < 10; x++) gt[y * width + x] = 1;
    expect(nextClick(gt, new Uint8Array(gt.length), width, height)).toEqual({ x: 6, y: 4, positive: true });
    // A 9x7 rectangle: depth 4 on (5..7, 4); ties go to the first in row-major order.
    for (let y = 1; y < 8; y++) gt[y * width + 2] = gt[y * width + 10] = 1;
    expect(nextClick(gt, new Uint8Array(gt.length), width, height)).toEqual({ x: 5, y: 4, positive: true });
    // Touching the image border: the frame counts as "correct", so the click moves inwards
    // (without the frame, column 0 would be 3 away from the object's edge at x = 3).
    const edge = new Uint8Array(25);
    for (let i = 0; i < 25; i++) if (i % 5 < 3) edge[i] = 1;
    expect(nextClick(edge, new Uint8Array(25), 5, 5)).toEqual({ x: 1, y: 1, positive: true });
  });

  it('places a negative click in a false-positive blob, and ignores void pixels', () => {
    const width = 10;
    const height = 10;
    const gt = new Uint8Array(100);
    const pred = new Uint8Array(100);
    for (let y = 4; y < 9; y++) for (let x = 4; x < 9; x++) pred[y * width + x] = 1;
    expect(nextClick(gt, pred, width, height)).toEqual({ x: 6, y: 6, positive: false });
    const ignore = pred.slice();
    expect(nextClick(gt, pred, width, height, { ignore })).toBeNull();
  });

  it('maskIou is |A and B| / |A or B|', () => {
    expect(maskIou(Uint8Array.from([1, 1, 0, 0]), Uint8Array.from([1, 0, 1, 0]))).toBeCloseTo(1 / 3, 12);
    expect(maskIou(new Uint8Array(3), new Uint8Array(3))).toBe(1);
    expect(maskIou(Uint8Array.from([1, 1, 0]), Uint8Array.from([1, 0, 1]), Uint8Array.from([0, 0, 1]))).toBe(0.5);
  });
});

/** A 20x20 square object in a 32x32 image and predictions that grow with the click count. */
function growingScene(): { width: number; height: number; gt: Uint8Array; predictionAfter: (clicks: number) => Uint8Array } {
  const width = 32;
  const height = 32;
  const gt = new Uint8Array(width * height);
  for (let y = 6; y < 26; y++) for (let x = 6; x < 26; x++) gt[y * width + x] = 1;
  // After k clicks, the prediction covers the first rows of the object: IoU = rows / 20.
  const rowsAfter = [0, 8, 12, 17, 18, 19];
  const predictionAfter = (k: number): Uint8Array => {
    const rows = rowsAfter[Math.min(k, rowsAfter.length - 1)]!;
    const pred = new Uint8Array(width * height);
    for (let y = 6; y < 6 + rows; y++) for (let x = 6; x < 26; x++) pred[y * width + x] = 1;
    return pred;
  };
  return { width, height, gt, predictionAfter };
}

describe('runRobot / evaluateNoc', () => {
  it('counts clicks to each IoU threshold on a constructed prediction sequence', async () => {
    const { width, height, gt, predictionAfter } = growingScene();
    const seen: Click[][] = [];
    const run = await runRobot(gt, width, height, (clicks) => {
      seen.push([...clicks]);
      return predictionAfter(clicks.length);
    });
    // IoU: 0.4, 0.6, 0.85, 0.9 -> NoC@85 = 3, NoC@90 = 4, then stop.
    expect(run.ious).toEqual([0.4, 0.6, 0.85, 0.9]);
    expect(run.noc).toEqual([3, 4]);
    expect(run.reached).toEqual([true, true]);
    expect(run.clicks).toHaveLength(4);
    // Each click is where nextClick puts it given the previous prediction; the first is the centre.
    expect(run.clicks[0]).toEqual(nextClick(gt, new Uint8Array(gt.length), width, height));
    for (let k = 1; k < run.clicks.length; k++) expect(run.clicks[k]).toEqual(nextClick(gt, predictionAfter(k), width, height));
    expect(seen.map((c) => c.length)).toEqual([1, 2, 3, 4]);
  });

  it('counts a failure as the click budget and can record the full IoU curve', async () => {
    const { width, height, gt, predictionAfter } = growingScene();
    const capped = await runRobot(gt, width, height, (clicks) => predictionAfter(Math.min(clicks.length, 2)), { maxClicks: 5 });
    expect(capped.ious).toEqual([0.4, 0.6, 0.6, 0.6, 0.6]);
    expect(capped.noc).toEqual([5, 5]);
    expect(capped.reached).toEqual([false, false]);
    const full = await runRobot(gt, width, height, async (clicks) => predictionAfter(clicks.length), {
      maxClicks: 7,
      fullCurve: true,
      iouThresholds: [0.5],
    });
    expect(full.ious).toEqual([0.4, 0.6, 0.85, 0.9, 0.95, 0.95, 0.95]);
    expect(full.noc).toEqual([2]);
  });

  it('averages NoC over instances, with failures as 20', async () => {
    const { width, height, gt, predictionAfter } = growingScene();
    const perfect = gt.slice();
    const instances = [
      { id: 'grow', gt, width, height },
      { id: 'perfect', gt, width, height },
      { id: 'never', gt, width, height },
    ];
    const progress: number[] = [];
    const report = await evaluateNoc(
      instances,
      (instance, clicks) =>
        instance.id === 'grow' ? predictionAfter(clicks.length) : instance.id === 'perfect' ? perfect : predictionAfter(1),
      { onProgress: (e) => progress.push(e.done) },
    );
    expect(report.count).toBe(3);
    expect(report.meanNoc).toEqual({ 'NoC@85': (3 + 1 + 20) / 3, 'NoC@90': (4 + 1 + 20) / 3 });
    expect(report.failures).toEqual({ 'NoC@85': 1, 'NoC@90': 1 });
    expect(report.instances.map((r) => r.noc)).toEqual([
      [3, 4],
      [1, 1],
      [20, 20],
    ]);
    expect(report.meanIouPerClick[0]).toBeCloseTo((0.4 + 1 + 0.4) / 3, 12);
    expect(report.meanIouPerClick[19]).toBeCloseTo((0.9 + 1 + 0.4) / 3, 12);
    expect(progress).toEqual([1, 2, 3]);
    expect(nocKey(0.875)).toBe('NoC@87.5');
  });

  it('rejects an empty ground truth and a prediction of the wrong size', async () => {
    await expect(runRobot(new Uint8Array(4), 2, 2, () => new Uint8Array(4))).rejects.toThrow(ClicksError);
    const { width, height, gt } = growingScene();
    await expect(runRobot(gt, width, height, () => new Uint8Array(3))).rejects.toThrow(/prediction/);
  });
});
