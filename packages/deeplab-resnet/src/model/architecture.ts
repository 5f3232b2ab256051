/**
 * The layer plan of DeepLab-v2 ResNet as deploy.prototxt defines it and the TensorFlow port
 * runs it: names, channel counts, strides and dilations. Pure data, shared by the variable
 * factory, the forward pass, the weight-name check and `model.json` metadata.
 */
import type { DeepLabConfig } from './config';

/** One convolution of the network. */
export interface ConvSpec {
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
  /** Whether the layer has biases (only the ASPP head). */
  bias: boolean;
  /** The BatchNorm layer that follows (`bn_conv1`, `bn4b3_branch2b`), if any. */
  bn?: string;
}

/** One bottleneck residual unit `resXY`: optional projection shortcut and three convolutions. */
export interface UnitSpec {
  /** Unit name, e.g. `res2a`, `res4b17`, `res5c`. */
  name: string;
  /** 1x1 projection shortcut (`resXY_branch1`), in the first unit of each stage. */
  branch1?: ConvSpec;
  /** 1x1 reduce, 3x3 (dilated in res4/res5), 1x1 expand. */
  branch2: [ConvSpec, ConvSpec, ConvSpec];
}

/** The whole network. */
export interface NetworkSpec {
  /** 7x7/2 stem convolution, followed by bn_conv1, ReLU and pool1 (3x3/2 max, 'SAME'). */
  conv1: ConvSpec;
  /** Residual units res2a … res5c in order. */
  units: UnitSpec[];
  /** ASPP branches `fc1_voc12_c0..c3`, summed into `fc1_voc12`. */
  aspp: ConvSpec[];
}

/** Kind of a network variable, i.e. the last component of its name. */
export type VariableKind = 'weights' | 'biases' | 'moving_mean' | 'moving_variance' | 'gamma' | 'beta';

/** A variable the network owns: its TF-port name and shape. */
export interface VariableSpec {
  /** `<layer>/<kind>`, e.g. `res2a_branch1/weights`, `bn2a_branch1/gamma`, `fc1_voc12_c0/biases`. */
  name: string;
  /** HWIO for weights, [channels] otherwise. */
  shape: number[];
  /** What it is. */
  kind: VariableKind;
  /** Layer it belongs to (convolution or BatchNorm name). */
  layer: string;
  /** For weights: the convolution, for initialisation (fan-in) and checks. */
  conv?: ConvSpec;
}

/** Stage res2..res5: bottleneck width at width multiplier 1, stride of the first unit, dilation of the 3x3s. */
const STAGES = [
  { stage: 2, mid: 64, stride: 1, dilation: 1 },
  { stage: 3, mid: 128, stride: 2, dilation: 1 },
  { stage: 4, mid: 256, stride: 1, dilation: 2 },
  { stage: 5, mid: 512, stride: 1, dilation: 4 },
] as const;

/** Channel count at a width multiplier: rounded, at least 1. */
export function scaledChannels(channels: number, widthMultiplier: number): number {
  return Math.max(1, Math.round(channels * widthMultiplier));
}

/** The BatchNorm layer name Caffe gives the BN after a convolution: `conv1` → `bn_conv1`, `res3b1_branch2a` → `bn3b1_branch2a`. */
export function bnNameFor(convName: string): string {
  return convName === 'conv1' ? 'bn_conv1' : convName.replace(/^res/, 'bn');
}

/**
 * Unit names of one stage, as Kaiming He's Caffe prototxts name them: letters (`res2a, res2b, …`)
 * in ResNet-50 and in res2/res5 of the deeper nets; `res3a, res3b1, res3b2, …` in res3 and res4
 * of ResNet-101/152 (any network with more than the 16 units of ResNet-50), and wherever a stage
 * has more than 26 units.
 */
export function unitNames(stage: number, count: number, blocks: readonly number[]): string[] {
  const total = blocks.reduce((a, b) => a + b, 0);
  const numbered = count > 26 || ((stage === 3 || stage === 4) && total > 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const suffix = i === 0 ? 'a' : numbered ? `b${i}` : String.fromCharCode(97 + i);
    names.push(`res${stage}${suffix}`);
  }
  return names;
}

/** Builds the layer plan of a configuration. */
export function networkSpec(config: DeepLabConfig): NetworkSpec {
  const w = config.widthMultiplier;
  const conv = (name: string, kernel: number, inChannels: number, outChannels: number, stride = 1, dilation = 1): ConvSpec => ({
    name,
    kernel,
    inChannels,
    outChannels,
    stride,
    dilation,
    bias: false,
    bn: bnNameFor(name),
  });
  const conv1 = conv('conv1', 7, config.inputChannels, scaledChannels(64, w), 2);
  const units: UnitSpec[] = [];
  let channels = conv1.outChannels;
  STAGES.forEach(({ stage, mid, stride, dilation }, s) => {
    const midChannels = scaledChannels(mid, w);
    const outChannels = scaledChannels(mid * 4, w);
    unitNames(stage, config.blocks[s] ?? 0, config.blocks).forEach((name, i) => {
      const first = i === 0;
      const unitStride = first ? stride : 1;
      const unit: UnitSpec = {
        name,
        branch2: [
          conv(`${name}_branch2a`, 1, channels, midChannels, unitStride),
          conv(`${name}_branch2b`, 3, midChannels, midChannels, 1, dilation),
          conv(`${name}_branch2c`, 1, midChannels, outChannels),
        ],
      };
      if (first) unit.branch1 = conv(`${name}_branch1`, 1, channels, outChannels, unitStride);
      units.push(unit);
      channels = outChannels;
    });
  });
  const aspp = config.asppRates.map(
    (rate, i): ConvSpec => ({
      name: `fc1_voc12_c${i}`,
      kernel: 3,
      inChannels: channels,
      outChannels: config.numClasses,
      stride: 1,
      dilation: rate,
      bias: true,
    }),
  );
  return { conv1, units, aspp };
}

/** Every convolution in graph order (conv1, then per unit branch1, branch2a..c, then the ASPP). */
export function allConvs(spec: NetworkSpec): ConvSpec[] {
  const convs: ConvSpec[] = [spec.conv1];
  for (const unit of spec.units) {
    if (unit.branch1) convs.push(unit.branch1);
    convs.push(...unit.branch2);
  }
  convs.push(...spec.aspp);
  return convs;
}

/** Every variable of the network, in graph order; BN as moving_mean, moving_variance, gamma, beta. */
export function variableSpecs(spec: NetworkSpec): VariableSpec[] {
  const vars: VariableSpec[] = [];
  for (const conv of allConvs(spec)) {
    vars.push({
      name: `${conv.name}/weights`,
      shape: [conv.kernel, conv.kernel, conv.inChannels, conv.outChannels],
      kind: 'weights',
      layer: conv.name,
      conv,
    });
    if (conv.bias) vars.push({ name: `${conv.name}/biases`, shape: [conv.outChannels], kind: 'biases', layer: conv.name, conv });
    if (conv.bn) {
      for (const kind of ['moving_mean', 'moving_variance', 'gamma', 'beta'] as const) {
        vars.push({ name: `${conv.bn}/${kind}`, shape: [conv.outChannels], kind, layer: conv.bn });
      }
    }
  }
  return vars;
}

/** Output spatial size of the network (logits) for an input size: 'SAME' stride 2 three times, i.e. `ceil(ceil(ceil(n/2)/2)/2)`. */
export function logitsSize(inSize: number): number {
  return Math.ceil(Math.ceil(Math.ceil(inSize / 2) / 2) / 2);
}
