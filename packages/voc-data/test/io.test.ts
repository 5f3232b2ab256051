import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { fixture } from '../../../tools/test/fixtures';
import {
  VOC_CLASSES,
  VOC_PALETTE,
  VocDataError,
  colorize,
  decodeImage,
  decodeImageSync,
  decodeLabel,
  defaultImageCodec,
  encodeIndexPng,
  encodePng,
  loadSharpCodec,
  overlay,
  pureJsCodec,
} from '../src/index';
import { buildPng } from './helpers/png-builder';

/** The 21 VOC colours as listed in the DeepLab port's utils.py (`deeplab_resnet/utils.py` of DrSleep/tensorflow-deeplab-resnet). */
const VOC_TABLE = [
  [0, 0, 0],
  [128, 0, 0],
  [0, 128, 0],
  [128, 128, 0],
  [0, 0, 128],
  [128, 0, 128],
  [0, 128, 128],
  [128, 128, 128],
  [64, 0, 0],
  [192, 0, 0],
  [64, 128, 0],
  [192, 128, 0],
  [64, 0, 128],
  [192, 0, 128],
  [64, 128, 128],
  [192, 128, 128],
  [0, 64, 0],
  [128, 64, 0],
  [0, 192, 0],
  [128, 192, 0],
  [0, 64, 128],
];

async function sharpRaw(bytes: Uint8Array) {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), ...info };
}

describe('VOC palette', () => {
  it('matches the published 21-colour table and maps 255 to (224,224,192)', () => {
    expect(VOC_PALETTE.length).toBe(768);
    for (let i = 0; i < 21; i++) expect([...VOC_PALETTE.subarray(i * 3, i * 3 + 3)]).toEqual(VOC_TABLE[i]);
    expect([...VOC_PALETTE.subarray(765)]).toEqual([224, 224, 192]);
    expect(VOC_CLASSES).toHaveLength(21);
    expect(VOC_CLASSES[0]).toBe('background');
    expect(VOC_CLASSES[15]).toBe('person');
    // All 256 colours are distinct, so colour → index is well defined.
    const keys = new Set<number>();
    for (let i = 0; i < 256; i++) keys.add((VOC_PALETTE[i * 3]! << 16) | (VOC_PALETTE[i * 3 + 1]! << 8) | VOC_PALETTE[i * 3 + 2]!);
    expect(keys.size).toBe(256);
  });

  it('colorize and overlay follow their formulas', () => {
    const idx = new Uint8Array([0, 1, 15, 255]);
    expect([...colorize(idx)]).toEqual([0, 0, 0, 128, 0, 0, 192, 128, 128, 224, 224, 192]);
    const img = { width: 4, height: 1, data: new Uint8Array([10, 20, 30, 100, 100, 100, 0, 0, 0, 50, 60, 70]) };
    const out = overlay(img, idx, 0.25);
    expect([...out.data]).toEqual([10, 20, 30, 107, 75, 75, 48, 32, 32, 50, 60, 70]);
    expect(() => overlay(img, new Uint8Array(3))).toThrow(RangeError);
  });
});

describe('decodeLabel', () => {
  const W = 5;
  const H = 3;
  const indices = [0, 1, 2, 15, 255, 20, 7, 3, 0, 0, 255, 255, 5, 6, 19];

  it('palette PNG (8-bit) → the palette indices, not their colours or luminance', () => {
    const palette = Array.from({ length: 256 }, (_, i) => [...VOC_PALETTE.subarray(i * 3, i * 3 + 3)]);
    const png = buildPng({ width: W, height: H, colorType: 3, depth: 8, samples: indices, palette });
    const label = decodeLabel(png, 'x.png');
    expect(label).toMatchObject({ width: W, height: H, form: 'palette' });
    expect([...label.data]).toEqual(indices);
  });

  it('palette PNG with 4-bit and 2-bit indices (sub-byte rows unpacked)', () => {
    const small = indices.map((v) => v % 16);
    const palette = Array.from({ length: 16 }, (_, i) => [i, i, i]);
    expect([...decodeLabel(buildPng({ width: W, height: H, colorType: 3, depth: 4, samples: small, palette })).data]).toEqual(small);
    const tiny = indices.map((v) => v % 4);
    expect([
      ...decodeLabel(buildPng({ width: W, height: H, colorType: 3, depth: 2, samples: tiny, palette: palette.slice(0, 4) })).data,
    ]).toEqual(tiny);
  });

  it('grey PNG → values (8-bit, 16-bit, grey+alpha)', () => {
    expect(decodeLabel(buildPng({ width: W, height: H, colorType: 0, depth: 8, samples: indices }))).toMatchObject({
      form: 'gray',
      data: new Uint8Array(indices),
    });
    const wide = indices.map((v, i) => (i === 0 ? 1000 : v));
    const l16 = decodeLabel(buildPng({ width: W, height: H, colorType: 0, depth: 16, samples: wide }));
    expect([...l16.data]).toEqual(indices.map((v, i) => (i === 0 ? 255 : v)));
    const ga = indices.flatMap((v) => [v, 255]);
    expect([...decodeLabel(buildPng({ width: W, height: H, colorType: 4, depth: 8, samples: ga })).data]).toEqual(indices);
  });

  it('RGB and RGBA colour PNG → indices through the VOC map; unknown colours → 255', () => {
    const rgb = indices.flatMap((v) => [...VOC_PALETTE.subarray(v * 3, v * 3 + 3)]);
    rgb.splice(3, 3, 1, 2, 3); // pixel 1: a colour not in the map
    const expected = [...indices];
    expected[1] = 255;
    const label = decodeLabel(buildPng({ width: W, height: H, colorType: 2, depth: 8, samples: rgb }));
    expect(label.form).toBe('color');
    expect([...label.data]).toEqual(expected);
    const rgba = [];
    for (let i = 0; i < W * H; i++) rgba.push(rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!, 255);
    expect([...decodeLabel(buildPng({ width: W, height: H, colorType: 6, depth: 8, samples: rgba })).data]).toEqual(expected);
  });

  it('an index PNG saved as grey RGB reads as gray values', () => {
    const rgb = indices.flatMap((v) => [v, v, v]);
    const label = decodeLabel(buildPng({ width: W, height: H, colorType: 2, depth: 8, samples: rgb }));
    expect(label.form).toBe('gray');
    expect([...label.data]).toEqual(indices);
  });

  it('the real VOC fixture (grey index PNG) equals sharp’s independent decode, classes {0,2,15,255}', async () => {
    const bytes = fs.readFileSync(fixture('deeplab/2007_000129.png'));
    const label = decodeLabel(bytes, '2007_000129.png');
    expect(label).toMatchObject({ width: 334, height: 500, form: 'gray' });
    const ref = await sharpRaw(bytes);
    // sharp may hand grey PNGs back as replicated RGB; take the first channel.
    const grey = ref.data.filter((_, i) => i % ref.channels === 0);
    expect(grey.length).toBe(334 * 500);
    expect(Buffer.from(label.data).equals(Buffer.from(grey))).toBe(true);
    expect([...new Set(label.data)].sort((a, b) => a - b)).toEqual([0, 2, 15, 255]);
  });

  it('truncated and garbage label files are typed errors naming the file', () => {
    const png = encodeIndexPng(new Uint8Array(100).fill(3), 10, 10);
    for (const bad of [png.subarray(0, png.length - 20), png.subarray(0, 40), new Uint8Array([1, 2, 3])]) {
      try {
        decodeLabel(bad, 'broken.png');
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(VocDataError);
        expect((error as VocDataError).code).toBe('unreadable');
        expect((error as Error).message).toContain('broken.png');
      }
    }
  });
});

describe('encoders', () => {
  it('encodeIndexPng writes a palette PNG: sharp sees the VOC colours, decodeLabel the indices', async () => {
    const w = 7;
    const h = 4;
    const idx = Uint8Array.from({ length: w * h }, (_, i) => [0, 1, 2, 15, 255, 20][i % 6]!);
    const png = encodeIndexPng(idx, w, h);
    expect(png[25]).toBe(3); // IHDR colour type byte: indexed
    const label = decodeLabel(png);
    expect(label.form).toBe('palette');
    expect([...label.data]).toEqual([...idx]);
    const ref = await sharpRaw(png);
    expect(ref.channels).toBe(3);
    expect([...ref.data]).toEqual([...colorize(idx)]);
  });

  it('encodePng round-trips 1, 3 and 4 channels through sharp', async () => {
    for (const channels of [1, 3, 4] as const) {
      const data = Uint8Array.from({ length: 6 * 5 * channels }, (_, i) => (i * 37 + 11) & 255);
      const ref = await sharpRaw(encodePng({ width: 6, height: 5, channels, data }));
      // sharp hands small grey images back as replicated RGB.
      const expected = channels === 1 && ref.channels === 3 ? [...data].flatMap((v) => [v, v, v]) : [...data];
      expect(ref.channels).toBe(channels === 1 ? ref.channels : channels);
      expect([...ref.data]).toEqual(expected);
    }
  });
});

describe('decodeImage', () => {
  const jpg = new Uint8Array(fs.readFileSync(fixture('deeplab/2007_000129.jpg')));

  // jpeg-js replicates chroma (no "fancy" upsampling), libjpeg-turbo (sharp, and TF's decode_jpeg)
  // interpolates it, so colour edges differ by up to ~60 levels; most samples agree within 2.
  it('decodes the VOC JPEG to 334x500 RGB; jpeg-js and sharp agree up to chroma upsampling', async () => {
    const pure = decodeImageSync(jpg, 'a.jpg');
    expect(pure.width).toBe(334);
    expect(pure.height).toBe(500);
    expect(pure.data.length).toBe(334 * 500 * 3);
    const sharpCodec = await loadSharpCodec();
    expect(sharpCodec).toBeDefined();
    const fast = await decodeImage(jpg, 'a.jpg', sharpCodec);
    expect(fast.width).toBe(334);
    let sum = 0;
    let close = 0;
    for (let i = 0; i < pure.data.length; i++) {
      const d = Math.abs(pure.data[i]! - fast.data[i]!);
      sum += d;
      if (d <= 2) close++;
    }
    expect(sum / pure.data.length).toBeLessThan(2.5);
    expect(close / pure.data.length).toBeGreaterThan(0.75);
    expect((await defaultImageCodec()).name).toBe('sharp+png');
  });

  it('decodes PNG photos of every colour type to RGB', async () => {
    const grey = [0, 85, 170, 255];
    expect([...(await decodeImage(buildPng({ width: 2, height: 2, colorType: 0, depth: 8, samples: grey }))).data]).toEqual(
      grey.flatMap((v) => [v, v, v]),
    );
    expect([...(await decodeImage(buildPng({ width: 2, height: 2, colorType: 0, depth: 2, samples: [0, 1, 2, 3] }))).data]).toEqual(
      grey.flatMap((v) => [v, v, v]),
    );
    expect([...(await decodeImage(buildPng({ width: 2, height: 1, colorType: 0, depth: 16, samples: [0, 65535] }))).data]).toEqual([
      0, 0, 0, 255, 255, 255,
    ]);
    const palette = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    expect([...(await decodeImage(buildPng({ width: 2, height: 1, colorType: 3, depth: 1, samples: [1, 0], palette }))).data]).toEqual([
      4, 5, 6, 1, 2, 3,
    ]);
    expect([...(await decodeImage(buildPng({ width: 1, height: 1, colorType: 6, depth: 8, samples: [9, 8, 7, 0] }))).data]).toEqual([
      9, 8, 7,
    ]);
    expect([
      ...(await decodeImage(buildPng({ width: 1, height: 1, colorType: 2, depth: 16, samples: [257 * 9, 257 * 8, 65535] }))).data,
    ]).toEqual([9, 8, 255]);
  });

  it('decodes Adam7-interlaced and palette PNGs written by libpng (sharp) exactly', async () => {
    const w = 37;
    const h = 23;
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 29 + (i >> 5)) & 255);
    for (const options of [
      { progressive: true },
      { progressive: false, compressionLevel: 9 },
      { progressive: true, palette: false, adaptiveFiltering: true },
    ]) {
      const png = new Uint8Array(
        await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
          .png(options)
          .toBuffer(),
      );
      expect(png[28]).toBe(options.progressive ? 1 : 0); // IHDR interlace method
      const img = await decodeImage(png);
      expect([img.width, img.height]).toEqual([w, h]);
      expect(Buffer.from(img.data).equals(Buffer.from(rgb))).toBe(true);
    }
    const grey = Uint8Array.from({ length: w * h }, (_, i) => i % 21);
    const interlacedGrey = new Uint8Array(
      await sharp(grey, { raw: { width: w, height: h, channels: 1 } })
        .toColourspace('b-w')
        .png({ progressive: true })
        .toBuffer(),
    );
    expect([interlacedGrey[25], interlacedGrey[28]]).toEqual([0, 1]); // grey, interlaced
    const label = decodeLabel(interlacedGrey);
    expect(label.form).toBe('gray');
    expect(Buffer.from(label.data).equals(Buffer.from(grey))).toBe(true);
  });

  it('truncated JPEGs and unknown formats are unreadable errors with every codec', async () => {
    const cut = jpg.subarray(0, Math.floor(jpg.length / 2));
    const codecs = [pureJsCodec, (await loadSharpCodec())!];
    for (const codec of codecs) {
      await expect(decodeImage(cut, 'cut.jpg', codec)).rejects.toMatchObject({ name: 'VocDataError', code: 'unreadable', file: 'cut.jpg' });
    }
    await expect(decodeImage(new Uint8Array([1, 2, 3, 4]), 'x.bin')).rejects.toMatchObject({ code: 'unreadable', file: 'x.bin' });
  });
});
