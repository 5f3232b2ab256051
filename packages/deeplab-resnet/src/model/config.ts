import { DeeplabError } from '../errors';
import { RESNET_BLOCKS } from '@objsel/caffe-import';

/** The shape of a DeepLab-v2 ResNet: everything needed to build its variables and graph. */
export interface DeepLabConfig {
  /** Channels of the input: 3 (BGR minus the mean), or 5 for interactive selection (BGR + two click maps). */
  inputChannels: number;
  /** Outputs of the ASPP head (`fc1_voc12_c*`): 21 for PASCAL VOC, 1 or 2 for object selection. */
  numClasses: number;
  /** Residual units in res2..res5: [3, 4, 6, 3] ResNet-50, [3, 4, 23, 3] ResNet-101, [3, 8, 36, 3] ResNet-152. */
  blocks: number[];
  /** Scales every channel count (1 = the published network; e.g. 0.125 for small test and demo models). */
  widthMultiplier: number;
  /** BatchNorm epsilon (1e-5 = Caffe's default; the TF port's slim default is 1e-3). */
  bnEpsilon: number;
  /** Dilation rates of the four ASPP branches `fc1_voc12_c0..c3` (DeepLab-v2 ASPP-L: 6, 12, 18, 24). */
  asppRates: number[];
}

/** Caffe's BatchNorm epsilon default (no `eps` in deploy.prototxt). */
export const CAFFE_BN_EPSILON = 1e-5;

/** DeepLab-v2 ASPP-L rates. */
export const ASPP_RATES: readonly number[] = [6, 12, 18, 24];

/**
 * The configuration of DeepLab-v2 on a Caffe ResNet of the given depth: 3 input channels,
 * 21 classes (PASCAL VOC), full width, Caffe's BN epsilon, ASPP rates 6/12/18/24; `overrides`
 * replace any of these.
 *
 * @example
 * ```ts
 * const tiny = resnetConfig(50, { widthMultiplier: 0.125, blocks: [1, 1, 1, 1], numClasses: 3 });
 * ```
 * @throws DeeplabError `bad-config` for an unknown depth or an invalid override.
 */
export function resnetConfig(depth: 50 | 101 | 152, overrides: Partial<DeepLabConfig> = {}): DeepLabConfig {
  const blocks = RESNET_BLOCKS[depth];
  if (!blocks) throw new DeeplabError('bad-config', `unknown ResNet depth ${String(depth)} (expected 50, 101 or 152)`);
  const config: DeepLabConfig = {
    inputChannels: 3,
    numClasses: 21,
    blocks: [...blocks],
    widthMultiplier: 1,
    bnEpsilon: CAFFE_BN_EPSILON,
    asppRates: [...ASPP_RATES],
    ...overrides,
  };
  validateConfig(config);
  return config;
}

function positiveInteger(n: unknown): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
}

/**
 * Checks a configuration and throws a {@link DeeplabError} `bad-config` naming the first bad
 * field.
 */
export function validateConfig(config: DeepLabConfig): void {
  const bad = (field: string, message: string): never => {
    throw new DeeplabError('bad-config', `${field} ${message}`, { where: field });
  };
  if (!positiveInteger(config.inputChannels)) bad('inputChannels', `must be a positive integer, got ${String(config.inputChannels)}`);
  if (!positiveInteger(config.numClasses)) bad('numClasses', `must be a positive integer, got ${String(config.numClasses)}`);
  if (!Array.isArray(config.blocks) || config.blocks.length !== 4 || !config.blocks.every(positiveInteger)) {
    bad('blocks', `must be four positive integers (units in res2..res5), got ${JSON.stringify(config.blocks)}`);
  }
  if (typeof config.widthMultiplier !== 'number' || !(config.widthMultiplier > 0) || !Number.isFinite(config.widthMultiplier)) {
    bad('widthMultiplier', `must be a positive number, got ${String(config.widthMultiplier)}`);
  }
  if (typeof config.bnEpsilon !== 'number' || !(config.bnEpsilon > 0) || !Number.isFinite(config.bnEpsilon)) {
    bad('bnEpsilon', `must be a positive number, got ${String(config.bnEpsilon)}`);
  }
  if (!Array.isArray(config.asppRates) || config.asppRates.length === 0 || !config.asppRates.every(positiveInteger)) {
    bad('asppRates', `must be a non-empty list of positive integers, got ${JSON.stringify(config.asppRates)}`);
  }
}
