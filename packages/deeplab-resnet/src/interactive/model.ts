import * as tf from '@tensorflow/tfjs-core';
import { INTERACTIVE_CHANNELS } from '@objsel/clicks';
import type { ObjselNetworkMeta, WeightEntry } from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import { resnetConfig, type DeepLabConfig } from '../model/config';
import { DeepLabResNet, configFromMeta, isBackboneMeta } from '../model/deeplab';
import { initializeHeadLikeTfPort } from '../train/head-init';
import { isLastLayer } from '../train/param-groups';

/**
 * The interactive network of Deep Interactive Object Selection on a Caffe ResNet: 5 input
 * channels (BGR + two click distance maps), one output (object logit), everything else as
 * {@link resnetConfig} (ASPP rates 6/12/18/24, Caffe BN epsilon); `overrides` may shrink it.
 */
export function interactiveConfig(depth: 50 | 101 | 152 = 101, overrides: Partial<DeepLabConfig> = {}): DeepLabConfig {
  return resnetConfig(depth, { ...overrides, inputChannels: INTERACTIVE_CHANNELS, numClasses: 1 });
}

/** True when a configuration is an interactive (5-channel, 1-output) network. */
export function isInteractiveConfig(config: Pick<DeepLabConfig, 'inputChannels' | 'numClasses'>): boolean {
  return config.inputChannels === INTERACTIVE_CHANNELS && config.numClasses === 1;
}

/** How the filters of the new input channels start (see {@link expandInputChannels}). */
export interface ChannelInit {
  /**
   * `zeros` (default): the expanded network computes exactly the pretrained 3-channel function
   * at the start, and the click channels' filters grow from their gradient (which is non-zero:
   * the centred click maps are far from 0). `gaussian`: N(0, std²) draws, seeded.
   */
  init?: 'zeros' | 'gaussian';
  /** Standard deviation for `gaussian` (default: that of the existing filters). */
  std?: number;
  /** Seed for `gaussian` (default 1). */
  seed?: number;
}

/** splitmix32 in [0, 1): a small seeded source for the Gaussian init (no TF.js needed). */
function uniformSource(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/**
 * Widens a first-layer kernel (HWIO `[kh, kw, in, out]`) to `in + extra` input channels: the
 * existing filters are copied unchanged into channels `0..in-1` and the new channels'
 * filters start as {@link ChannelInit} says. With zero-valued new input channels the widened
 * kernel therefore gives exactly the original response, whatever the init.
 */
export function expandInputChannels(entry: WeightEntry, extra: number, options: ChannelInit = {}): WeightEntry {
  const [kh, kw, cin, cout] = entry.shape;
  if (entry.shape.length !== 4 || !kh || !kw || !cin || !cout)
    throw new DeeplabError('bad-weights', `expected an HWIO kernel, got shape [${entry.shape.join(',')}]`, { where: entry.name });
  if (!Number.isSafeInteger(extra) || extra < 1)
    throw new DeeplabError('bad-config', `extra input channels must be a positive integer, got ${extra}`);
  if (entry.data.length !== kh * kw * cin * cout)
    throw new DeeplabError('bad-weights', `holds ${entry.data.length} values for shape [${entry.shape.join(',')}]`, { where: entry.name });
  const wide = cin + extra;
  const out = new Float32Array(kh * kw * wide * cout);
  let std = options.std;
  if ((options.init ?? 'zeros') === 'gaussian' && std === undefined) {
    let sum = 0;
    let sq = 0;
    for (const v of entry.data) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / entry.data.length;
    std = Math.sqrt(Math.max(0, sq / entry.data.length - mean * mean));
  }
  const random = uniformSource(options.seed ?? 1);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  for (let k = 0; k < kh * kw; k++) {
    for (let i = 0; i < wide; i++) {
      for (let o = 0; o < cout; o++) {
        out[(k * wide + i) * cout + o] =
          i < cin ? entry.data[(k * cin + i) * cout + o]! : options.init === 'gaussian' ? std! * gaussian() : 0;
      }
    }
  }
  return { name: entry.name, shape: [kh, kw, wide, cout], data: out };
}

/** Options of {@link interactiveFromPretrained}. */
export interface InteractiveFromPretrainedOptions extends ChannelInit {
  /** Seed of the new head (`fc1_voc12_c*`: Gaussian std 0.01, zero biases). Default 1. */
  headSeed?: number;
  /** BatchNorm epsilon override (0.001 = the TF port's slim default). */
  bnEpsilon?: number;
}

/**
 * The interactive network from converted or trained weights. Weights that already describe a
 * 5-channel, 1-output network load as they are. Weights of a 3-channel segmentation network
 * (e.g. `objsel convert` of the DeepLab-ResNet-101 caffemodel) give its backbone; `conv1` is
 * widened to 5 input channels by {@link expandInputChannels} (RGB filters kept, click-map
 * filters zero unless `init: 'gaussian'`), and the head `fc1_voc12_c*` starts afresh with one
 * output (Gaussian std 0.01, zero biases: Caffe's fc8 fillers; Glorot uniform, the TF port's,
 * on a ResNet backbone without a head). BatchNorm statistics are kept.
 *
 * @throws DeeplabError `bad-weights` when the weights are neither a 3- nor a 5-channel network,
 * or a backbone variable is missing or mis-shaped.
 */
export function interactiveFromPretrained(
  entries: WeightEntry[],
  meta: ObjselNetworkMeta,
  options: InteractiveFromPretrainedOptions = {},
): DeepLabResNet {
  const eps = options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon };
  const backbone = isBackboneMeta(meta);
  const base = configFromMeta(meta, { ...eps, ...(backbone ? { numClasses: 1 } : {}) });
  if (isInteractiveConfig(base) && !backbone) return DeepLabResNet.fromWeights(entries, meta, eps);
  if (base.inputChannels !== 3) {
    throw new DeeplabError(
      'bad-weights',
      `weights with ${base.inputChannels} input channels and ${base.numClasses} outputs are neither an RGB network to widen nor an interactive one`,
      {
        where: 'objsel.inputChannels',
      },
    );
  }
  const net = DeepLabResNet.create({ ...base, inputChannels: INTERACTIVE_CHANNELS, numClasses: 1 }, { seed: options.headSeed ?? 1 });
  try {
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const [name, v] of net.variables) {
      if (isLastLayer(name)) continue; // the new one-output head keeps its fresh initialisation
      let e = byName.get(name);
      if (e && name === 'conv1/weights') e = expandInputChannels(e, INTERACTIVE_CHANNELS - 3, options);
      if (!e || e.shape.length !== v.shape.length || e.shape.some((d, i) => d !== v.shape[i])) {
        throw new DeeplabError(
          'bad-weights',
          e ? `shape [${e.shape.join(',')}] does not fit [${v.shape.join(',')}]` : 'missing from the pretrained weights',
          { where: name },
        );
      }
      const data = e.data;
      tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
    }
    if (backbone) initializeHeadLikeTfPort(net, options.headSeed ?? 1);
  } catch (error) {
    net.dispose();
    throw error;
  }
  return net;
}
