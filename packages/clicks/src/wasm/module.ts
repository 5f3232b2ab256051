import { assembleModule, F64 } from './emitter';
import { contrastSumFunction, pairEnergyFunction, pairWeightsFunction, terminalsFunction, unaryEnergyFunction } from './graph-cut-kernel';
import { maxflowFunction, sourceSideFunction } from './grid-maxflow-kernel';

let bytes: Uint8Array | null = null;

/**
 * The graph-cut module's bytes (assembled once per process): the max-flow and the loops around it,
 * importing `env.memory` and `env.exp`, `env.log` (JavaScript's Math.exp and Math.log).
 */
export function graphCutModuleBytes(): Uint8Array {
  bytes ??= assembleModule(
    [maxflowFunction(), sourceSideFunction(), contrastSumFunction(), pairWeightsFunction(), terminalsFunction(), unaryEnergyFunction(), pairEnergyFunction()],
    [
      { name: 'exp', params: [F64], results: [F64] },
      { name: 'log', params: [F64], results: [F64] },
    ],
  );
  return bytes;
}
