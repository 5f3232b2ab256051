/**
 * The layer plan of DeepLab-v2 ResNet as deploy.prototxt defines it and the TensorFlow port
 * runs it: names, channel counts, strides and dilations. Pure data, shared by the variable
 * factory, the forward pass, the weight-name check and `model.json` metadata.
 */
import { layoutConvs, type LayoutConv } from '@objsel/caffe-import';
import type { DeepLabConfig } from './config';

/** One convolution of the network: caffe-import's layout owns ResNet's names and shapes. */
export type ConvSpec = LayoutConv;

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

/** DeepLab-v2's dilations of the 3x3 convolutions in res4 and res5 (output stride 8). */
const RES4_RES5_DILATIONS: [number, number] = [2, 4];

/** Builds the layer plan of a configuration: caffe-import's convolution list, grouped into units. */
export function networkSpec(config: DeepLabConfig): NetworkSpec {
  const [conv1, ...rest] = layoutConvs({
    inputChannels: config.inputChannels,
    widthMultiplier: config.widthMultiplier,
    blocks: config.blocks,
    numClasses: config.numClasses,
    asppRates: config.asppRates,
    dilations: RES4_RES5_DILATIONS,
    attention: false,
  });
  const units: UnitSpec[] = [];
  const aspp: ConvSpec[] = [];
  let branch2: ConvSpec[] = [];
  let branch1: ConvSpec | undefined;
  for (const conv of rest) {
    if (!conv.bn) {
      aspp.push(conv);
      continue;
    }
    // `res4b3_branch2a` → unit `res4b3`; a unit ends with its branch2c.
    const [unit, branch] = conv.name.split('_');
    if (branch === 'branch1') branch1 = conv;
    else branch2.push(conv);
    if (branch === 'branch2c') {
      units.push({ name: unit!, ...(branch1 ? { branch1 } : {}), branch2: branch2 as UnitSpec['branch2'] });
      branch2 = [];
      branch1 = undefined;
    }
  }
  return { conv1: conv1!, units, aspp };
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
