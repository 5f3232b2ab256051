import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IMG_MEAN_BGR,
  SampleRng,
  augment,
  deprocess,
  drawAugmentParams,
  permutation,
  preprocess,
  stackBatch,
  type AugmentParams,
  type RgbImage,
} from '../src/index';

/**
 * The TF port's pipeline step by step on whole tensors (image_reader.py): RGB→BGR float minus
 * mean; tf.image.resize_images (bilinear, TF1 legacy coordinates) to trunc(h·s)×trunc(w·s);
 * resize_nearest_neighbor for the label; tf.reverse on the width axis; pad_to_bounding_box at
 * (0, 0) with the label shifted by −255 so padding reads 255 after adding it back; crop.
 */
function tfReference(image: RgbImage, label: Uint8Array, p: AugmentParams, crop?: [number, number]) {
  const { width: w, height: h } = image;
  let img = Array.from({ length: h }, (_, y) =>
    Array.from({ length: w }, (_, x) => [2, 1, 0].map((c, k) => image.data[(y * w + x) * 3 + c]! - IMG_MEAN_BGR[k]!)),
  );
  let lab = Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => label[y * w + x]!));
  const sh = p.scaledHeight;
  const sw = p.scaledWidth;
  const hs = Math.fround(h / sh);
  const ws = Math.fround(w / sw);
  const resizedImg = Array.from({ length: sh }, (_, y) => {
    const iy = Math.fround(y * hs);
    const y0 = Math.floor(iy);
    const y1 = Math.min(y0 + 1, h - 1);
    const dy = iy - y0;
    return Array.from({ length: sw }, (_, x) => {
      const ix = Math.fround(x * ws);
      const x0 = Math.floor(ix);
      const x1 = Math.min(x0 + 1, w - 1);
      const dx = ix - x0;
      return [0, 1, 2].map((k) => {
        const top = img[y0]![x0]![k]! + (img[y0]![x1]![k]! - img[y0]![x0]![k]!) * dx;
        const bottom = img[y1]![x0]![k]! + (img[y1]![x1]![k]! - img[y1]![x0]![k]!) * dx;
        return top + (bottom - top) * dy;
      });
    });
  });
  const resizedLab = Array.from({ length: sh }, (_, y) =>
    Array.from(
      { length: sw },
      (_, x) => lab[Math.min(Math.floor(Math.fround(y * hs)), h - 1)]![Math.min(Math.floor(Math.fround(x * ws)), w - 1)]!,
    ),
  );
  img = resizedImg;
  lab = resizedLab;
  if (p.mirror) {
    img = img.map((row) => [...row].reverse());
    lab = lab.map((row) => [...row].reverse());
  }
  if (!crop) return { img, lab };
  const [ch, cw] = crop;
  const ph = Math.max(ch, sh);
  const pw = Math.max(cw, sw);
  const padImg = Array.from({ length: ph }, (_, y) => Array.from({ length: pw }, (_, x) => (y < sh && x < sw ? img[y]![x]! : [0, 0, 0])));
  const padLab = Array.from({ length: ph }, (_, y) =>
    Array.from({ length: pw }, (_, x) => (y < sh && x < sw ? lab[y]![x]! - 255 : 0) + 255),
  );
  return {
    img: padImg.slice(p.offsetY, p.offsetY + ch).map((r) => r.slice(p.offsetX, p.offsetX + cw)),
    lab: padLab.slice(p.offsetY, p.offsetY + ch).map((r) => r.slice(p.offsetX, p.offsetX + cw)),
  };
}

function randomImage(w: number, h: number, seed: number): { image: RgbImage; label: Uint8Array } {
  const rng = new SampleRng(seed);
  const data = Uint8Array.from({ length: w * h * 3 }, () => rng.int(256));
  const label = Uint8Array.from({ length: w * h }, () => [0, 1, 2, 15, 255][rng.int(5)]!);
  return { image: { width: w, height: h, data }, label };
}

describe('augment (TF port semantics)', () => {
  it('matches the step-by-step TF pipeline for random sizes, scales, mirrors and crops (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 23 }),
        fc.integer({ min: 3, max: 23 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.nat(),
        (w, h, cw, ch, seed) => {
          const { image, label } = randomImage(w, h, seed);
          const options = { crop: [ch, cw] as [number, number], randomScale: true, randomMirror: true };
          const params = drawAugmentParams(h, w, options, new SampleRng(seed));
          const got = augment(image, label, options, params);
          const ref = tfReference(image, label, params, [ch, cw]);
          expect(got.height).toBe(ch);
          expect(got.width).toBe(cw);
          for (let y = 0; y < ch; y++) {
            for (let x = 0; x < cw; x++) {
              expect(got.label![y * cw + x]).toBe(ref.lab[y]![x]);
              for (let k = 0; k < 3; k++) expect(Math.abs(got.image[(y * cw + x) * 3 + k]! - ref.img[y]![x]![k]!)).toBeLessThan(1e-3);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('without a crop returns the whole scaled, mirrored image', () => {
    const { image, label } = randomImage(17, 11, 5);
    const options = { randomScale: true, randomMirror: true };
    const params = drawAugmentParams(11, 17, options, new SampleRng(9));
    const got = augment(image, label, options, params);
    const ref = tfReference(image, label, params);
    expect([got.height, got.width]).toEqual([params.scaledHeight, params.scaledWidth]);
    expect([...got.label!]).toEqual(ref.lab.flat());
    got.image.forEach((v, i) => {
      expect(Math.abs(v - ref.img.flat(2)[i]!)).toBeLessThan(1e-3);
    });
  });

  it('draws scale in [0.5, 1.5), mirrors about half the time, crops inside the padded image', () => {
    const rng = new SampleRng(2024);
    let mirrors = 0;
    let minS = Infinity;
    let maxS = -Infinity;
    const N = 4000;
    for (let i = 0; i < N; i++) {
      const p = drawAugmentParams(375, 500, { crop: [321, 321], randomScale: true, randomMirror: true }, rng);
      minS = Math.min(minS, p.scale);
      maxS = Math.max(maxS, p.scale);
      if (p.mirror) mirrors++;
      expect(p.scaledHeight).toBe(Math.trunc(Math.fround(375 * p.scale)));
      expect(p.offsetY).toBeGreaterThanOrEqual(0);
      expect(p.offsetY).toBeLessThanOrEqual(Math.max(321, p.scaledHeight) - 321);
      expect(p.offsetX).toBeLessThanOrEqual(Math.max(321, p.scaledWidth) - 321);
    }
    expect(minS).toBeGreaterThanOrEqual(0.5);
    expect(maxS).toBeLessThan(1.5);
    expect(minS).toBeLessThan(0.51);
    expect(maxS).toBeGreaterThan(1.49);
    // Binomial(4000, 0.5): 5 standard deviations is ±158.
    expect(Math.abs(mirrors - N / 2)).toBeLessThan(158);
    // Without the flags: scale 1, no mirror.
    const p = drawAugmentParams(10, 20, { crop: [5, 5] }, new SampleRng(1));
    expect(p).toMatchObject({ scale: 1, mirror: false, scaledHeight: 10, scaledWidth: 20 });
  });

  it('pads small images at the bottom/right: image 0 (the mean), label 255; DCSP pads labels with 0', () => {
    const image: RgbImage = { width: 2, height: 2, data: new Uint8Array(12).fill(200) };
    const label = new Uint8Array([1, 2, 3, 4]);
    const params: AugmentParams = { scale: 1, scaledHeight: 2, scaledWidth: 2, mirror: false, offsetY: 0, offsetX: 0, height: 3, width: 3 };
    const out = augment(image, label, { crop: [3, 3] }, params);
    expect([...out.label!]).toEqual([1, 2, 255, 3, 4, 255, 255, 255, 255]);
    expect([...out.image.subarray(0, 3)].map((v) => +v.toFixed(4))).toEqual(
      [200 - 104.00698793, 200 - 116.66876762, 200 - 122.67891434].map((v) => +v.toFixed(4)),
    );
    expect([...out.image.subarray(6, 9)]).toEqual([0, 0, 0]);
    expect([...augment(image, label, { crop: [3, 3], labelPad: 0 }, params).label!]).toEqual([1, 2, 0, 3, 4, 0, 0, 0, 0]);
  });

  it('is reproducible from the seed and differs between seeds', () => {
    const { image, label } = randomImage(40, 30, 1);
    const opts = { crop: [25, 25] as [number, number], randomScale: true, randomMirror: true };
    const a = augment(image, label, opts, new SampleRng([7, 0, 3]));
    const b = augment(image, label, opts, new SampleRng([7, 0, 3]));
    const c = augment(image, label, opts, new SampleRng([7, 0, 4]));
    expect(a.params).toEqual(b.params);
    expect(Buffer.from(a.image.buffer).equals(Buffer.from(b.image.buffer))).toBe(true);
    expect(a.params).not.toEqual(c.params);
  });

  it('carries extra maps: nearest like the label, bilinear like the image, with their own padding', () => {
    const { image, label } = randomImage(9, 7, 4);
    const params = drawAugmentParams(7, 9, { crop: [10, 12], randomScale: true, randomMirror: true }, new SampleRng(11));
    const asMap = Float32Array.from(label);
    const grey = Float32Array.from({ length: 63 }, (_, i) => image.data[i * 3]!);
    const out = augment(image, label, { crop: [10, 12] }, params, [
      { data: asMap, channels: 1, interpolation: 'nearest', pad: 255 },
      { data: grey, channels: 1, interpolation: 'bilinear', pad: -1 },
    ]);
    expect([...out.maps![0]!]).toEqual([...out.label!]);
    // The bilinear map follows the image's R channel (BGR slot 2) plus its mean, and pads with -1.
    let padded = 0;
    out.maps![1]!.forEach((v, i) => {
      if (v === -1) {
        padded++;
        expect(out.image[i * 3 + 2]).toBe(0);
      } else expect(Math.abs(v - (out.image[i * 3 + 2]! + IMG_MEAN_BGR[2]))).toBeLessThan(1e-3);
    });
    expect(padded).toBe(120 - Math.min(10, params.scaledHeight - params.offsetY) * Math.min(12, params.scaledWidth - params.offsetX));
  });

  it('preprocess/deprocess invert each other; stackBatch lays out NHWC + int32 labels', () => {
    const { image, label } = randomImage(5, 4, 8);
    expect([...deprocess(preprocess(image))]).toEqual([...image.data]);
    const s1 = augment(image, label, { crop: [3, 3] }, new SampleRng(1));
    const s2 = augment(image, label, { crop: [3, 3] }, new SampleRng(2));
    const batch = stackBatch([
      { ...s1, id: 'a' },
      { ...s2, id: 'b' },
    ]);
    expect(batch).toMatchObject({ size: 2, height: 3, width: 3, ids: ['a', 'b'] });
    expect(batch.labels).toBeInstanceOf(Int32Array);
    expect([...batch.images.subarray(27)]).toEqual([...s2.image]);
    expect([...batch.labels!.subarray(9)]).toEqual([...s2.label!]);
    expect(() =>
      stackBatch([
        { ...s1, id: 'a' },
        { ...augment(image, label, {}, new SampleRng(1)), id: 'full' },
      ]),
    ).toThrowError(/cannot batch/);
  });

  it('permutation is a seeded Fisher–Yates shuffle', () => {
    const p = permutation(50, new SampleRng(3));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...permutation(50, new SampleRng(3))]).toEqual([...p]);
    expect([...permutation(50, new SampleRng(4))]).not.toEqual([...p]);
  });
});
