/** A progress report from long work (the CLI renders these). */
export interface ProgressEvent {
  task: string;
  done: number;
  total?: number;
  message?: string;
  metrics?: Record<string, number>;
}

/** Receives {@link ProgressEvent}s. */
export type OnProgress = (event: ProgressEvent) => void;
