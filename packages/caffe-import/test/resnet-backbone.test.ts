import { describe, expect, it } from 'vitest';
import {
  CaffeImportError,
  convertResnetCaffe,
  encodeCaffemodel,
  parseCaffemodel,
  parsePrototxt,
  syntheticLayers,
} from '@objsel/caffe-import';
import { imagenetResnetPrototxt } from '../../../tools/test/imagenet-resnet';
import { reducedDeploy } from './helpers';

describe('convertResnetCaffe', () => {
  it('converts an ImageNet ResNet-101 (full-size names, fc1000) to a backbone: classifier left out, DeepLab geometry, numClasses 0', () => {
    const text = imagenetResnetPrototxt({ width: 1 / 16 });
    const bytes = encodeCaffemodel(syntheticLayers(parsePrototxt(text), { seed: 5 }));
    const blobs = new Map(parseCaffemodel(bytes).layers.map((l) => [l.name, l.blobs]));
    const r = convertResnetCaffe(text, bytes, {
      prototxtFile: 'ResNet-101-deploy.prototxt',
      caffemodelFile: 'ResNet-101-model.caffemodel',
    });
    expect(r.backbone?.architecture).toEqual({ depth: 101, blocks: [3, 4, 23, 3], inputChannels: 3, widthMultiplier: 1 / 16 });
    expect(r.backbone?.leftOut).toEqual([
      { name: 'fc1000/weights', shape: [128, 1000] },
      { name: 'fc1000/biases', shape: [1000] },
    ]);
    expect(r.meta).toMatchObject({ numClasses: 0, backboneOnly: true, bnEpsilon: 1e-5, blocks: [3, 4, 23, 3] });
    // 104 convolutions with 4 BatchNorm variables each, nothing of fc1000.
    expect(r.entries).toHaveLength(104 * 5);
    expect(r.entries.some((e) => e.name.startsWith('fc'))).toBe(false);
    expect(r.entries.map((e) => e.name)).toContain('res4b22_branch2c/weights');
    // DeepLab's geometry, not ImageNet's: res4a/res5a at stride 1, dilations 2 and 4.
    const layer = (n: string) => r.meta.layers.find((l) => l.name === n)!;
    expect(layer('res4a_branch1').stride).toEqual([1, 1]);
    expect(layer('res5b_branch2b').dilation).toEqual([4, 4]);
    expect(r.meta.layers.some((l) => l.name.startsWith('fc'))).toBe(false);
    expect(r.report.warnings.join(' ')).toMatch(/left out fc1000/);
    // Values: OIHW → HWIO of the Caffe blob, index by index.
    const src = blobs.get('res2a_branch2b')![0]!.data;
    const got = r.entries.find((e) => e.name === 'res2a_branch2b/weights')!;
    expect(got.shape).toEqual([3, 3, 4, 4]);
    for (let o = 0; o < 4; o++)
      for (let i = 0; i < 4; i++)
        for (let y = 0; y < 3; y++)
          for (let x = 0; x < 3; x++) expect(got.data[((y * 3 + x) * 4 + i) * 4 + o]).toBe(src[((o * 4 + i) * 3 + y) * 3 + x]);
  });

  it("accepts a prototxt truncated after res5c; the caffemodel's fc1000 blobs are ignored and reported", () => {
    const full = imagenetResnetPrototxt({ width: 1 / 16, blocks: [3, 4, 6, 3] });
    const bytes = encodeCaffemodel(syntheticLayers(parsePrototxt(full), { seed: 6 }));
    const r = convertResnetCaffe(imagenetResnetPrototxt({ width: 1 / 16, blocks: [3, 4, 6, 3], truncate: true }), bytes);
    expect(r.backbone?.architecture.depth).toBe(50);
    expect(r.backbone?.leftOut).toEqual([]);
    expect(r.report.missing.blobsWithoutLayers.map((l) => l.layer)).toEqual(['fc1000']);
    expect(r.meta.numClasses).toBe(0);
  });

  it('converts a DeepLab network as before', () => {
    const text = reducedDeploy(16);
    const bytes = encodeCaffemodel(syntheticLayers(parsePrototxt(text), { seed: 7 }));
    const r = convertResnetCaffe(text, bytes);
    expect(r.backbone).toBeUndefined();
    expect(r.meta.numClasses).toBe(21);
  });

  it('fails naming the layer when the network is not a ResNet', () => {
    const text =
      'input: "data"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 16\ninput_dim: 16\nlayer { name: "conv0" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 2 kernel_size: 3 } }\n';
    const bytes = encodeCaffemodel(syntheticLayers(parsePrototxt(text), { seed: 1 }));
    let error: unknown;
    try {
      convertResnetCaffe(text, bytes, { prototxtFile: 'net.prototxt' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CaffeImportError);
    expect((error as Error).message).toMatch(/^net\.prototxt: conv1\/weights: not a DeepLab-ResNet/);
  });
});
