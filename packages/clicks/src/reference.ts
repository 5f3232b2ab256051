/**
 * `@objsel/clicks/reference`: reference implementations to check the production code against,
 * not needed to select objects. The general Boykov–Kolmogorov max-flow over any graph
 * ({@link maxflow}; graph cut runs the grid-specialised engine instead), the graph-cut energy's
 * s-t graph built for it, and energies evaluated from their definitions.
 *
 * @packageDocumentation
 */
export { buildFlowGraph, maxflow, setTerminal, type EdgeList, type FlowGraph, type MaxflowResult } from './maxflow';
export { buildGridGraph, graphCutEnergy, gridEnergy, type GridGraph } from './graphcut';
