import { VocDataError } from './errors';

/** One object instance from a `SegmentationObject` (or SBD `inst`) label. */
export interface InstanceMask {
  /** The value the object label uses for it (1..N). */
  instanceId: number;
  /** Its class: from `categories` when given, else the majority class under it (0 if unknown). */
  classId: number;
  /** Pixels in the instance. */
  area: number;
  /** `[xmin, ymin, xmax, ymax]`, 0-based inclusive. */
  bbox: [number, number, number, number];
  /** `width * height`, 1 inside the instance, 0 outside. */
  mask: Uint8Array;
}

/**
 * Splits an instance label (0 background, 1..N instances, 255 void) into one mask per instance,
 * in increasing id order. The class of each instance comes from `categories[id - 1]` (SBD's
 * `GTinst.Categories`) or else from the majority of `classLabel` under it (VOC's
 * `SegmentationClass`), ignoring 255.
 */
export function extractInstances(
  objectLabel: Uint8Array,
  width: number,
  height: number,
  options: { classLabel?: Uint8Array; categories?: readonly number[]; file?: string } = {},
): InstanceMask[] {
  const n = width * height;
  if (objectLabel.length !== n)
    throw new VocDataError('size-mismatch', `instance label has ${objectLabel.length} pixels, expected ${width}x${height}`, {
      file: options.file,
    });
  if (options.classLabel && options.classLabel.length !== n)
    throw new VocDataError('size-mismatch', `class label has ${options.classLabel.length} pixels, instance label ${n}`, {
      file: options.file,
    });
  const present = new Uint8Array(256);
  for (let i = 0; i < n; i++) present[objectLabel[i]!] = 1;
  const out: InstanceMask[] = [];
  for (let id = 1; id < 255; id++) {
    if (!present[id]) continue;
    const mask = new Uint8Array(n);
    const votes = new Uint32Array(256);
    let area = 0;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (objectLabel[i] !== id) continue;
        mask[i] = 1;
        area++;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (options.classLabel) votes[options.classLabel[i]!]!++;
      }
    }
    let classId = options.categories?.[id - 1] ?? 0;
    if (options.categories === undefined && options.classLabel) {
      let best = 0;
      for (let c = 1; c < 255; c++) if (votes[c]! > best) (best = votes[c]!), (classId = c);
    }
    out.push({ instanceId: id, classId, area, bbox: [x0, y0, x1, y1], mask });
  }
  return out;
}
