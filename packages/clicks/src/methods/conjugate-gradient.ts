/**
 * Conjugate gradients with a Jacobi (diagonal) preconditioner for a symmetric positive definite
 * system A x = b given only as a product x -> A x (Hestenes & Stiefel 1952; the preconditioned
 * form as in Saad, Iterative Methods for Sparse Linear Systems, alg. 9.1). It stops when the
 * residual norm |r| (r = b - A x, updated by the recurrence) is at most `tolerance * |b|`, as
 * SciPy's `cg` with `rtol = tolerance, atol = 0` that scikit-image's random walker calls, or
 * after `maxIterations`.
 */

/** A symmetric positive definite operator of size `size`. */
export interface LinearOperator {
  readonly size: number;
  /** out = A x (out and x distinct). */
  apply(x: Float64Array, out: Float64Array): void;
  /** The diagonal of A (all positive), the Jacobi preconditioner. */
  readonly diagonal: Float64Array;
}

/** Options of {@link conjugateGradient}. */
export interface ConjugateGradientOptions {
  /** Relative residual to reach (default 1e-3, scikit-image's `tol`). */
  tolerance?: number;
  /** Iteration cap (default 10 * size). */
  maxIterations?: number;
}

/** What {@link conjugateGradient} reached. */
export interface ConjugateGradientResult {
  iterations: number;
  /** |r| / |b| at the end (0 for b = 0). */
  relativeResidual: number;
  converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Solves A x = b in place of `x` (its content is the initial guess). */
export function conjugateGradient(
  a: LinearOperator,
  b: Float64Array,
  x: Float64Array,
  options: ConjugateGradientOptions = {},
): ConjugateGradientResult {
  const n = a.size;
  const tolerance = options.tolerance ?? 1e-3;
  const maxIterations = options.maxIterations ?? 10 * n;
  const bNorm = Math.sqrt(dot(b, b));
  if (bNorm === 0) {
    x.fill(0);
    return { iterations: 0, relativeResidual: 0, converged: true };
  }
  const r = new Float64Array(n);
  const z = new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  const inverseDiagonal = new Float64Array(n);
  for (let i = 0; i < n; i++) inverseDiagonal[i] = 1 / a.diagonal[i]!;
  a.apply(x, q);
  let rr = 0;
  let rz = 0;
  for (let i = 0; i < n; i++) {
    const ri = b[i]! - q[i]!;
    r[i] = ri;
    const zi = ri * inverseDiagonal[i]!;
    z[i] = zi;
    p[i] = zi;
    rr += ri * ri;
    rz += ri * zi;
  }
  const target = tolerance * bNorm;
  let iterations = 0;
  while (Math.sqrt(rr) > target && iterations < maxIterations) {
    a.apply(p, q);
    const alpha = rz / dot(p, q);
    let nextRr = 0;
    let nextRz = 0;
    for (let i = 0; i < n; i++) {
      x[i]! += alpha * p[i]!;
      const ri = r[i]! - alpha * q[i]!;
      r[i] = ri;
      const zi = ri * inverseDiagonal[i]!;
      z[i] = zi;
      nextRr += ri * ri;
      nextRz += ri * zi;
    }
    const betaCg = nextRz / rz;
    for (let i = 0; i < n; i++) p[i] = z[i]! + betaCg * p[i]!;
    rr = nextRr;
    rz = nextRz;
    iterations++;
  }
  const relativeResidual = Math.sqrt(rr) / bNorm;
  return { iterations, relativeResidual, converged: Math.sqrt(rr) <= target };
}
