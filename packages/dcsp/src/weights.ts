import { resolveWeights, type ReadableFiles } from '@objsel/deeplab-resnet';
import { DcspError } from './errors';
import { DcspNetwork } from './network';

/**
 * Loads a DCSP network from any path deeplab-resnet's `resolveWeights` understands: a weights
 * directory (a checkpoint `ckpt-<step>/`, an `objsel convert` output), a snapshot directory (its
 * latest checkpoint), a `model.json` or a TensorFlow checkpoint. Weights without `fc1_voc12_d0`
 * (plain DeepLab, e.g. a converted VOC model) get a fresh attention head; `notRestoreLast`
 * re-initialises every `fc*` layer (`numClasses` outputs); a ResNet backbone gets a new head.
 *
 * @throws DcspError `bad-input` for weights of a network that does not take RGB images; the
 * resolver's DeeplabError when there are no readable weights at `dir`.
 */
export async function loadDcspNetwork(
  fs: ReadableFiles,
  dir: string,
  options: { bnEpsilon?: number; seed?: number; notRestoreLast?: boolean; numClasses?: number } = {},
): Promise<{ network: DcspNetwork; weightsDir: string }> {
  const { entries, meta, network: kind, weightsPath } = await resolveWeights(fs, dir);
  if (kind.inputChannels !== 3) {
    throw new DcspError('bad-input', `not an RGB network: it takes ${kind.inputChannels} input channels (RGB is 3)`, {
      file: weightsPath,
      where: 'objsel.inputChannels',
    });
  }
  const network = DcspNetwork.fromWeights(entries, meta, options);
  return { network, weightsDir: weightsPath };
}
