/**
 * `objsel evaluate` as items: each list entry is evaluated by the library's `evaluate` and
 * yields its own confusion matrix; a run's result is {@link evaluationSummary} of their sum, the
 * same function `objsel merge evaluate` applies to the matrices of shards, so a run cut in any
 * way reports the mean IoU of the run in one piece to the last digit (the counts are integers).
 */
import path from 'node:path';
import type { EvaluationResult } from '@objsel/deeplab-resnet';
import type { ListEntry } from '@objsel/voc-data';
import { crfRefinerFromFlag } from '../crf-refiner';
import { CliError } from '../errors';
import { formatEvaluation } from '../format-evaluation';
import { assertNumClasses } from '../network-flags';
import { readBytes } from '../node-fs';
import { stageOutputs } from '../staged-outputs';
import type { JobKind } from './job-kind';

/** Everything `objsel evaluate` was asked, besides the list entries. */
export interface EvaluateJobSettings {
  weights: string;
  numClasses?: number;
  scales: number[];
  crf?: string | boolean;
  bnEpsilon?: number;
  saveDir?: string;
  dataList: string;
}

/** One image's confusion counts (rows: ground truth, columns: prediction). */
export interface EvaluatedImage {
  id: string;
  confusionMatrix: number[][];
}

/** What a part of an evaluation (an image, a shard's result line) contributes to the whole. */
export interface EvaluationPart {
  confusionMatrix: number[][];
  images: number;
  scales: number[];
  crf: boolean;
}

/** The evaluation of the parts together: their confusion matrices summed. */
export async function evaluationSummary(parts: readonly EvaluationPart[]): Promise<EvaluationResult> {
  const { ConfusionMatrix, evaluationResult } = await import('@objsel/deeplab-resnet');
  if (parts.length === 0) throw new CliError('usage', 'nothing to merge: no evaluated image');
  const total = ConfusionMatrix.fromRows(parts[0]!.confusionMatrix);
  for (const part of parts.slice(1)) {
    const next = ConfusionMatrix.fromRows(part.confusionMatrix);
    if (next.numClasses !== total.numClasses)
      throw new CliError('usage', `cannot merge evaluations of ${total.numClasses} and ${next.numClasses} classes`);
    total.merge(next);
  }
  const first = parts[0]!;
  for (const part of parts)
    if (part.crf !== first.crf || part.scales.join(',') !== first.scales.join(','))
      throw new CliError('usage', 'cannot merge evaluations made with different --scales or --crf');
  return evaluationResult(total, { images: parts.reduce((n, p) => n + p.images, 0), scales: first.scales, crf: first.crf });
}

function zeroMatrix(numClasses: number): number[][] {
  return Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
}

export const evaluateJob: JobKind<EvaluateJobSettings, ListEntry, EvaluatedImage> = {
  command: 'evaluate',
  absolutePaths(s, entries, cwd) {
    const abs = (p: string) => path.resolve(cwd, p);
    return {
      settings: {
        ...s,
        weights: abs(s.weights),
        dataList: abs(s.dataList),
        ...(s.saveDir === undefined ? {} : { saveDir: abs(s.saveDir) }),
      },
      items: entries.map((e) => ({ ...e, image: abs(e.image), ...(e.label === undefined ? {} : { label: abs(e.label) }) })),
    };
  },
  async runItems(s, entries, env) {
    const refine = await crfRefinerFromFlag(s.crf);
    const { evaluate } = await import('@objsel/deeplab-resnet');
    const { encodeIndexPng } = await import('@objsel/voc-data');
    const { segmenter, weightsDir, backend } = await env.networks.semantic(
      env.ctx,
      s.weights,
      s.bnEpsilon === undefined ? {} : { bnEpsilon: s.bnEpsilon },
    );
    assertNumClasses(s.numClasses, segmenter.numClasses, s.weights);
    const out = stageOutputs([s.saveDir]);
    const results: EvaluatedImage[] = [];
    try {
      if (s.saveDir) await out.mkdir(s.saveDir);
      const saveDir = s.saveDir;
      for (const [i, entry] of entries.entries()) {
        const one = await evaluate({
          segmenter,
          entries: [entry],
          read: readBytes,
          scales: s.scales,
          ...(refine ? { refine } : {}),
          ...(saveDir
            ? {
                onImage: async ({ image, prediction }) =>
                  out.write(path.join(saveDir, `${entry.id}_mask.png`), encodeIndexPng(prediction, image.width, image.height)),
              }
            : {}),
        });
        results.push({ id: entry.id, confusionMatrix: one.confusionMatrix });
        env.onProgress({ task: 'evaluate', done: i + 1, total: entries.length, message: entry.id });
      }
      await out.commit();
    } finally {
      out.discard();
    }
    return { results, meta: { backend, weights: weightsDir, numClasses: segmenter.numClasses } };
  },
  async summarise(s, results, meta) {
    const crf = s.crf !== undefined && s.crf !== false;
    // A shard whose share is empty (more shards than images) contributes zero counts, so that
    // `objsel merge` of every shard still works.
    const parts =
      results.length > 0
        ? results.map((r) => ({ confusionMatrix: r.confusionMatrix, images: 1, scales: s.scales, crf }))
        : [{ confusionMatrix: zeroMatrix(meta.numClasses as number), images: 0, scales: s.scales, crf }];
    const result = await evaluationSummary(parts);
    return { ...result, weights: meta.weights, dataList: s.dataList, backend: meta.backend };
  },
  format(summary) {
    return formatEvaluation(summary as unknown as EvaluationResult);
  },
};
