import os from 'node:os';

/** The most threads a command takes by itself (the dense CRF gains little beyond). */
export const MAX_AUTO_THREADS = 4;

/**
 * Threads for `cpus` logical CPUs with a one-minute load average `load`: the cores other work
 * leaves idle (as `make -l` judges it), at least 1 and at most `max`. On a busy machine extra
 * threads only wait for a core and add synchronisation, so they are not taken.
 */
export function threadsForIdleCores(cpus: number, load: number, max = MAX_AUTO_THREADS): number {
  const idle = Math.floor(cpus - Math.max(0, load) + 0.5);
  return Math.max(1, Math.min(max, idle, cpus));
}

/** {@link threadsForIdleCores} of this machine now. */
export function idleCoreThreads(max = MAX_AUTO_THREADS): number {
  const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return threadsForIdleCores(cpus, os.loadavg()[0] ?? 0, max);
}
