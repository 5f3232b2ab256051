/**
 * One call from a checkpoint path to objsel weights: list the checkpoint, read only the network's
 * variables (optimiser slots and counters are listed, not read), map them.
 */
import type { ReadableFiles } from '../files';
import { readTfCheckpoint, type ReadTfCheckpointOptions, type TfCheckpointContents } from './read';
import { classifyTfVariable, tfCheckpointToWeights, type TfToWeightsOptions, type TfWeights } from './to-weights';

/** The result of {@link convertTfCheckpoint}. */
export interface TfCheckpointConversion extends TfWeights {
  /** Where the files were and which were read. */
  resolved: TfCheckpointContents['resolved'];
  /** Files read and their sizes. */
  filesRead: TfCheckpointContents['filesRead'];
}

/**
 * Reads the TensorFlow checkpoint at `path` (V1 or V2; a prefix, file or directory) and converts
 * its network variables to objsel weights. The weights are views of the files' bytes where
 * possible; with `consumeInput` (the files are read for this call only) V1 values are realigned
 * inside them, so that no weight is copied.
 *
 * @throws CaffeImportError as {@link readTfCheckpoint} and {@link tfCheckpointToWeights}.
 */
export async function convertTfCheckpoint(
  files: ReadableFiles,
  path: string,
  options: Omit<TfToWeightsOptions, 'checkpoint' | 'format'> & Pick<ReadTfCheckpointOptions, 'consumeInput'> = {},
): Promise<TfCheckpointConversion> {
  const contents = await readTfCheckpoint(files, path, {
    filter: (t) => classifyTfVariable(t.name) === 'network',
    ...(options.consumeInput ? { consumeInput: true } : {}),
  });
  const result = tfCheckpointToWeights(contents.tensors, { ...options, checkpoint: path, format: contents.format });
  for (const s of contents.skipped) {
    const t = { name: s.name, tfDtype: s.tfDtype, shape: [...s.shape] };
    const kind = classifyTfVariable(s.name);
    if (kind === 'optimizer-slot') result.report.optimizerSlots.push(t);
    else if (kind === 'counter') result.report.counters.push(t);
    else result.report.unknown.push({ ...t, reason: 'not a variable of the DeepLab-v2 ResNet network' });
  }
  return { ...result, resolved: contents.resolved, filesRead: contents.filesRead };
}
