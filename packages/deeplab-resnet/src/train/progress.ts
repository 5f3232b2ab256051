/** A progress event as every objsel library reports it; only the CLI renders it. */
export interface ProgressEvent {
  /** What is running: `train`, `fine-tune`, `evaluate`. */
  task: string;
  /** Units done (updates, images). */
  done: number;
  /** Units in all, when known. */
  total?: number;
  /** Short human text. */
  message?: string;
  /** Figures of the current unit (loss, lr, stepTime, imagesPerSec, miou). */
  metrics?: Record<string, number>;
}

/** Receives {@link ProgressEvent}s. */
export type OnProgress = (event: ProgressEvent) => void;
