import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { decodeLabel, parseList } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfusionMatrix } from '../src/eval/confusion';
import { classNamesFor, evaluate } from '../src/eval/evaluate';
import { DeepLabSegmenter } from '../src/infer/segmenter';
import type { DeepLabResNet } from '../src/model/deeplab';
import { TinyNet, seededValues, tinyForwardRef } from './helpers/tiny-net';
import { writeTinyDataset } from './helpers/dataset';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'objsel-eval-'));
});
afterAll(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

/** IoU per class by brute force over pixel lists. */
function bruteIoU(pred: number[], gt: number[], c: number): number[] {
  return Array.from({ length: c }, (_, k) => {
    let inter = 0;
    let union = 0;
    for (let i = 0; i < gt.length; i++) {
      if (gt[i]! >= c) continue;
      const a = pred[i] === k;
      const b = gt[i] === k;
      if (a && b) inter++;
      if (a || b) union++;
    }
    return union ? inter / union : Number.NaN;
  });
}

describe('ConfusionMatrix', () => {
  it('matches a hand computation, ignoring 255', () => {
    const m = new ConfusionMatrix(3);
    m.add([0, 0, 1, 1, 2, 2], [0, 1, 1, 255, 2, 0]);
    expect(m.toRows()).toEqual([
      [1, 0, 1],
      [1, 1, 0],
      [0, 0, 1],
    ]);
    // class 0: tp 1, union 1 + 1 + 1 = 3; class 1: 1 / 2; class 2: 1 / 2
    expect(m.iou()).toEqual([1 / 3, 1 / 2, 1 / 2]);
    expect(m.meanIoU()).toBeCloseTo((1 / 3 + 1 / 2 + 1 / 2) / 3, 12);
    expect(m.pixelAccuracy()).toBeCloseTo(3 / 5, 12);
  });

  it('leaves classes that never occur out of the mean (streaming_mean_iou)', () => {
    const m = new ConfusionMatrix(4);
    m.add([0, 1], [0, 1]);
    expect(m.iou()[3]).toBeNaN();
    expect(m.meanIoU()).toBe(1);
  });

  it('equals brute-force IoU on random images, accumulated image by image', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom(0, 1, 2, 3, 4, 255)), { minLength: 1, maxLength: 30 }), {
          minLength: 1,
          maxLength: 4,
        }),
        (images) => {
          const m = new ConfusionMatrix(5);
          for (const img of images)
            m.add(
              img.map((p) => p[0]),
              img.map((p) => p[1]),
            );
          const all = images.flat();
          const expected = bruteIoU(
            all.map((p) => p[0]),
            all.map((p) => p[1]),
            5,
          );
          m.iou().forEach((v, k) => {
            Number.isNaN(expected[k]!) ? expect(v).toBeNaN() : expect(v).toBeCloseTo(expected[k]!, 12);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects predictions that are not classes', () => {
    expect(() => new ConfusionMatrix(2).add([2], [0])).toThrow(/not a class/);
  });
});

describe('the segmentation evaluate() uses (DeepLabSegmenter, unfolded for other networks)', () => {
  it('is the argmax of TF1-bilinear-upsampled logits (checked against a float64 reference)', async () => {
    const net = new TinyNet(undefined, 2);
    const h = 9;
    const w = 11;
    const bgr = seededValues(h * w * 3, 5).map((v) => 60 * v);
    const segmenter = DeepLabSegmenter.fromModel(net as unknown as DeepLabResNet, { fold: false });
    const { labels, probabilities: probs } = await segmenter.segmentPreprocessed(bgr, h, w, { probabilities: true });
    segmenter.dispose();
    const p = await net.values();
    const { y, shape } = tinyForwardRef(p, Float64Array.from(bgr), [1, h, w, 3]);
    const [, lh, lw] = shape as [number, number, number];
    let mismatches = 0;
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++) {
        const sy = (r * lh) / h;
        const sx = (c * lw) / w;
        const y0 = Math.floor(sy);
        const x0 = Math.floor(sx);
        const y1 = Math.min(y0 + 1, lh - 1);
        const x1 = Math.min(x0 + 1, lw - 1);
        const fy = sy - y0;
        const fx = sx - x0;
        let best = 0;
        let bestV = -Infinity;
        for (let k = 0; k < 3; k++) {
          const at = (yy: number, xx: number) => y[(yy * lw + xx) * 3 + k]!;
          const v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
          if (v > bestV) {
            bestV = v;
            best = k;
          }
        }
        if (labels[r * w + c] !== best) mismatches++;
        const sum = probs![(r * w + c) * 3]! + probs![(r * w + c) * 3 + 1]! + probs![(r * w + c) * 3 + 2]!;
        expect(sum).toBeCloseTo(1, 5);
      }
    expect(mismatches).toBe(0);
    net.dispose();
  });

  it('runs single- and multi-scale without leaking tensors', async () => {
    const net = new TinyNet(undefined, 3);
    const before = tf.memory().numTensors;
    const bgr = seededValues(16 * 16 * 3, 9).map((v) => 60 * v);
    const segmenter = DeepLabSegmenter.fromModel(net as unknown as DeepLabResNet, { fold: false });
    const single = await segmenter.segmentPreprocessed(bgr, 16, 16);
    const multi = await segmenter.segmentPreprocessed(bgr, 16, 16, { scales: [1, 0.75, 0.5] });
    segmenter.dispose();
    expect(multi.labels.length).toBe(256);
    expect(single.labels.length).toBe(256);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});

describe('evaluate', () => {
  it('computes mIoU over a list, equal to the confusion of the reported predictions; refine gets probabilities', async () => {
    const dir = path.join(root, 'data');
    const list = await writeTinyDataset(dir, 3, 17);
    const entries = parseList(await fsp.readFile(list, 'utf8'), { dataDir: dir });
    const net = new TinyNet(undefined, 4);
    const read = (p: string) => fsp.readFile(p);
    const seen: Array<{ pred: Uint8Array; gt: Uint8Array }> = [];
    const result = await evaluate({
      network: net,
      entries,
      read,
      onImage: async ({ entry, prediction }) => {
        seen.push({ pred: prediction, gt: decodeLabel(await fsp.readFile(entry.label!)).data });
      },
    });
    expect(result.images).toBe(3);
    const all = { pred: seen.flatMap((s) => [...s.pred]), gt: seen.flatMap((s) => [...s.gt]) };
    const iou = bruteIoU(all.pred, all.gt, 3);
    const valid = iou.filter((v) => !Number.isNaN(v));
    expect(result.miou).toBeCloseTo(valid.reduce((a, b) => a + b, 0) / valid.length, 12);
    expect(result.perClassIoU.map((c) => c.name)).toEqual(['background', 'class 1', 'class 2']);
    expect(result.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(3 * 17 * 17 - 3); // one 255 pixel per image

    // A refinement that returns the ground truth gives mIoU 1 and sees normalised probabilities.
    let calls = 0;
    const perfect = await evaluate({
      network: net,
      entries,
      read,
      numSteps: 2,
      refine: async ({ probs, width, height, numLabels }) => {
        calls++;
        expect(probs.length).toBe(width * height * numLabels);
        return seen[calls - 1]!.gt.map((v) => (v === 255 ? 0 : v));
      },
    });
    expect(calls).toBe(2);
    expect(perfect.miou).toBe(1);
    expect(perfect.crf).toBe(true);
    net.dispose();
  });

  it('names VOC classes for 21 classes', () => {
    expect(classNamesFor(21)[15]).toBe('person');
  });
});
