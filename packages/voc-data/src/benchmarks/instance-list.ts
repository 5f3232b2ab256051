import { VocDataError } from '../errors';
import { extractInstances } from '../instances';
import {
  checkSameSize,
  decodeBenchmarkImage,
  type BenchmarkName,
  type BenchmarkObject,
  type BenchmarkOptions,
  type BenchmarkSource,
} from './benchmark';
import { joinPath, type DatasetDirectory } from './directory';

/** How a listed, several-objects-per-image layout finds and decodes its files. */
export interface InstanceListLayout {
  name: BenchmarkName;
  list: string;
  imagePath: (id: string) => string;
  labelPath: (id: string) => string;
  /** Instance label: 0 background, 1..N objects, 255 ignored. */
  decode: (bytes: Uint8Array, file: string) => { width: number; height: number; data: Uint8Array };
}

/** Image ids of a list file: the first token of each non-empty line (a path's stem if a path). */
async function readIds(dir: DatasetDirectory, listFile: string): Promise<string[]> {
  let text: string;
  try {
    text = new TextDecoder().decode(await dir.read(listFile));
  } catch (error) {
    if (error instanceof VocDataError && error.code === 'missing-file')
      throw new VocDataError('missing-file', 'the layout has no image list', { file: listFile });
    throw error;
  }
  const ids = text
    .split(/\r?\n/)
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean)
    .map((token) => token.replace(/^.*\//, '').replace(/\.[^.]+$/, ''));
  if (ids.length === 0) throw new VocDataError('bad-list', 'the image list is empty', { file: listFile });
  return ids;
}

/** Every instance of every listed image is one object (SBD and PASCAL VOC evaluations). */
export function instanceListSource(
  dir: DatasetDirectory,
  root: string,
  layout: InstanceListLayout,
  options: BenchmarkOptions = {},
): BenchmarkSource {
  const listFile = joinPath(root, layout.list);
  const ids = async (): Promise<string[]> => (await readIds(dir, listFile)).slice(0, options.maxImages ?? Infinity);
  const label = async (id: string) => {
    const file = joinPath(root, layout.labelPath(id));
    return { file, ...layout.decode(await dir.read(file), file) };
  };
  return {
    name: layout.name,
    async count() {
      let n = 0;
      for (const id of await ids()) {
        const l = await label(id);
        n += extractInstances(l.data, l.width, l.height, { file: l.file }).length;
      }
      return n;
    },
    async *objects(): AsyncGenerator<BenchmarkObject> {
      for (const id of await ids()) {
        const l = await label(id);
        const imageFile = joinPath(root, layout.imagePath(id));
        const image = await decodeBenchmarkImage(await dir.read(imageFile), imageFile);
        checkSameSize(image, l, l.file);
        const instances = extractInstances(l.data, l.width, l.height, { file: l.file });
        const ignore = l.data.includes(255) ? Uint8Array.from(l.data, (v) => (v === 255 ? 1 : 0)) : undefined;
        for (const instance of instances) {
          const object: BenchmarkObject = {
            id: `${id}#${instance.instanceId}`,
            imageFile,
            maskFile: l.file,
            image,
            width: image.width,
            height: image.height,
            gt: instance.mask,
          };
          if (ignore) object.ignore = ignore;
          yield object;
        }
      }
    },
  };
}
