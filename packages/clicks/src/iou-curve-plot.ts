import { ClicksError } from './errors';

/** One line of an IoU-vs-clicks plot: `curve[k - 1]` is the mean IoU after k clicks. */
export interface IouCurveSeries {
  label: string;
  curve: readonly number[];
}

function checkSeries(series: readonly IouCurveSeries[]): void {
  if (series.length === 0) throw new ClicksError('bad-parameter', 'no IoU curve to write', { where: 'series' });
  for (const s of series)
    if (s.curve.length === 0) throw new ClicksError('bad-parameter', `IoU curve "${s.label}" is empty`, { where: 'series' });
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV with a `clicks` column and one column per series (empty past a shorter curve's end). */
export function iouCurveCsv(series: readonly IouCurveSeries[]): string {
  checkSeries(series);
  const rows = Math.max(...series.map((s) => s.curve.length));
  const lines = [['clicks', ...series.map((s) => csvField(s.label))].join(',')];
  for (let k = 0; k < rows; k++)
    lines.push([String(k + 1), ...series.map((s) => (k < s.curve.length ? s.curve[k]!.toFixed(6) : ''))].join(','));
  return `${lines.join('\n')}\n`;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A standalone SVG of mean IoU after every click (the plot RITM's `plot_ious_analysis.py` and
 * the papers print): x = clicks 1..n, y = mIoU, one polyline per series, a legend, a grid.
 */
export function iouCurveSvg(series: readonly IouCurveSeries[], options: { title?: string; width?: number; height?: number } = {}): string {
  checkSeries(series);
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const m = { left: 56, right: 16, top: 32, bottom: 44 };
  const n = Math.max(...series.map((s) => s.curve.length));
  const lo = Math.max(0, Math.floor(Math.min(...series.flatMap((s) => s.curve)) * 10) / 10);
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const x = (k: number): number => m.left + (n === 1 ? plotW / 2 : ((k - 1) / (n - 1)) * plotW);
  const y = (v: number): number => m.top + (1 - (v - lo) / (1 - lo || 1)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(options.title ?? 'mIoU after every click')}</text>`,
  ];
  for (let k = 1; k <= n; k++) {
    parts.push(`<line x1="${x(k).toFixed(1)}" y1="${m.top}" x2="${x(k).toFixed(1)}" y2="${m.top + plotH}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(k).toFixed(1)}" y="${m.top + plotH + 14}" text-anchor="middle">${k}</text>`);
  }
  for (let t = 0; t <= 5; t++) {
    const v = lo + ((1 - lo) * t) / 5;
    parts.push(`<line x1="${m.left}" y1="${y(v).toFixed(1)}" x2="${m.left + plotW}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(2)}</text>`);
  }
  parts.push(`<text x="${m.left + plotW / 2}" y="${height - 8}" text-anchor="middle">clicks</text>`);
  parts.push(`<text transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">mIoU</text>`);
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const points = s.curve.map((v, k) => `${x(k + 1).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points}"/>`);
    const ly = m.top + plotH - 10 - 16 * (series.length - 1 - i);
    parts.push(
      `<line x1="${m.left + plotW - 150}" y1="${ly - 4}" x2="${m.left + plotW - 130}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${m.left + plotW - 125}" y="${ly}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
