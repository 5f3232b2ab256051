import { exportOnnx, type ExportOnnxOptions, type OnnxLogitsHead } from '@objsel/deeplab-resnet';
import { DcspError } from './errors';
import { ATTENTION_BIASES, ATTENTION_LAYER, ATTENTION_WEIGHTS, type DcspNetwork } from './network';

/**
 * DCSP's attention layer `fc1_voc12_d0` (a biased 1x1 convolution from the `numClasses` logits
 * to `numClasses - 1` class-attention maps) as an extra head for deeplab-resnet's `exportOnnx`.
 * Copies the head's current weights.
 */
export function attentionOnnxHead(network: DcspNetwork): OnnxLogitsHead {
  const weights = network.variables.get(ATTENTION_WEIGHTS);
  const biases = network.variables.get(ATTENTION_BIASES);
  if (!weights || !biases)
    throw new DcspError('bad-input', 'the attention head is missing (disposed network?)', { where: ATTENTION_LAYER });
  return {
    name: ATTENTION_LAYER,
    weights: { shape: [...weights.shape], data: new Float32Array(weights.dataSync()) },
    biases: { data: new Float32Array(biases.dataSync()) },
  };
}

/**
 * The DCSP network as an ONNX model: deeplab-resnet's `exportOnnx` of the segmentation network
 * (output `fc1_voc12`, optionally upsampled) plus the attention maps as output `fc1_voc12_d0`
 * (raw: no global pooling, no sigmoid).
 */
export function exportDcspOnnx(network: DcspNetwork, options: ExportOnnxOptions = {}): Uint8Array {
  return exportOnnx(network.deeplab, { ...options, heads: [attentionOnnxHead(network), ...(options.heads ?? [])] });
}
