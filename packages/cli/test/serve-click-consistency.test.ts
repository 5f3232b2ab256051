/**
 * Click consistency on every route of `objsel serve`, with every `--refine` and every method:
 * random clicks (fast-check, fixed seeds) sent as each contract sends them — objsel's own
 * `/v1/select` (the network and the classic methods), CVAT's `pos_points`/`neg_points` and Label
 * Studio's keypoints in percent — and each answer decoded and checked here: the pixel of the last
 * click at a place carries that click's label. The stand-in network answers a fresh seeded random
 * field per call, so that the probability contradicts the clicks as often as it agrees.
 */
import { decodeBrushRle, decodeCocoRle, type Click } from '@objsel/clicks';
import { encodePng } from '@objsel/voc-data';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SELECT_METHODS } from '../src/method-selection';
import { Selector } from '../src/serve/selector';
import { startSelectionServer, type SelectionServer } from '../src/serve/server';

const width = 24;
const height = 18;
const n = width * height;
const REFINES = ['none', 'graphcut', 'crf'] as const;

/** mulberry32: the stand-in network's noise and the picture. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A picture with an object (a bright disc on a dark textured background). */
const picture = (() => {
  const next = random(3);
  const data = new Uint8Array(n * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const inside = (x - 12) ** 2 + (y - 9) ** 2 < 30;
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (inside ? 190 : 40) + Math.floor(next() * 50);
    }
  return Buffer.from(encodePng({ width, height, channels: 3, data })).toString('base64');
})();

/** Whether each clicked pixel carries the label of the last click there (written here, independent of the clicks package). */
function consistent(mask: ArrayLike<number>, clicks: readonly Click[]): boolean {
  const last = new Map<number, boolean>();
  for (const c of clicks) last.set(c.y * width + c.x, c.positive);
  return [...last].every(([i, positive]) => (mask[i] === 1) === positive);
}

const servers = new Map<string, SelectionServer>();
beforeAll(async () => {
  let call = 0;
  const model = {
    async segment(_raw: ArrayLike<number>, w: number, h: number) {
      const next = random(1000 + call++);
      return Float32Array.from({ length: w * h }, () => next());
    },
    dispose() {},
  };
  for (const refine of REFINES) {
    const selector = new Selector(model, { refine, threshold: 0.5, cacheBytes: 1 << 20, maxPixels: 1e6 });
    servers.set(refine, await startSelectionServer({ selector, model: { refine }, port: 0, maxBodyBytes: 1 << 20 }));
  }
});
afterAll(async () => {
  for (const server of servers.values()) await server.close(100);
});

async function post(refine: string, route: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${servers.get(refine)!.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json;
}

const clickArb = fc.record({
  x: fc.integer({ min: 0, max: width - 1 }),
  y: fc.integer({ min: 0, max: height - 1 }),
  positive: fc.boolean(),
});
/** Clicks with at least one positive (CVAT and Label Studio start with one). */
const clicksArb = fc
  .tuple(clickArb, fc.array(clickArb, { maxLength: 7 }))
  .map(([first, rest]) => [{ ...first, positive: true }, ...rest] as Click[]);

describe('objsel serve: every mask holds its clicks, on every route, refinement and method', () => {
  for (const refine of REFINES) {
    it(`/v1/select, /cvat/interactor and /predict with --refine ${refine}`, async () => {
      await fc.assert(
        fc.asyncProperty(clicksArb, async (clicks) => {
          const v1 = await post(refine, '/v1/select', { image: picture, clicks });
          expect(consistent(decodeCocoRle(v1.rle as { size: [number, number]; counts: string }), clicks)).toBe(true);

          // CVAT sends positives, then negatives: that order decides a pixel clicked both ways.
          const cvat = await post(refine, '/cvat/interactor', {
            image: picture,
            pos_points: clicks.filter((c) => c.positive).map((c) => [c.x, c.y]),
            neg_points: clicks.filter((c) => !c.positive).map((c) => [c.x, c.y]),
            obj_bbox: null,
          });
          const cvatOrder = [...clicks.filter((c) => c.positive), ...clicks.filter((c) => !c.positive)];
          expect(consistent((cvat.mask as number[][]).flat(), cvatOrder)).toBe(true);

          // Label Studio: each keypoint anywhere inside its pixel, in percent of the image.
          const ls = await post(refine, '/predict', {
            tasks: [{ id: 1, data: { image: `data:image/png;base64,${picture}` } }],
            label_config: '<View><Image name="image" value="$image"/><BrushLabels name="tag" toName="image"/></View>',
            params: {
              context: {
                result: clicks.map((c, k) => ({
                  type: 'keypointlabels',
                  original_width: width,
                  original_height: height,
                  is_positive: c.positive,
                  value: {
                    x: ((c.x + ((k * 0.37) % 1)) / width) * 100,
                    y: ((c.y + ((k * 0.61) % 1)) / height) * 100,
                    keypointlabels: ['Obj'],
                  },
                })),
              },
            },
          });
          const [prediction] = ls.results as Array<{ result: Array<{ value: { rle: number[] } }> }>;
          expect(consistent(decodeBrushRle(prediction!.result[0]!.value.rle, width, height), clicks)).toBe(true);
        }),
        { numRuns: 12, seed: 20 + REFINES.indexOf(refine) },
      );
    }, 120_000);
  }

  it('/v1/select with every classic method, with and without a box', async () => {
    const methods = SELECT_METHODS.filter((m) => m !== 'network');
    await fc.assert(
      fc.asyncProperty(clicksArb, fc.constantFrom(...methods), fc.boolean(), async (clicks, method, withBox) => {
        const json = await post('none', '/v1/select', { image: picture, method, clicks, ...(withBox ? { box: [2, 1, 22, 17] } : {}) });
        expect(consistent(decodeCocoRle(json.rle as { size: [number, number]; counts: string }), clicks)).toBe(true);
      }),
      { numRuns: 24, seed: 30 },
    );
  }, 120_000);
});
