import { colorize, deprocess, encodePng } from '@objsel/voc-data';
import type { PredictionMap, TrainingBatch } from './trainer';

/**
 * The TF port's image summary as a PNG: one row per image, `image | ground truth | prediction`
 * side by side, labels in VOC palette colours (255 shows as the palette's (224,224,192)).
 */
export function predictionStrip(batch: TrainingBatch, predictions: readonly PredictionMap[]): Uint8Array {
  const { width: w, height: h } = batch;
  const rows = predictions.length;
  const out = new Uint8Array(rows * h * 3 * w * 3);
  const stride = 3 * w * 3;
  const px = w * h;
  for (let r = 0; r < rows; r++) {
    const image = deprocess(batch.images.subarray(r * px * 3, (r + 1) * px * 3));
    const ids = new Uint8Array(px);
    for (let k = 0; k < px; k++) {
      const v = batch.labels[r * px + k]!;
      ids[k] = v < 0 || v > 255 ? 255 : v;
    }
    const truth = colorize(ids);
    const predicted = colorize(predictions[r]!.data);
    [image, truth, predicted].forEach((panel, p) => {
      for (let y = 0; y < h; y++) out.set(panel.subarray(y * w * 3, (y + 1) * w * 3), (r * h + y) * stride + p * w * 3);
    });
  }
  return encodePng({ width: 3 * w, height: rows * h, channels: 3, data: out });
}

/** One point of the training curve. */
export interface CurvePoint {
  step: number;
  loss: number;
  learningRate: number;
}

function polyline(
  points: Array<[number, number]>,
  x0: number,
  y0: number,
  width: number,
  height: number,
  color: string,
): { path: string; min: number; max: number } {
  const ys = points.map((p) => p[1]).filter(Number.isFinite);
  let min = Math.min(...ys);
  let max = Math.max(...ys);
  if (!Number.isFinite(min)) {
    min = 0;
    max = 1;
  }
  if (max === min) max = min + 1;
  const xs = points.map((p) => p[0]);
  const xMin = Math.min(...xs);
  const xMax = Math.max(Math.max(...xs), xMin + 1);
  const coords = points
    .filter((p) => Number.isFinite(p[1]))
    .map(
      ([x, y]) =>
        `${(x0 + ((x - xMin) / (xMax - xMin)) * width).toFixed(1)},${(y0 + height - ((y - min) / (max - min)) * height).toFixed(1)}`,
    );
  return { path: `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${coords.join(' ')}"/>`, min, max };
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(4) : v.toExponential(2);
}

/** Loss (top) and learning rate (bottom) against the step, as a self-contained SVG. */
export function trainingCurveSvg(points: readonly CurvePoint[], title = 'training'): string {
  const W = 640;
  const H = 200;
  const pad = 50;
  const panels: Array<{ label: string; color: string; values: Array<[number, number]> }> = [
    { label: 'loss', color: '#c0392b', values: points.map((p) => [p.step, p.loss]) },
    { label: 'learning rate', color: '#2471a3', values: points.map((p) => [p.step, p.learningRate]) },
  ];
  const parts: string[] = [];
  const last = points[points.length - 1];
  parts.push(
    `<text x="${pad}" y="20" font-family="sans-serif" font-size="14">${title}: ${points.length} steps${last ? `, step ${last.step}, loss ${fmt(last.loss)}` : ''}</text>`,
  );
  panels.forEach((panel, i) => {
    const y0 = 35 + i * (H + 40);
    parts.push(`<rect x="${pad}" y="${y0}" width="${W}" height="${H}" fill="none" stroke="#999"/>`);
    if (panel.values.length > 0) {
      const line = polyline(panel.values, pad, y0, W, H, panel.color);
      parts.push(line.path);
      parts.push(`<text x="${pad - 4}" y="${y0 + 10}" text-anchor="end" font-family="sans-serif" font-size="10">${fmt(line.max)}</text>`);
      parts.push(`<text x="${pad - 4}" y="${y0 + H}" text-anchor="end" font-family="sans-serif" font-size="10">${fmt(line.min)}</text>`);
      parts.push(`<text x="${pad}" y="${y0 + H + 14}" font-family="sans-serif" font-size="10">step ${panel.values[0]![0]}</text>`);
      parts.push(
        `<text x="${pad + W}" y="${y0 + H + 14}" text-anchor="end" font-family="sans-serif" font-size="10">step ${panel.values[panel.values.length - 1]![0]}</text>`,
      );
    }
    parts.push(`<text x="${pad + 6}" y="${y0 + 16}" font-family="sans-serif" font-size="12" fill="${panel.color}">${panel.label}</text>`);
  });
  const height = 35 + 2 * (H + 40);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W + 2 * pad}" height="${height}" viewBox="0 0 ${W + 2 * pad} ${height}">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}
