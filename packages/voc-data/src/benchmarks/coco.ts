import { VocDataError } from '../errors';
import {
  checkHasObject,
  checkSameSize,
  decodeBenchmarkImage,
  type BenchmarkObject,
  type BenchmarkOptions,
  type BenchmarkSource,
} from './benchmark';
import { cocoSegmentationMask, type CocoSegmentation } from './coco-masks';
import { joinPath, type DatasetDirectory } from './directory';

/** Options of {@link cocoSource}. */
export interface CocoOptions extends BenchmarkOptions {
  /** The instances JSON under the root (default `annotations/instances_val2017.json`). */
  annotations?: string;
  /** The image folder under the root (default `val2017`). */
  images?: string;
}

interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

interface CocoAnnotation {
  id: number;
  image_id: number;
  iscrowd?: number;
  segmentation: CocoSegmentation;
}

/**
 * A COCO-style instances file (COCO, LVIS, COCO-MVal's source): every non-crowd annotation is
 * one object, `<file stem>#<annotation id>`, its mask from polygons or RLE; crowd regions are
 * skipped, as interactive evaluations do. `maxImages` counts images in the file's order.
 */
export function cocoSource(dir: DatasetDirectory, root: string, options: CocoOptions = {}): BenchmarkSource {
  const file = joinPath(root, options.annotations ?? 'annotations/instances_val2017.json');
  let parsed: Promise<{ image: CocoImage; annotations: CocoAnnotation[] }[]> | undefined;
  async function load(): Promise<{ image: CocoImage; annotations: CocoAnnotation[] }[]> {
    let json: { images?: CocoImage[]; annotations?: CocoAnnotation[] };
    try {
      json = JSON.parse(new TextDecoder().decode(await dir.read(file)));
    } catch (error) {
      if (error instanceof VocDataError) throw error;
      throw new VocDataError('unreadable', `not JSON (${(error as Error).message})`, { file });
    }
    if (!Array.isArray(json.images) || !Array.isArray(json.annotations))
      throw new VocDataError('bad-values', 'an instances file needs "images" and "annotations" arrays', { file });
    const byImage = new Map<number, CocoAnnotation[]>();
    for (const a of json.annotations) {
      if (a.iscrowd) continue;
      byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), a]);
    }
    return json.images.slice(0, options.maxImages ?? Infinity).map((image) => ({ image, annotations: byImage.get(image.id) ?? [] }));
  }
  const entries = () => (parsed ??= load());
  return {
    name: 'coco',
    count: async () => (await entries()).reduce((n, e) => n + e.annotations.length, 0),
    async *objects(): AsyncGenerator<BenchmarkObject> {
      for (const { image: info, annotations } of await entries()) {
        if (annotations.length === 0) continue;
        const imageFile = joinPath(joinPath(root, options.images ?? 'val2017'), info.file_name);
        const image = await decodeBenchmarkImage(await dir.read(imageFile), imageFile);
        checkSameSize(image, info, imageFile);
        for (const a of annotations) {
          const where = `annotation ${a.id}`;
          const gt = cocoSegmentationMask(a.segmentation, image.width, image.height, `${file}: ${where}`);
          checkHasObject(gt, `${file}: ${where}`);
          const id = `${info.file_name.replace(/\.[^.]+$/, '')}#${a.id}`;
          yield { id, imageFile, maskFile: file, image, width: image.width, height: image.height, gt };
        }
      }
    },
  };
}
