import type { Click, RgbImage } from './types';

/**
 * A selection as a user sees it: the image (RGB, HWC bytes) with the selected pixels tinted red
 * and the clicks as green (positive) / red (negative) dots in a white ring.
 */
export function selectionOverlay(image: RgbImage, mask: Uint8Array, clicks: readonly Click[]): Uint8Array {
  const { width, height } = image;
  const out = new Uint8Array(image.data);
  for (let i = 0; i < width * height; i++) {
    if (!mask[i]) continue;
    out[i * 3] = Math.round(0.5 * out[i * 3]! + 0.5 * 255);
    out[i * 3 + 1] = Math.round(0.5 * out[i * 3 + 1]!);
    out[i * 3 + 2] = Math.round(0.5 * out[i * 3 + 2]!);
  }
  const r = Math.max(2, Math.round(Math.min(width, height) / 80));
  for (const c of clicks) {
    for (let y = Math.max(0, c.y - r - 1); y <= Math.min(height - 1, c.y + r + 1); y++) {
      for (let x = Math.max(0, c.x - r - 1); x <= Math.min(width - 1, c.x + r + 1); x++) {
        const d2 = (x - c.x) ** 2 + (y - c.y) ** 2;
        if (d2 > (r + 1) ** 2) continue;
        const ring = d2 > r * r;
        const colour = ring ? [255, 255, 255] : c.positive ? [0, 220, 0] : [230, 0, 0];
        out.set(colour, (y * width + x) * 3);
      }
    }
  }
  return out;
}
