import type { ProgressEvent } from '@objsel/caffe-import';

/**
 * Progress as the libraries report it (a task, how far it is, optional figures): one shape in
 * every @objsel package, declared by each leaf and re-exported by deeplab-resnet and dcsp.
 */
export type { ProgressEvent };

/** Where progress goes: a bar on a terminal, JSON lines otherwise, nothing when quiet. */
export interface ProgressRenderer {
  /** Shows one event. */
  update(event: ProgressEvent): void;
  /** Ends the current bar, leaving its last state on screen. */
  finish(): void;
}

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

function formatMetric(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(2) : value.toPrecision(4);
}

/** A one-line bar with percentage, ETA and metrics, redrawn in place on a TTY. */
export class BarRenderer implements ProgressRenderer {
  private started = new Map<string, number>();
  private active = false;

  constructor(
    private readonly stream: { write(text: string): unknown; columns?: number },
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(event: ProgressEvent): void {
    const start = this.started.get(event.task) ?? this.now();
    if (!this.started.has(event.task)) this.started.set(event.task, start);
    const elapsed = (this.now() - start) / 1000;
    const width = 24;
    let line = event.task;
    if (event.total && event.total > 0) {
      const frac = Math.min(1, Math.max(0, event.done / event.total));
      const filled = Math.round(frac * width);
      const eta = event.done > 0 ? (elapsed * (event.total - event.done)) / event.done : Number.NaN;
      line += ` [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${event.done}/${event.total} ${(frac * 100).toFixed(0)}% eta ${formatDuration(eta)}`;
    } else {
      line += ` ${event.done}`;
    }
    line += ` ${formatDuration(elapsed)}`;
    for (const [k, v] of Object.entries(event.metrics ?? {})) line += ` ${k}=${formatMetric(v)}`;
    if (event.message) line += ` ${event.message}`;
    const cols = this.stream.columns ?? 120;
    if (line.length > cols - 1) line = line.slice(0, cols - 1);
    this.stream.write(`\r\x1b[2K${line}`);
    this.active = true;
  }

  finish(): void {
    if (this.active) this.stream.write('\n');
    this.active = false;
  }
}

/** One JSON object per line: `{"type":"progress", ...event, "elapsed": seconds}`. */
export class JsonLinesRenderer implements ProgressRenderer {
  private started = new Map<string, number>();

  constructor(
    private readonly stream: { write(text: string): unknown },
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(event: ProgressEvent): void {
    const start = this.started.get(event.task) ?? this.now();
    if (!this.started.has(event.task)) this.started.set(event.task, start);
    const elapsed = Number(((this.now() - start) / 1000).toFixed(3));
    this.stream.write(`${JSON.stringify({ type: 'progress', ...event, elapsed })}\n`);
  }

  finish(): void {}
}

/** Renders nothing (`--quiet`). */
export class SilentRenderer implements ProgressRenderer {
  update(): void {}
  finish(): void {}
}
