import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClicksError, estimateSigma, graphCut, type Click } from '../src/index';
import { graphCutJs } from '../src/graphcut';
import { buildFlowGraph, graphCutEnergy, maxflow } from '../src/reference';
import { lcg } from './brute';
import { dinicMaxflow, type PlainGraph } from './dinic';
import { allocatePaddedGrid, gridMaxflow, paddedIndex } from '../src/grid-maxflow';
import { gridMaxflowWasm, gridMaxflowWasmAvailable } from '../src/grid-maxflow-wasm';

/** E(L) straight from the formula (independent of the graph construction). */
function energyOf(
  mask: ArrayLike<number>,
  probs: ArrayLike<number>,
  image: ArrayLike<number>,
  width: number,
  height: number,
  lambda: number,
  sigma: number,
  connectivity: 4 | 8,
): number {
  let e = 0;
  for (let i = 0; i < width * height; i++) {
    const p = probs[i]!;
    e += mask[i] ? -Math.log(Math.max(p, 1e-6)) : -Math.log(Math.max(1 - p, 1e-6));
  }
  const offsets =
    connectivity === 8
      ? [
          [1, 0],
          [0, 1],
          [1, 1],
          [-1, 1],
        ]
      : [
          [1, 0],
          [0, 1],
        ];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (const [dx, dy] of offsets) {
        const nx = x + dx!;
        const ny = y + dy!;
        if (nx < 0 || nx >= width || ny >= height) continue;
        const i = y * width + x;
        const j = ny * width + nx;
        if ((mask[i] !== 0) === (mask[j] !== 0)) continue;
        let d2 = 0;
        for (let c = 0; c < 3; c++) d2 += (image[3 * i + c]! - image[3 * j + c]!) ** 2;
        e += (lambda * Math.exp(-d2 / (2 * sigma * sigma))) / Math.hypot(dx!, dy!);
      }
    }
  }
  return e;
}

function respects(mask: ArrayLike<number>, clicks: readonly Click[], width: number): boolean {
  const last = new Map<number, boolean>();
  for (const c of clicks) last.set(c.y * width + c.x, c.positive);
  return [...last].every(([i, positive]) => (mask[i] === 1) === positive);
}

const problemArb = (maxW: number, maxH: number) =>
  fc
    .record({ width: fc.integer({ min: 1, max: maxW }), height: fc.integer({ min: 1, max: maxH }), seed: fc.integer({ min: 1, max: 1e9 }) })
    .chain(({ width, height, seed }) =>
      fc.record({
        width: fc.constant(width),
        height: fc.constant(height),
        seed: fc.constant(seed),
        lambda: fc.constantFrom(0, 0.3, 1, 3, 50),
        sigma: fc.option(fc.constantFrom(5, 30, 100), { nil: undefined }),
        connectivity: fc.constantFrom<4 | 8>(4, 8),
        clicks: fc.array(
          fc.record({ x: fc.integer({ min: 0, max: width - 1 }), y: fc.integer({ min: 0, max: height - 1 }), positive: fc.boolean() }),
          { maxLength: 3 },
        ),
      }),
    )
    .map((c) => {
      const r = lcg(c.seed);
      const n = c.width * c.height;
      // Probabilities include exact 0 and 1 (clamped by the floor) and a two-colour image with noise.
      const probs = Float32Array.from({ length: n }, () => {
        const u = r();
        return u < 0.1 ? 0 : u > 0.9 ? 1 : r();
      });
      const image = new Uint8Array(n * 3);
      for (let i = 0; i < n; i++)
        for (let k = 0; k < 3; k++) image[3 * i + k] = Math.min(255, Math.floor((i % c.width < c.width / 2 ? 60 : 190) + 60 * (r() - 0.5)));
      return { ...c, probs, image };
    });

describe('graphCut', () => {
  it('reaches the brute-force minimum energy on tiny grids (all labelings, <= 16 px)', () => {
    type Problem = typeof problemArb extends (...a: never[]) => fc.Arbitrary<infer P> ? P : never;
    const check = ({ width, height, probs, image, lambda, sigma, connectivity, clicks }: Problem): void => {
      const result = graphCut({ probs, image, width, height, lambda, sigma, connectivity, clicks });
      const s = sigma ?? estimateSigma(image, width, height, connectivity);
      const n = width * height;
      let best = Infinity;
      const mask = new Uint8Array(n);
      for (let bits = 0; bits < 1 << n; bits++) {
        for (let i = 0; i < n; i++) mask[i] = (bits >> i) & 1;
        if (!respects(mask, clicks, width)) continue;
        best = Math.min(best, energyOf(mask, probs, image, width, height, lambda, s, connectivity));
      }
      const tol = 1e-9 * Math.max(1, best);
      expect(respects(result.mask, clicks, width)).toBe(true);
      expect(Math.abs(result.energy - best)).toBeLessThanOrEqual(tol);
      expect(Math.abs(energyOf(result.mask, probs, image, width, height, lambda, s, connectivity) - result.energy)).toBeLessThanOrEqual(
        tol,
      );
      expect(Math.abs(result.flow - result.energy)).toBeLessThanOrEqual(tol);
    };
    fc.assert(fc.property(problemArb(4, 3), check), { numRuns: 150 });
    fc.assert(
      fc.property(
        problemArb(4, 4).filter((p) => p.width * p.height === 16),
        check,
      ),
      { numRuns: 8 },
    );
  });

  it('is never beaten by random cuts or by flipping any single pixel on larger grids', () => {
    fc.assert(
      fc.property(problemArb(40, 30), ({ width, height, probs, image, lambda, sigma, connectivity, clicks, seed }) => {
        const result = graphCut({ probs, image, width, height, lambda, sigma, connectivity, clicks });
        const s = result.sigma;
        const e = (m: ArrayLike<number>): number => energyOf(m, probs, image, width, height, lambda, s, connectivity);
        const tol = 1e-9 * Math.max(1, result.energy);
        expect(Math.abs(e(result.mask) - result.energy)).toBeLessThanOrEqual(tol);
        expect(Math.abs(result.flow - result.energy)).toBeLessThanOrEqual(tol);
        const r = lcg(seed ^ 0x5bd1e995);
        const candidates: Uint8Array[] = [
          Uint8Array.from(probs, (p) => (p >= 0.5 ? 1 : 0)),
          new Uint8Array(probs.length),
          new Uint8Array(probs.length).fill(1),
        ];
        for (let k = 0; k < 5; k++) candidates.push(Uint8Array.from(probs, () => (r() < 0.5 ? 1 : 0)));
        for (const m of candidates) {
          for (const c of clicks) m[c.y * width + c.x] = c.positive ? 1 : 0;
          expect(e(m)).toBeGreaterThanOrEqual(result.energy - tol);
          expect(
            Math.abs(graphCutEnergy(m, { probs, image, width, height, lambda, sigma, connectivity, clicks }) - e(m)),
          ).toBeLessThanOrEqual(1e-9 * Math.max(1, e(m)));
        }
        const flipped = result.mask.slice();
        for (let i = 0; i < flipped.length; i += 7) {
          flipped[i] = flipped[i]! ^ 1;
          if (respects(flipped, clicks, width)) expect(e(flipped)).toBeGreaterThanOrEqual(result.energy - tol);
          flipped[i] = flipped[i]! ^ 1;
        }
      }),
      { numRuns: 30 },
    );
  });

  it('smooths a noisy probability map along colour edges', () => {
    const width = 60;
    const height = 40;
    const r = lcg(3);
    const image = new Uint8Array(width * height * 3);
    const truth = new Uint8Array(width * height);
    const probs = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        truth[i] = (x - 30) ** 2 + (y - 20) ** 2 < 12 ** 2 ? 1 : 0;
        for (let k = 0; k < 3; k++) image[3 * i + k] = truth[i] ? 200 : 50;
        probs[i] = Math.min(1, Math.max(0, (truth[i] ? 0.7 : 0.3) + (r() - 0.5) * 0.9));
      }
    }
    const wrong = (m: Uint8Array): number => m.reduce((s, v, i) => s + (v !== truth[i] ? 1 : 0), 0);
    const thresholded = Uint8Array.from(probs, (p) => (p >= 0.5 ? 1 : 0));
    const cut = graphCut({ probs, image, width, height });
    expect(wrong(thresholded)).toBeGreaterThan(100);
    expect(wrong(cut.mask)).toBe(0);
  });

  it('WebAssembly path: the same mask, flow, energy and sigma as the JavaScript reference', () => {
    expect(gridMaxflowWasmAvailable()).toBe(true);
    fc.assert(
      fc.property(problemArb(40, 30), ({ width, height, probs, image, lambda, sigma, connectivity, clicks }) => {
        const options = { probs, image, width, height, lambda, sigma, connectivity, clicks };
        const wasm = graphCut(options);
        const js = graphCutJs(options);
        // The same arithmetic in the same order (exp and log are JavaScript's): identical.
        expect(wasm.sigma).toBe(js.sigma);
        expect(wasm.flow).toBe(js.flow);
        expect(wasm.energy).toBe(js.energy);
        expect(wasm.mask).toEqual(js.mask);
        // Float64 probabilities take the kernels' other load path.
        const wide = { ...options, probs: Float64Array.from(probs) };
        expect(graphCut(wide)).toEqual(graphCutJs(wide));
      }),
      { numRuns: 60 },
    );
  });

  it('rejects bad input', () => {
    const image = new Uint8Array(12);
    const probs = new Float32Array(4);
    expect(() => graphCut({ probs, image, width: 2, height: 3 })).toThrow(ClicksError);
    expect(() => graphCut({ probs, image, width: 2, height: 2, lambda: -1 })).toThrow(/lambda/);
    expect(() => graphCut({ probs, image, width: 2, height: 2, connectivity: 6 as never })).toThrow(/connectivity/);
    expect(() => graphCut({ probs: Float32Array.of(NaN, 0, 0, 0), image, width: 2, height: 2 })).toThrow(/NaN/);
    expect(() => graphCut({ probs, image, width: 2, height: 2, clicks: [{ x: 2, y: 0, positive: true }] })).toThrow(/click 0/);
  });

  it('estimateSigma is the RMS neighbour colour difference', () => {
    const image = Uint8Array.from([0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0]); // 2x2: one pixel differs by 5
    expect(estimateSigma(image, 2, 2, 4)).toBeCloseTo(Math.sqrt((25 + 25) / 4), 12);
    expect(estimateSigma(image, 2, 2, 8)).toBeCloseTo(Math.sqrt((25 + 25 + 25) / 6), 12);
    expect(estimateSigma(new Uint8Array(12), 2, 2)).toBe(1);
  });
});

describe('maxflow (Boykov–Kolmogorov)', () => {
  const graphArb = fc
    .record({
      nodes: fc.integer({ min: 1, max: 40 }),
      density: fc.double({ min: 0.5, max: 4, noNaN: true }),
      seed: fc.integer({ min: 1, max: 1e9 }),
      integral: fc.boolean(),
    })
    .map(({ nodes, density, seed, integral }) => {
      const r = lcg(seed);
      const value = (): number => (integral ? Math.floor(r() * 10) : r() * 10);
      const g: PlainGraph = { nodeCount: nodes, edges: [], source: [], sink: [] };
      const m = nodes > 1 ? Math.floor(nodes * density) : 0;
      for (let e = 0; e < m; e++) {
        const from = Math.floor(r() * nodes);
        let to = Math.floor(r() * (nodes - 1));
        if (to >= from) to++;
        g.edges.push({ from, to, cap: value(), rev: r() < 0.5 ? 0 : value() });
      }
      for (let i = 0; i < nodes; i++) {
        g.source.push(r() < 0.3 ? value() : 0);
        g.sink.push(r() < 0.3 ? value() : 0);
      }
      return g;
    });

  it('equals an independent Dinic max-flow on random graphs, and its cut has that capacity', () => {
    fc.assert(
      fc.property(graphArb, (g) => {
        const graph = buildFlowGraph({
          nodeCount: g.nodeCount,
          from: g.edges.map((e) => e.from),
          to: g.edges.map((e) => e.to),
          capacity: g.edges.map((e) => e.cap),
          reverseCapacity: g.edges.map((e) => e.rev),
          source: g.source,
          sink: g.sink,
        });
        const { flow, sourceSide } = maxflow(graph);
        const reference = dinicMaxflow(g);
        expect(Math.abs(flow - reference)).toBeLessThanOrEqual(1e-9 * Math.max(1, reference));
        let cut = 0;
        for (let i = 0; i < g.nodeCount; i++) cut += sourceSide[i] ? g.sink[i]! : g.source[i]!;
        for (const e of g.edges) {
          if (sourceSide[e.from] && !sourceSide[e.to]) cut += e.cap;
          if (sourceSide[e.to] && !sourceSide[e.from]) cut += e.rev;
        }
        expect(Math.abs(cut - flow)).toBeLessThanOrEqual(1e-9 * Math.max(1, flow));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects malformed graphs and contradictory hard constraints', () => {
    const base = { nodeCount: 2, from: [0], to: [1], capacity: [1], reverseCapacity: [0], source: [1, 0], sink: [0, 1] };
    expect(() => buildFlowGraph({ ...base, to: [0] })).toThrow(ClicksError);
    expect(() => buildFlowGraph({ ...base, capacity: [-1] })).toThrow(/capacities/);
    expect(() => buildFlowGraph({ ...base, capacity: [Infinity] })).toThrow(/finite/);
    expect(() => buildFlowGraph({ ...base, source: [Infinity, 0], sink: [Infinity, 1] })).toThrow(/both/);
    expect(maxflow(buildFlowGraph({ ...base, source: [Infinity, 0], sink: [0, Infinity] })).flow).toBe(1);
  });
});

describe('gridMaxflow (padded grid, arithmetic adjacency)', () => {
  // Directed grids: every arc has its own capacity (graph cut only builds symmetric ones), some
  // zero; terminals of both signs, some infinite.
  const gridArb = fc
    .record({
      width: fc.integer({ min: 1, max: 9 }),
      height: fc.integer({ min: 1, max: 7 }),
      stride: fc.constantFrom<4 | 8>(4, 8),
      seed: fc.integer({ min: 1, max: 1e9 }),
    })
    .map(({ width, height, stride, seed }) => {
      const r = lcg(seed);
      const dx = [-1, 1, 0, 0, -1, 1, 1, -1];
      const dy = [0, 0, -1, 1, -1, 1, -1, 1];
      const plain: PlainGraph = { nodeCount: width * height, edges: [], source: [], sink: [] };
      const { capacity, terminal } = allocatePaddedGrid(width, height, stride);
      let constantFlow = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          const p = paddedIndex(width, x, y);
          for (let d = 0; d < stride; d++) {
            const nx = x + dx[d]!;
            const ny = y + dy[d]!;
            if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
            const c = r() < 0.2 ? 0 : r() * 10;
            capacity[p * stride + d] = c;
            plain.edges.push({ from: i, to: ny * width + nx, cap: c, rev: 0 });
          }
          const u = r();
          const s = u < 0.05 ? Infinity : u < 0.5 ? r() * 10 : 0;
          const t = s !== Infinity && r() < 0.07 ? Infinity : r() < 0.5 ? r() * 10 : 0;
          // Dinic needs finite capacities: a large finite value stands for Infinity.
          plain.source.push(s === Infinity ? 1e6 : s);
          plain.sink.push(t === Infinity ? 1e6 : t);
          terminal[p] = s === Infinity ? Infinity : t === Infinity ? -Infinity : s - t;
          constantFlow += Math.min(s, t);
        }
      }
      return { width, height, stride, capacity, terminal, constantFlow, plain };
    });

  it('equals an independent Dinic max-flow on random directed grids, and its cut has that capacity', () => {
    fc.assert(
      fc.property(gridArb, ({ plain, ...graph }) => {
        const { flow, sourceSide } = gridMaxflow(graph);
        const reference = dinicMaxflow(plain);
        expect(Math.abs(flow - reference)).toBeLessThanOrEqual(1e-9 * Math.max(1, reference));
        let cut = 0;
        for (let i = 0; i < plain.nodeCount; i++) cut += sourceSide[i] ? plain.sink[i]! : plain.source[i]!;
        for (const e of plain.edges) if (sourceSide[e.from] && !sourceSide[e.to]) cut += e.cap;
        expect(Math.abs(cut - flow)).toBeLessThanOrEqual(1e-9 * Math.max(1, flow));
      }),
      { numRuns: 300 },
    );
  });

  it("WebAssembly solver: the same flow, cut and residuals as the JavaScript one, and Dinic's flow", () => {
    expect(gridMaxflowWasmAvailable()).toBe(true);
    fc.assert(
      fc.property(gridArb, ({ plain, ...graph }) => {
        const copy = { ...graph, capacity: graph.capacity.slice(), terminal: graph.terminal.slice() };
        const js = gridMaxflow(graph);
        const wasm = gridMaxflowWasm(copy);
        // A step-for-step translation: identical, not merely close.
        expect(wasm.flow).toBe(js.flow);
        expect(wasm.sourceSide).toEqual(js.sourceSide);
        expect(copy.capacity).toEqual(graph.capacity);
        expect(copy.terminal).toEqual(graph.terminal);
        const reference = dinicMaxflow(plain);
        expect(Math.abs(wasm.flow - reference)).toBeLessThanOrEqual(1e-9 * Math.max(1, reference));
      }),
      { numRuns: 300 },
    );
  });
});
