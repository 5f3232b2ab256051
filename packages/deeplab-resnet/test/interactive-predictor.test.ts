import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { buildInteractiveInput, graphCut, type RgbImage } from '@objsel/clicks';
import { crfBinary } from '@objsel/dense-crf';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, loadBackend } from '../src/index';
import {
  InteractiveSegmenter,
  clickMapScale,
  createInteractivePredictor,
  createInteractiveSession,
  interactiveConfig,
  modelSize,
  resizeChannels,
  resizeMask,
  resizeProbability,
  scaleClick,
  selectionOverlay,
  shrinkInput,
  toModelSize,
} from '../src/interactive/index';
import { seededValues } from './helpers/tiny-net';

beforeAll(async () => {
  await loadBackend('wasm');
});

/** A small interactive net (1/16 width, one unit per stage). */
const SMALL = interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, asppRates: [1, 2] });

/** A 30x24 image: a bright rectangle on a dark, noisy background. */
function testImage(): RgbImage {
  const width = 30;
  const height = 24;
  const noise = seededValues(width * height, 3);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const x = i % width;
    const y = Math.floor(i / width);
    const inside = x >= 8 && x < 22 && y >= 6 && y < 18;
    data.fill(Math.round((inside ? 200 : 50) + 20 * noise[i]!), 3 * i, 3 * i + 3);
  }
  return { width, height, data };
}

const CLICKS = [
  { x: 14, y: 11, positive: true },
  { x: 2, y: 3, positive: false },
];

describe('model size (web-select resize)', () => {
  it('modelSize keeps the aspect with longSide on the longer side; clickMapScale is the factor', () => {
    expect(modelSize({ width: 320, height: 240 }, 128)).toEqual({ width: 128, height: 96 });
    expect(modelSize({ width: 100, height: 1 }, 10)).toEqual({ width: 10, height: 1 });
    expect(clickMapScale({ width: 320, height: 240 }, 128)).toBe(0.4);
  });

  it('resizeChannels averages the exact footprint of each output pixel (brute force on the common grid)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        (W, H, w, h) => {
          const data = Float32Array.from({ length: W * H * 2 }, (_, i) => (i * 37) % 11);
          const out = resizeChannels(data, 2, { width: W, height: H }, { width: w, height: h });
          // Each source pixel split into w x h cells: output pixel (x, y) is cells x*W..(x+1)*W-1 by y*H..(y+1)*H-1.
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++)
              for (let c = 0; c < 2; c++) {
                let sum = 0;
                for (let fy = y * H; fy < (y + 1) * H; fy++)
                  for (let fx = x * W; fx < (x + 1) * W; fx++) sum += data[(Math.floor(fy / h) * W + Math.floor(fx / w)) * 2 + c]!;
                if (Math.abs(out[(y * w + x) * 2 + c]! - sum / (W * H)) > 1e-4) return false;
              }
          return true;
        },
      ),
      { numRuns: 60 },
    );
    // Integer ratios: the mean of each block, and nearest neighbour when enlarging.
    const block = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect([...resizeChannels(block, 1, { width: 4, height: 4 }, { width: 2, height: 2 })]).toEqual([3.5, 5.5, 11.5, 13.5]);
    expect([...resizeChannels([1, 2], 1, { width: 2, height: 1 }, { width: 4, height: 1 })]).toEqual([1, 1, 2, 2]);
  });

  it('shrinkInput, resizeMask, scaleClick, toModelSize', () => {
    const raw = Float32Array.from({ length: 4 * 2 * 5 }, (_, i) => i);
    expect(shrinkInput(raw, { width: 4, height: 2 }, { width: 4, height: 2 })).toBe(raw);
    expect(shrinkInput(raw, { width: 4, height: 2 }, { width: 2, height: 1 })).toHaveLength(2 * 5);
    expect([...resizeMask([1, 1, 0, 1, 1, 0, 0, 0], { width: 4, height: 2 }, { width: 2, height: 1 })]).toEqual([1, 0]);
    expect(scaleClick({ x: 9, y: 0, positive: false }, { width: 10, height: 10 }, { width: 5, height: 5 })).toEqual({
      x: 4,
      y: 0,
      positive: false,
    });
    const request = { input: new Float32Array(8 * 6 * 5), width: 8, height: 6, clicks: [{ x: 7, y: 5, positive: true }] };
    expect(toModelSize(request)).toBe(request);
    const small = toModelSize(request, 4);
    expect([small.width, small.height, small.input.length]).toEqual([4, 3, 4 * 3 * 5]);
    expect(small.clicks).toEqual([{ x: 3, y: 2, positive: true }]);
  });
});

describe('createInteractivePredictor', () => {
  it('threshold, graph cut and dense CRF over the network probability; no tensor leaks', async () => {
    const net = DeepLabResNet.create(SMALL, { seed: 21 });
    const segmenter = InteractiveSegmenter.fromModel(net);
    const image = testImage();
    const { width, height } = image;
    const probability = await segmenter.segment(buildInteractiveInput(image, CLICKS), width, height);
    const tensors = tf.memory().numTensors;
    const plain = await createInteractivePredictor(image, segmenter)(CLICKS);
    expect(plain.probability).toEqual(probability);
    expect([...plain.mask]).toEqual(Array.from(probability, (p) => (p >= 0.5 ? 1 : 0)));
    expect(plain.brsSteps).toBe(0);
    expect(plain.brs).toBeUndefined();
    const strict = await createInteractivePredictor(image, segmenter, { threshold: 0.9 })(CLICKS);
    expect([...strict.mask]).toEqual(Array.from(probability, (p) => (p >= 0.9 ? 1 : 0)));
    const cut = await createInteractivePredictor(image, segmenter, { refine: 'graphcut', graphCut: { lambda: 3 } })(CLICKS);
    expect([...cut.mask]).toEqual([...graphCut({ probs: probability, image: image.data, width, height, clicks: CLICKS, lambda: 3 }).mask]);
    const crf = await createInteractivePredictor(image, segmenter, { refine: 'crf', crfPreset: 'dcsp' })(CLICKS);
    expect([...crf.mask]).toEqual([...crfBinary(probability, image, { fixed: CLICKS, preset: 'dcsp' })]);
    expect(crf.mask[11 * width + 14]).toBe(1);
    expect(crf.mask[3 * width + 2]).toBe(0);
    expect(tf.memory().numTensors).toBe(tensors);
    segmenter.dispose();
    net.dispose();
  });

  it('at a model size: the network on the shrunk input and clicks, the probability resized back; f-BRS at the shrunk clicks', async () => {
    const net = DeepLabResNet.create(SMALL, { seed: 22 });
    const segmenter = InteractiveSegmenter.fromModel(net);
    const image = testImage();
    const full = { width: image.width, height: image.height };
    const scale = clickMapScale(full, 15);
    const input = buildInteractiveInput(image, CLICKS, { scale, truncate: 200 });
    const small = toModelSize({ input, ...full, clicks: CLICKS }, 15);
    expect([small.width, small.height]).toEqual([15, 12]);
    const want = await resizeProbability(await segmenter.segment(small.input, small.width, small.height), small, full);
    const options = { clickScale: scale, clickTruncate: 200, modelLongSide: 15 };
    const plain = await createInteractivePredictor(image, segmenter, options)(CLICKS);
    expect(plain.probability).toEqual(want);
    const brs = { steps: 2, earlyStop: false };
    const direct = await segmenter.segmentWithBrs(small.input, small.width, small.height, small.clicks, brs);
    const refined = await createInteractivePredictor(image, segmenter, { ...options, brs })(CLICKS);
    expect(refined.brsSteps).toBe(2);
    expect(refined.brs).toEqual({ steps: 2, satisfied: direct.satisfied });
    const back = await resizeProbability(direct.probability, small, full);
    refined.probability.forEach((v, i) => {
      expect(Math.abs(v - back[i]!)).toBeLessThan(1e-6);
    });
    segmenter.dispose();
    net.dispose();
  });
});

describe('createInteractiveSession', () => {
  it('each click gives the predictor’s mask and probability; undo returns the earlier mask; onProbability sees f-BRS', async () => {
    const net = DeepLabResNet.create(SMALL, { seed: 23 });
    const segmenter = InteractiveSegmenter.fromModel(net);
    const image = testImage();
    const options = { refine: 'crf' as const, brs: { steps: 1, earlyStop: false } };
    const seen: number[] = [];
    const session = createInteractiveSession(segmenter, image, { ...options, onProbability: (r) => seen.push(r.brs?.steps ?? -1) });
    const predict = createInteractivePredictor(image, segmenter, options);
    const first = await session.addClick(CLICKS[0]!);
    expect([...first]).toEqual([...(await predict(CLICKS.slice(0, 1))).mask]);
    const second = await session.addClick(CLICKS[1]!);
    const want = await predict(CLICKS);
    expect([...second]).toEqual([...want.mask]);
    expect(session.probability).toEqual(want.probability);
    expect(seen).toEqual([1, 1]);
    expect(await session.undo()).toBe(first);
    segmenter.dispose();
    net.dispose();
  });
});

describe('selectionOverlay', () => {
  it('tints selected pixels red and draws the clicks', () => {
    const image = { width: 40, height: 40, data: new Uint8Array(40 * 40 * 3).fill(100) };
    const mask = new Uint8Array(40 * 40);
    mask[0] = 1;
    const out = selectionOverlay(image, mask, [{ x: 20, y: 20, positive: true }]);
    expect([...out.subarray(0, 3)]).toEqual([178, 50, 50]);
    expect([...out.subarray(41 * 3, 41 * 3 + 3)]).toEqual([100, 100, 100]);
    expect([...out.subarray((20 * 40 + 20) * 3, (20 * 40 + 20) * 3 + 3)]).toEqual([0, 220, 0]);
    expect(image.data[0]).toBe(100);
  });
});
