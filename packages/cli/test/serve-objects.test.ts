/**
 * `POST /v1/select` with `previousMask` (a prior blended into the probability), `objectId`
 * (echoed: the client carries its objects) and click consistency, and `POST /v1/objects` (the
 * client's objects as a palette PNG and COCO annotations), over real HTTP with a stand-in
 * network whose probability is a seeded random field, so that every expected mask is computed
 * here from the definition: threshold((1 - w) p + w previous) with the clicked pixels set.
 */
import { decodeCocoRle, encodeCocoRle, encodeCompressedCocoRle, type Click } from '@objsel/clicks';
import { encodePng, readPng } from '@objsel/voc-data';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Selector } from '../src/serve/selector';
import { startSelectionServer, type SelectionServer } from '../src/serve/server';

const width = 23;
const height = 17;
const n = width * height;

/** A fixed random probability per pixel (mulberry32, seed 5). */
const probability = (() => {
  let a = 5;
  return Float32Array.from({ length: n }, () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  });
})();

let server: SelectionServer;
let imageId: string;
const image = Buffer.from(encodePng({ width, height, channels: 3, data: new Uint8Array(n * 3).fill(120) })).toString('base64');

beforeAll(async () => {
  const model = {
    async segment() {
      return Float32Array.from(probability);
    },
    dispose() {},
  };
  const selector = new Selector(model, { refine: 'none', threshold: 0.5, cacheBytes: 1 << 20, maxPixels: 1e6 });
  server = await startSelectionServer({ selector, model: {}, port: 0, maxBodyBytes: 1 << 20 });
  const first = await post({ image, clicks: [{ x: 0, y: 0, positive: true }] });
  imageId = first.json.imageId as string;
});
afterAll(() => server.close(100));

async function post(body: unknown, route = '/v1/select') {
  const response = await fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** The mask by definition: blend, threshold at 0.5, the last click at a pixel decides it. */
function expected(clicks: readonly Click[], previous?: Uint8Array, weight = 0.3): Uint8Array {
  const mask = Uint8Array.from(probability, (p, i) => ((previous ? (1 - weight) * p + weight * previous[i]! : p) >= 0.5 ? 1 : 0));
  for (const c of clicks) mask[c.y * width + c.x] = c.positive ? 1 : 0;
  return mask;
}

const maskOf = (json: Record<string, unknown>) => decodeCocoRle(json.rle as { size: [number, number]; counts: string });
const clickArb = fc.record({
  x: fc.integer({ min: 0, max: width - 1 }),
  y: fc.integer({ min: 0, max: height - 1 }),
  positive: fc.boolean(),
});
const maskArb = fc.uint8Array({ minLength: n, maxLength: n, max: 1 });

describe('POST /v1/select: previousMask, objectId, click consistency', () => {
  it('keeps every positive click in the mask and every negative click out of it (random clicks, plain threshold)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(clickArb, { minLength: 1, maxLength: 8 }), async (clicks) => {
        const r = await post({ imageId, clicks });
        expect(r.status).toBe(200);
        expect(maskOf(r.json)).toEqual(expected(clicks));
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  it('blends previousMask (compressed or uncompressed counts) into the probability with previousMaskWeight', async () => {
    await fc.assert(
      fc.asyncProperty(
        maskArb,
        fc.array(clickArb, { minLength: 1, maxLength: 4 }),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        fc.boolean(),
        async (previous, clicks, weight, compressed) => {
          const rle = compressed ? encodeCompressedCocoRle(previous, width, height) : encodeCocoRle(previous, width, height);
          const r = await post({ imageId, clicks, previousMask: rle, ...(weight === undefined ? {} : { previousMaskWeight: weight }) });
          expect(r.status).toBe(200);
          expect(maskOf(r.json)).toEqual(expected(clicks, previous, weight ?? 0.3));
        },
      ),
      { numRuns: 40, seed: 12 },
    );
  });

  it('with weight 1 answers the previous mask with the clicks applied, with weight 0 the network alone', async () => {
    const previous = Uint8Array.from({ length: n }, (_, i) => (i % width < 8 ? 1 : 0));
    const clicks = [
      { x: 20, y: 3, positive: true },
      { x: 2, y: 9, positive: false },
    ];
    const rle = encodeCompressedCocoRle(previous, width, height);
    const one = await post({ imageId, clicks, previousMask: rle, previousMaskWeight: 1 });
    const withClicks = Uint8Array.from(previous);
    withClicks[3 * width + 20] = 1;
    withClicks[9 * width + 2] = 0;
    expect(maskOf(one.json)).toEqual(withClicks);
    const zero = await post({ imageId, clicks, previousMask: rle, previousMaskWeight: 0 });
    expect(maskOf(zero.json)).toEqual(expected(clicks));
  });

  it('echoes objectId and refuses a bad one', async () => {
    const r = await post({ imageId, clicks: [{ x: 1, y: 1, positive: true }], objectId: 7 });
    expect(r.json.objectId).toBe(7);
    for (const objectId of [0, 256, 1.5, 'a'])
      expect((await post({ imageId, clicks: [{ x: 1, y: 1, positive: true }], objectId })).status).toBe(400);
  });

  it('answers 400 for a previousMask of another size or not a COCO RLE', async () => {
    const clicks = [{ x: 1, y: 1, positive: true }];
    const good = encodeCocoRle(new Uint8Array(n), width, height);
    const cases: [unknown, RegExp][] = [
      [{ size: [width, height], counts: good.counts }, /size is \[23, 17\] but the image is 23x17/],
      [{ size: [height, width + 1], counts: [n + height] }, /but the image is/],
      [{ size: [height, width], counts: [n - 1] }, /previousMask: .*COCO RLE counts cover/],
      [{ size: [height, width], counts: [n + 1] }, /previousMask: .*COCO RLE counts overrun/],
      [{ size: [height, width], counts: [1, -1] }, /counts is neither/],
      [{ size: [height, width], counts: 'a b' }, /previousMask: .*not a COCO RLE string character/],
      [{ size: [height, width] }, /counts is neither/],
      ['rle', /must be a COCO RLE/],
      [[1, 2], /must be a COCO RLE/],
    ];
    for (const [previousMask, message] of cases) {
      const r = await post({ imageId, clicks, previousMask });
      expect(r.status, JSON.stringify(previousMask)).toBe(400);
      expect(r.json.error).toMatch(message);
    }
    const classic = await post({ imageId, clicks, previousMask: good, method: 'geodesic' });
    expect(classic.status).toBe(400);
  });
});

describe('POST /v1/objects', () => {
  it("answers the client's objects as a palette PNG (later on top) and COCO annotations", async () => {
    const a = await post({ imageId, clicks: [{ x: 3, y: 3, positive: true }], objectId: 5 });
    const b = await post({
      imageId,
      clicks: [{ x: 15, y: 10, positive: true }],
      previousMask: a.json.rle,
      previousMaskWeight: 0.1,
      objectId: 2,
    });
    const objects = [
      { objectId: 5, rle: a.json.rle, label: 'cup' },
      { objectId: 2, rle: encodeCocoRle(maskOf(b.json), width, height) },
    ];
    const r = await post({ width, height, objects, fileName: 'table.png' }, '/v1/objects');
    expect(r.status).toBe(200);
    const palette = readPng(new Uint8Array(Buffer.from(r.json.png as string, 'base64')));
    const expectedMap = new Uint8Array(n);
    for (const [i, v] of maskOf(a.json).entries()) if (v) expectedMap[i] = 5;
    for (const [i, v] of maskOf(b.json).entries()) if (v) expectedMap[i] = 2;
    expect(Uint8Array.from(palette.samples)).toEqual(expectedMap);
    const coco = r.json.coco as {
      images: unknown[];
      annotations: { id: number; segmentation: { size: [number, number]; counts: string } }[];
      categories: { name: string }[];
    };
    expect(coco.images).toEqual([{ id: 1, width, height, file_name: 'table.png' }]);
    expect(coco.annotations.map((x) => x.id)).toEqual([5, 2]);
    expect(decodeCocoRle(coco.annotations[1]!.segmentation)).toEqual(maskOf(b.json));
    expect(coco.categories.map((c) => c.name)).toEqual(['cup', 'object']);
  });

  it('answers 400 for objects it cannot place', async () => {
    const rle = encodeCompressedCocoRle(new Uint8Array(n), width, height);
    const cases: [unknown, RegExp][] = [
      [{ width, height, objects: [] }, /non-empty array/],
      [{ width: 0, height, objects: [{ objectId: 1, rle }] }, /positive integers/],
      [{ width, height, objects: [{ objectId: 300, rle }] }, /objectId must be an integer from 1 to 255/],
      [
        {
          width,
          height,
          objects: [
            { objectId: 1, rle },
            { objectId: 1, rle },
          ],
        },
        /given twice/,
      ],
      [{ width: width + 1, height, objects: [{ objectId: 1, rle }] }, /objects\[0\]\.rle\.size/],
      [{ width, height, objects: [{ objectId: 1, rle: { size: [height, width], counts: [1] } }] }, /objects\[0\]\.rle: .*cover/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body, '/v1/objects');
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toMatch(message);
    }
  });
});
