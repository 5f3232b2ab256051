import * as tf from '@tensorflow/tfjs-core';
import { loadBackend, resnetConfig } from '@objsel/deeplab-resnet';
import { crfRefine } from '@objsel/dense-crf';
import { renderSyntheticSample } from '@objsel/voc-data';
import { beforeAll, describe, expect, it } from 'vitest';
import { DcspNetwork, dcspCrf, predictDcsp } from '../src/index';
import { logitsMap } from '../src/train/index';

beforeAll(async () => {
  await loadBackend('wasm');
});

describe('DCSP prediction', () => {
  it("uses DCSP's CRF parameters: 10 iterations, Gaussian 3/3, bilateral 49/5/4", () => {
    const s = renderSyntheticSample(0, { count: 1, seed: 5, width: 30, height: 20, classes: 2 });
    const n = 30 * 20;
    let seed = 9;
    const probs = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const raw = [0, 1, 2].map(() => (seed = (seed * 16807) % 2147483647) / 2147483647 + (s.classLabelNoVoid[i] === 0 ? 0.5 : 0));
      const sum = raw.reduce((a, b) => a + b, 0);
      raw.forEach((v, c) => {
        probs[i * 3 + c] = v / sum;
      });
    }
    const got = dcspCrf({ probs, image: s.image, width: 30, height: 20, numLabels: 3 }) as Uint8Array;
    const explicit = crfRefine({
      probs,
      image: s.image.data,
      width: 30,
      height: 20,
      numLabels: 3,
      preset: 'deeplab-v2',
      params: { iterations: 10, gaussian: { sxy: 3, compat: 3 }, bilateral: { sxy: 49, srgb: 5, compat: 4 } },
    });
    expect([...got]).toEqual([...explicit.labels]);
    const other = crfRefine({ probs, image: s.image.data, width: 30, height: 20, numLabels: 3, preset: 'pydensecrf-example' });
    expect([...other.labels]).not.toEqual([...got]); // the parameters matter on this input
  });

  it("agrees with deeplab-resnet's multi-scale segmentation (3 scales, max, bilinear, argmax)", async () => {
    const net = DcspNetwork.create(resnetConfig(50, { widthMultiplier: 1 / 16, blocks: [1, 1, 1, 1], numClasses: 3, asppRates: [1, 2] }), {
      seed: 4,
    });
    const s = renderSyntheticSample(1, { count: 2, seed: 5, width: 37, height: 29, classes: 2 });
    const before = tf.memory().numTensors;
    const labels = await predictDcsp(net, s.image);
    const logits = await logitsMap(net, s.image);
    expect(tf.memory().numTensors).toBe(before);
    let differ = 0;
    for (let i = 0; i < 37 * 29; i++) {
      const row = [0, 1, 2].map((c) => logits[i * 3 + c]!);
      const sorted = [...row].sort((a, b) => b - a);
      // Only a near-tie may resolve differently: deeplab-resnet folds BatchNorm, logitsMap does not.
      if (labels[i] !== row.indexOf(sorted[0]!) && sorted[0]! - sorted[1]! > 1e-4 * Math.max(1, Math.abs(sorted[0]!))) differ++;
    }
    expect(differ).toBe(0);
    const withCrf = await predictDcsp(net, s.image, { crf: true });
    expect(withCrf.length).toBe(37 * 29);
    net.dispose();
  });
});
