import { promises as fs } from 'node:fs';
import path from 'node:path';
import { dataShardName, tempSuffix, tfCheckpointV2Parts } from '@objsel/caffe-import';
import { nodeFileSystem } from '@objsel/caffe-import/node';
import { assertOutputSeparate } from '../output-guard';
import type { ExportTarget } from './target';

/** Writes `chunks` one after another to `file` through a sibling temp file renamed into place. */
async function writeChunksAtomic(file: string, chunks: readonly Uint8Array[]): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${tempSuffix()}`);
  const handle = await fs.open(temp, 'w');
  try {
    for (const chunk of chunks) await handle.write(chunk);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await fs.rename(temp, file);
}

/**
 * `--to tf-checkpoint`: a V2 checkpoint (`PREFIX.index` + `PREFIX.data-00000-of-00001`) with the
 * TF port's variable names, frozen BatchNorm statistics included, that the original
 * `inference.py` / `evaluate.py` restore with `tf.train.Saver`. The data shard is written from
 * the weights themselves (no joined copy); the index last, so a crash leaves no loadable half.
 */
export const tfCheckpointTarget: ExportTarget = {
  description: "TensorFlow V2 checkpoint PREFIX.index + PREFIX.data-00000-of-00001 (the TF port's names; tf.train.Saver restores it)",
  async run(request) {
    const t0 = performance.now();
    const { resolveWeights } = await import('@objsel/deeplab-resnet');
    const weights = await resolveWeights(nodeFileSystem, request.weights);
    const index = `${request.out}.index`;
    const data = dataShardName(request.out, 0, 1);
    assertOutputSeparate('--out', request.out, [request.weights, weights.weightsPath]);
    for (const file of [index, data]) assertOutputSeparate('--out', file, [request.weights, weights.weightsPath]);
    const parts = tfCheckpointV2Parts(weights.entries, weights.meta);
    await fs.mkdir(path.dirname(path.resolve(request.out)), { recursive: true });
    await writeChunksAtomic(data, parts.dataChunks);
    await writeChunksAtomic(index, [parts.index]);
    const parameters = weights.entries.reduce((n, e) => n + e.data.length, 0);
    const result = {
      to: 'tf-checkpoint',
      weights: weights.weightsPath,
      prefix: request.out,
      files: [
        { file: index, bytes: parts.index.length },
        { file: data, bytes: parts.dataBytes },
      ],
      tensors: weights.entries.length,
      parameters,
      warnings: parts.warnings,
      ms: Math.round(performance.now() - t0),
    };
    const human = [
      `wrote ${index} + ${path.basename(data)}: ${result.tensors} tensors, ${parameters.toLocaleString('en-US')} parameters, ${(parts.dataBytes / 1048576).toFixed(1)} MiB (from ${weights.weightsPath})`,
      `restore  tf.train.Saver().restore(sess, '${request.out}')  (e.g. inference.py IMG ${request.out})`,
      ...parts.warnings.map((w) => `warning  ${w}`),
    ].join('\n');
    return { result, human };
  },
};
