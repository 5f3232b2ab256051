/** A progress report from long work (parsing, converting, writing); the CLI renders it. */
export interface ProgressEvent {
  /** What is running, e.g. `parse-caffemodel`, `convert`, `write-weights`. */
  task: string;
  /** Units done so far (bytes or layers, see `total`). */
  done: number;
  /** Units in all, when known. */
  total?: number;
  /** A short human note. */
  message?: string;
  /** Numbers worth logging. */
  metrics?: Record<string, number>;
}

/** The callback long-running functions accept. */
export type OnProgress = (event: ProgressEvent) => void;
