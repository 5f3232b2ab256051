import { decodeImage, imageDomain, imageStatistics, parseList, type ImageDomain } from '@objsel/voc-data';
import type { ReadableFiles } from '@objsel/caffe-import';

/** Images of a training list the domain is measured on: enough for a mean and a spread, cheap to decode. */
export const DOMAIN_SAMPLE = 32;

/**
 * What a network is trained on, for its weights' metadata (`objsel.domain`): the data directory
 * and list, and the statistics of up to {@link DOMAIN_SAMPLE} of its images, evenly spaced in the
 * list. Programs that run the network (`objsel select`) compare an input image with it and warn
 * when the image is far from anything the network has seen. Unreadable images are left out (the
 * training stream reports them); undefined when none could be read.
 */
export async function trainingDomain(
  files: Pick<ReadableFiles, 'readFile'>,
  data: { dataDir: string; dataList: string },
  count = DOMAIN_SAMPLE,
): Promise<ImageDomain | undefined> {
  const text = new TextDecoder().decode(await files.readFile(data.dataList));
  const entries = parseList(text, { file: data.dataList, dataDir: data.dataDir });
  const picked = new Set(
    Array.from({ length: Math.min(count, entries.length) }, (_, i) => Math.floor((i * entries.length) / Math.min(count, entries.length))),
  );
  const statistics = [];
  for (const index of picked) {
    const file = entries[index]!.image;
    try {
      statistics.push(imageStatistics(await decodeImage(await files.readFile(file), file)));
    } catch {
      // Reported by the data stream when the run reaches the image.
    }
  }
  return statistics.length === 0 ? undefined : imageDomain(`${data.dataList} (${data.dataDir})`, statistics);
}
