import { IMG_MEAN_BGR } from '@objsel/voc-data';
import { version } from '../../package.json';
import { DeeplabError } from '../errors';
import type { DeepLabResNet } from '../model/deeplab';
import type { ConvSpec } from '../model/architecture';
import { FoldedDeepLab, foldConv } from '../model/folded';
import { deepLabGraph, ONNX_INPUT, ONNX_LOGITS, ONNX_UPSAMPLED, type FoldedWeightSource, type OnnxLogitsHead } from './deeplab-graph';
import { infoToMetadata, type OnnxModelInfo } from './metadata';
import { IR_VERSION, OPSET_VERSION } from './proto';
import { serializeModel } from './writer';

/** `ModelProto.producer_name` of the files {@link exportOnnx} writes. */
export const ONNX_PRODUCER = '@objsel/deeplab-resnet';

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /**
   * Add a second output `fc1_voc12_upsampled`: the logits resized to the input size with TF1
   * `resize_bilinear` semantics (what inference upsamples before the argmax).
   */
  withUpsampled?: boolean;
  /** Extra 1x1 heads on the logits, each one more output (DCSP's attention layer: see `@objsel/dcsp`). */
  heads?: readonly OnnxLogitsHead[];
  /**
   * The per-channel mean the input has had subtracted, in input-channel order (metadata only).
   * Default: the ImageNet BGR mean for 3 channels; other networks must give it (the interactive
   * one: `exportInteractiveOnnx` of `@objsel/deeplab-resnet/interactive`).
   */
  inputMean?: readonly number[];
  /** Names of the input channels (metadata only; defaults as {@link inputMean}). */
  inputChannelNames?: readonly string[];
  /** What the input holds, for the metadata (default: derived from the names and the mean). */
  inputDescription?: string;
  /** The model's `doc_string` (default: the network's architecture and sizes). */
  description?: string;
  /** The weights' name or hash (`sha256:…`), recorded in the metadata; default `unspecified`. */
  sourceWeights?: string;
  /** Class names, recorded in the metadata when given (one per logit channel). */
  classNames?: readonly string[];
}

/** Input channel names of the semantic network. */
const BGR = ['B', 'G', 'R'];

/** The input defaults of an RGB network (other networks name their own). */
const RGB_INPUT = {
  mean: [...IMG_MEAN_BGR],
  names: BGR,
  description:
    'float32 NCHW; channels B, G, R: 8-bit pixel values (0..255) in BGR order minus input_mean (the ImageNet BGR mean); no scaling',
};

/**
 * The network as an ONNX model (opset 17), ready for ONNX Runtime and other ONNX consumers: the
 * inference graph with BatchNorm folded into the convolutions (the weights and folding of
 * {@link FoldedDeepLab}; a {@link DeepLabResNet} is folded first), native dilation, TF 'SAME'
 * padding reproduced exactly (run-time `Pad` before the stride-2 layers), max pooling that
 * ignores its padding, and the ASPP sum.
 *
 * Input `data`: float32 `N x C x H x W`, N, H and W symbolic, holding what
 * {@link DeepLabResNet.forward} takes in NHWC (BGR minus the mean, plus the click maps minus
 * theirs for an interactive network); output `fc1_voc12`: the raw logits
 * `N x classes x ceil(H/8) x ceil(W/8)`; with `withUpsampled`, `fc1_voc12_upsampled` at the
 * input size; one output per head. `metadata_props` describe the input (see {@link readOnnxInfo}).
 *
 * Memory: one buffer of the file's size, plus one layer's folded weights at a time.
 *
 * @example
 * ```ts
 * const bytes = exportOnnx(model, { withUpsampled: true, sourceWeights: 'sha256:…' });
 * await fs.writeFile('model.onnx', bytes);
 * ```
 * @throws DeeplabError `bad-config` for an invalid head or option, `bad-weights` for a disposed network.
 */
export function exportOnnx(network: DeepLabResNet | FoldedDeepLab, options: ExportOnnxOptions = {}): Uint8Array {
  const weights = network instanceof FoldedDeepLab ? foldedNetworkWeights(network) : foldedOneByOne(network);
  const { config, spec } = network;
  const defaults = config.inputChannels === 3 ? RGB_INPUT : undefined;
  const mean = options.inputMean ? [...options.inputMean] : defaults?.mean;
  const names = options.inputChannelNames ? [...options.inputChannelNames] : defaults?.names;
  if (!mean || mean.length !== config.inputChannels || !mean.every(Number.isFinite)) {
    throw new DeeplabError('bad-config', `inputMean needs ${config.inputChannels} finite numbers (one per input channel)`, {
      where: 'inputMean',
    });
  }
  if (!names || names.length !== config.inputChannels) {
    throw new DeeplabError('bad-config', `inputChannelNames needs ${config.inputChannels} names`, { where: 'inputChannelNames' });
  }
  if (options.classNames && options.classNames.length !== config.numClasses) {
    throw new DeeplabError('bad-config', `classNames has ${options.classNames.length} names for ${config.numClasses} classes`, {
      where: 'classNames',
    });
  }
  const heads = options.heads ?? [];
  const graph = deepLabGraph(spec, config, weights, { withUpsampled: options.withUpsampled === true, heads });
  const outputs: Record<string, string> = {
    [ONNX_LOGITS]: `raw logits (no softmax/sigmoid), N x ${config.numClasses} x ceil(H/8) x ceil(W/8)`,
  };
  if (options.withUpsampled) {
    outputs[ONNX_UPSAMPLED] =
      `${ONNX_LOGITS} resized to H x W, bilinear as TF1 resize_bilinear (align_corners=false, half_pixel_centers=false)`;
  }
  for (const head of heads)
    outputs[head.name] = `1x1 convolution (with bias) of ${ONNX_LOGITS}, N x ${head.weights.shape[3]} x ceil(H/8) x ceil(W/8)`;
  const info: OnnxModelInfo = {
    architecture: 'deeplab-v2-resnet',
    classes: config.numClasses,
    ...(options.classNames ? { classNames: [...options.classNames] } : {}),
    inputChannels: config.inputChannels,
    inputChannelNames: names,
    inputMean: mean,
    inputDescription:
      options.inputDescription ??
      (options.inputMean || options.inputChannelNames || !defaults
        ? `float32 NCHW; channels ${names.join(', ')}, each minus its input_mean entry`
        : defaults.description),
    bnEpsilon: config.bnEpsilon,
    blocks: [...config.blocks],
    widthMultiplier: config.widthMultiplier,
    asppRates: [...config.asppRates],
    outputStride: 8,
    sourceWeights: options.sourceWeights ?? 'unspecified',
    objselVersion: version,
    outputs,
  };
  const depth = 2 + 3 * config.blocks.reduce((a, b) => a + b, 0);
  const { graph: graphMessage, initializers } = graph.build(
    `DeepLab-v2 ResNet-${depth} (width x${config.widthMultiplier}), BatchNorm folded; input ${ONNX_INPUT}: ${info.inputDescription}`,
  );
  // The model's own fields, metadata included, precede the graph in the file, so readOnnxInfo
  // can read them from the file's first kilobytes.
  return serializeModel(
    {
      ir_version: IR_VERSION,
      opset_import: [{ domain: '', version: OPSET_VERSION }],
      producer_name: ONNX_PRODUCER,
      producer_version: version,
      doc_string:
        options.description ??
        `DeepLab-v2 ResNet network (${config.inputChannels} input channels, ${config.numClasses} outputs) exported by objsel`,
      metadata_props: infoToMetadata(info),
    },
    graphMessage,
    initializers,
  );
}

/** The weights of an already folded network. */
function foldedNetworkWeights(folded: FoldedDeepLab): FoldedWeightSource {
  return {
    filter: (conv) => folded.foldedConv(conv.name).filter.dataSync() as Float32Array,
    bias: (conv) => folded.foldedConv(conv.name).bias.dataSync() as Float32Array,
  };
}

/**
 * A model's weights folded one convolution at a time as the file is written (the writer asks for
 * a filter, then its bias), so the export never holds a folded copy of the whole network: the
 * same numbers as {@link FoldedDeepLab.fromModel}, which folds with the same {@link foldConv}.
 */
function foldedOneByOne(model: DeepLabResNet): FoldedWeightSource {
  let last: { name: string; filter: Float32Array; bias: Float32Array } | undefined;
  const folded = (conv: ConvSpec) => {
    if (last?.name !== conv.name) {
      const { filter, bias } = foldConv(model, conv);
      try {
        last = { name: conv.name, filter: filter.dataSync() as Float32Array, bias: bias.dataSync() as Float32Array };
      } finally {
        filter.dispose();
        bias.dispose();
      }
    }
    return last;
  };
  return { filter: (conv) => folded(conv).filter, bias: (conv) => folded(conv).bias };
}
