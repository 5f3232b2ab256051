import type { EvaluationResult } from '@objsel/deeplab-resnet';

/** The per-class IoU table and mean IoU, as evaluate.py prints `Mean IoU`. */
export function formatEvaluation(result: EvaluationResult): string {
  const pct = (v: number | null) => (v === null ? '   n/a' : `${(100 * v).toFixed(2).padStart(6)}`);
  const width = Math.max(5, ...result.perClassIoU.map((c) => c.name.length));
  const lines = [`${'class'.padEnd(width)}  IoU (%)`];
  for (const c of result.perClassIoU) lines.push(`${c.name.padEnd(width)}  ${pct(c.iou)}`);
  lines.push('');
  // n/a: no labelled pixel (an empty shard).
  const total = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : 'n/a');
  lines.push(
    `Mean IoU: ${total(result.miou)} over ${result.images} image(s) (pixel accuracy ${total(result.pixelAccuracy)}${result.scales.length > 1 ? `, scales ${result.scales.join(',')}` : ''}${result.crf ? ', dense CRF' : ''})`,
  );
  return lines.join('\n');
}
