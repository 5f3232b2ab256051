import path from 'node:path';
import { dataShardName, tfCheckpointV2Parts } from '@objsel/caffe-import';
import { nodeFileSystem } from '@objsel/caffe-import/node';
import { assertOutputSeparate } from '../output-guard';
import type { ExportTarget } from './target';

/**
 * `--to tf-checkpoint`: a V2 checkpoint (`PREFIX.index` + `PREFIX.data-00000-of-00001`) with the
 * TF port's variable names, frozen BatchNorm statistics included, that the original
 * `inference.py` / `evaluate.py` restore with `tf.train.Saver`. The data shard is written from
 * the weights themselves (no joined copy). Both are staged and take their names together at the
 * end, the index last: a crash between the two renames leaves a data file without its index,
 * which no Saver loads and the next export replaces, never an index without its data.
 */
export const tfCheckpointTarget: ExportTarget = {
  description: "TensorFlow V2 checkpoint PREFIX.index + PREFIX.data-00000-of-00001 (the TF port's names; tf.train.Saver restores it)",
  async run(request, _ctx, out) {
    const t0 = performance.now();
    const { resolveWeights } = await import('@objsel/deeplab-resnet');
    const weights = await resolveWeights(nodeFileSystem, request.weights);
    const index = `${request.out}.index`;
    const data = dataShardName(request.out, 0, 1);
    assertOutputSeparate('--out', request.out, [request.weights, weights.weightsPath]);
    for (const file of [index, data]) assertOutputSeparate('--out', file, [request.weights, weights.weightsPath]);
    const parts = tfCheckpointV2Parts(weights.entries, weights.meta);
    await out.write(data, parts.dataChunks);
    await out.write(index, parts.index);
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
