import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FoldedDeepLab, exportOnnx, loadBackend, readOnnxInfo, resnetConfig, type DeepLabResNet } from '../src/index';
import { exportInteractiveOnnx, interactiveConfig } from '../src/interactive/index';
import { decode, fromNchw, randomInput, randomNetwork, runOnnx, structuralProblems } from './helpers/onnx';
import { relativeL2 } from './reference/deeplab-reference';

/**
 * The bar at full size: a full-width ResNet-101 DeepLab (random weights and BN
 * statistics, each residual branch's last BN scale damped to 0.2 as in trained ResNets, which
 * keeps float32 round-off from growing chaotically through 100 layers) exported to ONNX and run
 * in onnxruntime-node at 321x321 and 500x334, against the TF.js folded forward; and the 5-channel
 * interactive ResNet-101 at 321 on the longest side. About 35 s on an idle 2-core machine (and
 * ~1.5 GB of memory), so it runs by default; OBJSEL_FULL_SIZE=0 skips it.
 */
const ENABLED = process.env.OBJSEL_FULL_SIZE !== '0';

function argmax(x: tf.Tensor4D): Int32Array {
  return tf.tidy(() => tf.argMax(x, 3).dataSync() as Int32Array);
}

describe.skipIf(!ENABLED)('full-size ResNet-101 in ONNX Runtime (OBJSEL_FULL_SIZE=0 skips)', () => {
  let model: DeepLabResNet;
  let folded: FoldedDeepLab;
  let bytes: Uint8Array;

  beforeAll(async () => {
    await loadBackend('wasm');
    model = await randomNetwork(resnetConfig(101), 101, 0.2);
    folded = FoldedDeepLab.fromModel(model);
    bytes = exportOnnx(folded, { withUpsampled: true, sourceWeights: 'random:101' });
  }, 600_000);
  afterAll(() => {
    folded?.dispose();
    model?.dispose();
  });

  it('is a 176 MB well-formed model', () => {
    expect(bytes.length).toBeGreaterThan(170e6);
    expect(bytes.length).toBeLessThan(180e6);
    expect(structuralProblems(decode(bytes))).toEqual([]);
    expect(readOnnxInfo(bytes).blocks).toEqual([3, 4, 23, 3]);
  });

  it.each([
    [321, 321],
    [500, 334],
  ])('%ix%i: logits within 1e-5 relative L2 of the TF.js folded forward, argmax identical', { timeout: 600_000 }, async (h, w) => {
    const x = randomInput(h, w, 3, h + w);
    const expected = folded.predict(x);
    const out = await runOnnx(bytes, x);
    const got = fromNchw(out.fc1_voc12!.data, out.fc1_voc12!.dims);
    expect(got.shape).toEqual(expected.shape);
    const error = relativeL2(got.dataSync(), expected.dataSync());
    const up = fromNchw(out.fc1_voc12_upsampled!.data, out.fc1_voc12_upsampled!.dims);
    const upExpected = tf.image.resizeBilinear(expected, [h, w], false, false);
    const upError = relativeL2(up.dataSync(), upExpected.dataSync());
    // Upsampled labels: identical except where the two best classes tie within float32 round-off.
    const labels = argmax(up);
    const expectedLabels = argmax(upExpected);
    const values = upExpected.dataSync();
    const classes = expected.shape[3];
    const gaps: number[] = [];
    labels.forEach((l, i) => {
      if (l !== expectedLabels[i]) gaps.push(Math.abs(values[i * classes + l]! - values[i * classes + expectedLabels[i]!]!));
    });
    const scale = tf.tidy(() => tf.max(tf.abs(upExpected)).dataSync()[0]!);
    console.info(
      `full-size ${h}x${w}: logits relative L2 ${error.toExponential(2)}, upsampled ${upError.toExponential(2)}; ` +
        `${gaps.length} of ${labels.length} upsampled labels differ, at logit gaps ${JSON.stringify(gaps.map((g) => g.toExponential(1)))} (max |logit| ${scale.toFixed(1)})`,
    );
    expect(error).toBeLessThan(1e-5);
    expect(upError).toBeLessThan(1e-5);
    expect(argmax(got)).toEqual(argmax(expected));
    expect(gaps.length).toBeLessThanOrEqual(Math.ceil(labels.length * 1e-4));
    for (const gap of gaps) expect(gap).toBeLessThan(1e-5 * scale);
    tf.dispose([x, expected, got, up, upExpected]);
  });

  it('5-channel interactive ResNet-101 at 321x241: logits within 1e-5, same mask', { timeout: 600_000 }, async () => {
    const interactive = await randomNetwork(interactiveConfig(101), 7, 0.2);
    const foldedInteractive = FoldedDeepLab.fromModel(interactive);
    const file = exportInteractiveOnnx(foldedInteractive);
    const x = randomInput(321, 241, 5, 5);
    const expected = foldedInteractive.predict(x);
    const out = await runOnnx(file, x);
    const got = fromNchw(out.fc1_voc12!.data, out.fc1_voc12!.dims);
    const error = relativeL2(got.dataSync(), expected.dataSync());
    console.info(`full-size interactive 321x241: logits relative L2 ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-5);
    expect(Array.from(got.dataSync(), (v) => v > 0)).toEqual(Array.from(expected.dataSync(), (v) => v > 0));
    tf.dispose([x, expected, got]);
    foldedInteractive.dispose();
    interactive.dispose();
  });
});
