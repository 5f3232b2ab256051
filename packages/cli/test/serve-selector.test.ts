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
});
