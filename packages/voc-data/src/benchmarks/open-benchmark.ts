import { berkeleySource } from './berkeley';
import type { BenchmarkName, BenchmarkOptions, BenchmarkSource } from './benchmark';
import { cocoSource } from './coco';
import { cocoMvalSource, davisSource } from './davis';
import { davis2017Source } from './davis-2017';
import type { DatasetDirectory } from './directory';
import { grabcutSource } from './grabcut';
import { pascalVocSource } from './pascal-voc';
import { sbdSource } from './sbd';

/** The reader of benchmark `name` over `root` (`--dataset name --data-dir root`). */
export function openBenchmark(name: BenchmarkName, dir: DatasetDirectory, root: string, options: BenchmarkOptions = {}): BenchmarkSource {
  switch (name) {
    case 'grabcut':
      return grabcutSource(dir, root, options);
    case 'berkeley':
      return berkeleySource(dir, root, options);
    case 'davis':
      return davisSource(dir, root, options);
    case 'davis-2017':
      return davis2017Source(dir, root, options);
    case 'coco-mval':
      return cocoMvalSource(dir, root, options);
    case 'coco':
      return cocoSource(dir, root, options);
    case 'sbd':
      return sbdSource(dir, root, options);
    case 'pascal-voc':
      return pascalVocSource(dir, root, options);
  }
}
