/**
 * The ground truth of one object of a label image (an instance or class label), for the click
 * robot: `gt` is 1 where the label is `object`, `ignore` is 1 on void pixels (`voidLabel`, VOC's 255).
 */
export function objectTruth(label: ArrayLike<number>, object: number, voidLabel = 255): { gt: Uint8Array; ignore: Uint8Array } {
  const gt = new Uint8Array(label.length);
  const ignore = new Uint8Array(label.length);
  for (let i = 0; i < label.length; i++) {
    gt[i] = label[i] === object ? 1 : 0;
    ignore[i] = label[i] === voidLabel ? 1 : 0;
  }
  return { gt, ignore };
}
