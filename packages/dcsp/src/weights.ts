import { findLatestCheckpoint, readWeightsFrom, type FileSystemLike } from '@objsel/deeplab-resnet';
import { DcspNetwork } from './network';

/**
 * Loads a DCSP network from a weights directory (a checkpoint `ckpt-<step>/`, an `objsel
 * convert` output) or from a snapshot directory's latest checkpoint. Weights without
 * `fc1_voc12_d0` (plain DeepLab, e.g. a converted ImageNet or VOC model) get a fresh attention
 * head; `notRestoreLast` re-initialises every `fc*` layer (a different class count).
 */
export async function loadDcspNetwork(
  fs: FileSystemLike,
  dir: string,
  options: { bnEpsilon?: number; seed?: number; notRestoreLast?: boolean } = {},
): Promise<{ network: DcspNetwork; weightsDir: string }> {
  let weightsDir = dir;
  const names = await fs.readdir(dir);
  if (!names.includes('model.json')) {
    const latest = await findLatestCheckpoint(fs, dir);
    if (latest) weightsDir = latest.path;
  }
  const { entries, modelJson } = await readWeightsFrom(fs, weightsDir);
  const network = DcspNetwork.fromWeights(entries, modelJson.objsel, options);
  return { network, weightsDir };
}
