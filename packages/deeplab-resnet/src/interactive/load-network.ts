import { resolveWeightsDir } from '../checkpoint/checkpoint';
import type { FileSystemLike } from '../checkpoint/file-system';
import { readWeightsFrom } from '../checkpoint/weights-dir';
import { DeeplabError } from '../errors';
import { DeepLabResNet } from '../model/deeplab';
import { isInteractiveConfig } from './model';

/**
 * Loads interactive weights (`objsel select --weights`): a weights directory, a checkpoint, or
 * a snapshot directory (its latest checkpoint). Only reads through `fs`.
 *
 * @throws DeeplabError `bad-weights` when the weights are not of an interactive (5-channel, 1-output) network.
 */
export async function loadInteractiveNetwork(fs: FileSystemLike, weights: string): Promise<DeepLabResNet> {
  const dir = await resolveWeightsDir(fs, weights);
  const { entries, modelJson } = await readWeightsFrom(fs, dir);
  if (!isInteractiveConfig(modelJson.objsel)) {
    throw new DeeplabError(
      'bad-weights',
      `not an interactive network (${modelJson.objsel.inputChannels} input channels, ${modelJson.objsel.numClasses} outputs; expected 5 and 1): train one with objsel train --interactive`,
      { file: dir },
    );
  }
  return DeepLabResNet.fromWeights(entries, modelJson.objsel);
}
