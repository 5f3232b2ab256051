import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { VOC_PALETTE, checkDataset, decodeLabel, encodeIndexPng, encodePng, memoryFileSource, parseList, writeNpz } from '../src/index';
import { looksLikeLuminance, luminanceValues } from '../src/luminance';

describe('checkDataset', () => {
  it('the histogram of the real VOC label equals a direct count of its pixels', async () => {
    const label = fs.readFileSync(fixture('deeplab/2007_000129.png'));
    const files = memoryFileSource({ 'D/JPEGImages/x.jpg': fs.readFileSync(fixture('deeplab/2007_000129.jpg')), 'D/Seg/x.png': label });
    const report = await checkDataset(parseList('/JPEGImages/x.jpg /Seg/x.png\n', { dataDir: 'D' }), files);
    // Direct count straight from the PNG's samples via an independent decoder path (sharp agrees, see io.test.ts).
    const data = decodeLabel(label).data;
    const direct = new Array(21).fill(0);
    let ignored = 0;
    for (const v of data) v === 255 ? ignored++ : direct[v]++;
    expect(report.histogram).toEqual(direct);
    expect(report.ignored).toBe(ignored);
    expect(direct.filter((v) => v > 0).length).toBe(3); // background, bicycle, person
    expect(report.labelForms).toEqual({ palette: 0, gray: 1, color: 0 });
    expect(report.errors).toEqual([]);
  });

  it('luminance values are those of the VOC colours (601 and 709 luma, rounded and truncated)', () => {
    const lum = luminanceValues();
    for (const v of [38, 52, 53, 75, 113, 14, 15, 147, 220]) expect(lum.has(v)).toBe(true);
    expect(looksLikeLuminance([38, 75, 220])).toBe(true);
    expect(looksLikeLuminance([38, 77])).toBe(false);
    expect(looksLikeLuminance([])).toBe(false);
    // A palette label re-saved as greyscale (PIL 'L' = round(601 luma)) is detected; a colour label decoded right is not.
    const idx = new Uint8Array([0, 1, 2, 3, 15, 255]);
    const grey = idx.map((i) =>
      Math.round(0.299 * VOC_PALETTE[i * 3]! + 0.587 * VOC_PALETTE[i * 3 + 1]! + 0.114 * VOC_PALETTE[i * 3 + 2]!),
    );
    expect(looksLikeLuminance([...grey].filter((v) => v >= 21 && v !== 255))).toBe(true);
  });

  it('reports every problem of a DCSP list: class files, saliency size and range, missing attention', async () => {
    const img = encodePng({ width: 4, height: 3, channels: 3, data: new Uint8Array(36) });
    const files = memoryFileSource({
      'D/JPEGImages/a.png': img,
      'D/ClassCategories/a.txt': new TextEncoder().encode('3\n15\n'),
      'D/ClassCategories/b.txt': new TextEncoder().encode('3\n40\n'),
      'D/Saliency/a.npz': writeNpz({ actv: { shape: [3, 4], data: new Float32Array(12).fill(0.5) } }),
      'D/Saliency/b.npz': writeNpz({ actv: { shape: [2, 4], data: new Float32Array(8).fill(2) } }),
      'D/Attentions/a.npz': writeNpz({ actv: { shape: [3, 4, 2], data: new Float32Array(24) } }),
      'D/L/a.png': encodeIndexPng(new Uint8Array(12), 4, 3),
    });
    const list = [
      '/JPEGImages/a.png /Attentions/a.npz /Saliency/a.npz /ClassCategories/a.txt',
      '/JPEGImages/a.png /Attentions/b.npz /Saliency/b.npz /ClassCategories/b.txt',
      '/JPEGImages/a.png /L/a.png',
      '/JPEGImages/a.png /L/a.png',
    ].join('\n');
    const report = await checkDataset(parseList(list, { dataDir: 'D' }), files);
    expect(report.errors.map((e) => [e.line, e.problem, e.file])).toEqual([
      [2, 'missing-file', 'D/Attentions/b.npz'],
      [2, 'bad-values', 'D/ClassCategories/b.txt'],
      [2, 'size-mismatch', 'D/Saliency/b.npz'],
    ]);
    expect(report.warnings.map((w) => [w.line, w.problem])).toEqual([
      [2, 'bad-values'],
      [4, 'duplicate'],
    ]);
  });
});
