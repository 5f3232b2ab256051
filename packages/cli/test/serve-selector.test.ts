import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import { DeepLabResNet, loadBackend } from '@objsel/deeplab-resnet';
import { interactiveConfig } from '@objsel/deeplab-resnet/interactive';
import { describe, expect, it } from 'vitest';
import { Selector } from '../src/serve/selector';
import { weightsModelLongSide } from '../src/weights-metadata';

describe('the selector of objsel serve', () => {
  it('runs one selection at a time and, once cancelled, refuses those not started with 503', async () => {
    let running = 0;
    let most = 0;
    const model = {
      async segment(_raw: ArrayLike<number>, width: number, height: number) {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        return new Float32Array(width * height).fill(0.9);
      },
      dispose() {},
    };
    const selector = new Selector(model, { refine: 'none', cacheBytes: 1 << 20, maxPixels: 1e6 });
    const image = { width: 8, height: 6, data: new Uint8Array(8 * 6 * 3) };
    const clicks = [{ x: 1, y: 1, positive: true }];
    const alone = await selector.select(image, 'a', clicks);
    expect(alone.mask.every((v) => v === 1)).toBe(true);
    const first = selector.select(image, 'a', clicks);
    const second = selector.select(image, 'a', clicks);
    const third = selector.select(image, 'a', clicks);
    while (running === 0) await new Promise((r) => setTimeout(r, 1));
    selector.cancelPending(); // the first runs, the others wait
    await expect(second).rejects.toMatchObject({ status: 503 });
    await expect(third).rejects.toMatchObject({ status: 503 });
    expect((await first).mask).toEqual(alone.mask);
    expect(most).toBe(1);
    await selector.idle();
    expect(selector.pending).toBe(0);
  });

  it('when stopping, starts a waiting selection only if it is expected to end by the deadline (a forward that blocks the event loop)', async () => {
    const BLOCK_MS = 120;
    /** A signal that arrives during the forward of call `at`: its handler runs once the event loop is free again. */
    const stopDuringForward = (at: number, budgetMs: number) => {
      let calls = 0;
      const selector: Selector = new Selector(
        {
          // A forward on wasm: synchronous, the event loop (timers, signals) waits for it.
          async segment(_raw: ArrayLike<number>, width: number, height: number) {
            if (++calls === at) setTimeout(() => selector.stopWithin(budgetMs), 0);
            const until = performance.now() + BLOCK_MS;
            while (performance.now() < until) {}
            return new Float32Array(width * height).fill(0.9);
          },
          dispose() {},
        },
        { refine: 'none', cacheBytes: 1 << 20, maxPixels: 1e6 },
      );
      return selector;
    };
    const image = { width: 8, height: 6, data: new Uint8Array(8 * 6 * 3) };
    const clicks = [{ x: 1, y: 1, positive: true }];
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => 200,
        (e: { status?: number }) => e.status,
      );

    // A budget shorter than two forwards, counted from the start of the forward the signal came in:
    // the running selection is answered, the waiting ones refused.
    const short = stopDuringForward(2, 1.5 * BLOCK_MS);
    await short.select(image, 'a', clicks); // one duration known
    const refused = [0, 1, 2].map(() => settle(short.select(image, 'a', clicks)));
    expect(await Promise.all(refused)).toEqual([200, 503, 503]);

    // A budget for all of them: every waiting selection is answered.
    const long = stopDuringForward(2, 60_000);
    await long.select(image, 'a', clicks);
    const answered = [0, 1, 2].map(() => settle(long.select(image, 'a', clicks)));
    expect(await Promise.all(answered)).toEqual([200, 200, 200]);
  });

  it('runs a network trained at a model size at that size, with the click maps in its pixels', async () => {
    await loadBackend('wasm'); // the probability is resized back with TF.js
    const calls: Array<{ width: number; height: number; raw: Float32Array }> = [];
    const model = {
      async segment(raw: ArrayLike<number>, width: number, height: number) {
        calls.push({ width, height, raw: Float32Array.from(raw) });
        return new Float32Array(width * height).fill(0.9);
      },
      dispose() {},
    };
    const selector = new Selector(model, { refine: 'none', cacheBytes: 1 << 20, maxPixels: 1e6, modelLongSide: 16 });
    const image = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 3) };
    const { mask } = await selector.select(image, 'a', [{ x: 0, y: 0, positive: true }]);
    expect(mask).toHaveLength(40 * 30);
    expect(calls.map((c) => [c.width, c.height])).toEqual([[16, 12]]);
    // The positive map (channel 3) of the model-size input: distances in model pixels. Model pixel
    // (5, 0) covers image pixels 12.5-15 of row 0-2.5, whose distances to the click at (0, 0)
    // are 12.5-15 image pixels, 5-6 model pixels (x 16/40).
    const at = calls[0]!.raw[(0 * 16 + 5) * 5 + 3]!;
    expect(at).toBeGreaterThan(5);
    expect(at).toBeLessThan(6.2);
  });

  it('reads the model size from the weights metadata (objsel.training.modelLongSide)', async () => {
    await loadBackend('wasm');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-model-size-'));
    try {
      const network = DeepLabResNet.create(interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625 }), { seed: 1 });
      const entries = await network.toWeightEntries();
      await writeWeightsDir(path.join(dir, 'sized'), entries, { ...network.meta(), training: { modelLongSide: 128 } });
      await writeWeightsDir(path.join(dir, 'plain'), entries, network.meta());
      network.dispose();
      expect(await weightsModelLongSide(path.join(dir, 'sized'))).toBe(128);
      expect(await weightsModelLongSide(path.join(dir, 'plain'))).toBeUndefined();
      expect(await weightsModelLongSide(path.join(dir, 'missing'))).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
