import { VocDataError } from '../errors';
import { extractInstances } from '../instances';
import { decodeLabel } from '../png';
import { checkSameSize, decodeBenchmarkImage, stem, type BenchmarkObject, type BenchmarkOptions, type BenchmarkSource } from './benchmark';
import { joinPath, type DatasetDirectory } from './directory';

/** Options of {@link davis2017Source}. */
export interface Davis2017Options extends BenchmarkOptions {
  /** The resolution folder under `JPEGImages/` and `Annotations/` (default `480p`). */
  resolution?: string;
}

/**
 * The full DAVIS 2016/2017 release: `JPEGImages/480p/<sequence>/<frame>.jpg` and
 * `Annotations/480p/<sequence>/<frame>.png`, palette PNGs whose indices are instance ids (0
 * background, 255 void, ignored). Every instance of every annotated frame is one object,
 * `<sequence>/<frame>#<id>`; `maxImages` counts frames. A frame without an annotation is
 * skipped (DAVIS annotates only some frames of its test splits), an annotation without its
 * frame is an error.
 */
export function davis2017Source(dir: DatasetDirectory, root: string, options: Davis2017Options = {}): BenchmarkSource {
  const resolution = options.resolution ?? '480p';
  const annotations = joinPath(root, `Annotations/${resolution}`);
  const images = joinPath(root, `JPEGImages/${resolution}`);
  async function frames(): Promise<{ id: string; image: string; label: string }[]> {
    const out: { id: string; image: string; label: string }[] = [];
    const sequences = await dir.listDirectories(annotations);
    if (sequences.length === 0) throw new VocDataError('missing-file', 'davis-2017 layout: no sequence folders', { file: annotations });
    for (const sequence of sequences) {
      const frameImages = new Map((await dir.list(joinPath(images, sequence))).map((f) => [stem(f), f]));
      for (const file of (await dir.list(joinPath(annotations, sequence))).filter((f) => f.toLowerCase().endsWith('.png'))) {
        const frame = stem(file);
        const image = frameImages.get(frame);
        const label = joinPath(joinPath(annotations, sequence), file);
        if (!image) throw new VocDataError('missing-file', `davis-2017 layout: no frame ${frame}.jpg for this annotation`, { file: label });
        out.push({ id: `${sequence}/${frame}`, image: joinPath(joinPath(images, sequence), image), label });
        if (out.length >= (options.maxImages ?? Infinity)) return out;
      }
    }
    return out;
  }
  const decode = async (file: string) => decodeLabel(await dir.read(file), file);
  return {
    name: 'davis-2017',
    async count() {
      let n = 0;
      for (const f of await frames()) {
        const l = await decode(f.label);
        n += extractInstances(l.data, l.width, l.height, { file: f.label }).length;
      }
      return n;
    },
    async *objects(): AsyncGenerator<BenchmarkObject> {
      for (const f of await frames()) {
        const l = await decode(f.label);
        const instances = extractInstances(l.data, l.width, l.height, { file: f.label });
        if (instances.length === 0) continue;
        const image = await decodeBenchmarkImage(await dir.read(f.image), f.image);
        checkSameSize(image, l, f.label);
        const ignore = l.data.includes(255) ? Uint8Array.from(l.data, (v) => (v === 255 ? 1 : 0)) : undefined;
        for (const instance of instances) {
          const object: BenchmarkObject = {
            id: `${f.id}#${instance.instanceId}`,
            imageFile: f.image,
            maskFile: f.label,
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
