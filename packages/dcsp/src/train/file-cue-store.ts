import { joinPath, type WritableFiles } from '@objsel/deeplab-resnet';
import { VOC_PALETTE, decodeLabel, encodeIndexPng, writeNpz } from '@objsel/voc-data';
import type { AttentionCues } from '../cues/attention-cues';
import type { CueLabels, CueStage, CueStore } from './cue-store';

/**
 * A {@link CueStore} on disk, in formats both objsel and DCSP's Python code read:
 * - `<dir>/initial/<name>.npz`: `actv`, float32 `[H, W, K]`, the normalised attention of the
 *   K present classes in ascending class order (exactly what get_localization.py saves);
 * - `<dir>/initial/<name>.png`: the fused cue labels, a VOC-palette index PNG;
 * - `<dir>/adapted/<name>.png`: the labels regenerated from the segmentation network.
 * `get` returns the latest stage this store wrote for the image, or reads `initial` from an
 * earlier run when nothing newer is known.
 */
export class FileCueStore implements CueStore {
  private readonly latest = new Map<string, CueStage>();

  constructor(
    private readonly fs: WritableFiles,
    /** The cue directory. */
    readonly dir: string,
  ) {}

  /** Path of an image's label PNG for a stage. */
  labelPath(name: string, stage: CueStage): string {
    return joinPath(this.dir, stage, `${name}.png`);
  }

  /** Path of an image's initial attention `.npz`. */
  attentionPath(name: string): string {
    return joinPath(this.dir, 'initial', `${name}.npz`);
  }

  async put(name: string, stage: CueStage, cues: CueLabels, attention?: AttentionCues): Promise<void> {
    await this.fs.mkdir(joinPath(this.dir, stage), { recursive: true });
    if (attention) {
      const npz = writeNpz({ actv: { shape: [attention.height, attention.width, attention.classes.length], data: attention.actv } });
      await this.fs.writeFile(this.attentionPath(name), npz);
    }
    await this.fs.writeFile(this.labelPath(name, stage), encodeIndexPng(cues.labels, cues.width, cues.height, VOC_PALETTE));
    this.latest.set(name, stage);
  }

  async get(name: string): Promise<CueLabels | undefined> {
    const stage = this.latest.get(name) ?? 'initial';
    const file = this.labelPath(name, stage);
    let bytes: Uint8Array;
    try {
      bytes = await this.fs.readFile(file);
    } catch {
      return undefined;
    }
    const label = decodeLabel(bytes, file);
    return { width: label.width, height: label.height, labels: label.data };
  }
}
