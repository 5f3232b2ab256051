import { decodeImage } from '../codec';
import { joinDataPath, parseList, type ListEntry } from '../lists';
import { decodeLabel } from '../png';
import { checkSameSize, type BenchmarkObject } from './benchmark';

/**
 * The objects of a VOC-format list for NoC (`objsel noc --dataset voc-list`, the network's and
 * the classic methods'): every instance of each listed image's instance label
 * (`<objectDir>/<id>.png`: 0 background, 1..254 objects, 255 void) is one object, void ignored
 * in IoU. Unlike the `pascal-voc` layout the list names the images (`/JPEGImages/x.jpg ...` lines
 * or ids) and an image without an instance label is skipped, not an error (the VOC train lists
 * hold images that have only class labels).
 */
export interface VocListObjectsOptions {
  /** Reads a file's bytes (Node: `fs.promises.readFile`); a missing file is ENOENT or a `missing-file` error. */
  read: (file: string) => Promise<Uint8Array>;
  /** The directory the list paths are appended to. */
  dataDir: string;
  /** The list of images (VOC list lines or ids). */
  dataList: string;
  /** Instance labels under `dataDir` (default `SegmentationObject`). */
  objectDir?: string;
  /** Only the first images of the list. */
  maxImages?: number;
  /** Called for each listed image without an instance label (it is skipped). */
  onMissing?: (id: string) => void;
  /** Only these objects (ids as `ids()` lists them), in list order: a shard or a queue job's share of a run. */
  only?: readonly string[];
}

/** The objects of a list and how many there are (reading only the labels). */
export interface VocListObjects {
  count(): Promise<number>;
  /** The objects' ids (`<image id>#<instance>`), in the order `objects()` yields them; reports images without a label. */
  ids(): Promise<string[]>;
  objects(): AsyncGenerator<BenchmarkObject>;
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'missing-file';
}

/** The instance ids present in a label (1..254, ascending). */
function instanceIds(label: Uint8Array): number[] {
  const present = new Uint8Array(256);
  for (let i = 0; i < label.length; i++) present[label[i]!] = 1;
  const ids: number[] = [];
  for (let id = 1; id < 255; id++) if (present[id]) ids.push(id);
  return ids;
}

/** See {@link VocListObjectsOptions}. */
export function vocListObjects(options: VocListObjectsOptions): VocListObjects {
  const objectDir = options.objectDir ?? 'SegmentationObject';
  const entries = async (): Promise<ListEntry[]> => {
    const text = new TextDecoder().decode(await options.read(options.dataList));
    return parseList(text, { file: options.dataList, dataDir: options.dataDir }).slice(0, options.maxImages ?? Infinity);
  };
  /** The entry's instance label, or undefined when it has none. */
  const label = async (entry: ListEntry, report: boolean) => {
    const file = joinDataPath(options.dataDir, `${objectDir}/${entry.id}.png`);
    let bytes: Uint8Array;
    try {
      bytes = await options.read(file);
    } catch (error) {
      if (!isMissing(error)) throw error;
      if (report) options.onMissing?.(entry.id);
      return undefined;
    }
    return { file, ...decodeLabel(bytes, file) };
  };
  const only = options.only === undefined ? undefined : new Set(options.only);
  const wanted = (id: string) => only === undefined || only.has(id);
  const ids = async (report: boolean) => {
    const all: string[] = [];
    for (const entry of await entries()) {
      const l = await label(entry, report);
      if (l) for (const id of instanceIds(l.data)) if (wanted(`${entry.id}#${id}`)) all.push(`${entry.id}#${id}`);
    }
    return all;
  };
  return {
    async count() {
      return (await ids(false)).length;
    },
    ids: () => ids(true),
    async *objects() {
      for (const entry of await entries()) {
        const l = await label(entry, only === undefined);
        if (!l) continue;
        const instances = instanceIds(l.data).filter((id) => wanted(`${entry.id}#${id}`));
        if (instances.length === 0) continue;
        const image = await decodeImage(await options.read(entry.image), entry.image);
        checkSameSize(image, l, l.file);
        const ignore = Uint8Array.from(l.data, (v) => (v === 255 ? 1 : 0));
        for (const id of instances) {
          yield {
            id: `${entry.id}#${id}`,
            imageFile: entry.image,
            maskFile: l.file,
            image,
            width: image.width,
            height: image.height,
            gt: Uint8Array.from(l.data, (v) => (v === id ? 1 : 0)),
            ignore,
          };
        }
      }
    },
  };
}
