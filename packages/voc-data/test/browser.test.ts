import { afterEach, describe, expect, it } from 'vitest';
import { browserCodec, decodeImage, fetchFileSource, memoryFileSource, encodePng } from '../src/index';

const g = globalThis as Record<string, unknown>;
afterEach(() => {
  delete g.createImageBitmap;
  delete g.OffscreenCanvas;
});

describe('browser paths', () => {
  it('browserCodec decodes through createImageBitmap + OffscreenCanvas, without colour conversion, RGBA → RGB', async () => {
    expect(browserCodec()).toBeUndefined();
    const calls: unknown[] = [];
    let closed = false;
    g.createImageBitmap = async (blob: Blob, options: unknown) => {
      calls.push(blob.type, options, (await blob.arrayBuffer()).byteLength);
      return { width: 2, height: 1, close: () => (closed = true) };
    };
    g.OffscreenCanvas = class {
      constructor(
        readonly width: number,
        readonly height: number,
      ) {}
      getContext() {
        return { drawImage: () => {}, getImageData: () => ({ data: new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 128]) }) };
      }
    };
    const codec = browserCodec()!;
    expect(codec.name).toBe('browser');
    const png = encodePng({ width: 2, height: 1, channels: 3, data: new Uint8Array(6) });
    const image = await decodeImage(png, 'a.png', codec);
    expect(image).toEqual({ width: 2, height: 1, data: new Uint8Array([1, 2, 3, 4, 5, 6]) });
    expect(calls).toEqual(['image/png', { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'none' }, png.length]);
    expect(closed).toBe(true);
    g.createImageBitmap = async () => {
      throw new Error('InvalidStateError');
    };
    await expect(decodeImage(png, 'b.png', browserCodec())).rejects.toMatchObject({
      name: 'VocDataError',
      code: 'unreadable',
      file: 'b.png',
    });
  });

  it('fetchFileSource maps 404 to missing-file and prefixes the base URL', async () => {
    const realFetch = globalThis.fetch;
    const seen: string[] = [];
    globalThis.fetch = (async (url: string) => {
      seen.push(url);
      return url.endsWith('x.png') ? new Response(new Uint8Array([9, 8])) : new Response('nope', { status: 404 });
    }) as typeof fetch;
    try {
      const files = fetchFileSource('https://data.example/VOC2012/');
      expect([...(await files.read('/JPEGImages/x.png'))]).toEqual([9, 8]);
      await expect(files.read('/JPEGImages/y.png')).rejects.toMatchObject({
        code: 'missing-file',
        file: 'https://data.example/VOC2012/JPEGImages/y.png',
      });
      expect(seen[0]).toBe('https://data.example/VOC2012/JPEGImages/x.png');
    } finally {
      globalThis.fetch = realFetch;
    }
    await expect(memoryFileSource({}).read('z')).rejects.toMatchObject({ code: 'missing-file' });
  });
});
