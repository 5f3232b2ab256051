import type { BenchmarkOptions, BenchmarkSource } from './benchmark';
import type { DatasetDirectory } from './directory';
import { foregroundMaskSource } from './foreground-masks';
import { grabcutLevel } from './grabcut';

/**
 * Berkeley's 100 object masks (96 images) as RITM ships them: `images/*.jpg` and
 * `masks/*.png`, read with GrabCut's rule (RITM's BerkeleyDataset is its GrabCut reader on
 * other folders): 128 ignored, above it object.
 */
export function berkeleySource(dir: DatasetDirectory, root: string, options: BenchmarkOptions = {}): BenchmarkSource {
  return foregroundMaskSource(dir, root, { name: 'berkeley', imagesDir: 'images', masksDir: 'masks', classify: grabcutLevel }, options);
}
