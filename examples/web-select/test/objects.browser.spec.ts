/**
 * web-select's several objects and basics in headless Chromium (TF.js on wasm): keyboard
 * shortcuts (X swaps what a left click adds, Z undoes, N keeps the object and starts the next),
 * the mask opacity slider, click-consistent masks, the object list, and the palette PNG, COCO
 * JSON and polygons downloads of all objects checked against what the page drew.
 */
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCocoRle, nextClick, type Click } from '@objsel/clicks';
import { decodePngPixels, polygonsToMask, renderSyntheticSample } from '@objsel/voc-data';
import { chromiumUnavailableReason, launchChromium } from '../../../tools/browser/chromium.mjs';
import { buildExample } from '../../../tools/browser/example-web.mjs';
import { serveStatic, type StaticServer } from '../../../tools/browser/static-server.mjs';
import { SAMPLE_INDEX, SYNTHETIC_OPTIONS } from '../../../tools/web-model/domain';

const sample = renderSyntheticSample(SAMPLE_INDEX, SYNTHETIC_OPTIONS);
const { width, height } = sample.image;
/** The robot's first click on each of the sample's two largest objects. */
const [first, second] = [...sample.objects]
  .sort((a, b) => b.area - a.area)
  .slice(0, 2)
  .map((o) => {
    const gt = Uint8Array.from(sample.objectLabelNoVoid, (v) => (v === o.instanceId ? 1 : 0));
    return nextClick(gt, new Uint8Array(gt.length), width, height)!;
  }) as [Click, Click];
/** A background pixel: the top-left corner region, away from the objects. */
const background = (() => {
  for (let y = 2; y < height; y += 3) for (let x = 2; x < width; x += 3) if (sample.objectLabelNoVoid[y * width + x] === 0) return { x, y };
  throw new Error('no background pixel');
})();

describe.skipIf(chromiumUnavailableReason() !== undefined)('examples/web-select: several objects, shortcuts, opacity', () => {
  let server: StaticServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const problems: string[] = [];

  async function clickImage(x: number, y: number): Promise<void> {
    const box = (await page.locator('[data-testid=image]').boundingBox())!;
    await page.mouse.click(box.x + ((x + 0.5) * box.width) / width, box.y + ((y + 0.5) * box.height) / height);
  }

  async function settled(clicks: number): Promise<void> {
    await page.waitForFunction(
      (n) =>
        document.querySelector('[data-testid=mask]')?.getAttribute('data-clicks') === String(n) && document.body.dataset.busy === 'false',
      clicks,
      { timeout: 120_000, polling: 100 },
    );
  }

  /** A canvas's pixels as 0/1 (alpha > 0). */
  async function opaque(testId: string): Promise<Uint8Array> {
    const bits = await page.evaluate((id) => {
      const c = document.querySelector<HTMLCanvasElement>(`[data-testid=${id}]`)!;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const out: number[] = [];
      for (let i = 3; i < data.length; i += 4) out.push(data[i]! > 0 ? 1 : 0);
      return out;
    }, testId);
    return Uint8Array.from(bits);
  }

  async function downloaded(testId: string): Promise<{ name: string; bytes: Buffer }> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
    return { name: download.suggestedFilename(), bytes: fs.readFileSync((await download.path())!) };
  }

  beforeAll(async () => {
    server = await serveStatic(await buildExample());
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
    browser.context.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    browser.context.on('weberror', (e) => problems.push(`uncaught: ${e.error().message}`));
    page = await browser.context.newPage();
    await page.goto(`${server.url}?backend=wasm`);
    await page.evaluate(() => window.objselReady);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('X swaps what a left click adds, Z undoes, and every mask keeps its clicks', async () => {
    await clickImage(first.x, first.y);
    await settled(1);
    expect((await opaque('mask'))[first.y * width + first.x]).toBe(1);
    await page.keyboard.press('x');
    expect(await page.evaluate(() => window.objsel.leftClickPositive)).toBe(false);
    expect(await page.getByTestId('polarity').getAttribute('data-positive')).toBe('false');
    await clickImage(background.x, background.y);
    await settled(2);
    const clicks = (await page.evaluate(() => window.objsel.selection!.clicks)) as Click[];
    expect(clicks.map((c) => c.positive)).toEqual([true, false]);
    const mask = await opaque('mask');
    expect(mask[first.y * width + first.x]).toBe(1);
    expect(mask[background.y * width + background.x]).toBe(0);
    await page.keyboard.press('x');
    expect(await page.evaluate(() => window.objsel.leftClickPositive)).toBe(true);
    await page.keyboard.press('z');
    await settled(1);
  });

  it('the opacity slider sets the opacity of the masks over the image', async () => {
    await page.getByTestId('opacity').fill('0.2');
    expect(await page.evaluate(() => window.objsel.maskOpacity)).toBe(0.2);
    const styles = await page.evaluate(() =>
      ['mask', 'objects-layer'].map((id) => getComputedStyle(document.querySelector(`[data-testid=${id}]`)!).opacity),
    );
    expect(styles).toEqual(['0.2', '0.2']);
  });

  it('N keeps the object in the list and starts the next; the downloads hold every object', async () => {
    const firstMask = await opaque('mask');
    await page.keyboard.press('n');
    await settled(0);
    const state = await page.evaluate(() => ({ objects: window.objsel.objects, next: window.objsel.currentObjectId }));
    expect(state.objects).toEqual([{ id: 1, area: firstMask.reduce((n, v) => n + v, 0), clicks: 1 }]);
    expect(state.next).toBe(2);
    expect(await page.getByTestId('object-list').locator('li').count()).toBe(1);
    expect(await opaque('objects-layer')).toEqual(firstMask);

    await clickImage(second.x, second.y);
    await settled(1);
    const secondMask = await opaque('mask');
    expect(secondMask[second.y * width + second.x]).toBe(1);

    const palette = await downloaded('download-palette');
    expect(palette.name).toBe('sample_objects.png');
    const png = decodePngPixels(new Uint8Array(palette.bytes));
    expect([png.width, png.height, png.channels]).toEqual([width, height, 1]);
    const expected = new Uint8Array(width * height);
    for (let i = 0; i < expected.length; i++) expected[i] = secondMask[i] ? 2 : firstMask[i] ? 1 : 0;
    expect(Uint8Array.from(png.samples)).toEqual(expected);

    const coco = JSON.parse((await downloaded('download-coco')).bytes.toString('utf8'));
    expect(coco.images).toEqual([{ id: 1, width, height, file_name: 'sample.png' }]);
    expect(coco.annotations.map((a: { id: number }) => a.id)).toEqual([1, 2]);
    expect(decodeCocoRle(coco.annotations[0].segmentation)).toEqual(firstMask);
    expect(decodeCocoRle(coco.annotations[1].segmentation)).toEqual(secondMask);
    expect(coco.annotations[1].area).toBe(secondMask.reduce((n, v) => n + v, 0));

    const polygons = JSON.parse((await downloaded('download-polygons')).bytes.toString('utf8'));
    expect(polygons.objects.map((o: { id: number }) => o.id)).toEqual([1, 2]);
    // The outlines rasterise back to the masks (COCO polygon semantics; 0.5 px simplification).
    for (const [k, mask] of [firstMask, secondMask].entries()) {
      const raster = polygonsToMask(polygons.objects[k].polygons, width, height);
      let inter = 0;
      let union = 0;
      for (let i = 0; i < mask.length; i++) {
        inter += mask[i]! & (raster[i]! ? 1 : 0);
        union += mask[i]! | (raster[i]! ? 1 : 0);
      }
      expect(inter / union).toBeGreaterThanOrEqual(0.9);
    }

    await page.getByRole('button', { name: 'delete object 1' }).click();
    expect(await page.evaluate(() => window.objsel.objects)).toEqual([]);
    expect((await opaque('objects-layer')).every((v) => v === 0)).toBe(true);
    expect(problems).toEqual([]);
  });
});
