/**
 * `objsel serve` with the network in a worker thread: a forward that outlasts the shutdown
 * deadline is ended (its request answered 503, the server closed) instead of holding the process;
 * and the built CLI (which runs its network in dist/serve-network-worker.js) selects and stops on
 * SIGTERM within 5 s with requests in flight.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import { DeepLabResNet, loadBackend } from '@objsel/deeplab-resnet';
import { interactiveConfig } from '@objsel/deeplab-resnet/interactive';
import { encodePng } from '@objsel/voc-data';
import { describe, expect, it } from 'vitest';
import { Selector } from '../src/serve/selector';
import { startSelectionServer } from '../src/serve/server';
import { WorkerModel } from '../src/serve/worker-model';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'packages/cli/dist/cli.js');
const BUILT = fs.existsSync(path.join(ROOT, 'packages/cli/dist/serve-network-worker.js'));
if (!BUILT && process.env.CI) throw new Error('packages/cli/dist/serve-network-worker.js is missing: npm test builds before testing');

const png = (width: number, height: number) =>
  Buffer.from(encodePng({ width, height, channels: 3, data: new Uint8Array(width * height * 3).fill(100) })).toString('base64');
const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/select`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }),
    (e: Error) => ({ status: 0, json: { error: e.message } as Record<string, unknown> }),
  );

describe('the network in a worker thread', () => {
  it('past the deadline the running forward is ended: its request gets 503 and the server closes', async () => {
    const { model, backend } = await WorkerModel.open(path.join(__dirname, 'fixtures/blocking-network-worker.mjs'), 'unused', {
      backend: 'cpu',
      json: false,
      quiet: true,
    });
    expect(backend).toBe('blocking-test');
    const selector = new Selector(model, { refine: 'none', cacheBytes: 1 << 24, maxPixels: 1e7, blocksEventLoop: false });
    const server = await startSelectionServer({ selector, model: {}, port: 0, maxBodyBytes: 1 << 24 });
    const small = await post(server.url, { image: png(20, 10), clicks: [{ x: 3, y: 3, positive: true }] });
    expect(small.status).toBe(200);
    const running = post(server.url, { image: png(200, 10), clicks: [{ x: 3, y: 3, positive: true }] }); // never ends by itself
    const waiting = post(server.url, { image: png(20, 10), clicks: [{ x: 4, y: 4, positive: true }] });
    while (selector.pending < 2) await new Promise((r) => setTimeout(r, 5));
    await server.close(300);
    expect((await running).status).toBe(503);
    expect((await waiting).status).toBe(503);
    await selector.idle();
    await model.dispose();
  });
});

describe.skipIf(!BUILT)('the built objsel serve', () => {
  it('selects through its network thread and on SIGTERM answers every request in flight and exits within 5 s', async () => {
    await loadBackend('wasm');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-serve-thread-'));
    const network = DeepLabResNet.create(interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625 }), { seed: 3 });
    const weights = path.join(dir, 'interactive');
    await writeWeightsDir(weights, await network.toWeightEntries(), network.meta());
    network.dispose();
    const child = spawn(process.execPath, [CLI, 'serve', '--weights', weights, '--port', '0', '--backend', 'wasm', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    while (!out.includes('"listening"')) {
      if (child.exitCode !== null) throw new Error(`objsel serve exited: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = JSON.parse(out.split('\n').find((l) => l.includes('"listening"'))!).url as string;
    const model = await (await fetch(`${url}/v1/model`)).json();
    expect(model.networkThread).toBe(true);
    const first = await post(url, { image: png(64, 48), clicks: [{ x: 30, y: 20, positive: true }] });
    expect(first.status).toBe(200);
    const inFlight = Array.from({ length: 6 }, (_, i) =>
      post(url, { imageId: first.json.imageId, clicks: [{ x: 10 + i, y: 20, positive: true }] }),
    );
    await new Promise((r) => setTimeout(r, 30));
    const killed = performance.now();
    child.kill('SIGTERM');
    const code = await exited;
    const stopMs = performance.now() - killed;
    const statuses = (await Promise.all(inFlight)).map((r) => r.status);
    expect(code).toBe(0);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(stopMs).toBeLessThan(5000);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
