import { describe, expect, it } from 'vitest';
import {
  CaffeImportError,
  convertDeeplab,
  decodeWeights,
  encodeCaffemodel,
  encodeWeights,
  parsePrototxt,
  syntheticLayers,
  type EncodeCaffemodelOptions,
  type LayerSpec,
  type WeightEntry,
} from '@objsel/caffe-import';
import { deployText, reducedDeploy } from './helpers';

function thrown(f: () => unknown): CaffeImportError {
  try {
    f();
  } catch (error) {
    if (!(error instanceof CaffeImportError)) throw error;
    return error;
  }
  throw new Error('did not throw');
}

/**
 * The expected TensorFlow-port weights, computed straight from the blobs by the formulas of
 * caffe-tensorflow / Caffe (not by the converter's code): per HWIO index read the OIHW element;
 * BatchNorm statistics times float(1 / factor) in float32.
 */
function expectedWeights(
  layers: LayerSpec[],
  types: Map<string, string>,
  scaleOf: Map<string, string>,
): Map<string, { shape: number[]; data: Float32Array }> {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const l of layers) {
    const type = types.get(l.name);
    if (type === 'Convolution') {
      const [w, b] = l.blobs;
      const [O, I, H, W] = w!.shape as [number, number, number, number];
      const data = new Float32Array(O * I * H * W);
      let n = 0;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) data[n++] = w!.data[((o * I + i) * H + y) * W + x]!;
      out.set(`${l.name}/weights`, { shape: [H, W, I, O], data });
      if (b) out.set(`${l.name}/biases`, { shape: [O], data: b.data });
    } else if (type === 'BatchNorm') {
      const [mean, variance, factor] = l.blobs;
      const f = factor!.data[0]!;
      const k = f === 0 ? 0 : Math.fround(1 / f);
      const scaled = (a: Float32Array) => Float32Array.from(a, (v) => Math.fround(v * k));
      const scale = byName.get(scaleOf.get(l.name)!)!;
      const c = mean!.data.length;
      out.set(`${l.name}/moving_mean`, { shape: [c], data: scaled(mean!.data) });
      out.set(`${l.name}/moving_variance`, { shape: [c], data: scaled(variance!.data) });
      out.set(`${l.name}/gamma`, { shape: [c], data: scale.blobs[0]!.data });
      out.set(`${l.name}/beta`, { shape: [c], data: scale.blobs[1]?.data ?? new Float32Array(c) });
    }
  }
  return out;
}

/** Scale layer following each BatchNorm, read from the prototxt by name pattern (bn_x -> scale_x). */
function scalePairs(text: string): Map<string, string> {
  const net = parsePrototxt(text);
  const pairs = new Map<string, string>();
  for (const l of net.layers) if (l.type === 'BatchNorm') pairs.set(l.name, l.name.replace(/^bn/, 'scale'));
  return pairs;
}

function expectExactly(entries: WeightEntry[], expected: Map<string, { shape: number[]; data: Float32Array }>): void {
  expect(entries.map((e) => e.name).sort()).toEqual([...expected.keys()].sort());
  for (const e of entries) {
    const x = expected.get(e.name)!;
    expect(e.shape, e.name).toEqual(x.shape);
    expect(e.data.length, e.name).toBe(x.data.length);
    // Bit-exact: compare the raw float32 bits.
    const a = new Uint32Array(e.data.buffer, e.data.byteOffset, e.data.length);
    const b = new Uint32Array(x.data.buffer, x.data.byteOffset, x.data.length);
    let firstDiff = -1;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        firstDiff = i;
        break;
      }
    }
    expect(firstDiff, `${e.name} differs at ${firstDiff}`).toBe(-1);
  }
}

/** ResNet-101 parameter count from the architecture alone (conv + 4 per BN channel + ASPP). */
function resnet101Parameters(classes: number): number {
  let total = 7 * 7 * 3 * 64 + 4 * 64;
  let inC = 64;
  for (const [units, mid, outC] of [
    [3, 64, 256],
    [4, 128, 512],
    [23, 256, 1024],
    [3, 512, 2048],
  ] as const) {
    for (let u = 0; u < units; u++) {
      if (u === 0) total += inC * outC + 4 * outC; // branch1 projection
      total += (u === 0 ? inC : outC) * mid + 4 * mid + 9 * mid * mid + 4 * mid + mid * outC + 4 * outC;
    }
    inC = outC;
  }
  return total + 4 * (9 * 2048 * classes + classes);
}

describe('convertDeeplab on the real deploy.prototxt', () => {
  it('converts a full ResNet-101 random caffemodel: every weight equals the transposed/fused blob exactly', () => {
    const text = deployText();
    const net = parsePrototxt(text);
    const layers = syntheticLayers(net, { seed: 101 });
    const bytes = encodeCaffemodel(layers, { name: 'resnet101' });
    expect(bytes.length).toBeGreaterThan(176e6);
    const result = convertDeeplab(text, bytes, { consumeInput: true, prototxtFile: 'deploy.prototxt', caffemodelFile: 'm.caffemodel' });
    const types = new Map(net.layers.map((l) => [l.name, l.type]));
    expectExactly(result.entries, expectedWeights(layers, types, scalePairs(text)));

    // Independent facts about DeepLab-v2 ResNet-101.
    const shape = (n: string) => result.entries.find((e) => e.name === n)?.shape;
    expect(shape('conv1/weights')).toEqual([7, 7, 3, 64]);
    expect(shape('res2a_branch1/weights')).toEqual([1, 1, 64, 256]);
    expect(shape('res4b22_branch2b/weights')).toEqual([3, 3, 256, 256]);
    expect(shape('res5c_branch2b/weights')).toEqual([3, 3, 512, 512]);
    expect(shape('fc1_voc12_c3/weights')).toEqual([3, 3, 2048, 21]);
    expect(shape('fc1_voc12_c3/biases')).toEqual([21]);
    expect(shape('bn5c_branch2c/moving_variance')).toEqual([2048]);
    expect(shape('bn_conv1/gamma')).toEqual([64]);
    expect(result.entries.some((e) => e.name.startsWith('scale'))).toBe(false);
    expect(result.report.totals.parameters).toBe(resnet101Parameters(21));
    expect(result.report.totals.weights).toBe(108 + 4 + 104 * 4);
    expect(result.report.converted).toHaveLength(212);
    expect(result.report.converted.find((c) => c.layer === 'bn2a_branch1')).toMatchObject({
      type: 'BatchNorm',
      fusedWith: 'scale2a_branch1',
    });
    expect(result.report.skipped.map((s) => s.type).sort()).toEqual([...Array(34).fill('Eltwise'), 'Pooling', ...Array(100).fill('ReLU')]);
    expect(result.report.missing).toEqual({ layersWithoutBlobs: [], blobsWithoutLayers: [] });
    expect(result.report.warnings).toEqual([]);

    expect(result.meta).toMatchObject({
      version: 1,
      architecture: 'deeplab-v2-resnet',
      inputChannels: 3,
      numClasses: 21,
      blocks: [3, 4, 23, 3],
      widthMultiplier: 1,
      bnEpsilon: 1e-5,
    });
    expect(result.meta.source).toEqual({ prototxt: 'deploy.prototxt', caffemodel: 'm.caffemodel' });
    expect(result.meta.layers).toHaveLength(109);
    const spec = (n: string) => result.meta.layers.find((l) => l.name === n);
    expect(spec('res5b_branch2b')).toEqual({
      name: 'res5b_branch2b',
      type: 'Convolution',
      kernel: [3, 3],
      stride: [1, 1],
      dilation: [4, 4],
      pad: [4, 4],
      inChannels: 512,
      outChannels: 512,
      bias: false,
    });
    expect(spec('res3a_branch1')).toMatchObject({ stride: [2, 2], inChannels: 256, outChannels: 512 });
    expect(spec('fc1_voc12_c2')).toMatchObject({ dilation: [18, 18], inChannels: 2048, outChannels: 21, bias: true });
    expect(spec('pool1')).toEqual({
      name: 'pool1',
      type: 'Pooling',
      kernel: [3, 3],
      stride: [2, 2],
      dilation: [1, 1],
      pad: [1, 1],
      inChannels: 64,
      outChannels: 64,
      bias: false,
      pool: 'MAX',
      roundMode: 'CEIL',
    });
  });
});

describe('convertDeeplab encodings', () => {
  const text = reducedDeploy(16);
  const net = parsePrototxt(text);
  const layers = syntheticLayers(net, { seed: 7 });
  const types = new Map(net.layers.map((l) => [l.name, l.type]));
  const expected = expectedWeights(layers, types, scalePairs(text));
  const convert = (options: EncodeCaffemodelOptions, consumeInput = false) =>
    convertDeeplab(text, encodeCaffemodel(layers, options), { consumeInput });

  it.each<EncodeCaffemodelOptions>([
    { format: 'layer', floats: 'packed' },
    { format: 'layer', floats: 'unpacked' },
    { format: 'layer', floats: 'double' },
    { format: 'layer', floats: 'packed', legacyShape: true },
    { format: 'layers', floats: 'packed', legacyShape: true },
    { format: 'layers', floats: 'unpacked', legacyShape: true },
    { format: 'layers', floats: 'double' },
    { format: 'layer', floats: 'packed', forkFields: true },
  ])('%o converts to exactly the same weights', (options) => {
    for (const consume of [false, true]) {
      const r = convert(options, consume);
      expectExactly(r.entries, expected);
      expect(r.report.caffemodelFormat).toBe(options.format);
      expect(r.meta.widthMultiplier).toBe(1 / 16);
      expect(r.meta.blocks).toEqual([3, 4, 23, 3]);
    }
  });

  it('leaves the caller’s bytes untouched unless consumeInput is set', () => {
    const bytes = encodeCaffemodel(layers);
    const copy = bytes.slice();
    convertDeeplab(text, bytes);
    expect(Buffer.compare(bytes, copy)).toBe(0);
    convertDeeplab(text, bytes, { consumeInput: true });
    expect(Buffer.compare(bytes, copy)).not.toBe(0);
  });

  it('round-trips through encodeWeights/decodeWeights with the objsel section', () => {
    const r = convert({});
    const { modelJson, shards } = encodeWeights(r.entries, r.meta, { shardBytes: 65536 });
    expect(shards.length).toBeGreaterThan(2);
    const back = decodeWeights(
      JSON.parse(JSON.stringify(modelJson)),
      shards.map((s) => s.data),
    );
    expectExactly(back, expected);
    expect(modelJson.objsel.numClasses).toBe(21);
  });

  it('zero BatchNorm scale factor gives zero statistics, with a warning', () => {
    const zero = syntheticLayers(net, { seed: 7, bnScaleFactor: 0 });
    const r = convertDeeplab(text, encodeCaffemodel(zero));
    const mean = r.entries.find((e) => e.name === 'bn3a_branch2b/moving_mean')!;
    expect(Array.from(mean.data).every((v) => v === 0)).toBe(true);
    expect(r.report.warnings.some((w) => w.includes("BatchNorm 'bn_conv1' has scale factor 0"))).toBe(true);
  });

  it('takes inputChannels, numClasses and bnEpsilon from the prototxt', () => {
    const five = text
      .replace(/input_dim: 3\n/, 'input_dim: 5\n')
      .replace(/num_output: 21/g, 'num_output: 1')
      .replace(/use_global_stats: true/g, 'use_global_stats: true\n\t\teps: 0.001');
    const fiveNet = parsePrototxt(five);
    const r = convertDeeplab(five, encodeCaffemodel(syntheticLayers(fiveNet, { seed: 2 })));
    expect(r.meta).toMatchObject({ inputChannels: 5, numClasses: 1, bnEpsilon: 0.001 });
    expect(r.entries.find((e) => e.name === 'conv1/weights')!.shape).toEqual([7, 7, 5, 4]);
  });
});

describe('convertDeeplab mismatches', () => {
  const text = reducedDeploy(16);
  const net = parsePrototxt(text);
  const layers = syntheticLayers(net, { seed: 9 });

  it('a BatchNorm without its Scale is a typed error naming the layer', () => {
    const noScale = text.replace(
      /layer\s*\{\s*bottom: "res3b1_branch2a"\s*top: "res3b1_branch2a"\s*name: "scale3b1_branch2a"[\s\S]*?\n\}\n/,
      '',
    );
    expect(noScale.length).toBeLessThan(text.length);
    const e = thrown(() => convertDeeplab(noScale, encodeCaffemodel(layers), { prototxtFile: 'deploy.prototxt' }));
    expect(e.code).toBe('missing-scale');
    expect(e.message).toMatch(/^deploy\.prototxt: layer 'bn3b1_branch2a': BatchNorm is not followed by a Scale layer/);
  });

  it('a blob whose shape differs from the prototxt is a shape-mismatch naming the layer', () => {
    const wrong = layers.map((l) =>
      l.name === 'res4b5_branch2c'
        ? { ...l, blobs: [{ shape: [l.blobs[0]!.shape[0]!, 3, 1, 1], data: new Float32Array(l.blobs[0]!.shape[0]! * 3) }] }
        : l,
    );
    const e = thrown(() => convertDeeplab(text, encodeCaffemodel(wrong), { caffemodelFile: 'm.caffemodel' }));
    expect(e.code).toBe('shape-mismatch');
    expect(e.message).toBe("m.caffemodel: layer 'res4b5_branch2c': weight blob has shape [64,3,1,1], the prototxt needs [64,16,1,1]");
  });

  it('a wrong blob count (5 vs 3 for a BatchNorm) and a wrong layer type are typed mismatches', () => {
    const five = layers.map((l) => (l.name === 'bn_conv1' ? { ...l, blobs: [...l.blobs, ...l.blobs.slice(0, 2)] } : l));
    expect(thrown(() => convertDeeplab(text, encodeCaffemodel(five))).message).toBe(
      "layer 'bn_conv1': has 5 blob(s), BatchNorm (mean, variance, scale factor) needs 3",
    );
    const typed = layers.map((l) => (l.name === 'conv1' ? { ...l, type: 'Deconvolution' } : l));
    expect(thrown(() => convertDeeplab(text, encodeCaffemodel(typed))).message).toBe(
      "layer 'conv1': is a Deconvolution in the caffemodel but a Convolution in the prototxt",
    );
  });

  it('prototxt layers without blobs fail unless allowed; blobs without layers are reported', () => {
    const partial = layers
      .filter((l) => !l.name.startsWith('fc1_voc12_c'))
      .concat([{ name: 'fc1000', type: 'InnerProduct', blobs: [{ shape: [10, 4], data: new Float32Array(40) }] }]);
    const bytes = encodeCaffemodel(partial);
    const e = thrown(() => convertDeeplab(text, bytes.slice(), { caffemodelFile: 'init.caffemodel' }));
    expect(e.code).toBe('missing-blobs');
    expect(e.message).toMatch(
      /^init\.caffemodel: layer 'fc1_voc12_c0': 4 prototxt layer\(s\) with parameters have no blobs in the caffemodel \(fc1_voc12_c0, fc1_voc12_c1, fc1_voc12_c2, fc1_voc12_c3\)/,
    );
    const r = convertDeeplab(text, bytes, { allowMissing: true });
    expect(r.report.missing.layersWithoutBlobs.map((l) => l.layer)).toEqual([
      'fc1_voc12_c0',
      'fc1_voc12_c1',
      'fc1_voc12_c2',
      'fc1_voc12_c3',
    ]);
    expect(r.report.missing.blobsWithoutLayers).toEqual([{ layer: 'fc1000', type: 'InnerProduct', blobs: 1 }]);
    expect(r.entries.some((x) => x.name.startsWith('fc1_voc12'))).toBe(false);
  });

  it('a prototxt that is not DeepLab-v2 ResNet is rejected with what is missing', () => {
    const plain =
      'input: "data"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 8\ninput_dim: 8\nlayer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 } }';
    const bytes = encodeCaffemodel(syntheticLayers(parsePrototxt(plain)));
    expect(thrown(() => convertDeeplab(plain, bytes, { prototxtFile: 'p.prototxt' })).message).toBe(
      "p.prototxt: layers: not a DeepLab-v2 ResNet definition: no ASPP convolutions named fc1_*_c<k> (e.g. 'fc1_voc12_c0')",
    );
  });
});
