/**
 * `select`'s warnings in serve's answers: an empty or tiny selection and an image far from the
 * training domain come back as `warnings` on every route, and each reaches the server log once
 * per image however many clicks ask. A stand-in network answers probability 0 everywhere (so
 * only the clicked pixel is selected: tiny); the domain is measured here on dark pictures.
 */
import { encodePng, imageDomain, imageStatistics } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Selector } from '../src/serve/selector';
import { startSelectionServer, type SelectionServer } from '../src/serve/server';

const width = 40;
const height = 30;
const flat = (value: number, seed: number) => {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = value + ((i * seed) % 23);
  return { width, height, data };
};
const dark = [flat(20, 7), flat(30, 11), flat(25, 13)];
const bright = Buffer.from(encodePng({ ...flat(220, 5), channels: 3 })).toString('base64');
const darkPng = Buffer.from(encodePng({ ...flat(24, 17), channels: 3 })).toString('base64');

let server: SelectionServer;
const logged: string[] = [];
beforeAll(async () => {
  const model = {
    async segment(_raw: ArrayLike<number>, w: number, h: number) {
      return new Float32Array(w * h);
    },
    dispose() {},
  };
  const domain = imageDomain('dark test pictures', dark.map(imageStatistics));
  const selector = new Selector(model, {
    refine: 'none',
    cacheBytes: 1 << 20,
    maxPixels: 1e6,
    domain,
    onWarning: (line) => logged.push(line),
  });
  server = await startSelectionServer({ selector, model: {}, port: 0, maxBodyBytes: 1 << 20 });
});
afterAll(() => server.close(100));

async function post(route: string, body: unknown) {
  const response = await fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { warnings: string[] };
}

describe('objsel serve: warnings', () => {
  it('answers a tiny selection on a far image with both warnings on every route, logged once per image', async () => {
    const clicks = [{ x: 5, y: 5, positive: true }];
    for (let k = 0; k < 3; k++) {
      const v1 = await post('/v1/select', { image: bright, clicks });
      expect(v1.warnings).toHaveLength(2);
      expect(v1.warnings[0]).toMatch(/the selection is tiny: 1 of 1200 pixels/);
      expect(v1.warnings[1]).toMatch(/is far from what the network was trained on \(dark test pictures\): its brightness/);
      const cvat = await post('/cvat/interactor', { image: bright, pos_points: [[5, 5]], neg_points: [] });
      expect(cvat.warnings).toEqual(v1.warnings);
      const ls = await post('/predict', {
        tasks: [{ data: { image: `data:image/png;base64,${bright}` } }],
        params: { context: { result: [{ type: 'keypointlabels', is_positive: true, value: { x: 14, y: 18, keypointlabels: ['a'] } }] } },
      });
      expect(ls.warnings).toEqual(v1.warnings);
    }
    expect(logged).toHaveLength(2);

    // An image like the training ones: the tiny selection only, logged once more (a new image).
    const near = await post('/v1/select', { image: darkPng, clicks });
    expect(near.warnings).toHaveLength(1);
    expect(near.warnings[0]).toMatch(/tiny/);
    expect(logged).toHaveLength(3);

    // A classic method is not the network: no domain warning.
    const classic = await post('/v1/select', { image: bright, method: 'geodesic', clicks: [...clicks, { x: 30, y: 20, positive: false }] });
    expect(classic.warnings.some((w) => /far from/.test(w))).toBe(false);
  });
});
