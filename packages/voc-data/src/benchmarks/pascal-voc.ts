import { decodeLabel } from '../png';
import type { BenchmarkOptions, BenchmarkSource } from './benchmark';
import type { DatasetDirectory } from './directory';
import { instanceListSource } from './instance-list';

/**
 * PASCAL VOC val for interactive segmentation: the ids of `ImageSets/Segmentation/val.txt`,
 * `JPEGImages/<id>.jpg` and `SegmentationObject/<id>.png`; every instance is one object and the
 * 255 void band around objects is ignored in IoU.
 */
export function pascalVocSource(dir: DatasetDirectory, root: string, options: BenchmarkOptions & { list?: string } = {}): BenchmarkSource {
  return instanceListSource(
    dir,
    root,
    {
      name: 'pascal-voc',
      list: options.list ?? 'ImageSets/Segmentation/val.txt',
      imagePath: (id) => `JPEGImages/${id}.jpg`,
      labelPath: (id) => `SegmentationObject/${id}.png`,
      decode: (bytes, file) => decodeLabel(bytes, file),
    },
    options,
  );
}
