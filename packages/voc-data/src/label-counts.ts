/**
 * Pixels per label value of a label map, in the order the values first occur (sort the keys
 * for class order). Used for the class shares `objsel infer` and `dcsp cues` report.
 */
export function labelCounts(labels: ArrayLike<number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return counts;
}
