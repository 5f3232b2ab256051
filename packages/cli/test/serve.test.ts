import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import { decodeBrushRle, decodeCocoRle } from '@objsel/clicks';
import { DeepLabResNet, loadBackend } from '@objsel/deeplab-resnet';
import { interactiveConfig } from '@objsel/deeplab-resnet/interactive';
import { encodePng, readPng } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index';
import { run } from './capture';

const image = { width: 37, height: 30 };
let dir: string;
let weights: string;
let imageFile: string;
let imageBase64: string;
let url: string;
let serving: Promise<number>;
const served = { out: [] as string[], err: [] as string[] };

/** A picture with an object: a bright disc on a dark, slightly noisy background. */
function picture(): Uint8Array {
  const data = new Uint8Array(image.width * image.height * 3);
  let s = 7;
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < image.width; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const inside = (x - 15) ** 2 + (y - 14) ** 2 < 64;
      data.fill(inside ? 200 + (s >>> 29) : 30 + (s >>> 28), (y * image.width + x) * 3, (y * image.width + x) * 3 + 3);
    }
  return data;
}

async function post(route: string, body: unknown, raw = false) {
  const response = await fetch(`${url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as Record<string, unknown> };
}

/** The mask `objsel select` writes for these clicks, 0/1. */
async function selectMask(clicks: string[]): Promise<Uint8Array> {
  const out = path.join(dir, `select-${clicks.join('_').replace(/[^0-9a-z_]/gi, '')}.png`);
  const r = await run(
    'select',
    imageFile,
    '--weights',
    weights,
    ...clicks.flatMap((c) => ['--click', c]),
    '--out',
    out,
    '--overlay',
    '',
    '--backend',
    'wasm',
    '--json',
  );
  expect(r.code, r.err).toBe(0);
  return Uint8Array.from(readPng(new Uint8Array(fs.readFileSync(out))).samples, (v) => (v ? 1 : 0));
}

beforeAll(async () => {
  await loadBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-cli-serve-'));
  const network = DeepLabResNet.create(interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625 }), { seed: 13 });
  weights = path.join(dir, 'interactive');
  await writeWeightsDir(weights, await network.toWeightEntries(), network.meta());
  network.dispose();
  const png = encodePng({ ...image, channels: 3, data: picture() });
  imageFile = path.join(dir, 'photo.png');
  fs.writeFileSync(imageFile, png);
  imageBase64 = Buffer.from(png).toString('base64');

  serving = main(['node', 'objsel', 'serve', '--weights', weights, '--port', '0', '--backend', 'wasm', '--json', '--max-body-mb', '0.05'], {
    stdout: { write: (s: string) => served.out.push(s), isTTY: false },
    stderr: { write: (s: string) => served.err.push(s), isTTY: false },
  });
  for (let i = 0; i < 600 && !url; i++) {
    const line = served.out
      .join('')
      .split('\n')
      .find((l) => l.includes('"listening"'));
    if (line) url = (JSON.parse(line) as { url: string }).url;
    else await new Promise((r) => setTimeout(r, 50));
  }
  expect(url, served.err.join('')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('objsel serve', () => {
  it('POST /v1/select answers the mask objsel select writes, as COCO RLE, PNG and polygons', async () => {
    const expected = await selectMask(['15,14,+', '2,2,-']);
    const clicks = [
      { x: 15, y: 14, positive: true },
      { x: 2, y: 2, positive: false },
    ];
    const rle = await post('/v1/select', { image: imageBase64, clicks });
    expect(rle.status, rle.text).toBe(200);
    const body = rle.json as { rle: { size: [number, number]; counts: string }; imageId: string; area: number; bbox: number[]; ms: number };
    expect(body.rle.size).toEqual([image.height, image.width]);
    expect(typeof body.rle.counts).toBe('string');
    const mask = decodeCocoRle(body.rle);
    expect(mask).toEqual(expected);
    // Graph cut (the default) holds the clicks: the positive one selected, the negative one not.
    expect([mask[14 * image.width + 15], mask[2 * image.width + 2]]).toEqual([1, 0]);
    expect(body.area).toBe(expected.reduce((a, b) => a + b, 0));
    expect(body.ms).toBeGreaterThan(0);
    expect(body.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The cached image by id, as PNG.
    const png = await post('/v1/select', { imageId: body.imageId, clicks, format: 'png' });
    expect(png.status, png.text).toBe(200);
    const decoded = readPng(new Uint8Array(Buffer.from(png.json.png as string, 'base64')));
    expect(Uint8Array.from(decoded.samples, (v) => (v ? 1 : 0))).toEqual(expected);

    const polygons = await post('/v1/select', { imageId: body.imageId, clicks, format: 'polygons' });
    expect(polygons.status, polygons.text).toBe(200);
    const rings = polygons.json.polygons as number[][];
    expect(rings.length).toBeGreaterThan(0);
    for (const ring of rings) expect(ring.length % 2 === 0 && ring.length >= 8).toBe(true);
  }, 60_000);

  it('POST /v1/select with a classic method (box, then clicks) answers the mask objsel select --method writes', async () => {
    for (const method of ['grabcut', 'geodesic']) {
      const out = path.join(dir, `method-${method}.png`);
      const cli = await run(
        'select',
        imageFile,
        '--method',
        method,
        '--box',
        '4,4,28,26',
        '--click',
        '15,14,+',
        '--out',
        out,
        '--overlay',
        '',
      );
      expect(cli.code, cli.err).toBe(0);
      const expected = Uint8Array.from(readPng(new Uint8Array(fs.readFileSync(out))).samples, (v) => (v ? 1 : 0));
      expect(expected.some((v) => v === 1) && expected.some((v) => v === 0)).toBe(true);
      const { status, json } = await post('/v1/select', {
        image: imageBase64,
        method,
        box: [4, 4, 28, 26],
        clicks: [{ x: 15, y: 14, positive: true }],
      });
      expect(status).toBe(200);
      expect(json.method).toBe(method);
      expect(decodeCocoRle(json.rle as Parameters<typeof decodeCocoRle>[0])).toEqual(expected);
    }
    const bad = await post('/v1/select', { image: imageBase64, method: 'magic', clicks: [{ x: 1, y: 1, positive: true }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/method must be one of network, grabcut/);
    const outside = await post('/v1/select', { image: imageBase64, method: 'grabcut', box: [0, 0, 9999, 10], clicks: [] });
    expect(outside.status).toBe(400);
    expect(outside.json.error).toMatch(/box must be/);
  });

  it('POST /cvat/interactor answers {mask, points} in the shape CVAT functions do', async () => {
    const expected = await selectMask(['14,13,+', '30,25,-']);
    const r = await post('/cvat/interactor', { image: imageBase64, pos_points: [[14, 13]], neg_points: [[30, 25]], threshold: 0.5 });
    expect(r.status, r.text).toBe(200);
    const mask = r.json.mask as number[][];
    expect(mask).toHaveLength(image.height);
    expect(mask.every((row) => row.length === image.width)).toBe(true);
    expect(Uint8Array.from(mask.flat())).toEqual(expected);
    const points = r.json.points as number[][];
    if (expected.some((v) => v)) {
      expect(points.length).toBeGreaterThanOrEqual(3);
      for (const p of points) expect(p).toHaveLength(2);
    }
  }, 60_000);

  it('answers Label Studio: /health, /setup and /predict with brushlabels RLE from keypoint clicks', async () => {
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'UP' });
    const config =
      '<View><Image name="img" value="$image"/><BrushLabels name="brush" toName="img"><Label value="Cat"/></BrushLabels><KeyPointLabels name="kp" toName="img" smart="true"><Label value="Cat"/></KeyPointLabels></View>';
    const setup = await post('/setup', { project: '1.1', schema: config });
    expect(setup.status).toBe(200);
    expect(setup.json).toHaveProperty('model_version');

    const expected = await selectMask(['15,14,+', '3,27,-']);
    const keypoint = (x: number, y: number, positive: boolean) => ({
      type: 'keypointlabels',
      from_name: 'kp',
      to_name: 'img',
      original_width: image.width,
      original_height: image.height,
      is_positive: positive,
      value: { x: ((x + 0.5) / image.width) * 100, y: ((y + 0.5) / image.height) * 100, width: 1, keypointlabels: ['Cat'] },
    });
    const r = await post('/predict', {
      tasks: [{ id: 1, data: { image: `data:image/png;base64,${imageBase64}` } }],
      label_config: config,
      project: '1.1',
      params: { context: { result: [keypoint(15, 14, true), keypoint(3, 27, false)] } },
    });
    expect(r.status, r.text).toBe(200);
    const [prediction] = r.json.results as Array<{ result: Array<Record<string, unknown>> }>;
    const [result] = prediction!.result;
    expect(result).toMatchObject({
      from_name: 'brush',
      to_name: 'img',
      type: 'brushlabels',
      original_width: image.width,
      original_height: image.height,
    });
    const value = result!.value as { format: string; rle: number[]; brushlabels: string[] };
    expect(value.format).toBe('rle');
    expect(value.brushlabels).toEqual(['Cat']);
    expect(decodeBrushRle(value.rle, image.width, image.height)).toEqual(expected);
  }, 60_000);

  it('answers garbage with a one-line 4xx JSON error and keeps serving', async () => {
    const cases: Array<[string, unknown, boolean, number, RegExp]> = [
      ['/v1/select', '{"image": ', true, 400, /not JSON/],
      ['/v1/select', '[1, 2]', true, 400, /JSON object/],
      ['/v1/select', { image: imageBase64 }, false, 400, /clicks must be an array/],
      ['/v1/select', { image: imageBase64, clicks: [{ x: 99, y: 1, positive: true }] }, false, 400, /outside the 37x30 image/],
      ['/v1/select', { image: imageBase64, clicks: [{ x: 1, y: 1, positive: 'yes' }] }, false, 400, /positive must be true or false/],
      [
        '/v1/select',
        { image: Buffer.from('not an image').toString('base64'), clicks: [{ x: 1, y: 1, positive: true }] },
        false,
        400,
        /not a PNG or JPEG/,
      ],
      ['/v1/select', { image: imageBase64, clicks: [{ x: 1, y: 1, positive: true }], format: 'gif' }, false, 400, /format must be one of/],
      ['/v1/select', { imageId: 'sha256:00', clicks: [{ x: 1, y: 1, positive: true }] }, false, 404, /send the image again/],
      ['/cvat/interactor', { image: imageBase64, pos_points: 'x' }, false, 400, /pos_points must be an array/],
      ['/predict', { tasks: [] }, false, 400, /tasks must be a non-empty array/],
      ['/nowhere', {}, false, 404, /no route/],
    ];
    for (const [route, body, raw, status, message] of cases) {
      const r = await post(route, body, raw);
      expect(r.status, `${route} ${JSON.stringify(body).slice(0, 60)}`).toBe(status);
      expect(r.text.includes('\n')).toBe(false);
      expect(r.json.error).toMatch(message);
    }
    const get = await fetch(`${url}/v1/select`);
    expect(get.status).toBe(405);
    const model = await fetch(`${url}/v1/model`);
    expect(await model.json()).toMatchObject({ backend: 'wasm', refine: 'graphcut' });
  }, 60_000);

  it('answers 50 concurrent requests from 10 clients, each with its own clicks, as it answers them one by one', async () => {
    const clicksOf = (i: number) => [
      { x: 5 + (i % 25), y: 3 + ((i * 7) % 24), positive: true },
      { x: 36 - (i % 9), y: 29 - (i % 5), positive: false },
    ];
    const { json } = await post('/v1/select', { image: imageBase64, clicks: clicksOf(0) });
    const imageId = json.imageId as string;
    const alone: string[] = [];
    for (let i = 0; i < 10; i++)
      alone.push(((await post('/v1/select', { imageId, clicks: clicksOf(i) })).json.rle as { counts: string }).counts);
    expect(new Set(alone).size).toBeGreaterThan(1); // the clicks make different masks
    const clients = Array.from({ length: 10 }, async (_, client) => {
      const answers: string[] = [];
      for (let k = 0; k < 5; k++) {
        const i = (client + k) % 10;
        const r = await post('/v1/select', k === 0 ? { image: imageBase64, clicks: clicksOf(i) } : { imageId, clicks: clicksOf(i) });
        expect(r.status, r.text).toBe(200);
        answers.push(`${i}:${(r.json.rle as { counts: string }).counts}`);
      }
      return answers;
    });
    for (const answers of await Promise.all(clients))
      for (const answer of answers) {
        const [i, counts] = answer.split(/:(.*)/s);
        expect(counts).toBe(alone[Number(i)]);
      }
  }, 120_000);

  it('refuses a body over --max-body-mb with 413', async () => {
    const r = await post('/v1/select', { image: 'A'.repeat(100_000), clicks: [] });
    expect(r.status).toBe(413);
    expect(r.json.error).toMatch(/over the 52429-byte limit/);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('on SIGTERM finishes the request in flight, then stops within 5 s', async () => {
    expect(served.out.join('')).toMatch(/"type":"request","message":"POST \/v1\/select 200 \d+ ms"/);
    expect(served.out.join('')).toMatch(/"message":"POST \/nowhere 404 no route \/nowhere"/);
    const inFlight = Promise.all(
      Array.from({ length: 8 }, (_, i) => post('/v1/select', { image: imageBase64, clicks: [{ x: 15 + i, y: 14, positive: true }] })),
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    process.emit('SIGTERM');
    const [responses, code] = await Promise.all([inFlight, serving]);
    for (const response of responses) expect(response.status, response.text).toBe(200);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(served.out.join('')).toMatch(/"stopped":"SIGTERM"/);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  }, 30_000);
});
