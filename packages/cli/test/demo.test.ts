import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeLabel, readPng } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { findFixture } from '../src/commands/demo/fixtures';
import { runDemo } from '../src/commands/demo/run';
import { DEMO_STEPS } from '../src/commands/demo/steps';
import { CliContext } from '../src/context';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'objsel-demo-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('objsel demo (data, train, evaluate, masks)', () => {
  it('runs the training steps on a few images and writes summary.json, masks and overlays (the real photo included)', async () => {
    const out = path.join(dir, 'out');
    const lines: string[] = [];
    const streams = { stdout: { write: (s: string) => lines.push(s), isTTY: false }, stderr: { write: () => true, isTTY: false } };
    const ctx = new CliContext({ backend: 'wasm', json: true, quiet: false }, streams);
    const photo = fixture('deeplab/2007_000129.jpg');
    // The training path only: convert is tested separately, and the interactive step trains a
    // second model (too slow for this test; its parts are tested in deeplab-resnet and clicks).
    const steps = DEMO_STEPS.filter((s) => ['data', 'train', 'evaluate', 'masks'].includes(s.name));
    expect(steps.map((s) => s.name)).toEqual(['data', 'train', 'evaluate', 'masks']);
    await runDemo({ out, prototxt: '', seed: 5, steps: 2, images: 6, photo }, ctx, steps);

    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.steps).toBe(2);
    expect(summary.backend).toBe('wasm');
    expect(summary.miou).toBeGreaterThanOrEqual(0);
    expect(summary.miou).toBeLessThanOrEqual(1);
    expect(summary.perClassIoU).toHaveLength(4);
    expect(summary.seconds).toBeGreaterThan(0);
    expect(Object.keys(summary.stepSeconds)).toEqual(['data', 'train', 'evaluate', 'masks']);
    expect(summary.dataset).toMatchObject({ count: 6, numClasses: 4 });

    // The real photo: a palette mask of its size and an RGB overlay.
    const mask = decodeLabel(await fs.readFile(path.join(out, 'masks', '2007_000129_mask.png')));
    expect(mask.form).toBe('palette');
    expect([mask.width, mask.height]).toEqual([334, 500]); // 2007_000129.jpg is 334x500
    expect(mask.data.every((v) => v < 4)).toBe(true);
    const over = readPng(await fs.readFile(path.join(out, 'masks', '2007_000129_overlay.png')));
    expect([over.width, over.height]).toEqual([334, 500]);
    expect(summary.masks.length).toBe(2); // 1 validation image (6 × 0.2 → 1) + the photo
    await expect(fs.stat(path.join(out, 'snapshots', 'ckpt-2', 'model.json'))).resolves.toBeTruthy();
    expect(lines.some((l) => l.includes('"task":"train"'))).toBe(true);
  });

  it('a step failing part-way leaves none of its files: no masks, no summary.json, no temporaries', async () => {
    const out = path.join(dir, 'failing');
    const ctx = new CliContext(
      { backend: 'wasm', json: true, quiet: true },
      { stdout: { write: () => true }, stderr: { write: () => true } },
    );
    // The masks step writes the validation image's mask and overlay, then fails on the photo.
    const photo = path.join(dir, 'not-a-photo.jpg');
    await fs.writeFile(photo, 'not an image');
    const steps = DEMO_STEPS.filter((s) => ['data', 'train', 'masks'].includes(s.name));
    await expect(runDemo({ out, prototxt: '', seed: 5, steps: 1, images: 6, photo }, ctx, steps)).rejects.toThrow(/not-a-photo/);
    const names = (await fs.readdir(out, { recursive: true })).map(String);
    expect(names.filter((n) => n === 'masks' || n.startsWith('masks'))).toEqual([]);
    expect(names).not.toContain('summary.json');
    expect(names.filter((n) => path.basename(n).startsWith('.'))).toEqual([]);
    // What the earlier steps finished stays: the dataset and the checkpoint.
    expect(names).toContain(path.join('snapshots', 'ckpt-1', 'model.json'));
  });

  it('finds ../shared/fixtures from the working directory', () => {
    expect(findFixture('deeplab/2007_000129.jpg')).toBe(fixture('deeplab/2007_000129.jpg'));
    expect(findFixture('deeplab/no-such-file.jpg')).toBeUndefined();
  });
});
