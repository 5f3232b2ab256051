import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_AUTO_THREADS, threadsForIdleCores } from '../src/idle-cores';

describe('threadsForIdleCores', () => {
  it('takes the idle cores, at least 1, at most max and the CPU count, fewer as the load rises', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 128 }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (cpus, load, more) => {
          const t = threadsForIdleCores(cpus, load);
          expect(Number.isInteger(t)).toBe(true);
          expect(t).toBeGreaterThanOrEqual(1);
          expect(t).toBeLessThanOrEqual(Math.min(cpus, MAX_AUTO_THREADS));
          expect(threadsForIdleCores(cpus, load + more)).toBeLessThanOrEqual(t);
        },
      ),
    );
  });

  it('examples: an idle 2-core machine takes both, a busy one one thread', () => {
    expect(threadsForIdleCores(2, 0.1)).toBe(2);
    expect(threadsForIdleCores(2, 1.6)).toBe(1);
    expect(threadsForIdleCores(2, 12)).toBe(1);
    expect(threadsForIdleCores(16, 3)).toBe(4);
    expect(threadsForIdleCores(8, 5.6, 8)).toBe(2);
  });
});
