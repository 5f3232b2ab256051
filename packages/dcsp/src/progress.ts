/** A progress event, as every objsel library reports long work (the CLI renders it). */
export interface DcspProgress {
  /** What is running, e.g. `dcsp attention`, `dcsp segmentation`, `dcsp initial cues`. */
  task: string;
  done: number;
  total?: number;
  message?: string;
  /** Numbers worth showing: loss, learning rate, images/s. */
  metrics?: Record<string, number>;
}
