/**
 * Bad input to `objsel serve`, at random (fast-check, fixed seeds): random bytes, random JSON and
 * random bodies with each contract's field names to every route. Every answer is a status under
 * 500 and, when refused, a one-line JSON `{error, status}` with a 4xx status; one log line per
 * request; `/health` still answers after each. Vitest fails the run on an unhandled rejection.
 */
import { encodePng } from '@objsel/voc-data';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Selector } from '../src/serve/selector';
import { startSelectionServer, type SelectionServer } from '../src/serve/server';

const width = 16;
const height = 12;
const png = Buffer.from(encodePng({ width, height, channels: 3, data: new Uint8Array(width * height * 3).fill(90) })).toString('base64');
const ROUTES = ['/v1/select', '/v1/objects', '/cvat/interactor', '/predict', '/setup', '/webhook', '/health', '/v1/model', '/nowhere'];

let server: SelectionServer;
const logged: string[] = [];
beforeAll(async () => {
  const model = {
    async segment(_raw: ArrayLike<number>, w: number, h: number) {
      return new Float32Array(w * h).fill(0.6);
    },
    dispose() {},
  };
  // A pixel cap under the test image's size for the huge-image case; the others fit.
  const selector = new Selector(model, { refine: 'graphcut', cacheBytes: 1 << 20, maxPixels: width * height });
  server = await startSelectionServer({ selector, model: {}, port: 0, maxBodyBytes: 64 * 1024, log: (line) => logged.push(line) });
});
afterAll(() => server.close(100));

async function send(route: string, body: string | Uint8Array, method = 'POST') {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : Buffer.from(body) } : {}),
  });
  return { status: response.status, text: await response.text() };
}

async function expectHandled(route: string, body: string | Uint8Array, method = 'POST') {
  const before = logged.length;
  const { status, text } = await send(route, body, method);
  expect(status, `${method} ${route}: ${text.slice(0, 200)}`).toBeLessThan(500);
  if (status >= 400) {
    expect(text.includes('\n')).toBe(false);
    const json = JSON.parse(text) as { error: unknown; status: unknown };
    expect(typeof json.error).toBe('string');
    expect(json.status).toBe(status);
  }
  expect(logged.length - before).toBe(1);
  expect((await send('/health', '', 'GET')).status).toBe(200);
}

/** A value for a field: anything JSON, or something near what the field takes. */
const anything = fc.oneof(
  fc.jsonValue(),
  fc.constant(png),
  fc.constant(`data:image/png;base64,${png}`),
  fc.array(fc.tuple(fc.integer({ min: -5, max: 40 }), fc.integer({ min: -5, max: 40 }))),
  fc.array(fc.record({ x: fc.double(), y: fc.double(), positive: fc.oneof(fc.boolean(), fc.jsonValue()) }), { maxLength: 3 }),
);
const FIELDS = [
  'image',
  'imageId',
  'clicks',
  'format',
  'method',
  'box',
  'threshold',
  'previousMask',
  'previousMaskWeight',
  'objectId',
  'pos_points',
  'neg_points',
  'obj_bbox',
  'tasks',
  'params',
  'context',
  'label_config',
  'width',
  'height',
  'objects',
];
const fieldBody = fc.dictionary(fc.constantFrom(...FIELDS), anything, { maxKeys: 6 });

describe('objsel serve under random bad input', () => {
  it('random bytes to every route', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), fc.uint8Array({ maxLength: 300 }), async (route, bytes) => {
        await expectHandled(route, bytes, route === '/health' || route === '/v1/model' ? 'GET' : 'POST');
      }),
      { numRuns: 60, seed: 41 },
    );
  }, 120_000);

  it('random JSON, and random values in each contract field, to every POST route', async () => {
    const posts = ROUTES.filter((r) => r !== '/health' && r !== '/v1/model');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...posts), fc.oneof(fc.jsonValue(), fieldBody), async (route, body) => {
        await expectHandled(route, JSON.stringify(body));
      }),
      { numRuns: 150, seed: 42 },
    );
  }, 240_000);

  it('a huge image, a click outside the image, a body over the limit: 4xx JSON', async () => {
    const big = Buffer.from(encodePng({ width: width + 1, height, channels: 3, data: new Uint8Array((width + 1) * height * 3) })).toString(
      'base64',
    );
    const cases: Array<[string, unknown, number, RegExp]> = [
      ['/v1/select', { image: big, clicks: [{ x: 1, y: 1, positive: true }] }, 413, /over the 192-pixel limit/],
      ['/cvat/interactor', { image: big, pos_points: [[1, 1]], neg_points: [] }, 413, /pixel limit/],
      ['/cvat/interactor', { image: png, pos_points: [[16, 1]], neg_points: [] }, 400, /outside the 16x12 image/],
      [
        '/predict',
        {
          tasks: [{ data: { image: `data:image/png;base64,${png}` } }],
          params: { context: { result: [{ type: 'keypointlabels', is_positive: true, value: { x: 101, y: 5 } }] } },
        },
        400,
        /outside the image/,
      ],
      ['/v1/select', { image: 'A'.repeat(70_000), clicks: [] }, 413, /over the 65536-byte limit/],
    ];
    for (const [route, body, status, message] of cases) {
      const r = await send(route, JSON.stringify(body));
      expect(r.status, r.text).toBe(status);
      expect((JSON.parse(r.text) as { error: string }).error).toMatch(message);
    }
    expect((await send('/health', '', 'GET')).status).toBe(200);
  });
});
