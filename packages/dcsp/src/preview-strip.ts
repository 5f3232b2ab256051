import { colorize, type RgbImage } from '@objsel/voc-data';
import type { DcspDemoPreview } from './demo';

/**
 * One picture of a demo preview: four panels side by side, the photo, then ground truth,
 * initial cues and the prediction in the VOC palette (`dcsp/<name>.png` of `objsel demo`).
 */
export function previewStrip(preview: Pick<DcspDemoPreview, 'image' | 'truth' | 'cues' | 'prediction'>): RgbImage {
  const { width: w, height: h } = preview.image;
  const panels = [preview.image.data, colorize(preview.truth), colorize(preview.cues), colorize(preview.prediction)];
  const row = w * 3;
  const data = new Uint8Array(panels.length * row * h);
  for (let y = 0; y < h; y++)
    panels.forEach((panel, k) => {
      data.set(panel.subarray(y * row, (y + 1) * row), (y * panels.length + k) * row);
    });
  return { width: w * panels.length, height: h, data };
}
