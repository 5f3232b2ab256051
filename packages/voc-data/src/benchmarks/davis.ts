import type { BenchmarkOptions, BenchmarkSource } from './benchmark';
import type { DatasetDirectory } from './directory';
import { foregroundMaskSource } from './foreground-masks';

/** Any non-zero mask level is the object (RITM's DavisDataset: `max over channels > 0`). */
function nonZero(level: number): 1 | 0 {
  return level > 0 ? 1 : 0;
}

/**
 * DAVIS as interactive segmentation evaluates it (the 345-frame subset RITM ships): `img/*.jpg`
 * and `gt/*.png`, one object per image, every non-zero level object, nothing ignored.
 */
export function davisSource(dir: DatasetDirectory, root: string, options: BenchmarkOptions = {}): BenchmarkSource {
  return foregroundMaskSource(dir, root, { name: 'davis', imagesDir: 'img', masksDir: 'gt', classify: nonZero }, options);
}

/** COCO-MVal (800 objects): DAVIS's layout (`img/`, `gt/`), read as RITM reads it. */
export function cocoMvalSource(dir: DatasetDirectory, root: string, options: BenchmarkOptions = {}): BenchmarkSource {
  return foregroundMaskSource(dir, root, { name: 'coco-mval', imagesDir: 'img', masksDir: 'gt', classify: nonZero }, options);
}
