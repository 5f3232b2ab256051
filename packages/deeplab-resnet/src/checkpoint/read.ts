import { CaffeImportError, readWeightsDirWith, type ObjselModelJson, type ReadableFiles, type WeightEntry } from '@objsel/caffe-import';
import { DeeplabError } from '../errors';

/**
 * caffe-import's weights-directory reader, throwing this package's error class: a
 * `CaffeImportError` becomes a `DeeplabError` with the same code (`io` or `bad-weights`), file
 * and message.
 */
export async function readWeights(files: ReadableFiles, dir: string): Promise<{ modelJson: ObjselModelJson; entries: WeightEntry[] }> {
  try {
    return await readWeightsDirWith(files, dir);
  } catch (error) {
    if (!(error instanceof CaffeImportError)) throw error;
    throw new DeeplabError(error.code === 'io' ? 'io' : 'bad-weights', error.detail, {
      ...(error.file === undefined ? {} : { file: error.file }),
      ...(error.where === undefined ? {} : { where: error.where }),
      cause: error,
    });
  }
}
