import type { ObjselNetworkMeta, ReadableFiles, WeightEntry } from '@objsel/caffe-import';
import { resolveWeights } from '../checkpoint/resolve';
import { DeeplabError } from '../errors';
import { DeepLabResNet } from '../model/deeplab';
import { isInteractiveConfig } from './model';

/**
 * Loads interactive weights (`objsel select --weights`) from any path the weights resolver
 * understands: a weights directory, a checkpoint, or a snapshot directory (its latest checkpoint).
 *
 * @throws DeeplabError `bad-weights` when the weights are not of an interactive (5-channel, 1-output) network.
 */
export async function loadInteractiveNetwork(files: ReadableFiles, weights: string): Promise<DeepLabResNet> {
  const { entries, meta, weightsPath } = await resolveWeights(files, weights);
  return interactiveNetworkFromWeights(entries, meta, weightsPath);
}

/**
 * The interactive network of weights already read, `file` naming where they came from in errors.
 *
 * @throws DeeplabError `bad-weights` when the weights are not of an interactive (5-channel, 1-output) network.
 */
export function interactiveNetworkFromWeights(entries: WeightEntry[], meta: ObjselNetworkMeta, file: string): DeepLabResNet {
  if (!isInteractiveConfig(meta)) {
    throw new DeeplabError(
      'bad-weights',
      `not an interactive network (${meta.inputChannels} input channels, ${meta.numClasses} outputs; expected 5 and 1): train one with objsel train --interactive`,
      { file },
    );
  }
  return DeepLabResNet.fromWeights(entries, meta);
}
