import type { KernelExports } from './kernels';

/**
 * One step of a mean-field iteration, as plain data so that the same list can run on the main
 * thread and in a worker: a kernel call (`fn` of the kernels for feature count `d`) or zeroing
 * `floats` floats at `ptr`, or copying `floats` floats from `from` to `ptr`.
 */
export type PlanOp =
  | { op: 'zero'; ptr: number; floats: number }
  | { op: 'copy'; ptr: number; from: number; floats: number }
  | { op: 'call'; fn: 'splat' | 'slice' | 'blur' | 'expNormalize'; d: number; args: number[] };

/**
 * Runs `ops` against `buffer` with `kernels[d]`. Self-contained on purpose (no imports, no
 * outer references): its source text is also what the worker threads execute.
 */
export function executeOps(ops: readonly PlanOp[], kernels: Record<number, KernelExports>, buffer: ArrayBufferLike): void {
  for (const o of ops) {
    if (o.op === 'zero') new Float32Array(buffer, o.ptr, o.floats).fill(0);
    else if (o.op === 'copy') new Float32Array(buffer, o.ptr, o.floats).set(new Float32Array(buffer, o.from, o.floats));
    else (kernels[o.d]![o.fn] as (...a: number[]) => void)(...o.args);
  }
}
