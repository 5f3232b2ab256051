import { VocDataError } from '../errors';
import {
  checkHasObject,
  checkSameSize,
  decodeBenchmarkImage,
  decodeMaskLevels,
  listWithExtensions,
  stem,
  type BenchmarkName,
  type BenchmarkObject,
  type BenchmarkOptions,
  type BenchmarkSource,
} from './benchmark';
import { joinPath, type DatasetDirectory } from './directory';

/** How a one-object-per-image layout stores its masks. */
export interface ForegroundLayout {
  name: BenchmarkName;
  imagesDir: string;
  masksDir: string;
  /** Mask level to ground truth: 1 object, 0 background, -1 ignored. */
  classify: (level: number) => 1 | 0 | -1;
}

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp'];
const MASK_EXTENSIONS = ['.png', '.bmp'];

/**
 * A layout of one object per image, images in one folder and masks with the same stem in
 * another (GrabCut, Berkeley, DAVIS-345, COCO-MVal as RITM ships them). Every image must have a
 * mask: a missing one is an error naming the image, never a silent skip that would change the
 * object count papers report.
 */
export function foregroundMaskSource(
  dir: DatasetDirectory,
  root: string,
  layout: ForegroundLayout,
  options: BenchmarkOptions = {},
): BenchmarkSource {
  const imagesPath = joinPath(root, layout.imagesDir);
  const masksPath = joinPath(root, layout.masksDir);
  async function pairs(): Promise<{ image: string; mask: string; id: string }[]> {
    const images = await listWithExtensions(dir, imagesPath, IMAGE_EXTENSIONS);
    if (images.length === 0)
      throw new VocDataError('missing-file', `${layout.name} layout: no images (${IMAGE_EXTENSIONS.join(', ')})`, { file: imagesPath });
    const masks = new Map((await listWithExtensions(dir, masksPath, MASK_EXTENSIONS)).map((m) => [stem(m), m]));
    return images.slice(0, options.maxImages ?? Infinity).map((image) => {
      const id = stem(image);
      const mask = masks.get(id);
      if (!mask)
        throw new VocDataError('missing-file', `${layout.name} layout: no mask ${id}.png or ${id}.bmp for image ${image}`, {
          file: masksPath,
        });
      return { image: joinPath(imagesPath, image), mask: joinPath(masksPath, mask), id };
    });
  }
  return {
    name: layout.name,
    count: async () => (await pairs()).length,
    async *objects(): AsyncGenerator<BenchmarkObject> {
      for (const pair of await pairs()) {
        const image = await decodeBenchmarkImage(await dir.read(pair.image), pair.image);
        const mask = decodeMaskLevels(await dir.read(pair.mask), pair.mask);
        checkSameSize(image, mask, pair.mask);
        const gt = new Uint8Array(mask.levels.length);
        const ignore = new Uint8Array(mask.levels.length);
        let ignored = false;
        for (let i = 0; i < gt.length; i++) {
          const c = layout.classify(mask.levels[i]!);
          if (c === 1) gt[i] = 1;
          else if (c === -1) (ignore[i] = 1), (ignored = true);
        }
        checkHasObject(gt, pair.mask);
        const object: BenchmarkObject = {
          id: pair.id,
          imageFile: pair.image,
          maskFile: pair.mask,
          image,
          width: image.width,
          height: image.height,
          gt,
        };
        if (ignored) object.ignore = ignore;
        yield object;
      }
    },
  };
}
