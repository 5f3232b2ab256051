import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, FoldedDeepLab, exportOnnx, loadBackend, readOnnxInfo, resnetConfig, type DeepLabConfig } from '../src/index';
import { IR_VERSION as ONNX_IR_VERSION, OPSET_VERSION as ONNX_OPSET_VERSION } from '../src/onnx/proto';
import { hwioToOihw } from '../src/onnx/deeplab-graph';
import { logitsSize } from '../src/model/architecture';
import { exportInteractiveOnnx, interactiveConfig, isInteractiveConfig } from '../src/interactive/index';
import { decode, fromNchw, randomInput, randomNetwork, runOnnx, structuralProblems } from './helpers/onnx';
import { relativeL2 } from './reference/deeplab-reference';

beforeAll(async () => {
  await loadBackend('wasm');
});

/** argmax over the channel axis of NHWC values. */
function argmax(x: tf.Tensor4D): Int32Array {
  return tf.tidy(() => tf.argMax(x, 3).dataSync() as Int32Array);
}

interface Case {
  label: string;
  config: DeepLabConfig;
  sizes: Array<[number, number]>;
}

// Depth 50 and 101 plans with few units and a small width; odd and even sizes in each axis
// exercise both parities of the stride-2 'SAME' padding (conv1, pool1, res3a's 1x1/2).
const CASES: Case[] = [
  {
    label: 'ResNet-50 plan, blocks [1,1,2,1], width 1/8, 5 classes',
    config: resnetConfig(50, { blocks: [1, 1, 2, 1], widthMultiplier: 0.125, numClasses: 5 }),
    sizes: [
      [33, 33],
      [32, 48],
      [41, 30],
      [7, 6],
      [1, 1],
      [2, 3],
    ],
  },
  {
    label: 'ResNet-101 plan (numbered res4b1..b22 names), blocks [1,1,23,1], width 1/16, 21 classes',
    config: resnetConfig(101, { blocks: [1, 1, 23, 1], widthMultiplier: 1 / 16 }),
    sizes: [
      [45, 38],
      [64, 65],
    ],
  },
  {
    label: 'interactive 5-channel, 1 output, ResNet-50 plan, blocks [1,2,1,1], width 1/8',
    config: interactiveConfig(50, { blocks: [1, 2, 1, 1], widthMultiplier: 0.125 }),
    sizes: [
      [40, 31],
      [25, 50],
    ],
  },
];

describe.each(CASES)('$label', ({ config, sizes }) => {
  let model: DeepLabResNet;
  let folded: FoldedDeepLab;
  let bytes: Uint8Array;
  let upsampledBytes: Uint8Array;

  // The interactive network's metadata (its 5-channel mean and names) comes from the interactive subpath.
  const exportModel = isInteractiveConfig(config) ? exportInteractiveOnnx : exportOnnx;

  beforeAll(async () => {
    model = await randomNetwork(config, 11);
    folded = FoldedDeepLab.fromModel(model);
    bytes = exportModel(model);
    upsampledBytes = exportModel(folded, { withUpsampled: true, sourceWeights: 'test:random-11' });
  });
  afterAll(() => {
    folded?.dispose();
    model?.dispose();
  });

  it('is a well-formed model: IR version, opset, every node input defined, raw initialisers sized', () => {
    for (const file of [bytes, upsampledBytes]) {
      const decoded = decode(file);
      expect(decoded.ir_version).toBe(ONNX_IR_VERSION);
      expect(decoded.opset_import).toEqual([{ version: ONNX_OPSET_VERSION }]);
      expect(structuralProblems(decoded)).toEqual([]);
      const input = decoded.graph?.input?.[0];
      expect(input?.name).toBe('data');
      expect(input?.type?.tensor_type.shape?.dim).toEqual([
        { dim_param: 'N' },
        { dim_value: config.inputChannels },
        { dim_param: 'H' },
        { dim_param: 'W' },
      ]);
    }
    expect(decode(bytes).graph?.output?.map((o) => o.name)).toEqual(['fc1_voc12']);
    expect(decode(upsampledBytes).graph?.output?.map((o) => o.name)).toEqual(['fc1_voc12', 'fc1_voc12_upsampled']);
  });

  it("leaves no tensors behind (exporting a model folds one convolution at a time), and writes the folded network's very bytes", () => {
    const before = tf.memory().numTensors;
    const fromModel = exportModel(model);
    const fromFolded = exportModel(folded);
    expect(tf.memory().numTensors).toBe(before);
    expect(Buffer.from(fromModel).equals(Buffer.from(fromFolded))).toBe(true);
  });

  it.each(sizes)('%ix%i: ONNX Runtime logits equal the TF.js folded forward (relative L2 < 1e-5, same argmax)', async (h, w) => {
    const x = randomInput(h, w, config.inputChannels, h * 100 + w);
    const expected = folded.predict(x);
    const out = await runOnnx(upsampledBytes, x);
    const plain = await runOnnx(bytes, x);
    const logits = out.fc1_voc12!;
    expect(logits.dims).toEqual([1, config.numClasses, logitsSize(h), logitsSize(w)]);
    expect(plain.fc1_voc12!.data).toEqual(logits.data);
    const got = fromNchw(logits.data, logits.dims);
    const error = relativeL2(got.dataSync(), expected.dataSync());
    expect(error).toBeLessThan(1e-5);
    if (config.numClasses > 1) expect(argmax(got)).toEqual(argmax(expected));
    else expect(Array.from(got.dataSync(), (v) => v > 0)).toEqual(Array.from(expected.dataSync(), (v) => v > 0));

    // The upsampled output against TF.js's resizeBilinear(…, false, false) of the same logits
    // (ONNX Runtime's own), and of the TF.js logits.
    const up = out.fc1_voc12_upsampled!;
    expect(up.dims).toEqual([1, config.numClasses, h, w]);
    const upGot = fromNchw(up.data, up.dims);
    const resizedOwn = tf.image.resizeBilinear(got, [h, w], false, false);
    const resizedTf = tf.image.resizeBilinear(expected, [h, w], false, false);
    const own = relativeL2(upGot.dataSync(), resizedOwn.dataSync());
    expect(own).toBeLessThan(1e-6);
    const [maxDiff = 0, scale = 1] = tf.tidy(() => [
      tf.max(tf.abs(tf.sub(upGot, resizedOwn))).dataSync()[0],
      tf.max(tf.abs(resizedOwn)).dataSync()[0],
    ]);
    expect(maxDiff / scale).toBeLessThan(1e-6);
    expect(relativeL2(upGot.dataSync(), resizedTf.dataSync())).toBeLessThan(1e-5);
    if (config.numClasses > 1) expect(argmax(upGot)).toEqual(argmax(resizedTf));
    console.info(
      `${h}x${w}: logits relative L2 ${error.toExponential(2)} (max |logit| ${scale.toExponential(2)}); upsampled vs TF.js resize of the same logits: relative L2 ${own.toExponential(2)}, max diff ${maxDiff.toExponential(2)}`,
    );
    tf.dispose([x, expected, got, upGot, resizedOwn, resizedTf]);
  });

  it('writes its metadata and reads it back', () => {
    const info = readOnnxInfo(upsampledBytes);
    expect(info.classes).toBe(config.numClasses);
    expect(info.inputChannels).toBe(config.inputChannels);
    expect(info.bnEpsilon).toBe(config.bnEpsilon);
    expect(info.blocks).toEqual(config.blocks);
    expect(info.widthMultiplier).toBe(config.widthMultiplier);
    expect(info.asppRates).toEqual(config.asppRates);
    expect(info.sourceWeights).toBe('test:random-11');
    expect(readOnnxInfo(bytes).sourceWeights).toBe('unspecified');
    expect(info.outputStride).toBe(8);
    expect(Object.keys(info.outputs)).toEqual(['fc1_voc12', 'fc1_voc12_upsampled']);
    if (config.inputChannels === 3) {
      expect(info.inputMean).toEqual([104.00698793, 116.66876762, 122.67891434]);
      expect(info.inputChannelNames).toEqual(['B', 'G', 'R']);
    } else {
      expect(info.inputMean).toEqual([104.0, 116.7, 122.7, 131.0, 131.0]);
      expect(info.inputChannelNames).toEqual(['B', 'G', 'R', 'positive_click_distance', 'negative_click_distance']);
    }
    const decoded = decode(upsampledBytes);
    expect(decoded.producer_name).toBe('@objsel/deeplab-resnet');
    expect(decoded.producer_version).toBe(info.objselVersion);
    expect(info.objselVersion).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('hwioToOihw', () => {
  it.each([
    [3, 3, 37, 45],
    [1, 1, 70, 33],
    [7, 7, 5, 8],
  ])('[%i,%i,%i,%i] equals tf.transpose(…, [3, 2, 0, 1])', (kh, kw, ci, co) => {
    const x = tf.randomNormal([kh, kw, ci, co], 0, 1, 'float32', ci) as tf.Tensor4D;
    const expected = tf.transpose(x, [3, 2, 0, 1]);
    expect(hwioToOihw(x.dataSync() as Float32Array, [kh, kw, ci, co])).toEqual(expected.dataSync());
    tf.dispose([x, expected]);
  });
});

describe('export options', () => {
  let model: DeepLabResNet;
  beforeAll(async () => {
    model = await randomNetwork(resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.125, numClasses: 4 }), 3);
  });
  afterAll(() => model?.dispose());

  it('a 1x1 head on the logits becomes one more output (as DCSP attaches fc1_voc12_d0)', async () => {
    const weights = tf.randomNormal([1, 1, 4, 3], 0, 0.5, 'float32', 5) as tf.Tensor4D;
    const biases = tf.tensor1d([0.1, -0.2, 0.3]);
    const head = {
      name: 'fc1_voc12_d0',
      weights: { shape: weights.shape, data: weights.dataSync() as Float32Array },
      biases: { data: biases.dataSync() as Float32Array },
    };
    const bytes = exportOnnx(model, { heads: [head], classNames: ['background', 'a', 'b', 'c'] });
    expect(structuralProblems(decode(bytes))).toEqual([]);
    expect(readOnnxInfo(bytes).classNames).toEqual(['background', 'a', 'b', 'c']);
    const x = randomInput(29, 36, 3, 9);
    const out = await runOnnx(bytes, x);
    const folded = FoldedDeepLab.fromModel(model);
    const expected = tf.tidy(() => tf.add(tf.conv2d(folded.predict(x), weights, 1, 'valid'), biases));
    const got = fromNchw(out.fc1_voc12_d0!.data, out.fc1_voc12_d0!.dims);
    expect(relativeL2(got.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
    tf.dispose([weights, biases, x, expected, got]);
    folded.dispose();
  });

  it('runs a batch (N is symbolic)', async () => {
    const x = tf.concat([randomInput(33, 27, 3, 1), randomInput(33, 27, 3, 2)]) as tf.Tensor4D;
    const out = await runOnnx(exportOnnx(model, { withUpsampled: true }), x);
    expect(out.fc1_voc12!.dims).toEqual([2, 4, 5, 4]);
    expect(out.fc1_voc12_upsampled!.dims).toEqual([2, 4, 33, 27]);
    const folded = FoldedDeepLab.fromModel(model);
    const expected = folded.predict(x);
    const got = fromNchw(out.fc1_voc12!.data, out.fc1_voc12!.dims);
    expect(relativeL2(got.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, expected, got]);
    folded.dispose();
  });

  it('rejects a head of the wrong shape, a clashing name, and a mean of the wrong length', () => {
    const head = (name: string, shape: number[]) => ({
      name,
      weights: { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) },
      biases: { data: new Float32Array(shape[3]!) },
    });
    expect(() => exportOnnx(model, { heads: [head('d0', [1, 1, 5, 3])] })).toThrow(/not \[1,1,4,k\]/);
    expect(() => exportOnnx(model, { heads: [head('pool1', [1, 1, 4, 3])] })).toThrow(/clashes/);
    expect(() => exportOnnx(model, { inputMean: [1, 2] })).toThrow(/inputMean needs 3/);
    expect(() => exportOnnx(model, { classNames: ['x'] })).toThrow(/classNames has 1 names for 4 classes/);
  });

  it('a custom input mean is recorded as given', () => {
    const info = readOnnxInfo(exportOnnx(model, { inputMean: [1, 2, 3], inputChannelNames: ['R', 'G', 'B'] }));
    expect(info.inputMean).toEqual([1, 2, 3]);
    expect(info.inputChannelNames).toEqual(['R', 'G', 'B']);
  });

  it('refuses a disposed network', () => {
    const m = DeepLabResNet.create(resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625 }), { seed: 1 });
    m.dispose();
    expect(() => exportOnnx(m)).toThrow(/missing/);
  });
});
