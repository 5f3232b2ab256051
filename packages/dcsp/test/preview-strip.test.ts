import { describe, expect, it } from 'vitest';
import { VOC_PALETTE } from '@objsel/voc-data';
import { previewStrip } from '@objsel/dcsp';

describe('previewStrip', () => {
  it('puts photo, truth, cues and prediction side by side, labels in the VOC palette', () => {
    const width = 3;
    const height = 2;
    const n = width * height;
    const photo = Uint8Array.from({ length: n * 3 }, (_, i) => (i * 7) % 256);
    const truth = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const cues = Uint8Array.from({ length: n }, (_, i) => (i === 0 ? 255 : 15));
    const prediction = Uint8Array.from({ length: n }, (_, i) => i);
    const strip = previewStrip({ image: { width, height, data: photo }, truth, cues, prediction });
    expect(strip.width).toBe(4 * width);
    expect(strip.height).toBe(height);
    const pixel = (x: number, y: number) => Array.from(strip.data.subarray((y * strip.width + x) * 3, (y * strip.width + x) * 3 + 3));
    const colour = (label: number) => [0, 1, 2].map((c) => VOC_PALETTE[label * 3 + c] ?? 0);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        expect(pixel(x, y)).toEqual(Array.from(photo.subarray(i * 3, i * 3 + 3)));
        expect(pixel(width + x, y)).toEqual(colour(truth[i]!));
        expect(pixel(2 * width + x, y)).toEqual(colour(cues[i]!));
        expect(pixel(3 * width + x, y)).toEqual(colour(prediction[i]!));
      }
  });
});
