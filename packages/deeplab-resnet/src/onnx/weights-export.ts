import { loadSegmentationNetwork } from '../checkpoint/load';
import { exportOnnx } from './export';
import type { OnnxWeightsExporter } from './open';

/** Options of {@link semanticOnnxExporter}. */
export interface SemanticOnnxExporterOptions {
  /** Overrides the weights' BatchNorm epsilon (as `loadSegmentationNetwork`). */
  bnEpsilon?: number;
  /** Add the upsampled output (default true: inference wants the logits at the image size). */
  withUpsampled?: boolean;
}

/**
 * The exporter `openOnnxSegmenter` calls on a cache miss for the semantic network (RGB in, class
 * scores out; DCSP weights without their attention head): `loadSegmentationNetwork`, then
 * {@link exportOnnx}. Needs a TF.js backend.
 */
export function semanticOnnxExporter(options: SemanticOnnxExporterOptions = {}): OnnxWeightsExporter {
  return async ({ files, weightsPath, sourceWeights }) => {
    const { network } = await loadSegmentationNetwork(
      files,
      weightsPath,
      options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon },
    );
    try {
      return exportOnnx(network, { withUpsampled: options.withUpsampled ?? true, sourceWeights });
    } finally {
      network.dispose();
    }
  };
}
