/**
 * The computation compared across backends: a seeded ResNet-101-layout network at 1/16 width
 * with random BatchNorm statistics, on a fixed 65x49 input: the training graph's logits, the
 * folded inference logits, and multi-scale soft-max probabilities. Async reads only (WebGPU).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DeepLabResNet, DeepLabSegmenter, MSC_SCALES, resnetConfig } from '../../src/index';
import { randomiseStatistics, rng } from '../reference/deeplab-reference';

export interface CrossBackendOutputs {
  forward: number[];
  folded: number[];
  probabilities: number[];
}

export async function crossBackendOutputs(): Promise<CrossBackendOutputs> {
  const random = DeepLabResNet.create(resnetConfig(101, { widthMultiplier: 1 / 16, numClasses: 4 }), { seed: 31 });
  // Random BN statistics let activations grow to ~3e7 by fc1_voc12; scaling the ASPP weights
  // brings the logits to O(1), so the soft-max probabilities are not all 0 or 1.
  const entries = randomiseStatistics(await random.toWeightEntries(), 32).map((e) =>
    /^fc1_voc12_c\d+\/weights$/.test(e.name) ? { ...e, data: e.data.map((v) => v * 1e-7) } : e,
  );
  const meta = random.meta();
  random.dispose();
  const model = DeepLabResNet.fromWeights(entries, meta);
  const [h, w] = [65, 49];
  const r = rng(33);
  const image = { width: w, height: h, data: Uint8Array.from({ length: h * w * 3 }, () => Math.floor(r() * 256)) };
  const input = new Float32Array(h * w * 3).map((_, i) => image.data[i]! - 110);
  const x = tf.tensor4d(input, [1, h, w, 3]);
  const { logits } = model.forward(x);
  const forward = Array.from((await logits.data()) as Float32Array);
  const segmenter = DeepLabSegmenter.fromModel(model);
  const foldedLogits = segmenter.logits(x);
  const folded = Array.from((await foldedLogits.data()) as Float32Array);
  const { probabilities } = await segmenter.segment(image, { scales: MSC_SCALES, probabilities: true });
  tf.dispose([x, logits, foldedLogits]);
  segmenter.dispose();
  model.dispose();
  return { forward, folded, probabilities: Array.from(probabilities!) };
}
