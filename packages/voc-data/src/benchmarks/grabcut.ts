import type { BenchmarkOptions, BenchmarkSource } from './benchmark';
import type { DatasetDirectory } from './directory';
import { foregroundMaskSource } from './foreground-masks';

/**
 * GrabCut's 50 images as RITM ships them: `data_GT/*.jpg|bmp` and `boundary_GT/*.bmp`. A mask
 * level of 128 is the unknown band around the boundary, ignored in IoU; above 128 is the object.
 */
export function grabcutSource(dir: DatasetDirectory, root: string, options: BenchmarkOptions = {}): BenchmarkSource {
  return foregroundMaskSource(
    dir,
    root,
    { name: 'grabcut', imagesDir: 'data_GT', masksDir: 'boundary_GT', classify: grabcutLevel },
    options,
  );
}

/** GrabCut/Berkeley mask levels: 128 unknown (ignored), above it object, below background. */
export function grabcutLevel(level: number): 1 | 0 | -1 {
  return level === 128 ? -1 : level > 128 ? 1 : 0;
}
