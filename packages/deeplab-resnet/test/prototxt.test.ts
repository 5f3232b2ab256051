import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { convertDeeplab, encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { DeepLabResNet, DeepLabSegmenter, loadBackend, resnetConfig } from '../src/index';
import { allConvs, networkSpec } from '../src/model/architecture';
import { referenceForward, relativeL2 } from './reference/deeplab-reference';

const prototxt = fs.readFileSync(fixture('deeplab/deploy.prototxt'), 'utf8');

describe('the layer plan against deploy.prototxt (ResNet-101)', () => {
  const net = parsePrototxt(prototxt);
  const spec = networkSpec(resnetConfig(101));

  it('has the same convolutions in the same order: names, kernels, strides, dilations, pads, outputs, biases', () => {
    const fromPrototxt = net.layers
      .filter((l) => l.type === 'Convolution')
      .map((l) => ({
        name: l.name,
        kernel: l.convolution!.kernel,
        stride: l.convolution!.stride,
        dilation: l.convolution!.dilation,
        pad: l.convolution!.pad,
        out: l.convolution!.numOutput,
        bias: l.convolution!.biasTerm,
      }));
    const ours = allConvs(spec).map((c) => ({
      name: c.name,
      kernel: [c.kernel, c.kernel],
      stride: [c.stride, c.stride],
      dilation: [c.dilation, c.dilation],
      pad: [(c.dilation * (c.kernel - 1)) / 2, (c.dilation * (c.kernel - 1)) / 2],
      out: c.outChannels,
      bias: c.bias,
    }));
    expect(ours).toEqual(fromPrototxt);
  });

  it('follows every BatchNorm after the convolution it normalises, with the Caffe names', () => {
    const bnAfter = new Map(net.layers.filter((l) => l.type === 'BatchNorm').map((l) => [l.bottoms[0], l.name]));
    for (const conv of allConvs(spec)) expect(conv.bn, conv.name).toBe(bnAfter.get(conv.name));
  });

  it('wires every unit to the previous unit output and the ASPP head to res5c', () => {
    const bottom = new Map(net.layers.map((l) => [l.name, l.bottoms[0]]));
    let previous = 'pool1';
    for (const unit of spec.units) {
      expect(bottom.get(unit.branch2[0].name), unit.name).toBe(previous);
      if (unit.branch1) expect(bottom.get(unit.branch1.name)).toBe(previous);
      previous = unit.name;
    }
    for (const conv of spec.aspp) expect(bottom.get(conv.name)).toBe('res5c');
    expect(net.layers.find((l) => l.name === 'pool1')?.pooling).toMatchObject({ pool: 'MAX', kernel: [3, 3], stride: [2, 2], pad: [1, 1] });
  });
});

describe('converted ResNet-101 weights (synthetic caffemodel for the real prototxt)', () => {
  it('load with no mapping table and match the reference forward pass at full size', async () => {
    await loadBackend('wasm');
    const net = parsePrototxt(prototxt);
    const caffemodel = encodeCaffemodel(syntheticLayers(net, { seed: 7 }), { name: 'synthetic' });
    const { entries, meta } = convertDeeplab(prototxt, caffemodel, { consumeInput: true });
    const model = DeepLabResNet.fromWeights(entries, meta);
    expect(model.config).toMatchObject({
      inputChannels: 3,
      numClasses: 21,
      blocks: [3, 4, 23, 3],
      widthMultiplier: 1,
      bnEpsilon: 1e-5,
      asppRates: [6, 12, 18, 24],
    });
    expect(model.parameterCount()).toBe(entries.reduce((n, e) => n + e.data.length, 0));

    const [h, w] = [42, 33];
    const image = { width: w, height: h, data: new Uint8Array(h * w * 3).map((_, i) => (i * 37) % 256) };
    const before = tf.memory().numTensors;
    const segmenter = DeepLabSegmenter.fromModel(model);
    const result = await segmenter.segment(image, { logits: true });
    segmenter.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(result.logits!.shape).toEqual([6, 5, 21]);

    // Reference on the same input: BGR minus the mean, computed here by hand.
    const mean = [104.00698793, 116.66876762, 122.67891434];
    const bgr = new Float32Array(h * w * 3);
    for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) bgr[i * 3 + c] = image.data[i * 3 + 2 - c]! - mean[c]!;
    const x = tf.tensor4d(bgr, [1, h, w, 3]);
    const ref = referenceForward(new Map(entries.map((e) => [e.name, e])), x, {
      blocks: [3, 4, 23, 3],
      bnEpsilon: 1e-5,
      asppRates: [6, 12, 18, 24],
      numbered: true,
    });
    const expected = (await ref.data()) as Float32Array;
    tf.dispose([x, ref]);
    expect(expected.every(Number.isFinite)).toBe(true);
    expect(relativeL2(result.logits!.data, expected)).toBeLessThan(1e-4);
    model.dispose();
  });
});
