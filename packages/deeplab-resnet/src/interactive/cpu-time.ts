/**
 * CPU seconds of this process, all threads (Node's `process.cpuUsage`): steadier than wall time
 * on a shared machine. NaN where there is no such clock (browsers).
 */
export function processCpuSeconds(): number {
  const proc = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (typeof proc?.cpuUsage !== 'function') return Number.NaN;
  const usage = proc.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
