import { applyCompatibility } from '../compatibility';
import type { Layout } from '../constants';
import type { MeanFieldEngine } from '../engine';
import type { PairwiseTerm } from '../pairwise';
import { executeOps, type PlanOp } from './plan';
import { UNROLLED_VECS } from './kernels';
import { kernelModule, WasmArena } from './runtime';
import { newPlanId, threadPool, type ThreadPool, type WorkerPlan } from './threads';

/** Pixels per tile of the layout transposes. */
const TILE = 64;

/** Splits 0..total into `parts` contiguous ranges as equal as possible. */
function split(total: number, parts: number): Array<[number, number]> {
  return Array.from({ length: parts }, (_, t) => [Math.floor((total * t) / parts), Math.floor((total * (t + 1)) / parts)]);
}

/** A full-matrix term's buffers (applied in JavaScript after slicing). */
interface MatrixStep {
  term: PairwiseTerm;
  filtered: number;
}

/**
 * Mean-field with the WebAssembly SIMD kernels: the algorithm of {@link JsMeanField} in float32
 * arithmetic. Labels are padded to a multiple of 4 (padding lanes hold −∞ energy and 0
 * probability and never mix with real labels). With `threads` > 1 (Node), the labels are split
 * between the calling thread and worker threads for the filtering, and the pixels for the
 * normalisation; each party has its own lattice buffers.
 */
export class WasmMeanField implements MeanFieldEngine {
  private readonly arena: WasmArena;
  private readonly vecs: number;
  private readonly stride: number;
  private readonly negU: number;
  private readonly q: number;
  private readonly tmp: number;
  private readonly phaseA: PlanOp[][];
  private readonly phaseB: PlanOp[][];
  private readonly matrixSteps: MatrixStep[] = [];
  private readonly pool: ThreadPool | null;
  private readonly workerPlans: WorkerPlan[] = [];

  constructor(
    /** The unary energy U in `unaryLayout`, or null for U = 0. */
    unary: Float32Array | null,
    unaryLayout: Layout,
    terms: readonly PairwiseTerm[],
    private readonly n: number,
    private readonly labels: number,
    threads = 1,
  ) {
    const vecs = Math.ceil(labels / 4);
    this.vecs = vecs;
    this.stride = vecs * 4;
    const rowBytes = this.stride * 4;
    const labelwise = terms.every((t) => t.factor !== null);
    const pool = labelwise ? threadPool(Math.min(threads, vecs)) : null;
    this.pool = pool;
    const parties = pool ? pool.size : 1;

    let bytes = 3 * n * rowBytes + 64;
    for (const t of terms) {
      const { d, m } = t.lattice;
      bytes +=
        2 * n * (d + 1) * 4 +
        (d + 1) * m * 8 +
        2 * n * 4 +
        rowBytes +
        2 * (m + 1) * rowBytes +
        (t.factor ? 0 : n * rowBytes) +
        16 * (9 + 2 * parties);
    }
    const arena = WasmArena.acquire(bytes, parties > 1);
    this.arena = arena;
    this.negU = arena.alloc(n * rowBytes);
    this.q = arena.alloc(n * rowBytes);
    this.tmp = arena.alloc(n * rowBytes);
    // −U, padded: padding lanes −∞ so that they get probability 0.
    const negU = arena.f32(this.negU, n * this.stride);
    const S = this.stride;
    negU.fill(-Infinity);
    if (!unary) for (let i = 0; i < n; i++) negU.fill(0, i * S, i * S + labels);
    else if (unaryLayout === 'hwc') {
      for (let i = 0; i < n; i++) for (let l = 0; l < labels; l++) negU[i * S + l] = -unary[i * labels + l]!;
    } else {
      // Tiled transpose: both sides stay in cache.
      for (let i0 = 0; i0 < n; i0 += TILE) {
        const i1 = Math.min(n, i0 + TILE);
        for (let l = 0; l < labels; l++) for (let i = i0; i < i1; i++) negU[i * S + l] = -unary[l * n + i]!;
      }
    }

    const vecRanges = split(vecs, parties);
    const pixelRanges = split(n, parties);
    // Unrolled kernel loops for the row widths this engine filters (1: the norm's rows), sorted
    // so that engines of the same shape share compiled modules.
    arena.unrolled = [...new Set([1, ...vecRanges.map(([a, b]) => b - a)])].filter((w) => w <= UNROLLED_VECS).sort((a, b) => a - b);
    this.phaseA = vecRanges.map(() => []);
    this.phaseB = pixelRanges.map(([from, to]) => [
      { op: 'call', fn: 'expNormalize', d: 2, args: [this.tmp + from * rowBytes, this.q + from * rowBytes, to - from, vecs] },
    ]);

    // tmp starts as −U: either the first label-wise slice adds onto −U, or an explicit copy.
    let baseIsNegU = terms.length > 0 && terms[0]!.factor !== null;
    if (!baseIsNegU) this.phaseA[0]!.push({ op: 'copy', ptr: this.tmp, from: this.negU, floats: n * this.stride });
    // expNormalize comes from the d = 2 instance.
    const modules: Record<number, WebAssembly.Module> = { 2: kernelModule(2, parties > 1, arena.unrolled) };
    arena.kernels(2);

    for (const term of terms) {
      const { d, m, offsets, weights, neighbors, alpha } = term.lattice;
      const d1 = d + 1;
      modules[d] = kernelModule(d, parties > 1, arena.unrolled);
      arena.kernels(d);
      const offs = arena.alloc(n * d1 * 4);
      arena.i32(offs, n * d1).set(offsets);
      const wts = arena.alloc(n * d1 * 4);
      arena.f32(wts, n * d1).set(weights);
      const nb = arena.alloc(d1 * m * 8);
      arena.i32(nb, d1 * m * 2).set(neighbors);
      const inScale = arena.alloc(n * 4);
      const outScale = arena.alloc(n * 4);
      const factor = arena.alloc(rowBytes);
      if (term.factor) arena.f32(factor, this.stride).set(term.factor);
      else arena.f32(factor, this.stride).fill(1, 0, labels);
      const filtered = term.factor ? 0 : arena.alloc(n * rowBytes);
      const buffers = vecRanges.map(([a, b]) => ({
        values: arena.alloc((m + 1) * (b - a) * 16),
        scratch: arena.alloc((m + 1) * (b - a) * 16),
      }));
      if (term.needsNorm && !term.hasScales) {
        // The norm (lattice filtering of 1) with the SIMD kernels, one vector per point: q and
        // tmp serve as input and output before the iterations use them.
        arena.f32(inScale, n).fill(1);
        arena.f32(outScale, n).fill(1);
        const q = arena.f32(this.q, n * this.stride);
        q.fill(0);
        for (let i = 0; i < n; i++) q[i * this.stride] = 1;
        const { values, scratch } = buffers[0]!;
        const k = arena.kernels(d);
        arena.f32(values, (m + 1) * 4).fill(0);
        k.splat(offs, wts, n, this.q, rowBytes, inScale, values, 16, 1);
        let src = values;
        let dst = scratch;
        for (let j = 0; j <= d; j++) {
          k.blur(nb + j * m * 8, m, src, dst, 16, 1);
          [src, dst] = [dst, src];
        }
        const ones = arena.alloc(16);
        arena.f32(ones, 4).fill(1);
        k.slice(offs, wts, n, src, 16, this.tmp, rowBytes, 0, outScale, ones, alpha, 1);
        const out = arena.f32(this.tmp, n * this.stride);
        const raw = new Float32Array(n);
        for (let i = 0; i < n; i++) raw[i] = out[i * this.stride]!;
        term.setRawNorm(raw);
        // The blur's zero row 0 must hold for the iterations' wider rows too.
        arena.f32(scratch, (m + 1) * 4).fill(0);
      }
      const { inScale: ins, outScale: outs } = term.scales();
      if (ins) arena.f32(inScale, n).set(ins);
      else arena.f32(inScale, n).fill(1);
      if (outs) arena.f32(outScale, n).set(outs);
      else arena.f32(outScale, n).fill(1);

      vecRanges.forEach(([a, b], t) => {
        const count = b - a;
        const rb = count * 16;
        const { values, scratch } = buffers[t]!;
        const ops = this.phaseA[t]!;
        ops.push({ op: 'zero', ptr: values, floats: (m + 1) * count * 4 });
        ops.push({ op: 'call', fn: 'splat', d, args: [offs, wts, n, this.q + a * 16, rowBytes, inScale, values, rb, count] });
        let src = values;
        let dst = scratch;
        for (let j = 0; j <= d; j++) {
          ops.push({ op: 'call', fn: 'blur', d, args: [nb + j * m * 8, m, src, dst, rb, count] });
          [src, dst] = [dst, src];
        }
        if (filtered === 0) {
          const base = baseIsNegU ? this.negU + a * 16 : this.tmp + a * 16;
          ops.push({
            op: 'call',
            fn: 'slice',
            d,
            args: [offs, wts, n, src, rb, this.tmp + a * 16, rowBytes, base, outScale, factor + a * 16, alpha, count],
          });
        } else {
          ops.push({ op: 'call', fn: 'slice', d, args: [offs, wts, n, src, rb, filtered, rowBytes, 0, outScale, factor, alpha, count] });
        }
      });
      if (filtered === 0) baseIsNegU = false;
      else this.matrixSteps.push({ term, filtered });
    }
    if (pool) {
      const id = newPlanId();
      for (let t = 1; t < parties; t++)
        this.workerPlans.push({ id, memory: arena.memory, modules, phaseA: this.phaseA[t]!, phaseB: this.phaseB[t]! });
    }
  }

  /** Gives the memory back for the next engine; this engine must not be used afterwards. */
  dispose(): void {
    this.arena.release();
  }

  /** Number of threads taking part in each iteration. */
  get parties(): number {
    return this.pool ? this.pool.size : 1;
  }

  /** Q out of the padded buffer, in `layout`. */
  private readQ(layout: Layout, out: Float32Array = new Float32Array(this.n * this.labels)): Float32Array {
    const q = this.arena.f32(this.q, this.n * this.stride);
    const { n, labels: L, stride: S } = this;
    if (layout === 'hwc') {
      for (let i = 0; i < n; i++) for (let l = 0; l < L; l++) out[i * L + l] = q[i * S + l]!;
    } else {
      for (let i0 = 0; i0 < n; i0 += TILE) {
        const i1 = Math.min(n, i0 + TILE);
        for (let l = 0; l < L; l++) for (let i = i0; i < i1; i++) out[l * n + i] = q[i * S + l]!;
      }
    }
    return out;
  }

  /** Pixel-major Q into the padded buffer (padding lanes 0). */
  private writeQ(from: Float32Array): void {
    const q = this.arena.f32(this.q, this.n * this.stride);
    const { n, labels: L, stride: S } = this;
    q.fill(0);
    for (let i = 0; i < n; i++) for (let l = 0; l < L; l++) q[i * S + l] = from[i * L + l]!;
  }

  initial(): Float32Array {
    this.arena.kernels(2).expNormalize(this.negU, this.q, this.n, this.vecs);
    return this.readQ('hwc');
  }

  run(iterations: number, layout: Layout, onIteration?: (done: number) => void): Float32Array {
    this.arena.kernels(2).expNormalize(this.negU, this.q, this.n, this.vecs);
    this.iterations(iterations, onIteration);
    return this.readQ(layout);
  }

  /** tmp −= M·filtered for the full-matrix terms, on the real label lanes. */
  private applyMatrices(): void {
    const { n, labels: L, stride, arena } = this;
    for (const { term, filtered } of this.matrixSteps) {
      const padded = arena.f32(filtered, n * stride);
      const f = new Float32Array(n * L);
      for (let i = 0; i < n; i++) for (let l = 0; l < L; l++) f[i * L + l] = padded[i * stride + l]!;
      applyCompatibility(term.compatibility, f, L, f);
      const tmp = arena.f32(this.tmp, n * stride);
      for (let i = 0; i < n; i++) for (let l = 0; l < L; l++) tmp[i * stride + l]! -= f[i * L + l]!;
    }
  }

  iterate(q: Float32Array, iterations: number, onIteration?: (done: number) => void): void {
    if (iterations === 0) return;
    this.writeQ(q);
    this.iterations(iterations, onIteration);
    this.readQ('hwc', q);
  }

  /** Mean-field updates of the Q held in WebAssembly memory. */
  private iterations(iterations: number, onIteration?: (done: number) => void): void {
    const kernels = this.arena.kernelsByD();
    const buffer = this.arena.memory.buffer;
    const pool = this.pool;
    if (pool && iterations > 0) pool.install(this.workerPlans);
    for (let it = 0; it < iterations; it++) {
      if (pool) {
        pool.iterate((phase) => executeOps(phase === 'A' ? this.phaseA[0]! : this.phaseB[0]!, kernels, buffer));
      } else {
        executeOps(this.phaseA[0]!, kernels, buffer);
        this.applyMatrices();
        executeOps(this.phaseB[0]!, kernels, buffer);
      }
      onIteration?.(it + 1);
    }
  }
}
