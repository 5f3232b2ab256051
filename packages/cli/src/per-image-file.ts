import path from 'node:path';

/**
 * The file a per-image output flag (`infer --save-logits`, `--save-probs`) names for one image:
 * the path itself when there is one image, `<stem>_<name><ext>` beside it for several (so
 * `--save-probs p.npy` on a.jpg and b.jpg writes p_a.npy and p_b.npy).
 */
export function perImageFile(flag: string, name: string, count: number): string {
  if (count === 1) return flag;
  const ext = path.extname(flag) || '.npy';
  return path.join(path.dirname(flag), `${path.basename(flag, path.extname(flag))}_${name}${ext}`);
}
