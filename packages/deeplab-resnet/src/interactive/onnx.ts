/**
 * The interactive network on ONNX: its export (the 5-channel input described in the model's
 * metadata) and its object probability from an {@link OnnxSegmenter} session, as
 * `InteractiveSegmenter.segment` computes it on TF.js.
 */
import { DeeplabError } from '../errors';
import type { DeepLabResNet } from '../model/deeplab';
import type { FoldedDeepLab } from '../model/folded';
import { exportOnnx, type ExportOnnxOptions } from '../onnx/export';
import type { OnnxWeightsExporter } from '../onnx/open';
import type { OnnxSegmenter } from '../onnx/segmenter';
import { INTERACTIVE_MEAN, preprocessInteractive } from './input';
import { loadInteractiveNetwork } from './load-network';
import { isInteractiveConfig } from './model';
import type { InteractiveProbabilityModel } from './probability-model';

/** Input channel names of the interactive network, in input order. */
export const INTERACTIVE_CHANNEL_NAMES = ['B', 'G', 'R', 'positive_click_distance', 'negative_click_distance'] as const;

const INPUT_DESCRIPTION =
  'float32 NCHW; channels B, G, R (pixel values 0..255), then the positive and negative click distance maps ' +
  '(min(scale * Euclidean distance in pixels to the nearest click of that kind, 255), 255 everywhere without such a click; ' +
  'scale as in training, 1 by default), each channel minus its input_mean entry';

/**
 * `exportOnnx` for the interactive network: Deep Interactive Object Selection's 5-channel mean
 * and channel names in the metadata unless `options` give others.
 *
 * @throws DeeplabError `bad-config` when the network is not interactive (5 inputs, 1 output).
 */
export function exportInteractiveOnnx(network: DeepLabResNet | FoldedDeepLab, options: ExportOnnxOptions = {}): Uint8Array {
  if (!isInteractiveConfig(network.config)) {
    throw new DeeplabError(
      'bad-config',
      `not an interactive network (${network.config.inputChannels} input channels, ${network.config.numClasses} outputs; expected 5 and 1)`,
    );
  }
  return exportOnnx(network, {
    inputMean: INTERACTIVE_MEAN,
    inputChannelNames: INTERACTIVE_CHANNEL_NAMES,
    inputDescription: INPUT_DESCRIPTION,
    description: 'Deep Interactive Object Selection network (DeepLab-v2 ResNet, 5 input channels, 1 output) exported by objsel',
    ...options,
  });
}

/**
 * Object probability per pixel (`width * height`) of a raw 5-channel input (R, G, B, positive
 * and negative click distance) on an ONNX session of the interactive network, as
 * `InteractiveSegmenter.segment`: preprocessing with the interactive mean, TF1-bilinear
 * upsampling, sigmoid.
 *
 * @throws DeeplabError `bad-config` when the session's model is not interactive.
 */
export async function onnxProbability(
  segmenter: OnnxSegmenter,
  raw: ArrayLike<number>,
  width: number,
  height: number,
  mean: readonly number[] = INTERACTIVE_MEAN,
): Promise<Float32Array> {
  if (!isInteractiveConfig({ inputChannels: segmenter.inputChannels, numClasses: segmenter.numClasses })) {
    throw new DeeplabError(
      'bad-config',
      `an interactive model has 5 input channels and 1 output, this one ${segmenter.inputChannels} and ${segmenter.numClasses}`,
    );
  }
  const { upsampled } = await segmenter.run(preprocessInteractive(raw, height, width, mean), height, width);
  const p = upsampled.data;
  for (let i = 0; i < p.length; i++) p[i] = 1 / (1 + Math.exp(-p[i]!));
  return p;
}

/**
 * The interactive network on ONNX Runtime as an {@link InteractiveProbabilityModel}, so the
 * predictor, sessions and NoC run on it unchanged (no f-BRS: that optimises the TF.js graph).
 * Owns the session: {@link dispose} releases it.
 */
export class OnnxInteractiveModel implements InteractiveProbabilityModel {
  private constructor(
    /** The ONNX Runtime session. */
    readonly segmenter: OnnxSegmenter,
    private readonly mean: readonly number[],
  ) {}

  /**
   * @throws DeeplabError `bad-config` when the session's model is not interactive.
   */
  static fromSegmenter(segmenter: OnnxSegmenter, mean: readonly number[] = segmenter.info.inputMean): OnnxInteractiveModel {
    if (!isInteractiveConfig({ inputChannels: segmenter.inputChannels, numClasses: segmenter.numClasses })) {
      throw new DeeplabError(
        'bad-config',
        `an interactive model has 5 input channels and 1 output, this one ${segmenter.inputChannels} and ${segmenter.numClasses}`,
      );
    }
    return new OnnxInteractiveModel(segmenter, mean);
  }

  segment(raw: ArrayLike<number>, width: number, height: number): Promise<Float32Array> {
    return onnxProbability(this.segmenter, raw, width, height, this.mean);
  }

  dispose(): Promise<void> {
    return this.segmenter.dispose();
  }
}

/**
 * The exporter `openOnnxSegmenter` calls on a cache miss for interactive weights:
 * `loadInteractiveNetwork`, then {@link exportInteractiveOnnx} with the upsampled output. Needs a TF.js backend.
 */
export function interactiveOnnxExporter(): OnnxWeightsExporter {
  return async ({ files, weightsPath, sourceWeights }) => {
    const network = await loadInteractiveNetwork(files, weightsPath);
    try {
      return exportInteractiveOnnx(network, { withUpsampled: true, sourceWeights });
    } finally {
      network.dispose();
    }
  };
}
