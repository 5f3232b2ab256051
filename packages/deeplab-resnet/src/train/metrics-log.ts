import { readTextIfExists, writeFileAtomic, type WritableFiles } from '@objsel/caffe-import';
import type { CurvePoint } from './pictures';

/** One line of `metrics.jsonl`. */
export interface MetricsLine {
  step: number;
  loss: number;
  l2: number;
  lr: number;
  /** Seconds of this update. */
  seconds: number;
  imagesPerSecond: number;
  /** TF.js tensors alive after the update (flat when nothing leaks). */
  tensors: number;
  time: string;
}

/**
 * On resume: keeps the lines of `metrics.jsonl` up to `step` (a killed run may have logged
 * updates after its last checkpoint, which the resumed run repeats) and returns them as the
 * loss curve so far.
 */
export async function truncateMetricsLog(fs: WritableFiles, file: string, step: number): Promise<CurvePoint[]> {
  const text = await readTextIfExists(fs, file);
  if (text === undefined) return [];
  const kept: string[] = [];
  const points: CurvePoint[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const m = JSON.parse(line) as MetricsLine;
      if (m.step > step) continue;
      kept.push(line);
      points.push({ step: m.step, loss: m.loss, learningRate: m.lr });
    } catch {
      // a line cut by a crash: drop it
    }
  }
  await writeFileAtomic(fs, file, kept.length ? `${kept.join('\n')}\n` : '');
  return points;
}
