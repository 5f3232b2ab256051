import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The most threads a command takes by itself (the dense CRF gains little beyond). */
export const MAX_AUTO_THREADS = 4;

/**
 * Threads for `cpus` logical CPUs when other work keeps `load` of them busy: the cores it leaves
 * idle (as `make -l` judges it), at least 1 and at most `max`. On a busy machine extra threads
 * only wait for a core and add synchronisation, so they are not taken.
 */
export function threadsForIdleCores(cpus: number, load: number, max = MAX_AUTO_THREADS): number {
  const idle = Math.floor(cpus - Math.max(0, load) + 0.5);
  return Math.max(1, Math.min(max, idle, cpus));
}

/**
 * How many CPUs other work keeps busy: the one-minute load average, or, where Linux tells it
 * (/proc/loadavg), the processes runnable right now besides this one if fewer. The average
 * alone lags: right after another job ends (a script that runs commands one after another) it
 * still counts that job for a minute.
 */
export function otherWork(loadAverage: number, procLoadavg: string | null): number {
  const runnable = procLoadavg ? Number(/^\S+ \S+ \S+ (\d+)\//.exec(procLoadavg)?.[1]) : Number.NaN;
  return Number.isFinite(runnable) ? Math.min(loadAverage, Math.max(0, runnable - 1)) : loadAverage;
}

/** {@link threadsForIdleCores} of this machine now. */
export function idleCoreThreads(max = MAX_AUTO_THREADS): number {
  const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  let proc: string | null = null;
  try {
    proc = readFileSync('/proc/loadavg', 'utf8');
  } catch {
    // Not Linux: the load average alone.
  }
  return threadsForIdleCores(cpus, otherWork(os.loadavg()[0] ?? 0, proc), max);
}
