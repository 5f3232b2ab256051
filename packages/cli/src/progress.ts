import type { ProgressEvent } from '@objsel/caffe-import';

/**
 * Progress as the libraries report it (a task, how far it is, optional figures): one shape in
 * every @objsel package, declared by each leaf and re-exported by deeplab-resnet and dcsp.
 */
export type { ProgressEvent };

/**
 * Where progress goes: a redrawn bar on a terminal, plain text lines every few seconds when not
 * a terminal, JSON lines with `--json`, nothing with `--quiet`.
 */
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

/**
 * Seconds left at the rate seen since a task's first event (NaN, shown as `?`, until there is a
 * rate). The first event's `done` is the baseline: a task first seen at 1/5 has spent unknown
 * time on that unit, so its ETA is unknown, not 0 s.
 */
function etaSeconds(elapsedSeconds: number, baseline: number, done: number, total: number): number {
  const progressed = done - baseline;
  return progressed > 0 && elapsedSeconds > 0 ? (elapsedSeconds * (total - done)) / progressed : Number.NaN;
}

function formatMetric(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(2) : value.toPrecision(4);
}

/** A one-line bar with percentage, ETA and metrics, redrawn in place on a TTY. */
export class BarRenderer implements ProgressRenderer {
  private started = new Map<string, { time: number; done: number }>();
  private active = false;

  constructor(
    private readonly stream: { write(text: string): unknown; columns?: number },
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(event: ProgressEvent): void {
    const start = this.started.get(event.task) ?? { time: this.now(), done: event.done };
    if (!this.started.has(event.task)) this.started.set(event.task, start);
    const elapsed = (this.now() - start.time) / 1000;
    const width = 24;
    let line = event.task;
    if (event.total && event.total > 0) {
      const frac = Math.min(1, Math.max(0, event.done / event.total));
      const filled = Math.round(frac * width);
      const eta = etaSeconds(elapsed, start.done, event.done, event.total);
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

/**
 * Plain text lines for logs and pipes, as tools print when not on a terminal:
 * `train: 120/20000 (0.6%), loss 0.8400, ETA 1h02m`. A task's first event, then at most one line
 * per `intervalMs`, and its last state (at `done === total` or when the command ends).
 */
export class TextLinesRenderer implements ProgressRenderer {
  private readonly tasks = new Map<string, { start: number; baseline: number; printed: number; pending: ProgressEvent | undefined }>();

  constructor(
    private readonly stream: { write(text: string): unknown },
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 5000,
  ) {}

  update(event: ProgressEvent): void {
    const t = this.now();
    let task = this.tasks.get(event.task);
    if (!task) {
      task = { start: t, baseline: event.done, printed: Number.NEGATIVE_INFINITY, pending: undefined };
      this.tasks.set(event.task, task);
    }
    const last = event.total !== undefined && event.done >= event.total;
    // "Starting" (nothing done yet) says nothing a log needs, and a run that fails on its first
    // item then prints its error as the only line.
    if (event.done === 0 && !last) return;
    if (last || t - task.printed >= this.intervalMs) {
      this.print(event, task, t);
      task.printed = t;
      task.pending = undefined;
    } else {
      task.pending = event;
    }
  }

  /** Prints each task's last state if it has not been printed yet. */
  finish(): void {
    const t = this.now();
    for (const task of this.tasks.values()) {
      if (task.pending) this.print(task.pending, task, t);
      task.pending = undefined;
      task.printed = t;
    }
  }

  private print(event: ProgressEvent, task: { start: number; baseline: number }, t: number): void {
    const elapsed = (t - task.start) / 1000;
    const parts: string[] = [];
    if (event.total && event.total > 0) {
      const percent = (100 * Math.min(1, Math.max(0, event.done / event.total))).toFixed(1).replace(/\.0$/, '');
      parts.push(`${event.task}: ${event.done}/${event.total} (${percent}%)`);
    } else {
      parts.push(`${event.task}: ${event.done}`);
    }
    for (const [k, v] of Object.entries(event.metrics ?? {})) parts.push(`${k} ${formatMetric(v)}`);
    if (event.message) parts.push(event.message);
    if (event.total && event.total > 0 && event.done < event.total)
      parts.push(`ETA ${formatDuration(etaSeconds(elapsed, task.baseline, event.done, event.total))}`);
    else parts.push(`${formatDuration(elapsed)}`);
    this.stream.write(`${parts.join(', ')}\n`);
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
