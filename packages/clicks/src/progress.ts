/**
 * A progress report of long work, the same shape in every @objsel package (each leaf declares
 * it, since leaves import no other @objsel package); only the CLI renders it.
 */
export interface ProgressEvent {
  /** What is running, e.g. `convert`, `check`, `noc`, `crf`. */
  task: string;
  /** Units done so far (steps, images, layers, bytes, iterations). */
  done: number;
  /** Units in all, when known. */
  total?: number;
  /** Short human text for the current unit. */
  message?: string;
  /** Figures worth showing and logging (loss, learning rate, mIoU, images/s). */
  metrics?: Record<string, number>;
}

/** The callback long-running functions accept. */
export type OnProgress = (event: ProgressEvent) => void;
