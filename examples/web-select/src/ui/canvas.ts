/** Drawing the image, the mask and the click marks, and reading pixels back. */
import type { Box, Click, RgbImage } from '@objsel/clicks';

/** Mask colour: object pixels are opaque, background fully transparent. */
export const MASK_RGB: readonly [number, number, number] = [64, 196, 255];

/** Puts an RGB image on a canvas sized to it. */
export function drawImage(canvas: HTMLCanvasElement, image: RgbImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const rgba = new ImageData(image.width, image.height);
  for (let i = 0, n = image.width * image.height; i < n; i++) {
    rgba.data[4 * i] = image.data[3 * i]!;
    rgba.data[4 * i + 1] = image.data[3 * i + 1]!;
    rgba.data[4 * i + 2] = image.data[3 * i + 2]!;
    rgba.data[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(rgba, 0, 0);
}

/** Draws a 0/1 mask: object pixels opaque in {@link MASK_RGB}, background transparent. */
export function drawMask(canvas: HTMLCanvasElement, mask: Uint8Array, width: number, height: number): void {
  canvas.width = width;
  canvas.height = height;
  const rgba = new ImageData(width, height);
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    rgba.data[4 * i] = MASK_RGB[0];
    rgba.data[4 * i + 1] = MASK_RGB[1];
    rgba.data[4 * i + 2] = MASK_RGB[2];
    rgba.data[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(rgba, 0, 0);
}

/**
 * Draws the mask's outline (object pixels with a background 4-neighbour) and the clicks: green
 * discs with + for the object, red with − for background. At display resolution, so they stay
 * crisp on small images. A classic method's box is a dashed rectangle.
 */
export function drawMarks(
  canvas: HTMLCanvasElement,
  mask: Uint8Array,
  clicks: readonly Click[],
  width: number,
  height: number,
  displayScale: number,
  box?: Box,
): void {
  canvas.width = Math.round(width * displayScale);
  canvas.height = Math.round(height * displayScale);
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#ffffff';
  const dot = Math.max(1, displayScale);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      const edge =
        x === 0 || y === 0 || x === width - 1 || y === height - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - width] || !mask[i + width];
      if (edge) ctx.fillRect(x * displayScale, y * displayScale, dot, dot);
    }
  }
  if (box) {
    ctx.save();
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#ffd54f';
    const [x0, y0, x1, y1] = box;
    ctx.strokeRect(x0 * displayScale, y0 * displayScale, (x1 - x0) * displayScale, (y1 - y0) * displayScale);
    ctx.restore();
  }
  clicks.forEach((c, i) => {
    const x = (c.x + 0.5) * displayScale;
    const y = (c.y + 0.5) * displayScale;
    ctx.beginPath();
    ctx.arc(x, y, 8, 0, Math.PI * 2);
    ctx.fillStyle = c.positive ? '#3ddc84' : '#ff5252';
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = i === clicks.length - 1 ? '#ffffff' : '#10131a';
    ctx.stroke();
    ctx.strokeStyle = '#10131a';
    ctx.beginPath();
    ctx.moveTo(x - 4, y);
    ctx.lineTo(x + 4, y);
    if (c.positive) {
      ctx.moveTo(x, y - 4);
      ctx.lineTo(x, y + 4);
    }
    ctx.stroke();
  });
}

/** Largest side of an image the app works on; bigger pictures are scaled down when opened. */
export const MAX_IMAGE_SIDE = 800;

/** Decodes an image file (any format the browser reads) to RGB, scaled down to {@link MAX_IMAGE_SIDE}. */
export async function decodeImageFile(file: Blob): Promise<RgbImage> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_IMAGE_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[3 * i] = rgba[4 * i]!;
    data[3 * i + 1] = rgba[4 * i + 1]!;
    data[3 * i + 2] = rgba[4 * i + 2]!;
  }
  return { width, height, data };
}
