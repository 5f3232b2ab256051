/**
 * web-select's engines and methods in headless Chromium, served cross-origin isolated (as
 * `npm run example:web` serves it): ONNX Runtime Web selects the object with the same mask as
 * TF.js for the same click, the page says which engine ran and how long it took, the weight
 * shards come from Cache Storage on the second load (no request for them), f-BRS under the ONNX
 * engine says it ran on TF.js, and GrabCut with `?weights=none` selects the object from a box
 * without downloading any weights. Runs TF.js on wasm (`?backend=wasm`): the software WebGPU
 * adapter would only make it slower, and ONNX Runtime Web takes wasm there too.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskIou, nextClick } from '@objsel/clicks';
import { renderSyntheticSample } from '@objsel/voc-data';
import { ROOT } from '../../../tools/browser/aliases.mjs';
import { chromiumUnavailableReason, launchChromium } from '../../../tools/browser/chromium.mjs';
import { buildExample } from '../../../tools/browser/example-web.mjs';
import { serveStatic, type StaticServer } from '../../../tools/browser/static-server.mjs';
import { SAMPLE_INDEX, SYNTHETIC_OPTIONS } from '../../../tools/web-model/domain';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');

const sample = renderSyntheticSample(SAMPLE_INDEX, SYNTHETIC_OPTIONS);
const { width, height } = sample.image;
/** The sample's largest object: its mask, the robot's first click and its bounding box. */
const target = (() => {
  const object = [...sample.objects].sort((a, b) => b.area - a.area)[0]!;
  const gt = Uint8Array.from(sample.objectLabelNoVoid, (v) => (v === object.instanceId ? 1 : 0));
  const click = nextClick(gt, new Uint8Array(gt.length), width, height)!;
  let [x0, y0, x1, y1] = [width, height, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!gt[y * width + x]) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  return { gt, click, bbox: { x0, y0, x1, y1 } };
})();

/** IoU of the ONNX Runtime Web mask against the TF.js mask for the same click. */
const MIN_ENGINE_AGREEMENT = 0.99;
/** IoU GrabCut must reach on the sample's object from a box around it. */
const MIN_GRABCUT_IOU = 0.8;

describe.skipIf(chromiumUnavailableReason() !== undefined)('examples/web-select engines and methods', () => {
  let server: StaticServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const consoleLog: string[] = [];
  const timings: Record<string, unknown> = {};
  let tfjsMask: Uint8Array | undefined;

  /** Image pixel → CSS position on the image canvas. */
  async function toPage(x: number, y: number): Promise<{ x: number; y: number }> {
    const box = (await page.locator('[data-testid=image]').boundingBox())!;
    return { x: box.x + ((x + 0.5) * box.width) / width, y: box.y + ((y + 0.5) * box.height) / height };
  }

  /** Waits until the mask canvas changed after `version` and the page is idle. */
  async function settledAfter(version: string): Promise<void> {
    await page.waitForFunction(
      (v) => document.querySelector('[data-testid=mask]')?.getAttribute('data-version') !== v && document.body.dataset.busy === 'false',
      version,
      { timeout: 120_000, polling: 100 },
    );
  }

  const maskVersion = async (): Promise<string> => (await page.getByTestId('mask').getAttribute('data-version'))!;

  async function clickTarget(): Promise<void> {
    const before = await maskVersion();
    const at = await toPage(target.click.x, target.click.y);
    await page.mouse.click(at.x, at.y);
    await settledAfter(before);
  }

  async function readMask(): Promise<Uint8Array> {
    const bits = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid=mask]')!;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const out: number[] = [];
      for (let i = 3; i < data.length; i += 4) out.push(data[i]! > 0 ? 1 : 0);
      return out;
    });
    return Uint8Array.from(bits);
  }

  const shardRequests = (from: number): string[] =>
    server.requests
      .slice(from)
      .map((r) => r.path ?? '')
      .filter((p) => /group1-shard/.test(p));

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const dist = await buildExample();
    server = await serveStatic(dist, { isolated: true });
    browser = await launchChromium({ viewport: { width: 1280, height: 800 } });
    context = browser.context;
    context.on('console', (m) => {
      consoleLog.push(`${m.type()}${m.worker() ? ' (worker)' : ''}: ${m.text()}`);
      if (m.type() === 'error') problems.push(`${m.worker() ? 'worker: ' : ''}${m.text()}`);
    });
    context.on('weberror', (e) => problems.push(`uncaught: ${e.error().message}`));
    context.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== new URL(server.url).origin)
        problems.push(`foreign request ${u}`);
    });
    page = await context.newPage();
  });

  afterAll(async () => {
    if (fs.existsSync(ARTIFACTS)) {
      fs.writeFileSync(path.join(ARTIFACTS, 'web-select-engines-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
      fs.writeFileSync(path.join(ARTIFACTS, 'web-select-engines-console.txt'), `${consoleLog.join('\n')}\n`);
    }
    console.log(`web-select engines: ${JSON.stringify(timings)}`);
    await browser?.close();
    await server?.close();
  });

  it('TF.js (the default engine) selects the object and the engine line names TF.js and its time; the shard is downloaded and cached', async () => {
    const from = server.requests.length;
    await page.goto(`${server.url}?backend=wasm`);
    const state = await page.evaluate(() => window.objselReady);
    expect(state.crossOriginIsolated).toBe(true);
    expect(state.engine?.name).toBe('tfjs');
    expect(await page.getByTestId('engine').inputValue()).toBe('tfjs');
    expect(state.model?.cache).toMatchObject({ available: true, hits: 0, misses: 1 });
    expect(shardRequests(from)).toEqual(['/models/synthetic-interactive/group1-shard1of1.bin']);
    await clickTarget();
    const line = (await page.getByTestId('engine-line').textContent())!;
    expect(line).toMatch(/^TF\.js \(wasm\) · network \d+ ms$/);
    const run = await page.evaluate(() => window.objsel.lastRun);
    expect(run).toMatchObject({ engine: 'tfjs', method: 'network' });
    expect(line).toContain(`${run!.ms.toFixed(0)} ms`);
    tfjsMask = await readMask();
    timings.tfjsClick = run;
    expect(maskIou(tfjsMask, target.gt)).toBeGreaterThanOrEqual(0.7);
  });

  it('?engine=onnx: the shard comes from Cache Storage, ONNX Runtime Web (wasm, threads) gives the TF.js mask, and f-BRS says it ran on TF.js', async () => {
    const from = server.requests.length;
    await page.goto(`${server.url}?backend=wasm&engine=onnx`);
    const state = await page.evaluate(() => window.objselReady);
    // Cache hit: model.json is fetched (its hash keys the shards), the shard is not.
    expect(shardRequests(from)).toEqual([]);
    expect(server.requests.slice(from).some((r) => r.path?.endsWith('/model.json'))).toBe(true);
    expect(state.model?.cache).toMatchObject({ available: true, hits: 1, misses: 0 });
    expect(state.model?.cache?.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    const threads = await page.evaluate(() => Math.max(1, Math.min(4, navigator.hardwareConcurrency)));
    expect(state.engine).toMatchObject({ name: 'onnx', crossOriginIsolated: true });
    // SwiftShader is a software adapter: ONNX Runtime Web takes wasm, with threads (isolated page).
    expect(state.engine?.label).toBe(`ONNX Runtime Web (wasm, ${threads} thread${threads === 1 ? '' : 's'})`);
    expect(state.engine?.onnxBytes).toBeGreaterThan(100_000);
    expect(await page.getByTestId('engine').inputValue()).toBe('onnx');
    expect(await page.getByTestId('engine-note').textContent()).toMatch(/f-BRS and Adapt run on TF\.js/);
    timings.onnxEngine = state.engine;

    await clickTarget();
    const run = await page.evaluate(() => window.objsel.lastRun);
    expect(run).toMatchObject({ engine: 'onnx', label: state.engine!.label });
    expect(await page.getByTestId('engine-line').textContent()).toBe(`${state.engine!.label} · network ${run!.ms.toFixed(0)} ms`);
    timings.onnxClick = run;
    const onnxMask = await readMask();
    timings.engineIou = maskIou(onnxMask, tfjsMask!);
    expect(maskIou(onnxMask, tfjsMask!)).toBeGreaterThan(MIN_ENGINE_AGREEMENT);

    // f-BRS needs the training graph: the click is recomputed on TF.js, and the line says so.
    let before = await maskVersion();
    await page.getByTestId('brs').check();
    await settledAfter(before);
    expect(await page.evaluate(() => window.objsel.lastRun)).toMatchObject({ engine: 'tfjs' });
    expect(await page.getByTestId('engine-line').textContent()).toMatch(/^TF\.js \(wasm\) · network \d+ ms \(f-BRS runs on TF\.js/);
    before = await maskVersion();
    await page.getByTestId('brs').uncheck();
    await settledAfter(before);

    // The engine menu switches back to TF.js: the click is recomputed there, same mask.
    before = await maskVersion();
    await page.getByTestId('engine').selectOption('tfjs');
    await settledAfter(before);
    expect(await page.evaluate(() => window.objsel.engine?.name)).toBe('tfjs');
    expect(await page.getByTestId('engine-line').textContent()).toMatch(/^TF\.js \(wasm\) · network \d+ ms$/);
    expect(maskIou(await readMask(), onnxMask)).toBeGreaterThan(MIN_ENGINE_AGREEMENT);
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-select-onnx.png') });
  });

  it('?weights=none&method=grabcut: no weights are downloaded, and GrabCut selects the object from a box, then refines with a click', async () => {
    const from = server.requests.length;
    await page.goto(`${server.url}?backend=wasm&weights=none&method=grabcut`);
    const state = await page.evaluate(() => window.objselReady);
    expect(state.method).toBe('grabcut');
    expect(state.model).toBeUndefined();
    expect(server.requests.slice(from).filter((r) => /models\//.test(r.path ?? ''))).toEqual([]);
    expect(await page.getByTestId('method').inputValue()).toBe('grabcut');
    expect(await page.locator('[data-testid=method] option[value=network]').isDisabled()).toBe(true);

    const margin = 6;
    const { x0, y0, x1, y1 } = target.bbox;
    const a = await toPage(Math.max(0, x0 - margin), Math.max(0, y0 - margin));
    const b = await toPage(Math.min(width - 1, x1 + margin), Math.min(height - 1, y1 + margin));
    let before = await maskVersion();
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 8 });
    await page.mouse.up();
    await settledAfter(before);
    const boxed = await page.evaluate(() => window.objsel.selection);
    expect(boxed?.box).toEqual([
      Math.max(0, x0 - margin),
      Math.max(0, y0 - margin),
      Math.min(width, x1 + margin + 1),
      Math.min(height, y1 + margin + 1),
    ]);
    expect(boxed?.clicks).toEqual([]);
    const run = await page.evaluate(() => window.objsel.lastRun);
    expect(run).toMatchObject({ engine: 'classic', method: 'grabcut', label: 'GrabCut' });
    expect(await page.getByTestId('engine-line').textContent()).toBe(`GrabCut ${run!.ms.toFixed(0)} ms`);
    const boxIou = maskIou(await readMask(), target.gt);
    timings.grabcut = { box: run, iou: boxIou };
    expect(boxIou).toBeGreaterThanOrEqual(MIN_GRABCUT_IOU);

    // A positive click refines from GrabCut's models: the clicked pixel is selected.
    before = await maskVersion();
    const at = await toPage(target.click.x, target.click.y);
    await page.mouse.click(at.x, at.y);
    await settledAfter(before);
    const refined = await readMask();
    expect(refined[target.click.y * width + target.click.x]).toBe(1);
    expect(await page.getByTestId('mask').getAttribute('data-clicks')).toBe('1');
    timings.grabcutClick = { run: await page.evaluate(() => window.objsel.lastRun), iou: maskIou(refined, target.gt) };
    expect(maskIou(refined, target.gt)).toBeGreaterThanOrEqual(MIN_GRABCUT_IOU);
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-select-grabcut.png') });
    expect(problems).toEqual([]);
  });
});
