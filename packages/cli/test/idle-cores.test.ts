import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_AUTO_THREADS, otherWork, threadsForIdleCores } from '../src/idle-cores';

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

  it('otherWork: the load average, or the processes runnable now besides this one if fewer', () => {
    expect(otherWork(1.3, '1.30 4.88 9.26 1/345 12345\n')).toBe(0);
    expect(otherWork(1.3, '1.30 4.88 9.26 3/345 12345\n')).toBe(1.3);
    expect(otherWork(12.5, '12.50 11.0 9.0 9/400 99\n')).toBe(8);
    expect(otherWork(0.7, null)).toBe(0.7);
    expect(otherWork(0.7, 'garbage')).toBe(0.7);
  });
});
