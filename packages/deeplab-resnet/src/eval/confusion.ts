import { DeeplabError } from '../errors';

/**
 * A confusion matrix over `numClasses` classes, accumulated image by image as TF's
 * `streaming_mean_iou` does: rows are ground truth, columns predictions, and pixels whose ground
 * truth is outside `0..numClasses-1` (255 = ignore) are skipped.
 */
export class ConfusionMatrix {
  /** `counts[t * numClasses + p]`: pixels of true class t predicted as p. */
  readonly counts: Float64Array;

  constructor(readonly numClasses: number) {
    if (!Number.isSafeInteger(numClasses) || numClasses <= 0)
      throw new DeeplabError('bad-config', `numClasses must be a positive integer, got ${numClasses}`);
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /**
   * A matrix from rows of counts (ground truth × prediction), as {@link toRows} gives them: how
   * evaluations run apart (shards, queue jobs) are summed back into one.
   */
  static fromRows(rows: ReadonlyArray<ArrayLike<number>>): ConfusionMatrix {
    const matrix = new ConfusionMatrix(rows.length);
    const c = rows.length;
    rows.forEach((row, t) => {
      if (row.length !== c) throw new DeeplabError('bad-input', `confusion matrix row ${t} has ${row.length} counts, expected ${c}`);
      for (let p = 0; p < c; p++) {
        const n = row[p]!;
        if (!Number.isSafeInteger(n) || n < 0)
          throw new DeeplabError('bad-input', `confusion matrix count [${t}][${p}] is ${n}, not a count`);
        matrix.counts[t * c + p] = n;
      }
    });
    return matrix;
  }

  /** Adds one image's prediction against its ground truth (same length). */
  add(predictions: ArrayLike<number>, labels: ArrayLike<number>): void {
    if (predictions.length !== labels.length)
      throw new DeeplabError('bad-input', `${predictions.length} predictions for ${labels.length} labels`);
    const c = this.numClasses;
    for (let i = 0; i < labels.length; i++) {
      const t = labels[i]!;
      if (t < 0 || t >= c) continue;
      const p = predictions[i]!;
      if (p < 0 || p >= c) throw new DeeplabError('bad-input', `prediction ${p} is not a class (0..${c - 1})`);
      this.counts[t * c + p]! += 1;
    }
  }

  /** Adds another matrix's counts. */
  merge(other: ConfusionMatrix): void {
    if (other.numClasses !== this.numClasses) throw new DeeplabError('bad-input', 'confusion matrices of different sizes');
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
  }

  /** Per class: `tp / (tp + fp + fn)`; NaN for a class that is neither present nor predicted. */
  iou(): number[] {
    const c = this.numClasses;
    const out: number[] = [];
    for (let k = 0; k < c; k++) {
      let row = 0;
      let col = 0;
      for (let j = 0; j < c; j++) {
        row += this.counts[k * c + j]!;
        col += this.counts[j * c + k]!;
      }
      const tp = this.counts[k * c + k]!;
      const union = row + col - tp;
      out.push(union > 0 ? tp / union : Number.NaN);
    }
    return out;
  }

  /** Mean IoU over the classes that occur (in truth or prediction), as `streaming_mean_iou`; NaN when empty. */
  meanIoU(): number {
    const valid = this.iou().filter((v) => !Number.isNaN(v));
    return valid.length ? valid.reduce((a, b) => a + b, 0) / valid.length : Number.NaN;
  }

  /** Correct pixels / counted pixels. */
  pixelAccuracy(): number {
    const c = this.numClasses;
    let total = 0;
    let correct = 0;
    for (let i = 0; i < this.counts.length; i++) total += this.counts[i]!;
    for (let k = 0; k < c; k++) correct += this.counts[k * c + k]!;
    return total > 0 ? correct / total : Number.NaN;
  }

  /** Rows of counts (ground truth × prediction). */
  toRows(): number[][] {
    const c = this.numClasses;
    return Array.from({ length: c }, (_, t) => Array.from(this.counts.subarray(t * c, (t + 1) * c)));
  }
}
