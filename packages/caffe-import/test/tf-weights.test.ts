import { describe, expect, it } from 'vitest';
import {
  CaffeImportError,
  filesFromMap,
  convertDeeplab,
  convertTfCheckpoint,
  encodeCaffemodel,
  inferResnetLayout,
  layoutVariables,
  parsePrototxt,
  readTfCheckpoint,
  RESNET_BLOCKS,
  syntheticLayers,
  tfCheckpointToWeights,
  tfCheckpointV2Parts,
  writeTfCheckpointV2,
  type ResnetLayout,
  type TfTensor,
  type WeightEntry,
} from '@objsel/caffe-import';
import { seededRandom } from '../src/synthetic';
import { writeV1 } from '../../../tools/tf-checkpoint/v1-writer';
import { reducedDeploy } from './helpers';

/** A layout of the TF port with a reduced width (same names, fewer parameters). */
function layout(depth: 50 | 101 | 152, overrides: Partial<ResnetLayout> = {}): ResnetLayout {
  return {
    inputChannels: 3,
    widthMultiplier: 1 / 16,
    blocks: [...RESNET_BLOCKS[depth]],
    numClasses: 21,
    asppRates: [6, 12, 18, 24],
    dilations: [2, 4],
    attention: false,
    ...overrides,
  };
}

/** Seeded random weights with the layout's names and shapes. */
function weights(l: ResnetLayout, seed = 1): WeightEntry[] {
  const random = seededRandom(seed);
  return layoutVariables(l).map(({ name, shape }) => ({
    name,
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.fround(random() * 2 - 1)),
  }));
}

function tensors(entries: WeightEntry[]): TfTensor[] {
  return entries.map((e) => ({ name: e.name, dtype: 'float32', shape: e.shape, data: e.data }));
}

function thrown(f: () => unknown): CaffeImportError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(CaffeImportError);
    return error as CaffeImportError;
  }
  throw new Error('did not throw');
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

describe('TensorFlow checkpoint → objsel weights', () => {
  it('round-trips objsel → V2 → objsel bit-exactly (ResNet-101, TF port names, frozen BN statistics)', async () => {
    const l = layout(101);
    const entries = weights(l);
    const special = entries.find((e) => e.name === 'bn_conv1/moving_variance')!;
    special.data.set([Number.NaN, -0, 1e-45, Number.POSITIVE_INFINITY]);
    const { index, data, warnings } = writeTfCheckpointV2(entries, undefined, {
      extra: [{ name: 'global_step', shape: [], data: BigInt64Array.of(20000n) }],
    });
    expect(warnings).toEqual([]);
    const files = filesFromMap({
      'snapshots/model.ckpt-20000.index': index,
      'snapshots/model.ckpt-20000.data-00000-of-00001': data,
    });
    const result = await convertTfCheckpoint(files, 'snapshots/model.ckpt-20000');
    expect(result.entries.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    result.entries.forEach((e, i) => {
      expect(e.shape).toEqual(entries[i]!.shape);
      expect(bits(e.data)).toBe(bits(entries[i]!.data));
    });
    expect(result.report.architecture).toEqual({
      depth: 101,
      blocks: [3, 4, 23, 3],
      inputChannels: 3,
      widthMultiplier: 1 / 16,
      numClasses: 21,
      asppRates: [6, 12, 18, 24],
      dilations: [2, 4],
      attention: false,
      backboneOnly: false,
    });
    expect(result.report.counters.map((c) => c.name)).toEqual(['global_step']);
    expect(result.meta).toMatchObject({ bnEpsilon: 0.001, numClasses: 21, blocks: [3, 4, 23, 3], tfCheckpoint: { format: 'v2' } });
    // The parts form of the writer: the same index, the data as the tensors' own bytes.
    const parts = tfCheckpointV2Parts(entries, undefined, { extra: [{ name: 'global_step', shape: [], data: BigInt64Array.of(20000n) }] });
    expect(Buffer.compare(Buffer.from(parts.index), Buffer.from(index))).toBe(0);
    expect(Buffer.compare(Buffer.concat(parts.dataChunks), Buffer.from(data))).toBe(0);
    expect(parts.dataChunks.some((c) => c.buffer === entries[0]!.data.buffer)).toBe(true);
    // And back again: the same bytes.
    const again = writeTfCheckpointV2(result.entries, result.meta, {
      extra: [{ name: 'global_step', shape: [], data: BigInt64Array.of(20000n) }],
    });
    expect(Buffer.compare(Buffer.from(again.index), Buffer.from(index))).toBe(0);
    expect(Buffer.compare(Buffer.from(again.data), Buffer.from(data))).toBe(0);
  });

  it('reads a V1 checkpoint (deeplab_resnet.ckpt-style, float_val) into the same weights', async () => {
    const l = layout(101);
    const entries = weights(l, 7);
    const v1 = writeV1(entries.map((e) => ({ name: e.name, shape: e.shape, data: e.data })));
    const result = await convertTfCheckpoint(filesFromMap({ 'deeplab_resnet.ckpt': v1 }), 'deeplab_resnet.ckpt');
    expect(result.report.format).toBe('v1');
    result.entries.forEach((e, i) => {
      expect(bits(e.data)).toBe(bits(entries[i]!.data));
    });
  });

  it('describes the network as the Caffe path does for the real deploy.prototxt, and converts its weights identically', async () => {
    const prototxt = reducedDeploy(16, 65);
    const caffemodel = encodeCaffemodel(syntheticLayers(parsePrototxt(prototxt), { seed: 3 }));
    const caffe = convertDeeplab(prototxt, caffemodel);
    const { index, data } = writeTfCheckpointV2(caffe.entries, caffe.meta);
    const tf = await convertTfCheckpoint(filesFromMap({ 'm.index': index, 'm.data-00000-of-00001': data }), 'm');
    expect(tf.entries.map((e) => e.name).sort()).toEqual(caffe.entries.map((e) => e.name).sort());
    const byName = new Map(caffe.entries.map((e) => [e.name, e]));
    for (const e of tf.entries) {
      expect(e.shape).toEqual(byName.get(e.name)!.shape);
      expect(bits(e.data)).toBe(bits(byName.get(e.name)!.data));
    }
    for (const key of ['inputChannels', 'numClasses', 'blocks', 'widthMultiplier'] as const) expect(tf.meta[key]).toEqual(caffe.meta[key]);
    expect(caffe.meta.bnEpsilon).not.toBe(0.001);
    expect(tf.meta.bnEpsilon).toBe(0.001);
    // Every convolution: same kernel, stride, dilation, channels and bias as the prototxt says.
    const convs = (m: typeof tf.meta) =>
      m.layers
        .filter((x) => x.type === 'Convolution')
        .map((x) => [x.name, x.kernel, x.stride, x.dilation, x.inChannels, x.outChannels, x.bias]);
    expect(convs(tf.meta).sort()).toEqual(convs(caffe.meta).sort());
  });

  it('infers ResNet-50/101/152 from the res4 unit names (reduced width), input channels and classes', () => {
    for (const depth of [50, 101, 152] as const) {
      for (const [inputChannels, numClasses] of [
        [3, 21],
        [5, 2],
      ]) {
        const l = layout(depth, { inputChannels, numClasses });
        const got = inferResnetLayout(layoutVariables(l));
        expect(got).toEqual(l);
        const { meta, report } = tfCheckpointToWeights(tensors(weights(l)));
        expect(report.architecture.depth).toBe(depth);
        expect(meta).toMatchObject({ inputChannels, numClasses, blocks: RESNET_BLOCKS[depth] });
        expect(meta.layers.find((x) => x.name === 'fc1_voc12_c3')?.dilation).toEqual([24, 24]);
        expect(meta.layers.filter((x) => x.name.startsWith('res4') && x.name.endsWith('2b')).every((x) => x.dilation[0] === 2)).toBe(true);
      }
    }
  });

  it('DCSP: the attention head fc1_voc12_d0 is kept and described', () => {
    const l = layout(101, { attention: true });
    const { entries, meta, report } = tfCheckpointToWeights(tensors(weights(l)));
    expect(entries.slice(-2).map((e) => [e.name, e.shape])).toEqual([
      ['fc1_voc12_d0/weights', [1, 1, 21, 20]],
      ['fc1_voc12_d0/biases', [20]],
    ]);
    expect(report.architecture.attention).toBe(true);
    expect(meta.dcsp).toEqual({ attentionLayer: 'fc1_voc12_d0' });
    expect(meta.layers.at(-1)).toMatchObject({ name: 'fc1_voc12_d0', kernel: [1, 1], inChannels: 21, outChannels: 20, bias: true });
  });

  it('a backbone without a head (deeplab_resnet_init-style, or an ImageNet ResNet with its classifier)', () => {
    const l = layout(101, { numClasses: 0, asppRates: [] });
    const random = seededRandom(9);
    const classifier: TfTensor = {
      name: 'fc1000/weights',
      dtype: 'float32',
      shape: [2048, 4],
      data: Float32Array.from({ length: 8192 }, random),
    };
    const { entries, meta, report } = tfCheckpointToWeights([...tensors(weights(l)), classifier]);
    expect(entries.some((e) => e.name.startsWith('fc'))).toBe(false);
    expect(meta).toMatchObject({ numClasses: 0, backboneOnly: true });
    expect(report.architecture.backboneOnly).toBe(true);
    expect(report.unknown.map((u) => u.name)).toEqual(['fc1000/weights']);
    expect(report.warnings.join()).toMatch(/no fc1_voc12_c\* head/);
  });

  it('lists optimiser slots and counters, skips them, and reports unknown variables', async () => {
    const l = layout(50);
    const entries = weights(l);
    const slots = entries.slice(0, 3).flatMap((e) => [
      { ...e, name: `${e.name}/Momentum` },
      { ...e, name: `${e.name}/Adam` },
      { ...e, name: `${e.name}/Adam_1` },
    ]);
    const extra = [
      { name: 'beta1_power', shape: [], data: Float32Array.of(0.9) },
      { name: 'beta2_power', shape: [], data: Float32Array.of(0.999) },
      { name: 'global_step', shape: [], data: BigInt64Array.of(3n) },
      { name: 'res9z_branch2a/weights', shape: [1], data: Float32Array.of(1) },
      { name: 'learning_rate', shape: [], data: Float32Array.of(1e-3) },
    ];
    const { index, data } = writeTfCheckpointV2([...entries, ...slots], undefined, { extra });
    const result = await convertTfCheckpoint(filesFromMap({ 'm.index': index, 'm.data-00000-of-00001': data }), 'm');
    expect(result.entries).toHaveLength(entries.length);
    expect(result.report.optimizerSlots).toHaveLength(9);
    expect(result.report.counters.map((c) => c.name).sort()).toEqual(['beta1_power', 'beta2_power', 'global_step']);
    expect(result.report.unknown.map((u) => u.name).sort()).toEqual(['learning_rate', 'res9z_branch2a/weights']);
    // Slots are listed, not read: only the index and one shard were read, and nothing failed on them.
    expect(result.filesRead).toHaveLength(2);
  });

  it('errors name the checkpoint and the variable', () => {
    const l = layout(50);
    const entries = weights(l);
    const opts = { checkpoint: 'snap/model.ckpt-5' };
    const missing = thrown(() => tfCheckpointToWeights(tensors(entries.filter((e) => e.name !== 'bn3a_branch1/gamma')), opts));
    expect(missing.message).toMatch(/^snap\/model\.ckpt-5: bn3a_branch1\/gamma: the checkpoint lacks bn3a_branch1\/gamma/);
    const shaped = entries.map((e) => (e.name === 'res3a_branch2b/weights' ? { ...e, shape: [1, 9, 8, 8] } : e));
    const bad = thrown(() => tfCheckpointToWeights(tensors(shaped), opts));
    expect([bad.code, bad.where]).toEqual(['shape-mismatch', 'res3a_branch2b/weights']);
    const none = thrown(() => tfCheckpointToWeights([], opts));
    expect(none.message).toMatch(/not a DeepLab-ResNet checkpoint: there is no conv1\/weights/);
    const int = tensors(entries).map(
      (t): TfTensor => (t.name === 'conv1/weights' ? { ...t, dtype: 'int32', data: new Int32Array(t.data.length) } : t),
    );
    expect(thrown(() => tfCheckpointToWeights(int, opts)).code).toBe('unsupported');
  });

  it('narrows float64 variables with a warning, and takes other ASPP rates and dilations from options', () => {
    const l = layout(50);
    const t = tensors(weights(l)).map(
      (x): TfTensor => (x.name === 'conv1/weights' ? { ...x, dtype: 'float64', data: Float64Array.from(x.data as Float32Array) } : x),
    );
    const { entries, meta, report } = tfCheckpointToWeights(t, { asppRates: [1, 2, 3, 4], dilations: [1, 2] });
    expect(report.warnings.join()).toMatch(/conv1\/weights is float64/);
    expect(entries[0]!.data).toBeInstanceOf(Float32Array);
    expect(meta.layers.find((x) => x.name === 'fc1_voc12_c2')?.dilation).toEqual([3, 3]);
    expect(meta.layers.find((x) => x.name === 'res5a_branch2b')?.dilation).toEqual([2, 2]);
  });

  it('the V2 writer warns about a BN epsilon the TF port does not use, and rejects bad entries', async () => {
    const entries = weights(layout(50));
    const { meta } = tfCheckpointToWeights(tensors(entries));
    expect(writeTfCheckpointV2(entries, { ...meta, bnEpsilon: 1e-5 }).warnings[0]).toMatch(/epsilon is 0\.00001|epsilon is 1e-5/);
    expect(thrown(() => writeTfCheckpointV2([entries[0]!, entries[0]!])).message).toMatch(/duplicate tensor name/);
    expect(thrown(() => writeTfCheckpointV2([{ name: 'w', shape: [3], data: new Float32Array(2) }])).code).toBe('bad-weights');
    const read = await readTfCheckpoint(
      filesFromMap({ 'x.index': writeTfCheckpointV2([]).index, 'x.data-00000-of-00001': new Uint8Array(0) }),
      'x',
    );
    expect(read.tensors).toEqual([]);
  });
});
