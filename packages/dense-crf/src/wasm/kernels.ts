import { F32, FunctionBody, I32, V128, assembleModule, type MemoryImport } from './emitter';

/*
 * The mean-field hot loops as WebAssembly SIMD (f32x4) kernels. Values are pixel-major rows of
 * `vecs` 16-byte vectors (labels padded to a multiple of 4); all pointers are byte addresses in
 * the imported memory. Lattice offsets and neighbours are stored pre-multiplied by the row size
 * in bytes, so the kernels add them to a base pointer. `splat`/`slice` are generated for one
 * feature count d, keeping the d+1 simplex corners in locals.
 */

/**
 * The widest row (in vectors) a kernel may have a fully unrolled loop for; 21 labels are 6
 * vectors. The lattice kernels spend their time waiting for rows that lie anywhere in memory:
 * unrolled, with all of a row's loads issued before its stores, the processor keeps them in
 * flight at once (the arithmetic is the same, lane for lane). A module gets unrolled loops only
 * for the widths its engine uses (each one costs compile time).
 */
export const UNROLLED_VECS = 8;

/**
 * `loop(width)` for each of `widths` up to {@link UNROLLED_VECS}, taken when `vecs` equals it
 * (and then returning from the function), then `loop(null)`, the generic loop, for other rows.
 */
function forEachWidth(f: FunctionBody, vecs: number, widths: readonly number[], loop: (width: number | null) => void): void {
  for (const width of new Set(widths)) {
    if (!Number.isInteger(width) || width < 1 || width > UNROLLED_VECS) continue;
    f.get(vecs)
      .i32Const(width)
      .i32Eq()
      .ifElse(() => {
        loop(width);
        f.return();
      });
  }
  loop(null);
}

/**
 * splat(offs, wts, n, in, inStride, scale, vals, rowBytes, vecs):
 * vals[corner] += w·scale[i]·in[i] for `vecs` vectors per point.
 */
function splatKernel(d: number, widths: readonly number[]): FunctionBody {
  const d1 = d + 1;
  const f = new FunctionBody('splat', [I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [offs, wts, n, inp, inStride, scale, vals, rowBytes, vecs] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const i = f.local(I32);
  const v = f.local(I32);
  const p = f.local(I32);
  const s = f.local(F32);
  const x = f.local(V128);
  const o = Array.from({ length: d1 }, () => f.local(I32));
  const w = Array.from({ length: d1 }, () => f.local(V128));
  const xs = Array.from({ length: UNROLLED_VECS }, () => f.local(V128));
  const pixelLoop = (width: number | null) =>
    f.forRange(i, n, () => {
      f.get(scale).f32Load().set(s).bump(scale, 4);
      for (let r = 0; r < d1; r++) {
        f.get(vals)
          .get(offs)
          .i32Load(4 * r)
          .get(rowBytes)
          .i32Mul()
          .i32Add()
          .set(o[r]!);
        f.get(wts)
          .f32Load(4 * r)
          .get(s)
          .f32Mul()
          .f32x4Splat()
          .set(w[r]!);
      }
      f.bump(offs, 4 * d1).bump(wts, 4 * d1);
      if (width === null) {
        f.get(inp).set(p);
        f.forRange(v, vecs, () => {
          f.get(p).v128Load().set(x).bump(p, 16);
          for (let r = 0; r < d1; r++) {
            f.get(o[r]!).get(o[r]!).v128Load().get(w[r]!).get(x).f32x4Mul().f32x4Add().v128Store();
            f.bump(o[r]!, 16);
          }
        });
      } else {
        for (let t = 0; t < width; t++)
          f.get(inp)
            .v128Load(16 * t)
            .set(xs[t]!);
        for (let r = 0; r < d1; r++) {
          for (let t = 0; t < width; t++) {
            f.get(o[r]!)
              .get(o[r]!)
              .v128Load(16 * t)
              .get(w[r]!)
              .get(xs[t]!)
              .f32x4Mul()
              .f32x4Add()
              .v128Store(16 * t);
          }
        }
      }
      f.bumpBy(inp, inStride);
    });
  forEachWidth(f, vecs, widths, pixelLoop);
  return f;
}

/**
 * slice(offs, wts, n, vals, rowBytes, out, outStride, base, scale, factor, alpha, vecs):
 * out[i] = base[i] + factor ∘ (alpha·scale[i]·Σ w·vals[corner]), base = 0 meaning none
 * (base may equal out, which accumulates).
 */
function sliceKernel(d: number, widths: readonly number[]): FunctionBody {
  const d1 = d + 1;
  const f = new FunctionBody('slice', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, I32]);
  const [offs, wts, n, vals, rowBytes, out, outStride, base, scale, factor, alpha, vecs] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const i = f.local(I32);
  const v = f.local(I32);
  const p = f.local(I32);
  const fp = f.local(I32);
  const bp = f.local(I32);
  const s = f.local(F32);
  const acc = f.local(V128);
  const o = Array.from({ length: d1 }, () => f.local(I32));
  const w = Array.from({ length: d1 }, () => f.local(V128));
  const pixelLoop = (width: number | null) =>
    f.forRange(i, n, () => {
      f.get(scale).f32Load().get(alpha).f32Mul().set(s).bump(scale, 4);
      for (let r = 0; r < d1; r++) {
        f.get(vals)
          .get(offs)
          .i32Load(4 * r)
          .get(rowBytes)
          .i32Mul()
          .i32Add()
          .set(o[r]!);
        f.get(wts)
          .f32Load(4 * r)
          .get(s)
          .f32Mul()
          .f32x4Splat()
          .set(w[r]!);
      }
      f.bump(offs, 4 * d1).bump(wts, 4 * d1);
      if (width !== null) {
        for (let t = 0; t < width; t++) {
          f.get(o[0]!)
            .v128Load(16 * t)
            .get(w[0]!)
            .f32x4Mul();
          for (let r = 1; r < d1; r++) {
            f.get(o[r]!)
              .v128Load(16 * t)
              .get(w[r]!)
              .f32x4Mul()
              .f32x4Add();
          }
          f.get(factor)
            .v128Load(16 * t)
            .f32x4Mul()
            .set(acc);
          f.get(base).ifElse(() => {
            f.get(acc)
              .get(base)
              .v128Load(16 * t)
              .f32x4Add()
              .set(acc);
          });
          f.get(out)
            .get(acc)
            .v128Store(16 * t);
        }
      } else {
        f.get(out).set(p);
        f.get(base).set(bp);
        f.get(factor).set(fp);
        f.forRange(v, vecs, () => {
          f.get(o[0]!).v128Load().get(w[0]!).f32x4Mul();
          f.bump(o[0]!, 16);
          for (let r = 1; r < d1; r++) {
            f.get(o[r]!).v128Load().get(w[r]!).f32x4Mul().f32x4Add();
            f.bump(o[r]!, 16);
          }
          f.get(fp).v128Load().f32x4Mul().set(acc);
          f.get(base).ifElse(() => {
            f.get(acc).get(bp).v128Load().f32x4Add().set(acc);
          });
          f.get(p).get(acc).v128Store();
          f.bump(p, 16).bump(fp, 16).bump(bp, 16);
        });
      }
      f.bumpBy(out, outStride);
      f.get(base).ifElse(() => {
        f.bumpBy(base, outStride);
      });
    });
  forEachWidth(f, vecs, widths, pixelLoop);
  return f;
}

/**
 * blur(nb, m, src, dst, rowBytes, vecs): one lattice axis, dst[v] = src[v] + ½(src[n1] + src[n2])
 * for rows 1..m (neighbour rows from `nb`, row 0 = zeros).
 * Both neighbour rows are loaded before the row is stored (see {@link UNROLLED_VECS}).
 */
function blurKernel(widths: readonly number[]): FunctionBody {
  const f = new FunctionBody('blur', [I32, I32, I32, I32, I32, I32]);
  const [nb, m, src, dst, rowBytes, vecs] = [0, 1, 2, 3, 4, 5];
  const i = f.local(I32);
  const k = f.local(I32);
  const p = f.local(I32);
  const q = f.local(I32);
  const a = f.local(I32);
  const b = f.local(I32);
  const half = f.local(V128);
  f.f32Const(0.5).f32x4Splat().set(half);
  const row = f.local(I32);
  const sums = Array.from({ length: UNROLLED_VECS }, () => f.local(V128));
  /** p, q: the vertex's rows in src and dst; a, b: its neighbours' rows in src. */
  const rowPointers = () => {
    // Vertex i lives in row i+1.
    f.get(i).i32Const(1).i32Add().get(rowBytes).i32Mul().set(row);
    f.get(src).get(row).i32Add().set(p);
    f.get(dst).get(row).i32Add().set(q);
    f.get(src).get(nb).i32Load(0).get(rowBytes).i32Mul().i32Add().set(a);
    f.get(src).get(nb).i32Load(4).get(rowBytes).i32Mul().i32Add().set(b);
    f.bump(nb, 8);
  };
  forEachWidth(f, vecs, widths, (width) =>
    f.forRange(i, m, () => {
      rowPointers();
      if (width === null) {
        f.forRange(k, vecs, () => {
          f.get(q).get(p).v128Load().get(a).v128Load().get(b).v128Load().f32x4Add().get(half).f32x4Mul().f32x4Add().v128Store();
          f.bump(p, 16).bump(q, 16).bump(a, 16).bump(b, 16);
        });
        return;
      }
      for (let t = 0; t < width; t++)
        f.get(a)
          .v128Load(16 * t)
          .get(b)
          .v128Load(16 * t)
          .f32x4Add()
          .set(sums[t]!);
      for (let t = 0; t < width; t++) {
        f.get(q)
          .get(p)
          .v128Load(16 * t)
          .get(sums[t]!)
          .get(half)
          .f32x4Mul()
          .f32x4Add()
          .v128Store(16 * t);
      }
    }),
  );
  return f;
}

/**
 * expNormalize(energy, q, n, vecs): q = softmax(energy) per pixel row. exp is evaluated as
 * 2ᵏ·p(r) with k = round(x·log2 e), r = x − k·ln2 and a degree-7 Taylor polynomial (relative
 * error < 1e-8, below float32 resolution); x ≤ 0 is clamped at −88, where 2ᵏ's exponent field
 * becomes 0, so padding lanes holding −∞ come out exactly 0.
 */
function expNormalizeKernel(): FunctionBody {
  const f = new FunctionBody('expNormalize', [I32, I32, I32, I32]);
  const [energy, q, n, vecs] = [0, 1, 2, 3];
  const i = f.local(I32);
  const v = f.local(I32);
  const e = f.local(I32);
  const p = f.local(I32);
  const mx = f.local(V128);
  const x = f.local(V128);
  const k = f.local(V128);
  const t = f.local(V128);
  const r = f.local(V128);
  const sum = f.local(V128);
  const inv = f.local(V128);
  const m = f.local(F32);
  // Constants as vectors, made once (not re-splatted in the loop).
  const constant = (c: number) => {
    const l = f.local(V128);
    f.f32Const(c).f32x4Splat().set(l);
    return l;
  };
  const clamp = constant(-88);
  const log2e = constant(Math.LOG2E);
  const ln2hi = constant(0.693359375);
  const ln2lo = constant(-2.1219444e-4);
  const coefficients = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1].map(constant);
  // Rounding by adding 1.5·2²³: the float's low mantissa bits then hold round-half-even(x·log2e).
  const magic = constant(12582912);
  const bias = f.local(V128);
  f.i32Const(127 - 0x4b400000)
    .i32x4Splat()
    .set(bias);
  const zero = constant(0);
  f.forRange(i, n, () => {
    // Row maximum.
    f.get(energy).v128Load().set(mx);
    f.get(energy).set(e);
    f.forRange(v, vecs, () => {
      f.get(mx).get(e).v128Load().f32x4Max().set(mx).bump(e, 16);
    });
    f.get(mx).f32x4ExtractLane(0).get(mx).f32x4ExtractLane(1).f32Max();
    f.get(mx).f32x4ExtractLane(2).get(mx).f32x4ExtractLane(3).f32Max().f32Max().set(m);
    f.get(m).f32x4Splat().set(mx);
    // exp(x − max), stored, and summed.
    f.get(zero).set(sum);
    f.get(energy).set(e);
    f.get(q).set(p);
    f.forRange(v, vecs, () => {
      f.get(e).v128Load().get(mx).f32x4Sub().get(clamp).f32x4Max().set(x);
      f.get(x).get(log2e).f32x4Mul().get(magic).f32x4Add().set(t);
      f.get(t).get(magic).f32x4Sub().set(k);
      f.get(x).get(k).get(ln2hi).f32x4Mul().f32x4Sub().get(k).get(ln2lo).f32x4Mul().f32x4Sub().set(r);
      f.get(coefficients[0]!);
      for (const c of coefficients.slice(1)) f.get(r).f32x4Mul().get(c).f32x4Add();
      // × 2^k via the exponent field: (k + 127) << 23, k read from t's bits.
      f.get(t).get(bias).i32x4Add().i32Const(23).i32x4Shl().f32x4Mul().set(x);
      f.get(p).get(x).v128Store();
      f.get(sum).get(x).f32x4Add().set(sum);
      f.bump(e, 16).bump(p, 16);
    });
    f.f32Const(1);
    f.get(sum).f32x4ExtractLane(0).get(sum).f32x4ExtractLane(1).f32Add();
    f.get(sum).f32x4ExtractLane(2).get(sum).f32x4ExtractLane(3).f32Add().f32Add();
    f.f32Div().f32x4Splat().set(inv);
    f.get(q).set(p);
    f.forRange(v, vecs, () => {
      f.get(p).get(p).v128Load().get(inv).f32x4Mul().v128Store().bump(p, 16);
    });
    const rowBytes = f.local(I32);
    f.get(vecs).i32Const(16).i32Mul().set(rowBytes);
    f.bumpBy(energy, rowBytes).bumpBy(q, rowBytes);
  });
  return f;
}

/** The exports of a kernel module (all pointers are byte addresses). */
export interface KernelExports {
  splat(
    offs: number,
    wts: number,
    n: number,
    input: number,
    inStride: number,
    scale: number,
    vals: number,
    rowBytes: number,
    vecs: number,
  ): void;
  slice(
    offs: number,
    wts: number,
    n: number,
    vals: number,
    rowBytes: number,
    out: number,
    outStride: number,
    base: number,
    scale: number,
    factor: number,
    alpha: number,
    vecs: number,
  ): void;
  blur(nb: number, m: number, src: number, dst: number, rowBytes: number, vecs: number): void;
  expNormalize(energy: number, q: number, n: number, vecs: number): void;
}

/** The bytes of the kernel module for feature count `d`, with unrolled loops for rows of `widths` vectors. */
export function kernelModuleBytes(d: number, memory: MemoryImport, widths: readonly number[] = []): Uint8Array {
  return assembleModule([splatKernel(d, widths), sliceKernel(d, widths), blurKernel(widths), expNormalizeKernel()], memory);
}
