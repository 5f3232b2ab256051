import type { AttentionCues } from '../cues/attention-cues';

/** Hard cue labels of one image at image size (0 = background, 1..20 classes; no ignore value). */
export interface CueLabels {
  width: number;
  height: number;
  labels: Uint8Array;
}

/** Which cues a stored entry holds. */
export type CueStage = 'initial' | 'adapted';

/**
 * Where the schedule keeps the cues between its stages: the initial cues (attention fused with
 * saliency, plus the normalised present-class attention DCSP saves as `actv`) and, after each
 * adaptation round, the labels regenerated from the segmentation network. Implementations may
 * write files (the CLI writes `.npz` and index PNGs); {@link MemoryCueStore} keeps them in memory.
 */
export interface CueStore {
  /** Stores (replaces) an image's cues. `attention` is given for initial cues. */
  put(name: string, stage: CueStage, cues: CueLabels, attention?: AttentionCues): Promise<void>;
  /** The image's current cues (the latest stored), or undefined. */
  get(name: string): Promise<CueLabels | undefined>;
}

/** A {@link CueStore} in memory (fine for small datasets and tests; a VOC-size run should write files). */
export class MemoryCueStore implements CueStore {
  private readonly entries = new Map<string, { stage: CueStage; cues: CueLabels; attention?: AttentionCues }>();

  async put(name: string, stage: CueStage, cues: CueLabels, attention?: AttentionCues): Promise<void> {
    this.entries.set(name, { stage, cues, ...(attention ? { attention } : {}) });
  }

  async get(name: string): Promise<CueLabels | undefined> {
    return this.entries.get(name)?.cues;
  }

  /** The stage of an image's stored cues. */
  stageOf(name: string): CueStage | undefined {
    return this.entries.get(name)?.stage;
  }

  /** The normalised present-class attention stored with the initial cues. */
  attentionOf(name: string): AttentionCues | undefined {
    return this.entries.get(name)?.attention;
  }

  /** Number of images with cues. */
  get size(): number {
    return this.entries.size;
  }
}
