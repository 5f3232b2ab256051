import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, DeepLabSegmenter, DeeplabError, MSC_SCALES, loadBackend, resnetConfig } from '../src/index';

/** TF1 `resize_bilinear` (align_corners=false, half_pixel_centers=false) on HWC data, in float64. */
function bilinear(src: ArrayLike<number>, h: number, w: number, c: number, oh: number, ow: number): Float64Array {
  const out = new Float64Array(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    const sy = (y * h) / oh;
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const dy = sy - y0;
    for (let x = 0; x < ow; x++) {
      const sx = (x * w) / ow;
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w - 1);
      const dx = sx - x0;
      for (let k = 0; k < c; k++) {
        const at = (yy: number, xx: number) => src[(yy * w + xx) * c + k]!;
        const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * dx;
        const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * dx;
        out[(y * ow + x) * c + k] = top + (bottom - top) * dy;
      }
    }
  }
  return out;
}

function softmaxArgmax(logits: Float64Array, n: number, c: number): { probs: Float64Array; labels: Uint8Array } {
  const probs = new Float64Array(n * c);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < c; k++) {
      const v = logits[i * c + k]!;
      if (v > max) {
        max = v;
        labels[i] = k;
      }
    }
    let sum = 0;
    for (let k = 0; k < c; k++) sum += probs[i * c + k] = Math.exp(logits[i * c + k]! - max);
    for (let k = 0; k < c; k++) probs[i * c + k]! /= sum;
  }
  return { probs, labels };
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Share of equal labels, where the reference's top two probabilities are not a near-tie. */
function agreement(labels: Uint8Array, want: { probs: Float64Array; labels: Uint8Array }, c: number): number {
  let same = 0;
  let counted = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Array.from(want.probs.subarray(i * c, (i + 1) * c)).sort((a, b) => b - a);
    if (p[0]! - p[1]! < 1e-4) continue;
    counted++;
    if (labels[i] === want.labels[i]) same++;
  }
  return same / counted;
}

const MEAN = [104.00698793, 116.66876762, 122.67891434];

function photo(h: number, w: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < 3; k++) data[(y * w + x) * 3 + k] = (x * 7 + y * 13 + k * 60 + ((x * y) % 17) * 9) % 256;
  return { width: w, height: h, data };
}

describe.each(['wasm', 'cpu'] as const)('inference on %s', (backend) => {
  let model: DeepLabResNet;

  beforeAll(async () => {
    await loadBackend(backend);
    model = DeepLabResNet.create(resnetConfig(50, { widthMultiplier: 1 / 16, blocks: [1, 1, 2, 1], numClasses: 5 }), { seed: 21 });
  });
  afterAll(() => model.dispose());

  it.each([
    [5, 4, 23, 17],
    [41, 41, 321, 321],
    [63, 42, 500, 334],
    [10, 10, 7, 7],
  ])('tf.image.resizeBilinear(alignCorners=false) is TF1 resize_bilinear: %ix%i → %ix%i', async (h, w, oh, ow) => {
    const x = tf.randomNormal([1, h, w, 3], 0, 1, 'float32', h + w) as tf.Tensor4D;
    const y = tf.image.resizeBilinear(x, [oh, ow], false, false);
    expect(maxAbs((await y.data()) as Float32Array, bilinear((await x.data()) as Float32Array, h, w, 3, oh, ow))).toBeLessThan(1e-4); // float32 source coordinates; half-pixel centres would be ~1e-1 off
    tf.dispose([x, y]);
  });

  it.each([true, false])(
    'single scale (fold %s): upsampled argmax and soft-max of the returned logits, BGR minus the mean, no leaks',
    async (fold) => {
      const [h, w] = [37, 30];
      const image = photo(h, w);
      const before = tf.memory().numTensors;
      const segmenter = DeepLabSegmenter.fromModel(model, { fold });
      const result = await segmenter.segment(image, { probabilities: true, logits: true });
      // The logits are those of the preprocessed image, computed here by hand.
      const bgr = new Float32Array(h * w * 3);
      for (let i = 0; i < h * w; i++) for (let k = 0; k < 3; k++) bgr[i * 3 + k] = image.data[i * 3 + 2 - k]! - MEAN[k]!;
      const x = tf.tensor4d(bgr, [1, h, w, 3]);
      const direct = segmenter.logits(x);
      expect(result.logits!.shape).toEqual([5, 4, 5]);
      expect(maxAbs(result.logits!.data, (await direct.data()) as Float32Array)).toBe(0);
      tf.dispose([x, direct]);
      segmenter.dispose();
      expect(tf.memory().numTensors).toBe(before);

      const want = softmaxArgmax(bilinear(result.logits!.data, 5, 4, 5, h, w), h * w, 5);
      expect(maxAbs(result.probabilities!, want.probs)).toBeLessThan(1e-4);
      expect(agreement(result.labels, want, 5)).toBe(1);
      expect(result.scales).toEqual([1]);
    },
  );

  it('multi-scale (1, 0.75, 0.5): resized inputs, sub-scale logits resized to scale 1, max-fused, as evaluate_msc.py', async () => {
    const [h, w] = [45, 38];
    const image = photo(h, w);
    const segmenter = DeepLabSegmenter.fromModel(model);
    const before = tf.memory().numTensors;
    const result = await segmenter.segment(image, { scales: MSC_SCALES, probabilities: true });
    expect(tf.memory().numTensors).toBe(before);

    const bgr = new Float64Array(h * w * 3);
    for (let i = 0; i < h * w; i++) for (let k = 0; k < 3; k++) bgr[i * 3 + k] = image.data[i * 3 + 2 - k]! - MEAN[k]!;
    const perScale: Array<{ data: Float32Array; h: number; w: number }> = [];
    for (const s of MSC_SCALES) {
      const sh = Math.floor(h * s);
      const sw = Math.floor(w * s);
      const input = tf.tensor4d(Float32Array.from(bilinear(bgr, h, w, 3, sh, sw)), [1, sh, sw, 3]);
      const logits = segmenter.logits(input);
      perScale.push({ data: (await logits.data()) as Float32Array, h: logits.shape[1], w: logits.shape[2] });
      tf.dispose([input, logits]);
    }
    const ref = perScale[0]!;
    expect([ref.h, ref.w]).toEqual([6, 5]);
    const fused = Float64Array.from(ref.data);
    for (const other of perScale.slice(1)) {
      const resized = bilinear(other.data, other.h, other.w, 5, ref.h, ref.w);
      for (let i = 0; i < fused.length; i++) fused[i] = Math.max(fused[i]!, resized[i]!);
    }
    const want = softmaxArgmax(bilinear(fused, ref.h, ref.w, 5, h, w), h * w, 5);
    expect(maxAbs(result.probabilities!, want.probs)).toBeLessThan(1e-4);
    expect(agreement(result.labels, want, 5)).toBe(1);
    // Differs from single scale, so the fusion matters.
    const single = await segmenter.segment(image, { probabilities: true });
    expect(maxAbs(single.probabilities!, result.probabilities!)).toBeGreaterThan(1e-3);
    segmenter.dispose();
  });

  it('rejects wrong inputs and scales with DeeplabError', async () => {
    const segmenter = DeepLabSegmenter.fromModel(model);
    await expect(segmenter.segmentPreprocessed(new Float32Array(10), 3, 3)).rejects.toBeInstanceOf(DeeplabError);
    await expect(segmenter.segment(photo(9, 9), { scales: [1, -1] })).rejects.toThrow(/scale -1/);
    await expect(segmenter.segment(photo(3, 3), { scales: [1, 0.1] })).rejects.toThrow(/shrinks/);
    expect(() => model.forward(tf.zeros([1, 9, 9, 4]) as tf.Tensor4D)).toThrow(/3 channels/);
    segmenter.dispose();
  });
});
