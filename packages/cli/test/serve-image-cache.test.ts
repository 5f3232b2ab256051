import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageCache } from '../src/serve/image-cache';

const image = (bytes: number) => ({ width: bytes / 3, height: 1, data: new Uint8Array(bytes) });

describe('the image cache of objsel serve', () => {
  it('names images by the SHA-256 of their bytes', () => {
    // sha256("abc")
    expect(ImageCache.idOf(new TextEncoder().encode('abc'))).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('drops the least recently used first and never holds more than its budget', () => {
    const cache = new ImageCache(30);
    cache.set('a', image(12));
    cache.set('b', image(12));
    expect(cache.get('a')).toBeDefined(); // a is now the most recent
    cache.set('c', image(12)); // over 30: b goes
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    cache.set('huge', image(33)); // alone over the budget: not kept, nothing dropped
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.stats()).toEqual({ images: 2, bytes: 24, maxBytes: 30 });
  });

  it('property: agrees with a model LRU under any sequence of gets and sets', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        key: fc.integer({ min: 0, max: 5 }),
        size: fc.integer({ min: 1, max: 8 }).map((n) => n * 3),
      }),
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const cache = new ImageCache(40);
        let model: Array<[string, number]> = []; // oldest first
        for (const o of ops) {
          const key = String(o.key);
          if (o.kind === 'get') {
            const hit = model.find(([k]) => k === key);
            expect(cache.get(key) !== undefined).toBe(hit !== undefined);
            if (hit) model = [...model.filter(([k]) => k !== key), hit];
          } else {
            cache.set(key, image(o.size));
            model = model.filter(([k]) => k !== key);
            if (o.size <= 40) {
              while (model.reduce((s, [, n]) => s + n, 0) + o.size > 40) model.shift();
              model.push([key, o.size]);
            }
          }
          expect(cache.stats().bytes).toBe(model.reduce((s, [, n]) => s + n, 0));
          expect(cache.stats().bytes).toBeLessThanOrEqual(40);
        }
      }),
      { seed: 27, numRuns: 300 },
    );
  });
});
