/**
 * The names and shapes of DeepLab-v2 ResNet's variables as the TensorFlow port (DrSleep's
 * `deeplab_resnet/model.py`, generated from the Caffe deploy.prototxt) creates them, which are
 * objsel's weight names: `conv1/weights` (HWIO), `bn_conv1/{moving_mean,moving_variance,gamma,beta}`,
 * per residual unit `res<stage><unit>_branch1` (first unit of each stage) and
 * `res<stage><unit>_branch2{a,b,c}` with `bn<stage><unit>_branch*`, the ASPP head
 * `fc1_voc12_c<k>/{weights,biases}` and, in DCSP, the attention layer `fc1_voc12_d0`. Units are
 * named as Kaiming He's Caffe prototxts name them (`res4a, res4b1 ... res4b22` in ResNet-101).
 */
import type { ObjselLayerSpec } from '../weights-format';

/** Residual units per stage res2..res5 of the standard depths. */
export const RESNET_BLOCKS: Readonly<Record<50 | 101 | 152, readonly number[]>> = {
  50: [3, 4, 6, 3],
  101: [3, 4, 23, 3],
  152: [3, 8, 36, 3],
};

/** The DeepLab-v2 ResNet a checkpoint holds. */
export interface ResnetLayout {
  /** Channels of the input (3 RGB, 5 for interactive selection). */
  inputChannels: number;
  /** conv1's outputs / 64. */
  widthMultiplier: number;
  /** Residual units per stage res2..res5. */
  blocks: number[];
  /** Output classes of the ASPP head; 0 when there is no head (a backbone). */
  numClasses: number;
  /** Dilation of each ASPP branch `fc1_voc12_c<k>` (empty for a backbone). */
  asppRates: number[];
  /** Dilation of the 3x3 convolutions of res4 and res5 (the TF port: 2 and 4). */
  dilations: [number, number];
  /** DCSP's attention layer `fc1_voc12_d0` (numClasses → numClasses - 1). */
  attention: boolean;
}

/** One convolution of the network. */
export interface LayoutConv {
  /** Caffe / TF-port layer name, e.g. `res4b3_branch2b`; its variables are `<name>/weights` (+ `<name>/biases`). */
  name: string;
  /** Square kernel size. */
  kernel: number;
  /** Input channels. */
  inChannels: number;
  /** Output channels. */
  outChannels: number;
  /** Stride (2 only in conv1, res3a_branch1 and res3a_branch2a). */
  stride: number;
  /** Dilation rate (2 in res4 3x3s, 4 in res5 3x3s, 6/12/18/24 in the ASPP head). */
  dilation: number;
  /** Whether the layer has biases (the ASPP head and the attention layer). */
  bias: boolean;
  /** The BatchNorm layer that follows (`bn_conv1`, `bn4b3_branch2b`), if any. */
  bn?: string;
}

/** The name of DCSP's attention layer. */
export const ATTENTION_LAYER = 'fc1_voc12_d0';

/**
 * Unit names of one stage, as Kaiming He's Caffe prototxts name them: letters (`res2a, res2b, …`)
 * in ResNet-50 and in res2/res5 of the deeper nets; `res3a, res3b1, res3b2, …` in res3 and res4
 * of ResNet-101/152 (any network with more than the 16 units of ResNet-50), and wherever a stage
 * has more than 26 units.
 */
export function unitNames(stage: number, count: number, blocks: readonly number[]): string[] {
  const total = blocks.reduce((a, b) => a + b, 0);
  const numbered = count > 26 || ((stage === 3 || stage === 4) && total > 16);
  return Array.from({ length: count }, (_, i) => `res${stage}${i === 0 ? 'a' : numbered ? `b${i}` : String.fromCharCode(97 + i)}`);
}

/** `conv1` → `bn_conv1`, `res3b1_branch2a` → `bn3b1_branch2a`. */
export function bnNameFor(conv: string): string {
  return conv === 'conv1' ? 'bn_conv1' : conv.replace(/^res/, 'bn');
}

const STAGES = [
  { stage: 2, mid: 64, stride: 1 },
  { stage: 3, mid: 128, stride: 2 },
  { stage: 4, mid: 256, stride: 1 },
  { stage: 5, mid: 512, stride: 1 },
] as const;

/** Channel count at a width multiplier: rounded, at least 1. */
function scaledChannels(channels: number, widthMultiplier: number): number {
  return Math.max(1, Math.round(channels * widthMultiplier));
}

/** Every convolution in graph order: conv1, each unit's branch1 and branch2a..c, the ASPP, the attention layer. */
export function layoutConvs(layout: ResnetLayout): LayoutConv[] {
  const w = layout.widthMultiplier;
  const conv = (name: string, kernel: number, inChannels: number, outChannels: number, stride = 1, dilation = 1): LayoutConv => ({
    name,
    kernel,
    inChannels,
    outChannels,
    stride,
    dilation,
    bias: false,
    bn: bnNameFor(name),
  });
  const convs: LayoutConv[] = [conv('conv1', 7, layout.inputChannels, scaledChannels(64, w), 2)];
  let channels = convs[0]!.outChannels;
  STAGES.forEach(({ stage, mid, stride }, s) => {
    const dilation = stage === 4 ? layout.dilations[0] : stage === 5 ? layout.dilations[1] : 1;
    const m = scaledChannels(mid, w);
    const out = scaledChannels(mid * 4, w);
    unitNames(stage, layout.blocks[s] ?? 0, layout.blocks).forEach((unit, i) => {
      const unitStride = i === 0 ? stride : 1;
      if (i === 0) convs.push(conv(`${unit}_branch1`, 1, channels, out, unitStride));
      convs.push(conv(`${unit}_branch2a`, 1, channels, m, unitStride));
      convs.push(conv(`${unit}_branch2b`, 3, m, m, 1, dilation));
      convs.push(conv(`${unit}_branch2c`, 1, m, out));
      channels = out;
    });
  });
  layout.asppRates.forEach((rate, k) => {
    convs.push({
      name: `fc1_voc12_c${k}`,
      kernel: 3,
      inChannels: channels,
      outChannels: layout.numClasses,
      stride: 1,
      dilation: rate,
      bias: true,
    });
  });
  if (layout.attention) {
    convs.push({
      name: ATTENTION_LAYER,
      kernel: 1,
      inChannels: layout.numClasses,
      outChannels: layout.numClasses - 1,
      stride: 1,
      dilation: 1,
      bias: true,
    });
  }
  return convs;
}

/** Every variable (name and shape) in graph order; BN as moving_mean, moving_variance, gamma, beta. */
export function layoutVariables(layout: ResnetLayout): Array<{ name: string; shape: number[] }> {
  const vars: Array<{ name: string; shape: number[] }> = [];
  for (const c of layoutConvs(layout)) {
    vars.push({ name: `${c.name}/weights`, shape: [c.kernel, c.kernel, c.inChannels, c.outChannels] });
    if (c.bias) vars.push({ name: `${c.name}/biases`, shape: [c.outChannels] });
    if (c.bn)
      for (const k of ['moving_mean', 'moving_variance', 'gamma', 'beta']) vars.push({ name: `${c.bn}/${k}`, shape: [c.outChannels] });
  }
  return vars;
}

/**
 * The `layers` of the objsel network description: every convolution with Caffe's symmetric
 * padding (`dilation * (kernel - 1) / 2`) and pool1 (3x3/2 max) after conv1, as deeplab-resnet
 * describes its own networks.
 */
export function layoutLayerSpecs(layout: ResnetLayout): ObjselLayerSpec[] {
  return convLayerSpecs(layoutConvs(layout));
}

/** The `layers` of a network description for its convolutions in graph order (conv1 first). */
export function convLayerSpecs(convs: readonly LayoutConv[]): ObjselLayerSpec[] {
  const spec = (c: LayoutConv): ObjselLayerSpec => {
    const pad = (c.dilation * (c.kernel - 1)) / 2;
    return {
      name: c.name,
      type: 'Convolution',
      kernel: [c.kernel, c.kernel],
      stride: [c.stride, c.stride],
      dilation: [c.dilation, c.dilation],
      pad: [pad, pad],
      inChannels: c.inChannels,
      outChannels: c.outChannels,
      bias: c.bias,
      group: 1,
    };
  };
  const [conv1, ...rest] = convs;
  if (!conv1) return [];
  const pool1: ObjselLayerSpec = {
    name: 'pool1',
    type: 'Pooling',
    kernel: [3, 3],
    stride: [2, 2],
    dilation: [1, 1],
    pad: [1, 1],
    bias: false,
    pool: 'MAX',
    roundMode: 'CEIL',
  };
  return [spec(conv1), pool1, ...rest.map(spec)];
}
