import * as tf from '@tensorflow/tfjs-core';
import { loadBackend, readOnnxInfo, resnetConfig } from '@objsel/deeplab-resnet';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTENTION_LAYER, DcspNetwork, exportDcspOnnx } from '../src/index';
import { attentionOnnxHead } from '../src/onnx';

beforeAll(async () => {
  await loadBackend('wasm');
});

function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

describe('DCSP in ONNX', () => {
  it('exports fc1_voc12 and the attention maps fc1_voc12_d0, equal to the folded TF.js inference', async () => {
    const network = DcspNetwork.create(resnetConfig(50, { widthMultiplier: 1 / 16, blocks: [1, 1, 1, 1], numClasses: 5 }), { seed: 4 });
    // A head with non-trivial weights and biases.
    const head = attentionOnnxHead(network);
    expect(head.name).toBe(ATTENTION_LAYER);
    expect(head.weights.shape).toEqual([1, 1, 5, 4]);
    tf.tidy(() => network.variables.get('fc1_voc12_d0/biases')!.assign(tf.tensor1d([0.5, -0.25, 0.1, 0])));
    const bytes = exportDcspOnnx(network, { withUpsampled: true });
    expect(Object.keys(readOnnxInfo(bytes).outputs)).toContain('fc1_voc12_d0');

    const [h, w] = [37, 30];
    const x = tf.randomNormal([1, h, w, 3], 0, 60, 'float32', 8) as tf.Tensor4D;
    const inference = network.inference();
    const expected = inference.forward(x);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    // The graph's outputs as ONNX Runtime reads them, in order.
    expect(session.outputNames).toEqual(['fc1_voc12', 'fc1_voc12_upsampled', 'fc1_voc12_d0']);
    const feed = new ort.Tensor(
      'float32',
      tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array),
      [1, 3, h, w],
    );
    const out = await session.run({ data: feed });
    await session.release();
    const nhwc = (name: string) => {
      const t = out[name]!;
      return tf.tidy(() => tf.transpose(tf.tensor4d(t.data as Float32Array, t.dims as [number, number, number, number]), [0, 2, 3, 1]));
    };
    const attention = nhwc('fc1_voc12_d0');
    const logits = nhwc('fc1_voc12');
    expect(attention.shape).toEqual(expected.attention.shape);
    expect(relativeL2(logits.dataSync(), expected.logits.dataSync())).toBeLessThan(1e-5);
    expect(relativeL2(attention.dataSync(), expected.attention.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, expected.logits, expected.attention, attention, logits]);
    inference.dispose();
    network.dispose();
  });
});
