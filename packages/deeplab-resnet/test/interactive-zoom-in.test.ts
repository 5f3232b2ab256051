import * as tf from '@tensorflow/tfjs-core';
import { buildInteractiveInput, cropChannels, objectRoi, pasteCrop, zoomCropSize, type Click, type RgbImage } from '@objsel/clicks';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, loadBackend } from '../src/index';
import {
  InteractiveSegmenter,
  createInteractivePredictor,
  interactiveConfig,
  type InteractiveProbabilityModel,
} from '../src/interactive/index';

beforeAll(async () => {
  await loadBackend('wasm');
});

/** 60x40, a bright square at columns 20..34, rows 10..24. */
function squareImage(): RgbImage {
  const width = 60;
  const height = 40;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const x = i % width;
    const y = Math.floor(i / width);
    data.fill(x >= 20 && x < 35 && y >= 10 && y < 25 ? 220 : 30, 3 * i, 3 * i + 3);
  }
  return { width, height, data };
}

/** A stand-in network: object where the red channel is bright; records what it was given. */
function brightModel(): InteractiveProbabilityModel & { calls: { width: number; height: number; input: Float32Array }[] } {
  const calls: { width: number; height: number; input: Float32Array }[] = [];
  return {
    calls,
    async segment(raw, width, height) {
      calls.push({ width, height, input: Float32Array.from(raw) });
      const out = new Float32Array(width * height);
      for (let i = 0; i < out.length; i++) out[i] = raw[i * 5]! > 128 ? 0.9 : 0.1;
      return out;
    },
    dispose() {},
  };
}

const CLICKS: Click[] = [
  { x: 27, y: 17, positive: true },
  { x: 5, y: 5, positive: false },
  { x: 21, y: 11, positive: true },
];
const ZOOM = { targetSize: 32, minCropSize: 8 };

describe('createInteractivePredictor with zoomIn (RITM ZoomIn)', () => {
  it('sees the whole image at the first click, then the crop around the previous probability, pasted back with 0 outside', async () => {
    const image = squareImage();
    const { width, height } = image;
    const model = brightModel();
    const predict = createInteractivePredictor(image, model, { zoomIn: ZOOM });
    const first = await predict(CLICKS.slice(0, 1));
    expect(first.zoomRoi).toBeUndefined();
    expect([model.calls[0]!.width, model.calls[0]!.height]).toEqual([width, height]);
    expect(first.seconds.network).toBeGreaterThanOrEqual(0);
    expect(first.seconds.refinement).toBeGreaterThanOrEqual(0);

    const second = await predict(CLICKS.slice(0, 2));
    // Independent: the box of the first mask (probability >= 0.5) with the positive click, expanded 1.4x.
    const roi = objectRoi(
      Uint8Array.from(first.probability, (p) => (p >= 0.5 ? 1 : 0)),
      width,
      height,
      CLICKS.slice(0, 2),
      { expansionRatio: 1.4, minCropSize: 8 },
    )!;
    // Square 20..34 x 10..24 (15 px) -> 21 px about 27 / 17: 16.5 -> 16, 37.5 -> 38.
    expect(roi).toEqual({ top: 6, bottom: 28, left: 16, right: 38 });
    expect(second.zoomRoi).toEqual(roi);
    const crop = zoomCropSize(roi, 32);
    const call = model.calls[1]!;
    expect([call.width, call.height]).toEqual([crop.width, crop.height]);
    // The network's input: the full-size input (distances in crop pixels) cut to the box and resized.
    const zoom = crop.width / (roi.right - roi.left + 1);
    const expectedInput = cropChannels(buildInteractiveInput(image, CLICKS.slice(0, 2), { scale: zoom }), 5, { width, height }, roi, crop);
    expect(call.input).toEqual(expectedInput);
    const cropProbability = Float32Array.from({ length: crop.width * crop.height }, (_, i) => (expectedInput[i * 5]! > 128 ? 0.9 : 0.1));
    expect(second.probability).toEqual(pasteCrop(cropProbability, crop, roi, { width, height }, 0));
    expect(second.probability[0]).toBe(0); // outside the box
    // The mask: the pasted probability thresholded.
    expect([...second.mask]).toEqual(Array.from(second.probability, (p) => (p >= 0.5 ? 1 : 0)));

    // A third click inside the kept box with a similar prediction: the box is kept.
    const third = await predict(CLICKS);
    expect(third.zoomRoi).toEqual(roi);
  });

  it('runs the real network on the crop without leaking tensors, f-BRS at the crop clicks', async () => {
    const net = DeepLabResNet.create(interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, asppRates: [1, 2] }), {
      seed: 5,
    });
    const segmenter = InteractiveSegmenter.fromModel(net);
    const image = squareImage();
    const tensors = tf.memory().numTensors;
    // A previous mask is needed to zoom: graph cut keeps the positive click's pixel selected.
    const predict = createInteractivePredictor(image, segmenter, {
      refine: 'graphcut',
      zoomIn: ZOOM,
      brs: { steps: 2, learningRate: 0.01 },
    });
    await predict(CLICKS.slice(0, 1));
    const zoomed = await predict(CLICKS.slice(0, 2));
    expect(zoomed.zoomRoi).toBeDefined();
    expect(zoomed.probability).toHaveLength(image.width * image.height);
    expect(zoomed.brs).toBeDefined();
    expect(tf.memory().numTensors).toBe(tensors);
    segmenter.dispose();
    net.dispose();
  });
});
