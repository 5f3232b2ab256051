import type { ReadableFiles } from '@objsel/caffe-import';
import { DeeplabError } from '../errors';
import { DeepLabResNet } from '../model/deeplab';
import { resolveWeights, type ResolvedWeights } from './resolve';

/** Options of {@link loadSegmentationNetwork}. */
export interface LoadSegmentationOptions {
  /** Overrides the BatchNorm epsilon of the weights. */
  bnEpsilon?: number;
}

/**
 * Loads the semantic segmentation network (RGB in, class scores out) from any path
 * {@link resolveWeights} understands: a weights directory (`objsel convert` output), a
 * checkpoint, a snapshot directory (its latest checkpoint) or a `model.json`. DCSP weights load
 * as their DeepLab network, the attention head left out.
 *
 * @returns the network and the directory its weights came from.
 * @throws DeeplabError `bad-weights` for weights of another network (e.g. the interactive one,
 * which takes click channels besides RGB), or as {@link resolveWeights}.
 */
export async function loadSegmentationNetwork(
  files: ReadableFiles,
  path: string,
  options: LoadSegmentationOptions = {},
): Promise<{ network: DeepLabResNet; weightsDir: string; weights: Omit<ResolvedWeights, 'entries'> }> {
  const { entries, ...weights } = await resolveWeights(files, path);
  const network = segmentationNetworkFromWeights({ entries, ...weights }, weights.weightsPath, options);
  return { network, weightsDir: weights.weightsPath, weights };
}

/**
 * The semantic segmentation network of weights already read (see {@link loadSegmentationNetwork}),
 * `file` naming where they came from in errors.
 *
 * @throws DeeplabError `bad-weights` for weights of another network.
 */
export function segmentationNetworkFromWeights(
  weights: Pick<ResolvedWeights, 'entries' | 'meta' | 'network'>,
  file: string,
  options: LoadSegmentationOptions = {},
): DeepLabResNet {
  const { inputChannels, numClasses, attentionLayer } = weights.network;
  if (inputChannels !== 3) {
    throw new DeeplabError(
      'bad-weights',
      `not an RGB segmentation network: it takes ${inputChannels} input channels (RGB is 3) and has ${numClasses} output${numClasses === 1 ? '' : 's'}; a network with click channels is for interactive selection`,
      { file, where: 'objsel.inputChannels' },
    );
  }
  return DeepLabResNet.fromWeights(weights.entries, weights.meta, {
    ...(options.bnEpsilon === undefined ? {} : { bnEpsilon: options.bnEpsilon }),
    ...(attentionLayer === undefined ? {} : { ignoreUnexpected: (name: string) => name.startsWith(`${attentionLayer}/`) }),
  });
}
