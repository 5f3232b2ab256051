/**
 * `objsel noc --click-consistent` on synthetic data like the demo's: the robot keeps the papers'
 * protocol unless the flag is given; with it each mask is scored with its clicked pixels set to
 * their labels. Checked against the library replayed here (classic method: every IoU equal to
 * the masks made click-consistent, and every robot click satisfied), and in its direction on a
 * network (the first click is the same, so its IoU can only rise: the robot's positive clicks
 * lie on the object and its negative ones off it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import { createMethodPredictor, enforceClicks, isClickConsistent, maskIou, objectIds, type Click } from '@objsel/clicks';
import { DeepLabResNet, loadBackend } from '@objsel/deeplab-resnet';
import { interactiveConfig } from '@objsel/deeplab-resnet/interactive';
import { decodeImage, decodeLabel, parseList } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, run } from './capture';

interface NocJson {
  clickConsistent: boolean;
  meanIouPerClick: number[];
  instances: { id: string; ious: number[]; clicks: Click[] }[];
}

let dir: string;
let data: string;
let list: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-noc-consistent-'));
  data = path.join(dir, 'synth');
  list = path.join(data, 'val.txt');
  const r = await run(
    'data',
    'make-synthetic',
    '--out',
    data,
    '--count',
    '3',
    '--width',
    '80',
    '--height',
    '60',
    '--min-size',
    '20',
    '--max-size',
    '40',
    '--val-fraction',
    '0.99',
    '--no-sbd',
    '-q',
  );
  expect(r.code, r.err).toBe(0);
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function noc(...args: string[]): Promise<NocJson> {
  const r = await run('noc', '--data-dir', data, '--data-list', list, '--max-clicks', '5', '--json', ...args);
  expect(r.code, r.err).toBe(0);
  return lastJson(r.out) as unknown as NocJson;
}

describe('objsel noc --click-consistent', () => {
  it('random walker: IoUs of the click-consistent masks, every robot click satisfied', async () => {
    const plain = await noc('--method', 'random-walker');
    const consistent = await noc('--method', 'random-walker', '--click-consistent');
    expect([plain.clickConsistent, consistent.clickConsistent]).toEqual([false, true]);

    const objects = new Map<string, { image: Awaited<ReturnType<typeof decodeImage>>; gt: Uint8Array; ignore: Uint8Array }>();
    for (const entry of parseList(fs.readFileSync(list, 'utf8'), { dataDir: data })) {
      const label = decodeLabel(fs.readFileSync(path.join(data, 'SegmentationObject', `${entry.id}.png`)));
      const image = await decodeImage(fs.readFileSync(entry.image), entry.image);
      const ignore = Uint8Array.from(label.data, (v) => (v === 255 ? 1 : 0));
      for (const id of objectIds(label.data))
        objects.set(`${entry.id}#${id}`, { image, gt: Uint8Array.from(label.data, (v) => (v === id ? 1 : 0)), ignore });
    }
    expect(consistent.instances.length).toBe(objects.size);
    for (const instance of consistent.instances) {
      const { image, gt, ignore } = objects.get(instance.id)!;
      const predict = createMethodPredictor(image, 'random-walker');
      let previous: Uint8Array | null = null;
      for (const [k, iou] of instance.ious.entries()) {
        const clicks = instance.clicks.slice(0, k + 1);
        const mask = enforceClicks(await predict(clicks, previous), image.width, image.height, clicks);
        previous = mask;
        expect(isClickConsistent(mask, image.width, clicks)).toBe(true);
        expect(iou).toBeCloseTo(maskIou(mask, gt, ignore), 10);
      }
    }
    for (const [k, instance] of consistent.instances.entries())
      expect(instance.ious[0]).toBeGreaterThanOrEqual(plain.instances[k]!.ious[0]!);
  }, 120_000);

  it('network: the first click is the same and its IoU never falls; the papers protocol is the default', async () => {
    await loadBackend('wasm');
    const network = DeepLabResNet.create(interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625 }), { seed: 13 });
    const weights = path.join(dir, 'interactive');
    await writeWeightsDir(weights, await network.toWeightEntries(), network.meta());
    network.dispose();
    const plain = await noc('--weights', weights, '--backend', 'wasm', '--refine', 'none');
    const consistent = await noc('--weights', weights, '--backend', 'wasm', '--refine', 'none', '--click-consistent');
    expect([plain.clickConsistent, consistent.clickConsistent]).toEqual([false, true]);
    let rose = 0;
    for (const [k, instance] of consistent.instances.entries()) {
      const before = plain.instances[k]!;
      expect(instance.id).toBe(before.id);
      expect(instance.clicks[0]).toEqual(before.clicks[0]);
      expect(instance.ious[0]).toBeGreaterThanOrEqual(before.ious[0]!);
      if (instance.ious[0]! > before.ious[0]!) rose++;
    }
    // A random network contradicts its first click on some object: the flag changes that IoU.
    expect(rose).toBeGreaterThan(0);
  }, 180_000);
});
