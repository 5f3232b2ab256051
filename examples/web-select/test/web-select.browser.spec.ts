/**
 * The web app in headless Chromium (Debian's /usr/bin/chromium, WebGPU on SwiftShader), built
 * as `npm run example:web` builds it and served from 127.0.0.1: it loads the shipped model on
 * WebGPU, a click on the synthetic object selects that object, negative clicks, undo, reset,
 * refinement modes and the PNG download work, an adaptation training step runs in the page,
 * the console stays clean and no request leaves the page's origin. Screenshots and timings go
 * to test-artifacts/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskIou, nextClick, type Click } from '@objsel/clicks';
import { decodePngPixels, encodeJpeg, encodePng, renderSyntheticSample, type SyntheticSample } from '@objsel/voc-data';
import { ROOT } from '../../../tools/browser/aliases.mjs';
import { chromiumUnavailableReason, launchChromium } from '../../../tools/browser/chromium.mjs';
import { buildExample } from '../../../tools/browser/example-web.mjs';
import { serveStatic, type StaticServer } from '../../../tools/browser/static-server.mjs';
import { SAMPLE_INDEX, SYNTHETIC_OPTIONS } from '../../../tools/web-model/domain';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/**
 * Console output that fails the suite: errors, and WebGPU's validation and device-loss reports,
 * which Chromium logs as warnings (an invalid pipeline drops its whole command buffer, so the
 * results are silently wrong). Listened for on the browser context, so the model worker's
 * console counts too.
 */
function isConsoleProblem(m: ConsoleMessage): boolean {
  return (
    m.type() === 'error' ||
    (m.type() === 'warning' &&
      /WebGPU|GPUValidationError|\[Invalid \w+|is invalid due to a previous error|exceeds the maximum|device (was )?lost/i.test(m.text()))
  );
}

/** Requests that leave `origin` (blob: and data: URLs stay in the page). */
function foreignRequests(requests: string[], origin: string): string[] {
  return requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin);
}
/** IoU the shipped model must reach on the sample's object with one click at its centre. */
const MIN_IOU_ONE_CLICK = 0.7;

const sample = renderSyntheticSample(SAMPLE_INDEX, SYNTHETIC_OPTIONS);
const { width, height } = sample.image;
/** The largest object of the sample: its mask and the robot's first click (its deepest interior point). */
const target = (() => {
  const object = [...sample.objects].sort((a, b) => b.area - a.area)[0]!;
  const gt = Uint8Array.from(sample.objectLabelNoVoid, (v) => (v === object.instanceId ? 1 : 0));
  const click = nextClick(gt, new Uint8Array(gt.length), width, height)!;
  return { object, gt, click };
})();

/** Walks from `from` in direction (dx, dy) until it leaves the target object, then `extra` pixels further. */
function pointOutside(from: Click, dx: number, dy: number, extra: number): Click {
  let { x, y } = from;
  while (x > 0 && y > 0 && x < width - 1 && y < height - 1 && target.gt[y * width + x]) {
    x += dx;
    y += dy;
  }
  return { x: x + dx * extra, y: y + dy * extra, positive: true };
}

/** A background pixel far from every object (for the negative click). */
function backgroundPixel(): Click {
  let best = { x: 0, y: 0, d: -1 };
  for (let y = 4; y < height - 4; y += 4) {
    for (let x = 4; x < width - 4; x += 4) {
      let d = Infinity;
      for (let yy = 0; yy < height; yy += 2) {
        for (let xx = 0; xx < width; xx += 2)
          if (sample.objectLabelNoVoid[yy * width + xx] !== 0) d = Math.min(d, (x - xx) ** 2 + (y - yy) ** 2);
      }
      if (d > best.d) best = { x, y, d };
    }
  }
  return { x: best.x, y: best.y, positive: false };
}

/**
 * A scene of the synthetic domain the page has never seen (another seed, another size with the
 * same 4:3 shape, so the network runs at the same 128x96 and WebGPU compiles nothing new), its
 * largest object and the robot's first click on it.
 */
function unseenScene(seed: number, sceneWidth: number, sceneHeight: number): { scene: SyntheticSample; gt: Uint8Array; click: Click } {
  const scene = renderSyntheticSample(0, { ...SYNTHETIC_OPTIONS, seed, width: sceneWidth, height: sceneHeight, maxObjects: 2 });
  const object = [...scene.objects].sort((a, b) => b.area - a.area)[0]!;
  const gt = Uint8Array.from(scene.objectLabelNoVoid, (v) => (v === object.instanceId ? 1 : 0));
  return { scene, gt, click: nextClick(gt, new Uint8Array(gt.length), sceneWidth, sceneHeight)! };
}

/** IoU a click on an opened image (a scene the model was not trained on) must reach. */
const MIN_IOU_OPENED_IMAGE = 0.5;

describe.skipIf(chromiumUnavailableReason() !== undefined)('examples/web-select in headless Chromium', () => {
  let server: StaticServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const consoleLog: string[] = [];
  const requests: string[] = [];
  const timings: Record<string, unknown> = {};

  /** Image pixel → a click on the image canvas (CSS pixels inside its box). */
  async function clickImage(
    c: Click,
    options: { button?: 'left' | 'right'; shift?: boolean; size?: { width: number; height: number } } = {},
  ): Promise<void> {
    const box = (await page.locator('[data-testid=image]').boundingBox())!;
    const size = options.size ?? { width, height };
    const position = { x: ((c.x + 0.5) * box.width) / size.width, y: ((c.y + 0.5) * box.height) / size.height };
    await page
      .locator('[data-testid=image]')
      .click({ position, button: options.button ?? 'left', modifiers: options.shift ? ['Shift'] : [] });
  }

  /** Waits until the page shows `clicks` clicks and is idle. */
  async function settled(clicks: number, timeout = 120_000): Promise<void> {
    await page.waitForFunction(
      (n) =>
        document.querySelector('[data-testid=mask]')?.getAttribute('data-clicks') === String(n) && document.body.dataset.busy === 'false',
      clicks,
      {
        timeout,
        polling: 100,
      },
    );
  }

  /** The mask canvas as 0/1 per pixel (alpha > 0), and its alpha values seen. */
  async function readMask(): Promise<{ mask: Uint8Array; width: number; height: number; alphas: number[] }> {
    const r = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid=mask]')!;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const mask: number[] = [];
      const alphas = new Set<number>();
      for (let i = 3; i < data.length; i += 4) {
        mask.push(data[i]! > 0 ? 1 : 0);
        alphas.add(data[i]!);
      }
      return { mask, width: c.width, height: c.height, alphas: [...alphas] };
    });
    return { ...r, mask: Uint8Array.from(r.mask) };
  }

  async function screenshot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `web-select-${name}.png`) });
  }

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const t0 = Date.now();
    const dist = await buildExample();
    timings.buildMs = Date.now() - t0;
    server = await serveStatic(dist);
    browser = await launchChromium({ viewport: { width: 1280, height: 800 } });
    context = browser.context;
    context.on('request', (r) => requests.push(r.url()));
    context.on('console', (m) => {
      consoleLog.push(`${m.type()}${m.worker() ? ' (worker)' : ''}: ${m.text()}`);
      if (isConsoleProblem(m)) consoleErrors.push(`${m.worker() ? 'worker: ' : ''}${m.text()}`);
    });
    context.on('weberror', (e) => consoleErrors.push(`uncaught: ${e.error().message}`));
    page = await context.newPage();
  });

  afterAll(async () => {
    fs.writeFileSync(path.join(ARTIFACTS, 'web-select-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    fs.writeFileSync(path.join(ARTIFACTS, 'web-select-console.txt'), `${consoleLog.join('\n')}\n`);
    console.log(`web-select timings: ${JSON.stringify(timings)}`);
    await browser?.close();
    await server?.close();
  });

  it('loads the shipped model on WebGPU and opens with the synthetic sample', async () => {
    const t0 = Date.now();
    await page.goto(server.url);
    const state = await page.evaluate(() => window.objselReady);
    timings.pageLoadMs = Date.now() - t0;
    timings.model = state.model;
    timings.adapter = state.backend?.adapter;
    expect(await page.getByTestId('backend').textContent()).toBe('webgpu');
    expect(state.backend?.notes).toEqual([]);
    expect(state.model?.parameters).toBeGreaterThan(10_000);
    const sizes = await page.evaluate(() =>
      ['image', 'mask'].map((id) => document.querySelector<HTMLCanvasElement>(`[data-testid=${id}]`)!).map((c) => [c.width, c.height]),
    );
    expect(sizes).toEqual([
      [width, height],
      [width, height],
    ]);
    // The image canvas shows exactly the sample the test knows the objects of.
    const pixels = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid=image]')!;
      return Array.from(
        c
          .getContext('2d')!
          .getImageData(0, 0, c.width, c.height)
          .data.filter((_, i) => i % 4 !== 3),
      );
    });
    expect(Uint8Array.from(pixels)).toEqual(Uint8Array.from(sample.image.data));
    expect((await readMask()).mask.every((v) => v === 0)).toBe(true);
    await screenshot('loaded');
  });

  it(`a click on the synthetic object selects it (IoU >= ${MIN_IOU_ONE_CLICK})`, async () => {
    const t0 = Date.now();
    await clickImage(target.click);
    await settled(1);
    timings.firstClickWallMs = Date.now() - t0;
    const shown = await readMask();
    expect([shown.width, shown.height]).toEqual([width, height]);
    expect(shown.alphas.every((a) => a === 0 || a === 255)).toBe(true); // object pixels opaque
    const iou = maskIou(target.gt, shown.mask);
    timings.iouOneClick = iou;
    const state = await page.evaluate(() => window.objsel.selection);
    expect(state?.clicks).toEqual([{ ...target.click, positive: true }]);
    timings.firstClick = state?.timings;
    await screenshot('one-click');
    expect(iou).toBeGreaterThanOrEqual(MIN_IOU_ONE_CLICK);
  });

  it('refinement modes: none, dense CRF and graph cut re-refine without running the network', async () => {
    const ious: Record<string, number> = {};
    for (const mode of ['none', 'crf', 'graphcut']) {
      const version = await page.getByTestId('mask').getAttribute('data-version');
      await page.locator(`input[name=refine][value=${mode}]`).check();
      await page.waitForFunction(
        (v) => document.querySelector('[data-testid=mask]')!.getAttribute('data-version') !== v && document.body.dataset.busy === 'false',
        version,
        { timeout: 60_000 },
      );
      const state = await page.evaluate(() => window.objsel.selection!);
      expect(state.refine).toBe(mode);
      expect(state.timings.networkMs).toBe(0);
      ious[mode] = maskIou(target.gt, (await readMask()).mask);
    }
    timings.refineIous = ious;
    for (const v of Object.values(ious)) expect(v).toBeGreaterThan(0.5);
  });

  it('a right click adds a negative click; undo and reset restore the earlier selections', async () => {
    const before = (await readMask()).mask;
    const negative = backgroundPixel();
    const t0 = Date.now();
    await clickImage(negative, { button: 'right' });
    await settled(2);
    timings.secondClickWallMs = Date.now() - t0;
    const state = await page.evaluate(() => window.objsel.selection!);
    expect(state.clicks[1]).toEqual(negative);
    timings.secondClick = state.timings;
    const after = (await readMask()).mask;
    expect(after[negative.y * width + negative.x]).toBe(0);
    await screenshot('two-clicks');
    await page.getByRole('button', { name: 'Undo' }).click();
    await settled(1);
    expect((await readMask()).mask).toEqual(before);
    await page.getByRole('button', { name: 'Reset' }).click();
    await settled(0);
    expect((await readMask()).mask.every((v) => v === 0)).toBe(true);
    // Shift-click is negative too; then back to the object click for the next tests.
    await clickImage(target.click, { shift: true });
    await settled(1);
    expect((await page.evaluate(() => window.objsel.selection!)).clicks[0]!.positive).toBe(false);
    await page.getByRole('button', { name: 'Reset' }).click();
    await settled(0);
    await clickImage(target.click);
    await settled(1);
  });

  it('downloads the mask as a 0/255 PNG of the image size', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    expect(download.suggestedFilename()).toBe('mask.png');
    const png = decodePngPixels(new Uint8Array(fs.readFileSync((await download.path())!)));
    expect([png.width, png.height, png.channels]).toEqual([width, height, 1]);
    const shown = (await readMask()).mask;
    expect(Uint8Array.from(png.samples, (v) => (v === 255 ? 1 : 0))).toEqual(shown);
    expect([...new Set(png.samples)].every((v) => v === 0 || v === 255)).toBe(true);
  });

  it('f-BRS on WebGPU: a click the network gets wrong is satisfied by optimising the features at the clicks', async () => {
    // Refinement off, so the mask shows the network's own answer (graph cut would force clicked pixels).
    await page.locator('input[name=refine][value=none]').check();
    await page.waitForFunction(() => window.objsel.selection?.refine === 'none' && document.body.dataset.busy === 'false', null, {
      timeout: 60_000,
    });
    // A second positive click just outside the object (6 px left of its edge): background by the
    // ground truth, so the plain network leaves it out and f-BRS has to work for it.
    const outside = pointOutside(target.click, -1, 0, 6);
    expect(target.gt[outside.y * width + outside.x]).toBe(0);
    await clickImage(outside);
    await settled(2);
    const version = await page.getByTestId('mask').getAttribute('data-version');
    const t0 = Date.now();
    await page.getByTestId('brs').check();
    await page.waitForFunction(
      (v) => document.querySelector('[data-testid=mask]')!.getAttribute('data-version') !== v && document.body.dataset.busy === 'false',
      version,
      { timeout: 240_000, polling: 250 },
    );
    const brs = await page.evaluate(() => window.objsel.selection!);
    timings.brsWallMs = Date.now() - t0;
    timings.brs = { ...brs.brsInfo, timings: brs.timings };
    expect(brs.brs).toBe(true);
    expect(brs.clicks).toHaveLength(2);
    expect(brs.brsInfo?.steps).toBeGreaterThanOrEqual(1);
    expect(brs.brsInfo?.satisfied).toBe(true);
    const mask = (await readMask()).mask;
    expect([mask[target.click.y * width + target.click.x], mask[outside.y * width + outside.x]]).toEqual([1, 1]);
    await screenshot('brs');
    // Back to one click, f-BRS off, graph cut, for the adaptation test.
    await page.getByTestId('brs').uncheck();
    await page.waitForFunction(() => window.objsel.selection?.brs === false && document.body.dataset.busy === 'false', null, {
      timeout: 60_000,
    });
    await page.getByRole('button', { name: 'Undo' }).click();
    await settled(1);
    await page.locator('input[name=refine][value=graphcut]').check();
    await page.waitForFunction(() => window.objsel.selection?.refine === 'graphcut' && document.body.dataset.busy === 'false', null, {
      timeout: 60_000,
    });
    expect(maskIou(target.gt, (await readMask()).mask)).toBeGreaterThanOrEqual(MIN_IOU_ONE_CLICK);
  });

  it('adapts the model to the image: training steps run on WebGPU with progress and the mask is recomputed', async () => {
    const version = Number(await page.getByTestId('mask').getAttribute('data-version'));
    // Two steps: the first compiles the training shaders, the second shows a warm step's time.
    await page.locator('#adapt-steps').fill('2');
    const t0 = Date.now();
    await page.getByTestId('adapt').click();
    await page.waitForFunction(() => window.objsel.adapt !== undefined && document.body.dataset.busy === 'false', null, {
      timeout: 180_000,
      polling: 250,
    });
    timings.adaptWallMs = Date.now() - t0;
    const adapt = await page.evaluate(() => window.objsel.adapt!);
    timings.adapt = adapt;
    expect(adapt.steps).toBe(2);
    expect(adapt.losses).toHaveLength(2);
    for (const l of adapt.losses) expect(Number.isFinite(l) && l > 0).toBe(true);
    // The update follows the gradient: the loss on the same clicks goes down.
    expect(adapt.losses[1]).toBeLessThan(adapt.losses[0]!);
    expect(Number(await page.getByTestId('mask').getAttribute('data-version'))).toBeGreaterThan(version);
    expect(await page.getByTestId('adapt-progress').evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([2, 2]);
    expect(await page.locator('#adapt-status').textContent()).toMatch(/^adapted: 2 steps, loss \d/);
    expect(await page.getByTestId('backend').textContent()).toBe('webgpu');
    timings.iouAfterAdapt = maskIou(target.gt, (await readMask()).mask);
    await screenshot('adapted');
  });

  /** Waits until the page is idle after an action that changes the loaded model (or fails to). */
  async function modelSettled(previousLoadMs: number | undefined, timeout = 120_000): Promise<void> {
    await page.waitForFunction(
      (loadMs) => document.body.dataset.busy === 'false' && (window.objsel.model?.loadMs !== loadMs || window.objsel.error !== undefined),
      previousLoadMs,
      { timeout, polling: 100 },
    );
  }

  /** The image canvas as RGB bytes. */
  async function readImage(): Promise<{ width: number; height: number; rgb: Uint8Array }> {
    const r = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid=image]')!;
      return {
        width: c.width,
        height: c.height,
        rgb: Array.from(
          c
            .getContext('2d')!
            .getImageData(0, 0, c.width, c.height)
            .data.filter((_, i) => i % 4 !== 3),
        ),
      };
    });
    return { ...r, rgb: Uint8Array.from(r.rgb) };
  }

  const shippedModel = path.join(ROOT, 'examples/web-select/public/models/synthetic-interactive');
  const shippedFiles = fs.readdirSync(shippedModel).map((name) => path.join(shippedModel, name));

  it('loads weights from files (model.json + shard, picked together): the model reloads and a click still selects the object', async () => {
    // The visible "Weights files…" control opens the picker (its input is visually hidden).
    expect(shippedFiles.map((f) => path.basename(f)).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const before = await page.evaluate(() => window.objsel.model!);
    const t0 = Date.now();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByText('Weights files…').click()]);
    expect(chooser.isMultiple()).toBe(true);
    await chooser.setFiles(shippedFiles);
    await modelSettled(before.loadMs);
    const model = await page.evaluate(() => window.objsel.model!);
    expect(await page.evaluate(() => window.objsel.error)).toBeUndefined();
    expect(model.source).toMatch(/model\.json/);
    expect(model.source).toMatch(/group1-shard1of1\.bin/);
    expect(model.parameters).toBe(before.parameters);
    expect(await page.getByTestId('model-info').textContent()).toContain(model.source);
    // The loaded weights replace the adapted ones; the current click is replayed on them.
    await page.getByRole('button', { name: 'Reset' }).click();
    await settled(0);
    await clickImage(target.click);
    await settled(1);
    timings.weightsFromFilesWallMs = Date.now() - t0;
    timings.weightsFromFiles = { loadMs: model.loadMs, warmupMs: model.warmupMs };
    expect(maskIou(target.gt, (await readMask()).mask)).toBeGreaterThanOrEqual(MIN_IOU_ONE_CLICK);
  });

  it('loads weights from a URL typed into the Model field', async () => {
    const before = await page.evaluate(() => window.objsel.model!);
    const t0 = Date.now();
    await page.getByLabel('weights URL (model.json)').fill('./models/synthetic-interactive/model.json');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await modelSettled(before.loadMs);
    timings.weightsFromUrlWallMs = Date.now() - t0;
    expect(await page.evaluate(() => window.objsel.error)).toBeUndefined();
    const model = await page.evaluate(() => window.objsel.model!);
    expect(model.source).toBe(new URL('./models/synthetic-interactive/model.json', server.url).href);
    // The click shown was replayed on the reloaded model.
    expect(await page.getByTestId('mask').getAttribute('data-clicks')).toBe('1');
    expect(maskIou(target.gt, (await readMask()).mask)).toBeGreaterThanOrEqual(MIN_IOU_ONE_CLICK);
  });

  it('a bad weights file or URL shows a clear error and leaves the previous model working', async () => {
    const before = await page.evaluate(() => window.objsel.model!);
    const status = page.getByTestId('status');
    const consoleBefore = consoleErrors.length;
    // model.json that is not JSON, picked with the real shard.
    await page.getByTestId('weights-files').setInputFiles([
      { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from('this is not JSON {') },
      {
        name: 'group1-shard1of1.bin',
        mimeType: 'application/octet-stream',
        buffer: fs.readFileSync(path.join(shippedModel, 'group1-shard1of1.bin')),
      },
    ]);
    await modelSettled(before.loadMs);
    const notJson = await page.evaluate(() => window.objsel.error);
    expect(notJson).toMatch(/^weights files \(model\.json, group1-shard1of1\.bin\): model\.json: .*JSON/);
    expect(await status.isVisible()).toBe(true);
    expect(await status.textContent()).toBe(`⚠ ${notJson}`);
    await screenshot('bad-weights');
    // A URL with nothing behind it.
    await page.evaluate(() => delete window.objsel.error);
    await page.getByLabel('weights URL (model.json)').fill('./models/missing/model.json');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await modelSettled(before.loadMs);
    const missing = await page.evaluate(() => window.objsel.error);
    expect(missing).toMatch(/\/models\/missing\/model\.json: /);
    // Nothing uncaught: the only console error is Chromium's own report of the 404 response.
    const logged = consoleErrors.splice(consoleBefore);
    expect(logged.filter((m) => !/Failed to load resource: .*404/.test(m))).toEqual([]);
    expect(await status.textContent()).toBe(`⚠ ${missing}`);
    // The previous model is still loaded and selects the object.
    expect(await page.evaluate(() => window.objsel.model)).toEqual(before);
    expect(await page.getByTestId('model-info').textContent()).toContain(before.source.replace(/^.*\/models\//, 'models/'));
    await page.getByRole('button', { name: 'Reset' }).click();
    await settled(0);
    await clickImage(target.click);
    await settled(1);
    expect(maskIou(target.gt, (await readMask()).mask)).toBeGreaterThanOrEqual(MIN_IOU_ONE_CLICK);
    await page.evaluate(() => delete window.objsel.error);
  });

  it(`opens a PNG through the "Open image…" picker: the canvases take its size and a click selects its object (IoU >= ${MIN_IOU_OPENED_IMAGE})`, async () => {
    const { scene, gt, click } = unseenScene(8101, 288, 216);
    const png = encodePng({ width: 288, height: 216, channels: 3, data: scene.image.data });
    // The inputs behind the "Open image…" / "Weights files…" buttons take keyboard focus (a `hidden` input could not).
    for (const id of ['image-file', 'weights-files']) {
      expect(await page.getByTestId(id).evaluate((input: HTMLInputElement) => (input.focus(), document.activeElement === input))).toBe(
        true,
      );
    }
    const t0 = Date.now();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByText('Open image…').click()]);
    expect(chooser.isMultiple()).toBe(false);
    await chooser.setFiles({ name: 'scene.png', mimeType: 'image/png', buffer: Buffer.from(png) });
    await settled(0);
    await expect.poll(async () => (await readImage()).width).toBe(288);
    const shown = await readImage();
    expect([shown.width, shown.height]).toEqual([288, 216]);
    // PNG is lossless: the canvas holds exactly the scene's pixels.
    expect(shown.rgb).toEqual(Uint8Array.from(scene.image.data));
    expect(await page.getByTestId('status').textContent()).toContain('scene.png (288×216)');
    await clickImage(click, { size: { width: 288, height: 216 } });
    await settled(1);
    timings.openPngWallMs = Date.now() - t0;
    const mask = await readMask();
    expect([mask.width, mask.height]).toEqual([288, 216]);
    expect((await page.evaluate(() => window.objsel.selection!)).clicks).toEqual([{ ...click, positive: true }]);
    const iou = maskIou(gt, mask.mask);
    timings.iouOpenedPng = iou;
    await screenshot('opened-png');
    expect(iou).toBeGreaterThanOrEqual(MIN_IOU_OPENED_IMAGE);
  });

  it(`opens a JPEG dropped on the picture: the canvases take its size and a click selects its object (IoU >= ${MIN_IOU_OPENED_IMAGE})`, async () => {
    const { scene, gt, click } = unseenScene(8102, 256, 192);
    const jpeg = encodeJpeg(scene.image, 92);
    const t0 = Date.now();
    await page.evaluate((bytes) => {
      const file = new File([Uint8Array.from(bytes)], 'dropped.jpg', { type: 'image/jpeg' });
      const data = new DataTransfer();
      data.items.add(file);
      const stack = document.getElementById('stack')!;
      for (const type of ['dragenter', 'dragover', 'drop'])
        stack.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    }, Array.from(jpeg));
    await page.waitForFunction(
      () => document.querySelector<HTMLCanvasElement>('[data-testid=image]')!.width === 256 && document.body.dataset.busy === 'false',
      null,
      { timeout: 60_000 },
    );
    await settled(0);
    const shown = await readImage();
    expect([shown.width, shown.height]).toEqual([256, 192]);
    // JPEG is lossy: the canvas is the scene up to compression noise.
    let absDiff = 0;
    for (let i = 0; i < shown.rgb.length; i++) absDiff += Math.abs(shown.rgb[i]! - scene.image.data[i]!);
    expect(absDiff / shown.rgb.length).toBeLessThan(8);
    expect(await page.locator('#stack').getAttribute('class')).not.toContain('drop');
    await clickImage(click, { size: { width: 256, height: 192 } });
    await settled(1);
    timings.dropJpegWallMs = Date.now() - t0;
    const mask = await readMask();
    expect([mask.width, mask.height]).toEqual([256, 192]);
    const iou = maskIou(gt, mask.mask);
    timings.iouDroppedJpeg = iou;
    await screenshot('dropped-jpeg');
    expect(iou).toBeGreaterThanOrEqual(MIN_IOU_OPENED_IMAGE);
  });

  it('runs on wasm when asked (?backend=wasm, weights from ?weights=): a click selects the object and an adaptation step runs', async () => {
    // Same context: its console and request listeners cover this page too.
    const wasmPage = await context.newPage();
    try {
      const t0 = Date.now();
      await wasmPage.goto(
        `${server.url}?backend=wasm&weights=${encodeURIComponent('./models/synthetic-interactive/model.json?from=param')}`,
      );
      const state = await wasmPage.evaluate(() => window.objselReady);
      expect(state.model?.source).toBe(new URL('./models/synthetic-interactive/model.json?from=param', server.url).href);
      const wasm: Record<string, unknown> = { pageLoadMs: Date.now() - t0, warmupMs: state.model?.warmupMs };
      expect(await wasmPage.getByTestId('backend').textContent()).toBe('wasm');
      const box = (await wasmPage.locator('[data-testid=image]').boundingBox())!;
      await wasmPage
        .locator('[data-testid=image]')
        .click({ position: { x: ((target.click.x + 0.5) * box.width) / width, y: ((target.click.y + 0.5) * box.height) / height } });
      await wasmPage.waitForFunction(
        () => document.querySelector('[data-testid=mask]')?.getAttribute('data-clicks') === '1' && document.body.dataset.busy === 'false',
        null,
        { timeout: 60_000 },
      );
      const selection = await wasmPage.evaluate(() => window.objsel.selection!);
      wasm.click = selection.timings;
      const mask = await wasmPage.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('[data-testid=mask]')!;
        return Array.from(
          c
            .getContext('2d')!
            .getImageData(0, 0, c.width, c.height)
            .data.filter((_, i) => i % 4 === 3),
          (a) => (a > 0 ? 1 : 0),
        );
      });
      wasm.iouOneClick = maskIou(target.gt, Uint8Array.from(mask));
      // f-BRS on: the click is recomputed with the feature scale/bias optimised at the click.
      const version = await wasmPage.getByTestId('mask').getAttribute('data-version');
      await wasmPage.getByTestId('brs').check();
      await wasmPage.waitForFunction(
        (v) => document.querySelector('[data-testid=mask]')!.getAttribute('data-version') !== v && document.body.dataset.busy === 'false',
        version,
        { timeout: 60_000 },
      );
      const brs = await wasmPage.evaluate(() => window.objsel.selection!);
      wasm.brs = { ...brs.brsInfo, timings: brs.timings };
      expect(brs.brs).toBe(true);
      expect(brs.brsInfo?.satisfied).toBe(true);
      await wasmPage.getByTestId('brs').uncheck();
      await wasmPage.waitForFunction(() => window.objsel.selection?.brs === false && document.body.dataset.busy === 'false', null, {
        timeout: 60_000,
      });
      await wasmPage.locator('#adapt-steps').fill('2');
      await wasmPage.getByTestId('adapt').click();
      await wasmPage.waitForFunction(() => window.objsel.adapt !== undefined && document.body.dataset.busy === 'false', null, {
        timeout: 120_000,
      });
      const adapt = await wasmPage.evaluate(() => window.objsel.adapt!);
      wasm.adapt = adapt;
      timings.wasm = wasm;
      expect(wasm.iouOneClick).toBeGreaterThanOrEqual(MIN_IOU_ONE_CLICK);
      expect(adapt.losses).toHaveLength(2);
    } finally {
      await wasmPage.close();
    }
  });

  it('kept the console clean and every request on the page origin', () => {
    expect(consoleErrors).toEqual([]);
    const origin = new URL(server.url).origin;
    expect(foreignRequests(requests, origin)).toEqual([]);
    expect(requests.some((u) => u.endsWith('/model.json'))).toBe(true);
  });
});

describe.skipIf(chromiumUnavailableReason() !== undefined)('examples/web-select without WebGPU', () => {
  it('falls back to WebGL with a visible note, and a click still selects the object', async () => {
    const dist = path.join(ROOT, 'examples/web-select/dist');
    if (!fs.existsSync(path.join(dist, 'index.html'))) await buildExample();
    const server = await serveStatic(dist);
    const browser = await launchChromium({ webgpu: false });
    const errors: string[] = [];
    const requests: string[] = [];
    try {
      browser.context.on('request', (r) => requests.push(r.url()));
      browser.context.on('console', (m) => {
        if (isConsoleProblem(m)) errors.push(`${m.worker() ? 'worker: ' : ''}${m.text()}`);
      });
      browser.context.on('weberror', (e) => errors.push(`uncaught: ${e.error().message}`));
      const page = await browser.context.newPage();
      const t0 = Date.now();
      await page.goto(server.url);
      const state = await page.evaluate(() => window.objselReady);
      const fallback: Record<string, unknown> = {
        backend: state.backend?.name,
        notes: state.backend?.notes,
        pageLoadMs: Date.now() - t0,
        warmupMs: state.model?.warmupMs,
      };
      expect(await page.getByTestId('backend').textContent()).toBe('webgl');
      await expect.poll(() => page.getByTestId('backend-note').isVisible()).toBe(true);
      expect(await page.getByTestId('backend-note').textContent()).toMatch(/fallback: webgpu: /);
      const box = (await page.locator('[data-testid=image]').boundingBox())!;
      await page
        .locator('[data-testid=image]')
        .click({ position: { x: ((target.click.x + 0.5) * box.width) / width, y: ((target.click.y + 0.5) * box.height) / height } });
      await page.waitForFunction(
        () => document.querySelector('[data-testid=mask]')?.getAttribute('data-clicks') === '1' && document.body.dataset.busy === 'false',
        null,
        { timeout: 120_000 },
      );
      fallback.click = (await page.evaluate(() => window.objsel.selection!)).timings;
      const mask = await page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('[data-testid=mask]')!;
        return Array.from(
          c
            .getContext('2d')!
            .getImageData(0, 0, c.width, c.height)
            .data.filter((_, i) => i % 4 === 3),
          (a) => (a > 0 ? 1 : 0),
        );
      });
      fallback.iouOneClick = maskIou(target.gt, Uint8Array.from(mask));
      await page.screenshot({ path: path.join(ARTIFACTS, 'web-select-webgl-fallback.png') });
      fs.writeFileSync(path.join(ARTIFACTS, 'web-select-fallback-timings.json'), `${JSON.stringify(fallback, null, 2)}\n`);
      console.log(`web-select fallback: ${JSON.stringify(fallback)}`);
      expect(fallback.iouOneClick).toBeGreaterThanOrEqual(MIN_IOU_ONE_CLICK);
      expect(errors).toEqual([]);
      expect(foreignRequests(requests, new URL(server.url).origin)).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
