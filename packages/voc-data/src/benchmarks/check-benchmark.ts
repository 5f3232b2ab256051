import { VocDataError } from '../errors';
import { listWithExtensions, type BenchmarkName } from './benchmark';
import { joinPath, type DatasetDirectory } from './directory';
import { openBenchmark } from './open-benchmark';

/**
 * What a complete download of each benchmark holds, from RITM's README (the copies every
 * interactive-segmentation paper evaluates on) and the datasets' own pages. `images` counts the
 * image files the layout reads (Berkeley: 100 files of 96 distinct photos), `objects` the objects
 * the reader yields; undefined where the number depends on the split or release.
 */
export const BENCHMARK_EXPECTED: Record<BenchmarkName, { images?: number; objects?: number; source: string }> = {
  grabcut: {
    images: 50,
    objects: 50,
    source: 'https://github.com/saic-vul/fbrs_interactive_segmentation/releases/download/v1.0/GrabCut.zip',
  },
  berkeley: {
    images: 100,
    objects: 100,
    source: 'https://github.com/saic-vul/fbrs_interactive_segmentation/releases/download/v1.0/Berkeley.zip',
  },
  davis: {
    images: 345,
    objects: 345,
    source: 'https://github.com/saic-vul/fbrs_interactive_segmentation/releases/download/v1.0/DAVIS.zip',
  },
  'coco-mval': {
    images: 800,
    objects: 800,
    source: 'https://github.com/saic-vul/fbrs_interactive_segmentation/releases/download/v1.0/COCO_MVal.zip',
  },
  sbd: { images: 2857, objects: 6671, source: 'http://home.bharathh.info/pubs/codes/SBD/download.html (benchmark_RELEASE/dataset)' },
  'pascal-voc': { images: 1449, objects: 3417, source: 'http://host.robots.ox.ac.uk/pascal/VOC/voc2012/ (VOC2012 trainval)' },
  coco: { images: 5000, source: 'https://cocodataset.org/#download (val2017 images and annotations)' },
  'davis-2017': { source: 'https://davischallenge.org/davis2017/code.html (TrainVal 480p)' },
};

/** Options of {@link checkBenchmark}. */
export interface CheckBenchmarkOptions {
  /** Counts to expect instead of {@link BENCHMARK_EXPECTED}'s (a fixture, a subset). */
  expected?: { images?: number; objects?: number };
}

/** The result of {@link checkBenchmark}. */
export interface BenchmarkCheck {
  dataset: BenchmarkName;
  root: string;
  /** Image files found (undefined when the layout could not be read that far). */
  images?: number;
  /** Objects the reader yields (undefined when a file was missing or unreadable). */
  objects?: number;
  expected: { images?: number; objects?: number };
  /** What is wrong, the first missing file first; empty when the copy is complete. */
  problems: string[];
  ok: boolean;
}

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp'];

/** The file names in `path`, for existence checks without reading. */
async function fileNames(dir: DatasetDirectory, path: string): Promise<Set<string>> {
  return new Set((await dir.list(path)).map((f) => f));
}

/** Image ids of a list file, as the readers take them. */
async function listIds(dir: DatasetDirectory, file: string): Promise<string[]> {
  const text = new TextDecoder().decode(await dir.read(file));
  return text
    .split(/\r?\n/)
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean)
    .map((token) => token.replace(/^.*\//, '').replace(/\.[^.]+$/, ''));
}

/** The image files of a listed layout, the first missing one named. */
async function listedImages(dir: DatasetDirectory, root: string, list: string, imageDir: string, ext: string): Promise<number> {
  const ids = await listIds(dir, joinPath(root, list));
  const present = await fileNames(dir, joinPath(root, imageDir));
  for (const id of ids)
    if (!present.has(`${id}${ext}`))
      throw new VocDataError('missing-file', `listed in ${list} but missing`, { file: joinPath(joinPath(root, imageDir), `${id}${ext}`) });
  return ids.length;
}

/** Image files the layout reads, each listed one checked to exist. */
async function countImages(name: BenchmarkName, dir: DatasetDirectory, root: string): Promise<number> {
  switch (name) {
    case 'grabcut':
      return (await listWithExtensions(dir, joinPath(root, 'data_GT'), IMAGE_EXTENSIONS)).length;
    case 'berkeley':
      return (await listWithExtensions(dir, joinPath(root, 'images'), IMAGE_EXTENSIONS)).length;
    case 'davis':
    case 'coco-mval':
      return (await listWithExtensions(dir, joinPath(root, 'img'), IMAGE_EXTENSIONS)).length;
    case 'sbd':
      return listedImages(dir, root, 'val.txt', 'img', '.jpg');
    case 'pascal-voc':
      return listedImages(dir, root, 'ImageSets/Segmentation/val.txt', 'JPEGImages', '.jpg');
    case 'coco': {
      const file = joinPath(root, 'annotations/instances_val2017.json');
      const json = JSON.parse(new TextDecoder().decode(await dir.read(file))) as { images?: { file_name: string }[] };
      const present = await fileNames(dir, joinPath(root, 'val2017'));
      for (const image of json.images ?? [])
        if (!present.has(image.file_name))
          throw new VocDataError('missing-file', `named in ${file} but missing`, {
            file: joinPath(joinPath(root, 'val2017'), image.file_name),
          });
      return json.images?.length ?? 0;
    }
    case 'davis-2017': {
      let n = 0;
      const frames = joinPath(root, 'JPEGImages/480p');
      for (const sequence of await dir.listDirectories(frames))
        n += (await listWithExtensions(dir, joinPath(frames, sequence), IMAGE_EXTENSIONS)).length;
      return n;
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof VocDataError) return error.message;
  if (error instanceof SyntaxError) return `not JSON (${error.message})`;
  throw error;
}

/**
 * Checks a downloaded benchmark (`objsel data check --dataset X`): every image the layout lists
 * exists, every image has its mask or label (the readers' own checks), and the image and object
 * counts are the published ones. Reads every mask, not the images' pixels.
 */
export async function checkBenchmark(
  name: BenchmarkName,
  dir: DatasetDirectory,
  root: string,
  options: CheckBenchmarkOptions = {},
): Promise<BenchmarkCheck> {
  const published = BENCHMARK_EXPECTED[name];
  const expected = {
    ...(published.images !== undefined ? { images: published.images } : {}),
    ...(published.objects !== undefined ? { objects: published.objects } : {}),
    ...options.expected,
  };
  const report: BenchmarkCheck = { dataset: name, root, expected, problems: [], ok: false };
  try {
    report.images = await countImages(name, dir, root);
    report.objects = await openBenchmark(name, dir, root).count();
  } catch (error) {
    report.problems.push(describe(error));
  }
  for (const what of ['images', 'objects'] as const) {
    const want = expected[what];
    const found = report[what];
    if (want !== undefined && found !== undefined && found !== want)
      report.problems.push(`${name}: expected ${want} ${what}, found ${found}${found < want ? ' (an incomplete download?)' : ''}`);
  }
  report.ok = report.problems.length === 0;
  return report;
}
