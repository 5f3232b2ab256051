import { describe, expect, it } from 'vitest';
import { Selector } from '../src/serve/selector';

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
});
