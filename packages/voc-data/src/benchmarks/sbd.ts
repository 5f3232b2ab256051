import { readSbdLabel } from '../sbd';
import type { BenchmarkOptions, BenchmarkSource } from './benchmark';
import type { DatasetDirectory } from './directory';
import { instanceListSource } from './instance-list';

/**
 * SBD's evaluation split as RITM reads it: the ids of `val.txt`, `img/<id>.jpg` and
 * `inst/<id>.mat` (struct GTinst); every instance is one object, nothing ignored (SBD has no void).
 */
export function sbdSource(dir: DatasetDirectory, root: string, options: BenchmarkOptions & { list?: string } = {}): BenchmarkSource {
  return instanceListSource(
    dir,
    root,
    {
      name: 'sbd',
      list: options.list ?? 'val.txt',
      imagePath: (id) => `img/${id}.jpg`,
      labelPath: (id) => `inst/${id}.mat`,
      decode: (bytes, file) => readSbdLabel(bytes, file),
    },
    options,
  );
}
