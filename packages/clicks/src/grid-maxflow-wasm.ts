import { gridMaxflow, type PaddedGridGraph } from './grid-maxflow';
import { graphCutModuleBytes } from './wasm/module';

/**
 * The WebAssembly graph-cut kernels (./wasm/): one instance per process, one memory laid out
 * for the grid at hand (grown as needed). A short command cuts one image and exits: the
 * JavaScript solver would spend that single run mostly unoptimised (a cold cut costs about 8x a
 * warm one), while WebAssembly is compiled before it runs. Where WebAssembly cannot be compiled
 * synchronously (none, or a browser main thread refusing synchronous compilation of this size)
 * the callers use the JavaScript code.
 */

export interface GraphCutKernel {
  memory: WebAssembly.Memory;
  maxflow: (width: number, height: number, shift: number, ...pointersThenConstantFlow: number[]) => number;
  sourceSide: (width: number, height: number, parent: number, sink: number, out: number) => void;
  contrastSum: (width: number, height: number, image: number, dx: number, dy: number, x0: number, x1: number) => number;
  pairWeights: (...args: number[]) => void;
  terminals: (width: number, height: number, probs: number, f32: number, terminal: number) => number;
  unaryEnergy: (count: number, probs: number, f32: number, mask: number) => number;
  pairEnergy: (...args: number[]) => number;
}

let kernel: GraphCutKernel | null | undefined;

/** The kernel instance, or null without (synchronous) WebAssembly. */
export function graphCutKernel(): GraphCutKernel | null {
  if (kernel === undefined) {
    try {
      const memory = new WebAssembly.Memory({ initial: 1 });
      const module = new WebAssembly.Module(graphCutModuleBytes() as Uint8Array<ArrayBuffer>);
      const instance = new WebAssembly.Instance(module, { env: { memory, exp: Math.exp, log: Math.log } });
      kernel = { memory, ...(instance.exports as unknown as Omit<GraphCutKernel, 'memory'>) };
    } catch {
      kernel = null;
    }
  }
  return kernel;
}

/** Whether the WebAssembly kernels run here. */
export function gridMaxflowWasmAvailable(): boolean {
  return graphCutKernel() !== null;
}

/** Entries of the exp(-beta d2) cache: every integer squared RGB distance 0..3 * 255^2. */
export const CACHE_ENTRIES = 3 * 255 * 255 + 1;
const PAGE = 65536;

/** Byte addresses of a grid's arrays in the kernel memory (the cache first, at a fixed place; `end` past the last). */
export interface GridLayout {
  off: number;
  cache: number;
  cap: number;
  tr: number;
  parent: number;
  stamp: number;
  dist: number;
  queue: number;
  orphans: number;
  sink: number;
  inQueue: number;
  out: number;
  image: number;
  /** Room for f64 probabilities (or f32 ones). */
  probs: number;
  end: number;
}

/** Lays the arrays of a width x height grid with `stride` arcs per node out, growing the memory. */
export function gridLayout(k: GraphCutKernel, width: number, height: number, stride: 4 | 8): GridLayout {
  const np = (width + 2) * (height + 2);
  const n = width * height;
  const off = 0;
  const cache = 64;
  const image = cache + CACHE_ENTRIES * 8;
  const probs = image + ((3 * n + 7) & ~7);
  const cap = probs + n * 8;
  const tr = cap + np * stride * 8;
  const parent = tr + np * 8;
  const stamp = parent + np * 4;
  const dist = stamp + np * 4;
  const queue = dist + np * 4;
  const orphans = queue + np * 4;
  const sink = orphans + np * 4;
  const inQueue = sink + np;
  const out = inQueue + np;
  const end = out + n;
  const missing = end - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / PAGE));
  return { off, cache, cap, tr, parent, stamp, dist, queue, orphans, sink, inQueue, out, image, probs, end };
}

/**
 * Bytes of the kernel memory below this have been written; above it the memory is still as
 * WebAssembly gave it, all zeros. Zeroing only what was written matters for a one-shot command:
 * the first touch of fresh pages is what a cut of a new image mostly costs outside the kernels.
 */
let written = 0;

/** Zeroes `bytes` bytes at `from` where the memory may hold old data; notes them as written. */
export function zeroKernelMemory(k: GraphCutKernel, from: number, bytes: number): void {
  if (from < written) new Uint8Array(k.memory.buffer, from, Math.min(bytes, written - from)).fill(0);
  markWritten(from + bytes);
}

/** Notes that the kernel memory below `end` may hold data now. */
export function markWritten(end: number): void {
  if (end > written) written = end;
}

/**
 * Runs the max-flow on the graph already in the kernel memory at `at`; returns the flow (with
 * `constantFlow`) and leaves the source side per pixel (1 = source) at `at.out`.
 */
export function runMaxflow(k: GraphCutKernel, at: GridLayout, width: number, height: number, stride: 4 | 8, constantFlow: number): number {
  const Wp = width + 2;
  const np = Wp * (height + 2);
  const buffer = k.memory.buffer;
  new Int32Array(buffer, at.off, 8).set([-1, 1, -Wp, Wp, -Wp - 1, Wp + 1, -Wp + 1, Wp - 1]);
  new Int32Array(buffer, at.parent, np).fill(-1); // every node free
  zeroKernelMemory(k, at.stamp, np * 4);
  zeroKernelMemory(k, at.sink, 2 * np); // sink and inQueue

  const flow = k.maxflow(
    width,
    height,
    stride === 4 ? 2 : 3,
    at.off,
    at.cap,
    at.tr,
    at.parent,
    at.stamp,
    at.dist,
    at.sink,
    at.queue,
    at.inQueue,
    at.orphans,
    constantFlow,
  );
  k.sourceSide(width, height, at.parent, at.sink, at.out);
  markWritten(at.end);
  return flow;
}

/**
 * Maximum flow and minimum cut of a padded grid graph, like {@link gridMaxflow} (including turning
 * the graph's capacities and terminals into residuals), in WebAssembly where available: the
 * same flow and the same cut, step for step.
 */
export function gridMaxflowWasm(graph: PaddedGridGraph): { flow: number; sourceSide: Uint8Array } {
  const k = graphCutKernel();
  if (k === null) return gridMaxflow(graph);
  const { width, height, stride } = graph;
  const np = (width + 2) * (height + 2);
  const at = gridLayout(k, width, height, stride);
  const capacity = new Float64Array(k.memory.buffer, at.cap, np * stride);
  const terminal = new Float64Array(k.memory.buffer, at.tr, np);
  capacity.set(graph.capacity);
  terminal.set(graph.terminal);
  const flow = runMaxflow(k, at, width, height, stride, graph.constantFlow);
  graph.capacity.set(capacity);
  graph.terminal.set(terminal);
  return { flow, sourceSide: new Uint8Array(k.memory.buffer, at.out, width * height).slice() };
}
