import { loadSample, type FileSource, type ListEntry } from '@objsel/voc-data';
import type { DcspDataSource } from './data';
import { DcspError } from './errors';

/**
 * A {@link DcspDataSource} over list entries (voc-data's `parseList`): DCSP's
 * `*_labels_only.txt` (image, class categories), `train_attn_sal_labels.txt` (image,
 * attention, saliency, class categories; the attention column is not read, the schedule makes
 * its own cues) or evaluation lists (image, label). Files come through `files`.
 */
export function listDataSource(entries: readonly ListEntry[], files: FileSource, options: { numClasses?: number } = {}): DcspDataSource {
  const numClasses = options.numClasses ?? 21;
  return {
    size: entries.length,
    async load(index) {
      const entry = entries[index];
      if (!entry) throw new DcspError('bad-input', `sample ${index} out of range (0..${entries.length - 1})`);
      const { attention: _unused, ...withoutAttention } = entry;
      const loaded = await loadSample(withoutAttention, files, { numClasses });
      if (loaded.saliency && loaded.saliency.channels !== 1) {
        throw new DcspError('bad-input', `saliency must have one channel, got ${loaded.saliency.channels}`, {
          file: entry.saliency,
          where: `line ${entry.line}`,
        });
      }
      return {
        name: entry.id,
        image: loaded.image,
        tags: loaded.tags ?? [],
        ...(loaded.saliency ? { saliency: loaded.saliency.data } : {}),
        ...(loaded.label ? { label: loaded.label.data } : {}),
      };
    },
  };
}
