/**
 * The shipped CVAT function (packages/cli/serverless/cvat) against the server's contract: the
 * fields CVAT reads to list and call an interactor, the handler file, the route it forwards to,
 * the body limit, and the point counts CVAT enforces against what `POST /cvat/interactor` accepts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createProgram } from '../src/program';
import { Selector } from '../src/serve/selector';
import { startSelectionServer, type SelectionServer } from '../src/serve/server';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../serverless/cvat');
const fn = parse(fs.readFileSync(path.join(DIR, 'function.yaml'), 'utf8'));
const handlerSource = fs.readFileSync(path.join(DIR, 'main.py'), 'utf8');

let server: SelectionServer;
beforeAll(async () => {
  // A stand-in network: object probability 0.9 inside a disc, 0.1 outside (the contract, not the model, is under test).
  const model = {
    async segment(_raw: ArrayLike<number>, width: number, height: number) {
      const p = new Float32Array(width * height);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) p[y * width + x] = (x - 10) ** 2 + (y - 8) ** 2 < 25 ? 0.9 : 0.1;
      return p;
    },
    dispose() {},
  };
  const selector = new Selector(model, { refine: 'none', cacheBytes: 1 << 20, maxPixels: 1e6 });
  server = await startSelectionServer({
    selector,
    model: {},
    port: 0,
    maxBodyBytes: fn.spec.triggers.myHttpTrigger.attributes.maxRequestBodySize,
  });
});
afterAll(() => server.close(100));

const image = Buffer.from(encodePng({ width: 20, height: 16, channels: 3, data: new Uint8Array(20 * 16 * 3).fill(90) })).toString('base64');
const cvat = (body: unknown) =>
  fetch(`${server.url}/cvat/interactor`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the shipped CVAT function.yaml', () => {
  it('declares an interactor with the annotations CVAT lists and calls', () => {
    const a = fn.metadata.annotations;
    expect(fn.metadata.namespace).toBe('cvat');
    expect(a.type).toBe('interactor');
    expect(typeof a.name).toBe('string');
    expect(typeof a.framework).toBe('string');
    expect(typeof a.help_message).toBe('string');
    expect(Number.isInteger(a.min_pos_points) && a.min_pos_points >= 1).toBe(true);
    expect(Number.isInteger(a.min_neg_points) && a.min_neg_points >= 0).toBe(true);
    expect(fn.spec.triggers.myHttpTrigger.kind).toBe('http');
  });

  it('names a handler that main.py defines and forwards to a route the server has', async () => {
    const [module, name] = String(fn.spec.handler).split(':');
    expect(fs.existsSync(path.join(DIR, `${module}.py`))).toBe(true);
    expect(handlerSource).toMatch(new RegExp(`^def ${name}\\(context, event\\):`, 'm'));
    const route = /^ROUTE = "([^"]+)"/m.exec(handlerSource)?.[1];
    expect(route).toBe('/cvat/interactor');
    expect(fn.spec.env.map((e: { name: string }) => e.name)).toContain('OBJSEL_URL');
    expect(handlerSource).toContain('os.environ.get("OBJSEL_URL"');
  });

  it('allows the body size objsel serve allows by default (--max-body-mb)', async () => {
    const program = await createProgram(undefined, { load: ['serve'] });
    const serve = program.commands.find((c) => c.name() === 'serve')!;
    const maxBodyMb = Number(serve.options.find((o) => o.long === '--max-body-mb')!.defaultValue);
    expect(fn.spec.triggers.myHttpTrigger.attributes.maxRequestBodySize).toBe(maxBodyMb * 2 ** 20);
  });

  it('asks CVAT for as many points as the route needs: min_pos_points answers, one fewer is refused', async () => {
    const { min_pos_points: minPos, min_neg_points: minNeg } = fn.metadata.annotations;
    const points = (n: number, x: number) => Array.from({ length: n }, (_, i) => [x, 2 + i]);
    const ok = await cvat({ image, pos_points: points(minPos, 10), neg_points: points(minNeg, 1), threshold: 0.5 });
    expect(ok.status).toBe(200);
    const answer = (await ok.json()) as { mask: number[][]; points: number[][] };
    expect(answer.mask).toHaveLength(16);
    expect(answer.mask[8]![10]).toBe(1);
    expect(answer.points.length).toBeGreaterThan(2);
    const refused = await cvat({ image, pos_points: points(minPos - 1, 10), neg_points: [], threshold: 0.5 });
    expect(refused.status).toBe(400);
  });
});
