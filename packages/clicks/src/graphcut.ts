import { ClicksError } from './errors';
import { allocatePaddedGrid, paddedIndex, type PaddedGridGraph } from './grid-maxflow';
import {
  CACHE_ENTRIES,
  graphCutKernel,
  gridLayout,
  markWritten,
  runMaxflow,
  zeroKernelMemory,
  type GraphCutKernel,
} from './grid-maxflow-wasm';
import { gridMaxflow } from './grid-maxflow';
import { setTerminal, type FlowGraph } from './maxflow';
import type { Click } from './types';
import { checkLength, checkNumber, checkPoints } from './validate';

/**
 * Graph-cut refinement of a foreground probability map (Xu et al. 2016 refine their network's
 * output this way, after Boykov & Jolly 2001): the binary labelling L minimising
 *
 *   E(L) = sum_i U_i(L_i) + lambda * sum_{i~j} [L_i != L_j] * exp(-|I_i - I_j|^2 / (2 sigma^2)) / dist(i, j)
 *
 * with U_i(1) = -ln(max(p_i, 1e-6)), U_i(0) = -ln(max(1 - p_i, 1e-6)), I in RGB 0..255, i~j the
 * 4- (or 8-) neighbours, dist 1 (or sqrt 2 for diagonals), and clicks as hard constraints,
 * found exactly as a minimum s-t cut (source = foreground).
 */

/**
 * Default smoothness weight, chosen by measurement: GrabCut's 50 (Rother et al. 2004, OpenCV's
 * `gamma`, same contrast term) over-smooths here because these unaries are bounded by
 * -ln(1e-6) = 13.8 nats while GrabCut's colour-model unaries are not. On the six objects of the
 * real fixture photos with probability maps simulated at DeepLab's output stride 8
 * (`node tools/bench/clicks.mjs --sweep`), mean IoU of 4-connected graph cut was best for
 * lambda in 5..10 averaged over mild and heavy noise, and 50 lost 4-10 IoU points to plain
 * thresholding; 5 is kept (see the package README for the table).
 */
export const DEFAULT_LAMBDA = 5;

/** Probabilities are clamped to at least this before the logarithm. */
export const PROBABILITY_FLOOR = 1e-6;

/** Inputs of {@link graphCut}. */
export interface GraphCutOptions {
  /** Foreground probability per pixel, `width * height`, row-major. */
  probs: ArrayLike<number>;
  /** The RGB image, `width * height * 3` values in 0..255 (HWC). */
  image: ArrayLike<number>;
  width: number;
  height: number;
  /** Clicks fixed as hard constraints (positive: foreground); a later click at the same pixel wins. */
  clicks?: readonly Click[];
  /** Smoothness weight lambda (default {@link DEFAULT_LAMBDA}). */
  lambda?: number;
  /** Colour scale sigma; default {@link estimateSigma} (RMS neighbour colour difference, as GrabCut). */
  sigma?: number;
  /** Neighbourhood: 4 (default) or 8 (diagonals weighted 1/sqrt 2). */
  connectivity?: 4 | 8;
}

/** The result of {@link graphCut}. */
export interface GraphCutResult {
  /** 1 = foreground, 0 = background. */
  mask: Uint8Array;
  /** E(mask), evaluated from the definition. */
  energy: number;
  /** The maximum flow, equal to the minimum cut and so to `energy` (up to rounding). */
  flow: number;
  /** The lambda and sigma used. */
  lambda: number;
  sigma: number;
}

// Neighbour offsets; direction d and d ^ 1 are opposite (left/right, up/down, and the diagonals).
const DX = [-1, 1, 0, 0, -1, 1, 1, -1];
const DY = [0, 0, -1, 1, -1, 1, -1, 1];

function colourDistance2(image: ArrayLike<number>, i: number, j: number): number {
  const dr = image[3 * i]! - image[3 * j]!;
  const dg = image[3 * i + 1]! - image[3 * j + 1]!;
  const db = image[3 * i + 2]! - image[3 * j + 2]!;
  return dr * dr + dg * dg + db * db;
}

/**
 * GrabCut's contrast scale: sigma = sqrt(mean |I_i - I_j|^2) over all neighbouring pairs of the
 * given connectivity, so exp(-|dI|^2 / (2 sigma^2)) = exp(-beta |dI|^2) with GrabCut's
 * beta = 1 / (2 <|dI|^2>). 1 for a constant image (any sigma gives weight 1 there).
 */
export function estimateSigma(image: ArrayLike<number>, width: number, height: number, connectivity: 4 | 8 = 4): number {
  checkLength(image, width, height, 3, 'image');
  let sum = 0;
  let count = 0;
  for (const d of connectivity === 8 ? [1, 3, 5, 7] : [1, 3]) {
    const dx = DX[d]!;
    const dy = DY[d]!;
    const x0 = Math.max(0, -dx);
    const x1 = Math.min(width, width - dx);
    const offset = 3 * (dy * width + dx);
    for (let y = 0; y + dy < height; y++) {
      for (let x = x0, p = 3 * (y * width + x0); x < x1; x++, p += 3) {
        const dr = image[p]! - image[p + offset]!;
        const dg = image[p + 1]! - image[p + 1 + offset]!;
        const db = image[p + 2]! - image[p + 2 + offset]!;
        sum += dr * dr + dg * dg + db * db;
      }
      count += Math.max(0, x1 - x0);
    }
  }
  return count > 0 && sum > 0 ? Math.sqrt(sum / count) : 1;
}

/** The graph of a grid labelling problem plus what is needed to evaluate its energy. */
export interface GridGraph {
  graph: FlowGraph;
  /** U_i(0), U_i(1): costs of background and foreground. */
  unary0: Float64Array;
  unary1: Float64Array;
  /** -1 / 0 / 1: forced background, free, forced foreground. */
  constraint: Int8Array;
  /** Arcs per node (4 or 8); arc d of node i is i * stride + d. */
  stride: number;
}

function resolve(
  options: GraphCutOptions,
  estimate: (connectivity: 4 | 8) => number = (connectivity) => estimateSigma(options.image, options.width, options.height, connectivity),
): { lambda: number; sigma: number; connectivity: 4 | 8 } {
  const { probs, image, width, height } = options;
  checkLength(probs, width, height, 1, 'probs');
  checkLength(image, width, height, 3, 'image');
  const connectivity = options.connectivity ?? 4;
  if (connectivity !== 4 && connectivity !== 8) {
    throw new ClicksError('bad-parameter', `connectivity must be 4 or 8, got ${String(connectivity)}`, { where: 'connectivity' });
  }
  const lambda = options.lambda ?? DEFAULT_LAMBDA;
  checkNumber(lambda, 'lambda', (v) => v >= 0, 'a number >= 0');
  const sigma = options.sigma ?? estimate(connectivity);
  checkNumber(sigma, 'sigma', (v) => v > 0, 'a positive number');
  return { lambda, sigma, connectivity };
}

/**
 * Builds the s-t graph of {@link graphCut}'s energy on the pixel grid: fixed `stride` arcs per
 * node (missing neighbours at the border are zero-capacity self arcs), so arc and sister
 * indices are arithmetic and no adjacency lists are needed.
 */
export function buildGridGraph(options: GraphCutOptions): GridGraph {
  const { probs, image, width, height } = options;
  const { lambda, sigma, connectivity } = resolve(options);
  const n = width * height;
  const stride = connectivity;
  const m = n * stride;
  const firstArc = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) firstArc[i] = i * stride;
  const head = new Int32Array(m);
  const sister = new Int32Array(m);
  const capacity = new Float64Array(m);
  const beta = 1 / (2 * sigma * sigma);
  // Missing neighbours: self arcs of capacity 0, their own sisters (only border nodes have them).
  for (let i = 0; i < n; i++) {
    const x = i % width;
    const y = (i - x) / width;
    if (x > 0 && y > 0 && x < width - 1 && y < height - 1) continue;
    for (let d = 0; d < stride; d++) {
      const a = i * stride + d;
      head[a] = i;
      sister[a] = a;
    }
  }
  const cache = byteImage(image) ? contrastCache(beta) : null;
  // Forward directions (right, down, down-right, down-left) set both arcs of each pair.
  const forward = connectivity === 8 ? [1, 3, 5, 7] : [1, 3];
  for (const d of forward) {
    const dx = DX[d]!;
    const dy = DY[d]!;
    const scale = dx !== 0 && dy !== 0 ? lambda * Math.SQRT1_2 : lambda;
    const back = d ^ 1;
    const x0 = Math.max(0, -dx);
    const x1 = Math.min(width, width - dx);
    for (let y = 0; y + dy < height; y++) {
      for (let x = x0; x < x1; x++) {
        const i = y * width + x;
        const j = i + dy * width + dx;
        const w = scale * contrastWeight(image, cache, i, j, beta);
        const a = i * stride + d;
        const b = j * stride + back;
        head[a] = j;
        head[b] = i;
        sister[a] = b;
        sister[b] = a;
        capacity[a] = w;
        capacity[b] = w;
      }
    }
  }
  const unary0 = new Float64Array(n);
  const unary1 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = probs[i]!;
    if (Number.isNaN(p)) throw new ClicksError('bad-parameter', `probability at pixel ${i} is NaN`, { where: `probs[${i}]` });
    unary1[i] = -Math.log(Math.max(p, PROBABILITY_FLOOR));
    unary0[i] = -Math.log(Math.max(1 - p, PROBABILITY_FLOOR));
  }
  const constraint = new Int8Array(n);
  if (options.clicks) {
    checkPoints(options.clicks, width, height, 'clicks');
    for (const c of options.clicks) constraint[c.y * width + c.x] = c.positive ? 1 : -1;
  }
  // Source = foreground: cutting source -> i (i ends up background) costs U_i(0).
  const terminal = new Float64Array(n);
  let constantFlow = 0;
  for (let i = 0; i < n; i++) {
    const c = constraint[i]!;
    if (c === 0) {
      const u0 = unary0[i]!;
      const u1 = unary1[i]!;
      terminal[i] = u0 - u1;
      constantFlow += Math.min(u0, u1);
    } else {
      constantFlow += setTerminal(terminal, i, c > 0 ? Infinity : unary0[i]!, c < 0 ? Infinity : unary1[i]!);
    }
  }
  return { graph: { nodeCount: n, firstArc, head, sister, capacity, terminal, constantFlow }, unary0, unary1, constraint, stride };
}

/**
 * E(mask) of a grid graph from {@link buildGridGraph} (call before {@link maxflow} turns its
 * capacities into residuals): unaries plus the weights of the neighbour pairs the mask separates.
 * Infinity if the mask breaks a hard constraint.
 */
export function gridEnergy(grid: GridGraph, mask: ArrayLike<number>): number {
  const { graph, unary0, unary1, constraint, stride } = grid;
  let energy = 0;
  for (let i = 0; i < graph.nodeCount; i++) {
    const fg = mask[i] !== 0;
    if ((constraint[i] === 1 && !fg) || (constraint[i] === -1 && fg)) return Infinity;
    energy += fg ? unary1[i]! : unary0[i]!;
    // Each pair once: through its odd (forward) direction.
    for (let d = 1; d < stride; d += 2) {
      const a = i * stride + d;
      const j = graph.head[a]!;
      if (j !== i && (mask[j] !== 0) !== fg) energy += graph.capacity[a]!;
    }
  }
  return energy;
}

/**
 * E(mask) of {@link graphCut}'s energy evaluated from its definition: the unaries of the chosen
 * labels plus lambda * exp(-|I_i - I_j|^2 / (2 sigma^2)) / dist for every neighbour pair the
 * mask separates. Infinity if the mask breaks a click constraint.
 */
export function graphCutEnergy(mask: ArrayLike<number>, options: GraphCutOptions): number {
  const { probs, width, height } = options;
  checkLength(mask, width, height, 1, 'mask');
  const { lambda, sigma, connectivity } = resolve(options);
  const n = width * height;
  const unary0 = new Float64Array(n);
  const unary1 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    unary1[i] = -Math.log(Math.max(probs[i]!, PROBABILITY_FLOOR));
    unary0[i] = -Math.log(Math.max(1 - probs[i]!, PROBABILITY_FLOOR));
  }
  if (options.clicks) checkPoints(options.clicks, width, height, 'clicks');
  return energyFromDefinition(mask, unary0, unary1, options.clicks ?? [], options.image, width, height, lambda, sigma, connectivity);
}

function energyFromDefinition(
  mask: ArrayLike<number>,
  unary0: Float64Array,
  unary1: Float64Array,
  clicks: readonly Click[],
  image: ArrayLike<number>,
  width: number,
  height: number,
  lambda: number,
  sigma: number,
  connectivity: 4 | 8,
): number {
  const last = new Map<number, boolean>();
  for (const c of clicks) last.set(c.y * width + c.x, c.positive);
  for (const [i, positive] of last) if ((mask[i] !== 0) !== positive) return Infinity;
  let energy = 0;
  for (let i = 0; i < width * height; i++) energy += mask[i] !== 0 ? unary1[i]! : unary0[i]!;
  const beta = 1 / (2 * sigma * sigma);
  for (const d of connectivity === 8 ? [1, 3, 5, 7] : [1, 3]) {
    const dx = DX[d]!;
    const dy = DY[d]!;
    const scale = dx !== 0 && dy !== 0 ? lambda * Math.SQRT1_2 : lambda;
    for (let y = 0; y + dy < height; y++) {
      for (let x = Math.max(0, -dx); x < Math.min(width, width - dx); x++) {
        const i = y * width + x;
        const j = i + dy * width + dx;
        if ((mask[i] !== 0) !== (mask[j] !== 0)) energy += scale * Math.exp(-beta * colourDistance2(image, i, j));
      }
    }
  }
  return energy;
}

/**
 * exp(-beta * d2) for the integer squared colour differences of byte images, kept between calls:
 * an interactive session cuts the same image (same sigma) at every click. 0 marks "not computed
 * yet" (a weight that underflows to 0 is merely recomputed).
 */
let contrast: { beta: number; values: Float64Array } | null = null;
function contrastCache(beta: number): Float64Array {
  if (contrast === null) contrast = { beta, values: new Float64Array(3 * 255 * 255 + 1) };
  else if (contrast.beta !== beta) {
    contrast.values.fill(0);
    contrast.beta = beta;
  }
  return contrast.values;
}

/** Byte images have integer squared colour differences (0..3*255^2), so their weights can be cached. */
function byteImage(image: ArrayLike<number>): boolean {
  return image instanceof Uint8Array || image instanceof Uint8ClampedArray;
}

/** exp(-beta |I_i - I_j|^2), looked up in `cache` (a {@link contrastCache}) when there is one. */
function contrastWeight(image: ArrayLike<number>, cache: Float64Array | null, i: number, j: number, beta: number): number {
  const d2 = colourDistance2(image, i, j);
  if (cache === null) return Math.exp(-beta * d2);
  let w = cache[d2]!;
  if (w === 0) w = cache[d2] = Math.exp(-beta * d2);
  return w;
}

/**
 * The n-link weight lambda / dist * exp(-beta |dI|^2) of every neighbour pair, written into the
 * padded grid's capacities (both arcs of each pair). Byte images have integer squared colour
 * differences (0..3*255^2), so their exponentials are computed once per distinct value.
 */
function fillPairWeights(
  capacity: Float64Array,
  image: ArrayLike<number>,
  width: number,
  height: number,
  stride: 4 | 8,
  lambda: number,
  beta: number,
): void {
  const Wp = width + 2;
  const cache = byteImage(image) ? contrastCache(beta) : null;
  const forward = stride === 8 ? [1, 3, 5, 7] : [1, 3];
  for (const d of forward) {
    const dx = DX[d]!;
    const dy = DY[d]!;
    const scale = dx !== 0 && dy !== 0 ? lambda * Math.SQRT1_2 : lambda;
    const back = d ^ 1;
    const x0 = Math.max(0, -dx);
    const x1 = Math.min(width, width - dx);
    const offset = dy * width + dx;
    const paddedOffset = dy * Wp + dx;
    for (let y = 0; y + dy < height; y++) {
      let i = y * width + x0;
      let p = (y + 1) * Wp + x0 + 1;
      for (let x = x0; x < x1; x++, i++, p++) {
        const j = i + offset;
        const w = scale * contrastWeight(image, cache, i, j, beta);
        capacity[p * stride + d] = w;
        capacity[(p + paddedOffset) * stride + back] = w;
      }
    }
  }
}

/**
 * The padded graph's arrays, kept between calls of the same size and zeroed (an interactive
 * session cuts the same image at every click; fresh 6 MB arrays per click would keep the
 * garbage collector busy). `graphCut` hands them to the solver and drops them before returning.
 */
let gridBuffers: { key: string; capacity: Float64Array; terminal: Float64Array } | null = null;
function takeGridBuffers(width: number, height: number, stride: 4 | 8): { capacity: Float64Array; terminal: Float64Array } {
  const key = `${width}x${height}x${stride}`;
  if (gridBuffers === null || gridBuffers.key !== key) gridBuffers = { key, ...allocatePaddedGrid(width, height, stride) };
  else {
    gridBuffers.capacity.fill(0);
    gridBuffers.terminal.fill(0);
  }
  return gridBuffers;
}

/**
 * The s-t graph of {@link graphCut}'s energy in the padded layout of `gridMaxflow`.
 * Terminal capacities are cancelled at construction: a node keeps only U_i(0) - U_i(1) (one
 * logarithm per pixel), and min(U_i(0), U_i(1)) goes to the constant flow, summed as the
 * logarithm of running products so that it too costs one logarithm per many pixels.
 */
function buildPaddedGraph(options: GraphCutOptions, lambda: number, sigma: number, connectivity: 4 | 8): PaddedGridGraph {
  const { probs, image, width, height } = options;
  const Wp = width + 2;
  const { capacity, terminal } = takeGridBuffers(width, height, connectivity);
  fillPairWeights(capacity, image, width, height, connectivity, lambda, 1 / (2 * sigma * sigma));
  let constantFlow = 0;
  let product = 1; // product of max(p, 1 - p) >= 0.5 since the last logarithm
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0, p = (y + 1) * Wp + 1; x < width; x++, i++, p++) {
      const pr = probs[i]!;
      if (Number.isNaN(pr)) throw new ClicksError('bad-parameter', `probability at pixel ${i} is NaN`, { where: `probs[${i}]` });
      const fg = Math.max(pr, PROBABILITY_FLOOR); // e^-U(1)
      const bg = Math.max(1 - pr, PROBABILITY_FLOOR); // e^-U(0)
      // Source = foreground: cutting source -> i (i ends up background) costs U_i(0).
      terminal[p] = Math.log(fg / bg);
      product *= Math.max(fg, bg);
      if (product < 1e-280) {
        constantFlow -= Math.log(product);
        product = 1;
      }
    }
  }
  constantFlow -= Math.log(product);
  constantFlow = fixClicks(terminal, constantFlow, options);
  return { width, height, stride: connectivity, capacity, terminal, constantFlow };
}

/**
 * Ties clicked pixels to their terminal (a later click at the same pixel wins) in the padded
 * `terminal` array built from the probabilities alone; returns the corrected constant flow.
 */
function fixClicks(terminal: Float64Array, constantFlow: number, options: GraphCutOptions): number {
  const { probs, width, height } = options;
  if (!options.clicks) return constantFlow;
  checkPoints(options.clicks, width, height, 'clicks');
  const last = new Map<number, boolean>();
  for (const c of options.clicks) last.set(c.y * width + c.x, c.positive);
  let flow = constantFlow;
  for (const [i, positive] of last) {
    const p = paddedIndex(width, i % width, Math.floor(i / width));
    const { u0, u1 } = unaries(probs[i]!);
    flow -= Math.min(u0, u1);
    flow += setTerminal(terminal, p, positive ? Infinity : u0, positive ? u1 : Infinity);
  }
  return flow;
}

/** Whether `mask` contradicts a click (the last one at each pixel counts). */
function breaksClicks(mask: Uint8Array, options: GraphCutOptions): boolean {
  if (!options.clicks) return false;
  const last = new Map<number, boolean>();
  for (const c of options.clicks) last.set(c.y * options.width + c.x, c.positive);
  for (const [i, positive] of last) if ((mask[i] !== 0) !== positive) return true;
  return false;
}

function unaries(p: number): { u0: number; u1: number } {
  return { u1: -Math.log(Math.max(p, PROBABILITY_FLOOR)), u0: -Math.log(Math.max(1 - p, PROBABILITY_FLOOR)) };
}

/**
 * E(mask) straight from the definition, independently of the graph: the chosen labels' unaries
 * and an exponential per separated neighbour pair.
 */
function energyOfMask(mask: Uint8Array, options: GraphCutOptions, lambda: number, sigma: number, connectivity: 4 | 8): number {
  const { probs, image, width, height } = options;
  if (breaksClicks(mask, options)) return Infinity;
  // Sum of -ln(chosen probability) as the logarithm of running products (each factor >= 1e-6,
  // so a product above 1e-280 cannot underflow at the next factor).
  let energy = 0;
  let product = 1;
  for (let i = 0; i < width * height; i++) {
    const p = probs[i]!;
    product *= mask[i] !== 0 ? Math.max(p, PROBABILITY_FLOOR) : Math.max(1 - p, PROBABILITY_FLOOR);
    if (product < 1e-280) {
      energy -= Math.log(product);
      product = 1;
    }
  }
  energy -= Math.log(product);
  const beta = 1 / (2 * sigma * sigma);
  for (const d of connectivity === 8 ? [1, 3, 5, 7] : [1, 3]) {
    const dx = DX[d]!;
    const dy = DY[d]!;
    const scale = dx !== 0 && dy !== 0 ? lambda * Math.SQRT1_2 : lambda;
    const x0 = Math.max(0, -dx);
    const x1 = Math.min(width, width - dx);
    const offset = dy * width + dx;
    for (let y = 0; y + dy < height; y++) {
      for (let x = x0, i = y * width + x0; x < x1; x++, i++) {
        if (mask[i] !== mask[i + offset]) energy += scale * Math.exp(-beta * colourDistance2(image, i, i + offset));
      }
    }
  }
  return energy;
}

/**
 * Refines a probability map by an exact minimum cut (Boykov–Kolmogorov max-flow on the padded
 * grid); see the module comment for the energy. Byte images are cut by the WebAssembly kernels
 * where the runtime has WebAssembly (the same arithmetic, so the same result as
 * {@link graphCutJs}). Browser-safe, typed arrays only.
 */
export function graphCut(options: GraphCutOptions): GraphCutResult {
  const k = byteImage(options.image) ? graphCutKernel() : null;
  return k === null ? graphCutJs(options) : graphCutWasm(k, options);
}

/** {@link graphCut} in JavaScript only: the reference the WebAssembly path is tested against. */
export function graphCutJs(options: GraphCutOptions): GraphCutResult {
  const { lambda, sigma, connectivity } = resolve(options);
  const { flow, sourceSide } = gridMaxflow(buildPaddedGraph(options, lambda, sigma, connectivity));
  const energy = energyOfMask(sourceSide, options, lambda, sigma, connectivity);
  return { mask: sourceSide, energy, flow, lambda, sigma };
}

/** The forward directions of a connectivity with their pixel ranges: x0 <= x < x1, 0 <= y < height - dy. */
function forwardDirections(width: number, connectivity: 4 | 8): Array<{ d: number; dx: number; dy: number; x0: number; x1: number }> {
  return (connectivity === 8 ? [1, 3, 5, 7] : [1, 3]).map((d) => {
    const dx = DX[d]!;
    return { d, dx, dy: DY[d]!, x0: Math.max(0, -dx), x1: Math.min(width, width - dx) };
  });
}

/** The beta whose exponentials the kernel memory's cache holds (NaN: none yet). */
let kernelCacheBeta = Number.NaN;

/** {@link graphCutJs}'s steps, each loop in WebAssembly, the graph built in the kernel memory. */
function graphCutWasm(k: GraphCutKernel, options: GraphCutOptions): GraphCutResult {
  const { probs, image, width, height } = options;
  checkLength(probs, width, height, 1, 'probs');
  checkLength(image, width, height, 3, 'image');
  const connectivity = options.connectivity ?? 4;
  const at = gridLayout(k, width, height, connectivity === 8 ? 8 : 4);
  const buffer = k.memory.buffer;
  new Uint8Array(buffer, at.image, 3 * width * height).set(image as Uint8Array);
  markWritten(at.image + 3 * width * height);
  const { lambda, sigma } = resolve(options, (c) => {
    let sum = 0;
    let count = 0;
    for (const { dx, dy, x0, x1 } of forwardDirections(width, c)) {
      sum += k.contrastSum(width, height, at.image, dx, dy, x0, x1);
      count += Math.max(0, x1 - x0) * Math.max(0, height - dy);
    }
    return count > 0 && sum > 0 ? Math.sqrt(sum / count) : 1;
  });
  const stride = connectivity;
  const np = (width + 2) * (height + 2);
  zeroKernelMemory(k, at.cap, (np * stride + np) * 8); // capacities and terminals
  const terminal = new Float64Array(buffer, at.tr, np);
  const beta = 1 / (2 * sigma * sigma);
  if (beta !== kernelCacheBeta) {
    zeroKernelMemory(k, at.cache, CACHE_ENTRIES * 8);
    kernelCacheBeta = beta;
  }
  const shift = stride === 4 ? 2 : 3;
  for (const { d, dx, dy, x0, x1 } of forwardDirections(width, connectivity)) {
    const scale = dx !== 0 && dy !== 0 ? lambda * Math.SQRT1_2 : lambda;
    k.pairWeights(width, height, at.image, dx, dy, x0, x1, d, shift, at.cap, at.cache, scale, beta);
  }
  // Float32 probabilities (a .npy) are read as they are: half the memory to copy and touch.
  const f32 = probs instanceof Float32Array ? 1 : 0;
  new (f32 ? Float32Array : Float64Array)(buffer, at.probs, width * height).set(probs);
  markWritten(at.probs + (f32 ? 4 : 8) * width * height);
  let constantFlow = k.terminals(width, height, at.probs, f32, at.tr);
  if (Number.isNaN(constantFlow)) {
    const i = Array.prototype.findIndex.call(probs, (p: number) => Number.isNaN(p));
    throw new ClicksError('bad-parameter', `probability at pixel ${i} is NaN`, { where: `probs[${i}]` });
  }
  constantFlow = fixClicks(terminal, constantFlow, options);
  const flow = runMaxflow(k, at, width, height, stride, constantFlow);
  const mask = new Uint8Array(buffer, at.out, width * height).slice();
  let energy = Infinity;
  if (!breaksClicks(mask, options)) {
    energy = k.unaryEnergy(width * height, at.probs, f32, at.out);
    for (const { dx, dy, x0, x1 } of forwardDirections(width, connectivity)) {
      const scale = dx !== 0 && dy !== 0 ? lambda * Math.SQRT1_2 : lambda;
      energy = k.pairEnergy(width, height, at.image, at.out, dx, dy, x0, x1, scale, beta, energy);
    }
  }
  return { mask, energy, flow, lambda, sigma };
}
