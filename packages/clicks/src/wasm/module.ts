import { assembleModule, F64 } from './emitter';
import { GRAPH_CUT_MODULE_BASE64 } from './graph-cut-bytes';
import { contrastSumFunction, pairEnergyFunction, pairWeightsFunction, terminalsFunction, unaryEnergyFunction } from './graph-cut-kernel';
import { maxflowFunction, sourceSideFunction } from './grid-maxflow-kernel';

/**
 * Assembles the graph-cut module: the max-flow and the loops around it, importing `env.memory`
 * and `env.exp`, `env.log` (JavaScript's Math.exp and Math.log).
 */
export function assembleGraphCutModule(): Uint8Array {
  return assembleModule(
    [
      maxflowFunction(),
      sourceSideFunction(),
      contrastSumFunction(),
      pairWeightsFunction(),
      terminalsFunction(),
      unaryEnergyFunction(),
      pairEnergyFunction(),
    ],
    [
      { name: 'exp', params: [F64], results: [F64] },
      { name: 'log', params: [F64], results: [F64] },
    ],
  );
}

/** The module's bytes: the shipped copy of {@link assembleGraphCutModule}'s output (test-checked). */
export function graphCutModuleBytes(): Uint8Array {
  const text = atob(GRAPH_CUT_MODULE_BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
